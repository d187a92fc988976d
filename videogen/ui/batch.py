"""The Text to Video tab's Batch: a list of prompts (pasted, or a .txt, .csv or .jsonl file) made one
clip after another, each appearing in the history as it finishes, one Cancel for the rest, and a
ZIP of the batch at the end.

The list is read by :func:`videogen.generate.batch.read_batch` (a row's own seed, model and settings
win over the tab's boxes). The clips run one by one as jobs of the GPU queue's one request (the
batch holds the queue until it ends, as one long job does); a clip that fails is said in the status
and the batch goes on; Cancel stops the clip being made at its next step and the rest are not
started. The tab receives functions, never a model: ``make(item, report, cancel)`` makes one clip.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from videogen import params
from videogen.config import load_settings
from videogen.errors import VideogenError
from videogen.generate.batch import MAX_ITEMS, BatchItem, batch_zip, read_batch
from videogen.generate.common import GenerationRequest
from videogen.ui.history import add_clip
from videogen.ui.i18n import Locale, locale_of, t, tr
from videogen.ui.settings import mark_values, request_values, sound_values

BATCH_FILES = [".txt", ".csv", ".jsonl"]
PROMPTS = params.Param("prompts", "text", "Prompts", "the batch: one prompt per line, or CSV / JSON Lines with a prompt "
                       "column and any generation settings", ("提示词", "批量任务：每行一个提示词，或带 prompt 列及生成设置的 "
                       "CSV / JSON Lines"))
PROMPTS_FILE = params.Param("prompts_file", "text", "Or a file", "the batch as a .txt, .csv or .jsonl file",
                            ("或上传文件", "批量任务文件：.txt、.csv 或 .jsonl"))
# The Batch button's handler: the batch, then every Text to Video setting (each clip's defaults); page only
BATCH = params.TaskParams("t2v", "text_to_video_batch", "Make a clip for each prompt of a list, one after another.",
                          "the last clip, the status, the history", (PROMPTS, PROMPTS_FILE), params.TEXT_TO_VIDEO.settings)


@dataclass
class BatchWidgets:
    prompts: gr.Textbox
    upload: gr.File
    run: gr.Button
    archive: gr.File


def batch_widgets() -> BatchWidgets:
    """The Batch accordion (inside the tab's left column)."""
    with gr.Accordion(t("Batch"), open=False):
        prompts = gr.Textbox(label=t("Prompts"), lines=5, max_lines=20,
                             placeholder=t("One prompt per line; or CSV / JSON Lines with a prompt column and any "
                                           "settings (seed, model, frames…)"))
        upload = gr.File(label=t("Or a file"), file_types=BATCH_FILES, file_count="single")
        run = gr.Button(t("Run the batch"), variant="secondary")
        archive = gr.File(label=t("The batch (ZIP)"), visible=False, interactive=False)
    return BatchWidgets(prompts, upload, run, archive)


def wire_batch(widgets: BatchWidgets, batch: Callable, inputs: dict[str, Any], results: Any) -> None:
    """The Batch button: ``batch`` in the GPU queue with the tab's boxes (``inputs``, by name, with the
    history) and the batch's boxes; its clips go to the tab's video, status and history, the ZIP below."""
    from videogen.ui.generation import GPU_QUEUE

    named = {name: inputs[name] for name in ("prompts", "prompts_file", *(p.name for p in BATCH.on("api")))}
    cleared = widgets.run.click(lambda: ("", gr.update(value=None, visible=False)), outputs=[results.status, widgets.archive],
                                api_visibility="private", queue=False)
    cleared.then(batch, inputs_kwargs={**named, "history": inputs["history"]},
                 outputs=[results.video, results.status, results.history.clips, widgets.archive],
                 api_visibility="private", concurrency_id=GPU_QUEUE, concurrency_limit=1, show_progress="hidden",
                 show_progress_on=[results.marks], preprocess=False)


def batch_run(values: dict[str, Any], history: list | None, request: gr.Request | None, progress: Any,
              handlers: Any, path_of: Callable[[Any], str | None]) -> Iterator[tuple[Any, ...]]:
    """The Batch button (``handlers``: the app's :class:`~videogen.ui.handlers.Handlers`): the list
    read, then :func:`run_batch` with the tab's settings under each row's own."""
    locale = locale_of(request)
    try:
        items = batch_items(values.get("prompts"), path_of(values.get("prompts_file")), handlers.policy.max_batch or MAX_ITEMS)
    except VideogenError as exc:
        message = handlers.say(str(exc))
        yield gr.skip(), f"⛔ {message}", gr.skip(), gr.skip()
        raise gr.Error(message, print_exception=False, title=tr("Error", locale)) from exc
    base = request_values("t2v", values)
    extras = {**sound_values(values, handlers.own_upload, path_of), **mark_values(values)}
    folder = handlers.output_dir(request)

    def make(item: BatchItem, report: Any, cancel: Any) -> Any:
        asked = GenerationRequest(prompt=item.prompt, **{**base, **item.settings})
        return handlers.engine.text_to_video(asked, output_dir=folder, progress=report, cancel=cancel, **extras)

    session = request.session_hash if request else None
    cancel = handlers.cancels.start(session or "")  # one flag for the whole batch: Cancel between clips stops it too

    def stream(job: Any) -> Iterator[tuple[str, Any]]:
        if cancel.is_set():  # pressed while no clip was running: the next one does not start
            return iter([("cancelled", "")])
        return handlers.stream_job(job, progress, session, locale, cancel)

    try:
        yield from run_batch(items, stream, make, history, add_clip, Path(folder or load_settings().output_dir), locale)
    finally:
        handlers.cancels.finish(session or "", cancel)


def batch_items(text: str | None, upload: str | None, limit: int) -> list[BatchItem]:
    """The batch the boxes hold: the file when one is given, else the pasted text."""
    if upload:
        raw = Path(upload).read_bytes()
        try:
            content = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise gr.Error(f"{Path(upload).name} is not UTF-8 text: save the list as UTF-8 (.txt, .csv or .jsonl)",
                           print_exception=False) from exc
        return read_batch(content, Path(upload).name, limit)
    return read_batch(text or "", "", limit)


def run_batch(
    items: list[BatchItem], stream: Callable[[Any], Iterator[tuple[str, Any]]], make: Callable[..., Any],
    history: list | None, add: Callable[[list | None, Any], list], folder: Path, locale: Locale = "en",
) -> Iterator[tuple[Any, ...]]:
    """(video, status, history, archive) as the batch runs: ``stream(job)`` runs one job as the
    handlers do (yielding ("status" | "preview" | "result" | "cancelled", value)); ``make(item,
    report, cancel)`` is that job for one item; ``add(history, result)`` the history with a clip more."""
    made, failed = [], []
    total = len(items)
    for index, item in enumerate(items, 1):
        head = tr("Batch: clip {index} of {total}", locale, index=index, total=total)
        try:
            for kind, value in stream(lambda report, cancel, item=item: make(item, report, cancel)):
                if kind == "result":
                    made.append(value)
                    history = add(history, value)
                    yield value.path, f"{head}: {tr('done', locale)}", history, gr.skip()
                elif kind == "cancelled":
                    yield gr.skip(), finished(made, failed, total, locale, cancelled=True), gr.skip(), \
                        archive_update(made, folder)
                    return
                elif kind == "status":
                    yield gr.skip(), f"{head} · {value}", gr.skip(), gr.skip()
        except gr.Error as exc:  # this clip's settings were refused (or it failed): said, and the batch goes on
            failed.append(f"{index} ({item.prompt[:40]}): {exc.message}")
            yield gr.skip(), f"{head}: ⛔ {exc.message}", gr.skip(), gr.skip()
    yield gr.skip(), finished(made, failed, total, locale), gr.skip(), archive_update(made, folder)


def archive_update(made: list[Any], folder: Path) -> Any:
    """The ZIP of what was made (hidden when nothing was)."""
    if not made:
        return gr.update(value=None, visible=False)
    path = batch_zip(made, folder / f"batch-{time.strftime('%Y%m%d-%H%M%S')}-{len(made)}.zip")
    return gr.update(value=str(path), visible=True)


def finished(made: list[Any], failed: list[str], total: int, locale: Locale, cancelled: bool = False) -> str:
    """The batch's closing status line, and the failures one per line."""
    if cancelled:
        line = tr("Batch cancelled: {made} of {total} clips made; the rest were not started.", locale,
                  made=len(made), total=total)
    else:
        line = tr("Batch done: {made} of {total} clips made.", locale, made=len(made), total=total)
    failures = [f"⛔ {tr('Clip', locale)} {text}" for text in failed]
    return "\n\n".join([line, *failures])
