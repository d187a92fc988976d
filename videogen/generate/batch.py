"""Batch jobs (issue 20): many clips from one list, and the batch as one ZIP.

A batch is written as users keep their prompts:

- plain text: one prompt per line (blank lines and lines starting with ``#`` are skipped);
- CSV with a header row naming ``prompt`` and any generation settings (``seed``, ``model``,
  ``negative_prompt``, ``frames``, ``height``, ``width``, ``steps``, ``guidance``, ``fps``);
- JSON Lines: one object per line with the same keys.

:func:`read_batch` gives one :class:`BatchItem` per clip, its settings checked by name (a number
that is not one says its line); a blank cell is the model's default. :func:`batch_zip` puts the
finished clips in a ZIP with ``batch.json`` (what each was made with), written beside and renamed
into place only when complete.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videogen import params
from videogen.errors import InvalidInputError
from videogen.values import number, whole

MAX_ITEMS = 500  # one batch; public mode holds it to its own cap (Policy.max_batch)
SETTINGS = {p.name: p for p in params.GENERATION}


@dataclass(frozen=True)
class BatchItem:
    """One clip of a batch: its prompt and the settings its row gives (the rest: the batch's own)."""

    prompt: str
    settings: dict[str, Any] = field(default_factory=dict)
    line: int = 0  # where it is in the file (1-based), for messages


def read_batch(text: str, name: str = "", limit: int = MAX_ITEMS) -> list[BatchItem]:
    """The clips a batch file (or pasted text) asks for; ``name`` (the file's) picks CSV or JSON Lines by
    its extension (``.txt`` is one prompt per line), else the text's first line does (``{``: JSON
    Lines; a header naming ``prompt``: CSV; otherwise one prompt per line)."""
    if not isinstance(text, str):
        raise InvalidInputError(f"a batch is text (one prompt per line, CSV or JSON Lines), got {type(text).__name__}")
    lines = [line for line in text.splitlines() if line.strip()]
    first = lines[0].strip() if lines else ""
    suffix = Path(name).suffix.lower()
    if suffix == ".jsonl" or (suffix != ".csv" and first.startswith("{")):
        items = _jsonl(text)
    elif suffix == ".csv" or (suffix != ".txt" and "prompt" in [c.strip().lower() for c in first.split(",")]):
        items = _csv(text)
    else:
        items = [BatchItem(line.strip(), {}, i) for i, line in enumerate(text.splitlines(), 1)
                 if line.strip() and not line.lstrip().startswith("#")]
    if not items:
        raise InvalidInputError("the batch has no prompt: write one prompt per line (or CSV / JSON Lines with a "
                                "'prompt' column)")
    if len(items) > limit:
        raise InvalidInputError(f"the batch has {len(items)} prompts, over the limit of {limit}: split it into batches")
    return items


def _jsonl(text: str) -> list[BatchItem]:
    items = []
    for number_, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"line {number_} of the batch is not JSON ({exc.msg}): write one object per line, "
                                    '{"prompt": "...", "seed": 1}') from exc
        if not isinstance(row, dict):
            raise InvalidInputError(f"line {number_} of the batch is not a JSON object: write {{\"prompt\": \"...\"}}")
        items.append(_item(row, number_))
    return items


def _csv(text: str) -> list[BatchItem]:
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    if "prompt" not in header:
        raise InvalidInputError(f"the batch's CSV header has no 'prompt' column (it has {', '.join(header) or 'none'})")
    items = []
    for row in reader:
        cells = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        if any(cells.values()):
            items.append(_item(cells, reader.line_num))
    return items


def _item(row: dict[str, Any], line: int) -> BatchItem:
    """A row as a :class:`BatchItem`: ``prompt`` required, the settings by name, blanks unset."""
    unknown = sorted(set(row) - {"prompt"} - set(SETTINGS))
    if unknown:
        raise InvalidInputError(f"line {line} of the batch has {', '.join(unknown)}, which is not a setting: the "
                                f"columns are prompt, {', '.join(SETTINGS)}")
    prompt = row.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidInputError(f"line {line} of the batch has no prompt")
    settings: dict[str, Any] = {}
    for name, value in row.items():
        if name == "prompt" or value in (None, ""):
            continue
        kind = SETTINGS[name].kind
        try:
            if kind in ("int", "float") and isinstance(value, str):  # a CSV cell
                value = _parsed(name, value)
            settings[name] = whole(name, value) if kind == "int" else number(name, value) if kind == "float" else str(value)
        except InvalidInputError as exc:
            raise InvalidInputError(f"line {line} of the batch: {exc}") from exc
    return BatchItem(" ".join(prompt.split()), settings, line)


def _parsed(name: str, text: str) -> int | float:
    """A CSV cell as the number it writes (whole when it is one: "3", "3.0")."""
    try:
        value = float(text)
    except ValueError:
        raise InvalidInputError(f"{name} must be a number, got {text!r}") from None
    return int(value) if value.is_integer() else value


def batch_zip(results: list[Any], path: str | Path) -> Path:
    """A ZIP of the batch's clips (``results``: VideoResults) with ``batch.json``, each clip's
    ``to_json()`` by its file name; written beside ``path`` and renamed over it when complete."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:  # MP4s do not compress
            names: list[str] = []
            for index, result in enumerate(results, 1):
                name = f"{index:03d}-{Path(result.path).name}"
                archive.write(result.path, name)
                names.append(name)
            made = [{"file": name, **result.to_json()} for name, result in zip(names, results)]
            for entry in made:
                entry.pop("path", None)  # a path on the server: the file name is the entry's
            archive.writestr("batch.json", json.dumps(made, ensure_ascii=False, indent=2))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
