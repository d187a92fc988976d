"""What every training run writes: the command line it records, the weights, ``metrics.json`` and
the model card (``README.md``), a template of ``cards/`` filled in with :class:`string.Template`."""

from __future__ import annotations

import json
import shlex
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any


def command_line(script: str, argv: list[str]) -> str:
    """The command a run records, e.g. ``python -m videogen.training.train_action --seed 0``."""
    return f"python -m videogen.training.{script} " + shlex.join(argv)


def percent(value: object) -> str:
    """A share as the cards write it (``0.9876`` -> ``98.8 %``); ``-`` for None (not measured)."""
    return "-" if value is None else f"{100 * float(value):.1f} %"  # type: ignore[arg-type]


def fill_card(name: str, **fields: object) -> str:
    """The model card ``cards/<name>.md`` with its ``${field}`` placeholders filled (every one is required)."""
    template = resources.files("videogen.training").joinpath("cards", f"{name}.md").read_text(encoding="utf-8")
    return Template(template).substitute(fields)


def save_model(model: Any, out: Path) -> Path:
    """Save a ``save_pretrained`` model into ``out`` (created only now: an empty folder would look
    like a shipped model); returns its ``model.safetensors``, made readable by all."""
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    weights = out / "model.safetensors"
    weights.chmod(0o644)  # safetensors writes it owner-only
    return weights


def write_results(out: Path, metrics: dict[str, Any], card: str) -> None:
    """``metrics.json`` and the model card ``README.md`` next to the weights."""
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str) + "\n")
    (out / "README.md").write_text(card)
