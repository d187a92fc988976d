"""The "Edit" tab: a video (uploaded, or a clip from another tab's history) through the edit recipe.

Left, the input and the operations, in the order they apply (:mod:`videogen.edit.recipe`): the
clips to join after it, trim, speed, loop, reverse, interpolate, upscale, style, and the models to
use. Right, the edited clip (it plays, with its sound), the status line with what came in and what
came out, a before/after slider over the middle frame, and the result as the CLI's ``--json``
prints it. Edit runs in the GPU queue like the generation tabs, with progress and Cancel.

The tab receives functions (the handler, Cancel), the style and model choices, never a model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from videogen import params
from videogen.ui.credentials import credentials_update, signed_stills
from videogen.ui.endpoints import named_inputs
from videogen.ui.generation import GPU_QUEUE
from videogen.ui.i18n import Locale, locale_of, t, tr
from videogen.ui.playable import show_playable
from videogen.ui.settings import setting_box, setting_rows
from videogen.ui.warning_texts import warning_lines

if TYPE_CHECKING:
    from videogen.edit.recipe import EditResult

NO_STYLE = ""


@dataclass
class EditTab:
    """What other tabs reach: the video box ("Edit this clip" fills it) and the tab itself (to open it)."""

    video: gr.Video
    tab_id: str


def build_tab(
    edit: Callable, cancel: Callable, styles: Callable[[Locale], list[tuple[str, str]]],
    models: Callable[[Locale], list[tuple[str, str]]], *, tab_id: str, on_load: Callable,
) -> EditTab:
    """The tab's widgets and events (inside its ``gr.Tab``). ``styles(locale)``: (label, name) of
    each look; ``models(locale)``: (label, registry id) of each model an operation may use; both
    sent again in the browser's language when the page loads (``on_load``: the app's ``Blocks.load``)."""
    with gr.Row():
        with gr.Column(scale=1, elem_classes=["videogen-settings"]):  # its blank number boxes show their placeholders
            video = gr.Video(label=t("Video"), sources=["upload"])
            credentials = gr.Markdown(visible=False, label=t("Content Credentials"))  # the upload's, if it has any
            special = {  # the rest are the settings table's own boxes, in its rows
                "style": lambda: gr.Dropdown(styles("en"), value=NO_STYLE, label=t(params.STYLE.label)),
                "model": lambda: gr.Dropdown(models("en"), value=[], multiselect=True, label=t(params.EDIT_MODEL.label),
                                             info=t("Blank: the offline ones. Each model does its own operation.")),
            }
            boxes: dict[str, Any] = {"video": video, **setting_rows(
                params.EDIT.on("ui"), lambda p: special[p.name]() if p.name in special else setting_box(p))}
            with gr.Row():
                run = gr.Button(t("Edit"), variant="primary")
                stop = gr.Button(t("Cancel"), variant="stop")
        with gr.Column(scale=1):
            edited = gr.Video(label=t("Edited"), autoplay=True, buttons=["download"], interactive=False)
            status = gr.Markdown(label=t("Status"))
            compare = gr.ImageSlider(label=t("Before | after (the middle frame)"), visible=False, interactive=False)
            details = gr.JSON(label=t("What was done"), visible=False)
    compared = gr.State(None)  # (before, after) middle frames: shown in the slider, not an API output
    marks = gr.Markdown(visible=False)  # where Gradio draws its own progress and error marks (unseen)

    def localized(style: str, request: gr.Request) -> tuple[Any, Any]:
        locale = locale_of(request)
        return gr.update(choices=styles(locale)), gr.update(choices=models(locale))

    on_load(localized, inputs=boxes["style"], outputs=[boxes["style"], boxes["model"]], api_visibility="private",
            queue=False, show_progress="hidden")
    video.upload(show_playable, inputs=video, outputs=video, api_visibility="private")  # AVI, MKV: an H.264 copy
    video.change(shown_credentials, inputs=video, outputs=credentials, api_visibility="private", show_progress="hidden")
    compared.change(lambda pair: gr.update(value=pair, visible=pair is not None), inputs=compared, outputs=compare,
                    api_visibility="private", queue=False)
    details.change(lambda value: gr.update(visible=bool(value)), inputs=details, outputs=details,
                   api_visibility="private", queue=False)
    cleared = run.click(lambda: "", outputs=status, api_visibility="private", queue=False)
    cleared.then(edit, inputs_kwargs=named_inputs(params.EDIT, boxes), outputs=[edited, status, details, compared],
                 api_name=params.EDIT.api_name, concurrency_id=GPU_QUEUE, concurrency_limit=1, show_progress="hidden",
                 show_progress_on=[marks], preprocess=False)
    stop.click(cancel, outputs=status, api_visibility="private", queue=False)
    return EditTab(video, tab_id)


def shown_credentials(value: Any, request: gr.Request) -> Any:
    """The uploaded (or history) video's Content Credentials, in the browser's language."""
    return credentials_update(value, locale_of(request))


def style_choices(locale: Locale = "en") -> list[tuple[str, str]]:
    """(label, name) of each offline look, from :data:`videogen.edit.restyle.STYLES`, in ``locale``."""
    from videogen.edit.restyle import STYLES

    return [(tr("none", locale), NO_STYLE)] + [(f"{name}: {tr(what, locale)}", name) for name, what in STYLES.items()]


def model_choices(locale: Locale = "en") -> list[tuple[str, str]]:
    """(label, registry id) of each model an edit operation may use, the offline ones first, in ``locale``."""
    from videogen.registry import EDIT_TASKS, TASK_NAMES, models_for

    return [(f"{spec.id} ({tr(TASK_NAMES[task], locale)})", spec.id) for task in (*EDIT_TASKS, "restyle")
            for spec in models_for(task)]


def edit_options(values: dict[str, Any]) -> dict[str, Any]:
    """The page's (or the API's) values as :meth:`videogen.api.Engine.edit`'s keywords: a blank box,
    0 ("off" in a radio) or no style is "not asked for"; the models' list becomes "id,id"."""
    options: dict[str, Any] = {}
    for p in params.EDIT.on("api"):
        if p.name == "join":
            continue
        value = values.get(p.name)
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value if v)
        if p.kind == "flag":
            options[p.name] = bool(p.default if value is None else value)
        elif value in (None, "", 0):
            options[p.name] = None
        else:
            options[p.name] = value.strip() if isinstance(value, str) else value
    return options


# ----------------------------------------------------------------------------------------------
# Results -> the tab's outputs (called by Handlers.edit): edited clip, status, details, slider pair


def status_outputs(status: str) -> tuple[Any, ...]:
    return gr.skip(), status, gr.skip(), gr.skip()


def cleared_outputs(status: str) -> tuple[Any, ...]:
    """A new run, or a failed one: the last result goes, the status says what happens or went wrong."""
    return None, status, None, None


def result_outputs(result: EditResult, locale: Locale = "en") -> tuple[Any, ...]:
    """The edited clip, the status (warnings, what came in, what came out, the times) and the pair
    of middle frames (the first input's and the output's)."""
    source = result.sources[0]
    done = [op["name"] + (f" ({op['model']})" if op.get("model") else "") for op in result.operations]
    lines = [
        *warning_lines(result, locale),
        tr("In: {frames} frames, {width}×{height} at {fps:g} fps.", locale, frames=source["frames"],
           width=source["width"], height=source["height"], fps=source["fps"]),
        tr("Out: {frames} frames, {width}×{height} at {fps:g} fps, {duration:g} s.", locale, frames=result.frames,
           width=result.width, height=result.height, fps=result.fps, duration=result.duration_s),
        tr("Done: {operations}.", locale, operations=", ".join(done) if done else tr("re-encoded only", locale)),
        tr("Read {read:.1f} s · edit {edit:.1f} s · encode {encode:.1f} s.", locale, read=result.timings["read_s"],
           edit=result.timings["edit_s"], encode=result.timings["encode_s"]),
    ]
    return result.path, "\n\n".join(lines), shown_json(result), middle_frames(source["path"], result.path)


def shown_json(result: EditResult) -> dict[str, Any]:
    """The CLI's ``--json`` object as the page and the HTTP API show it: each ``path`` (the server's)
    becomes ``file``, the file's name (the clip itself is the endpoint's first output; and
    gradio_client takes any ``{"path": ...}`` in an output for a file to download)."""
    from pathlib import Path

    shown = result.to_json()
    shown["input"] = [Path(p).name for p in shown["input"]]
    shown["file"] = Path(shown.pop("path")).name
    shown["sources"] = [{"file": Path(s["path"]).name, **{k: v for k, v in s.items() if k != "path"}}
                        for s in shown["sources"]]
    return shown


def middle_frames(before: str, after: str) -> tuple[str, str] | None:
    """The frame on screen at the middle of each video, the input's scaled to the output's size (a
    slider needs two pictures of one size), as signed PNG files beside the output (they can be
    downloaded: their credentials name the video each came from); None when either cannot be read."""
    from pathlib import Path

    import cv2

    from videogen.errors import VideogenError
    from videogen.media import read_frames

    try:
        first, second = read_frames(before, 1).frames[0], read_frames(after, 1).frames[0]
    except VideogenError:
        return None
    if first.shape != second.shape:
        first = cv2.resize(first, (second.shape[1], second.shape[0]), interpolation=cv2.INTER_NEAREST)
    folder = Path(after).parent
    return (signed_stills([first], before, folder, "the middle frame, before the edit")[0],
            signed_stills([second], after, folder, "the middle frame, after the edit")[0])
