"""The "Compose" tab: photos and clips, with music and narration, into one video; or a story.

Left, the photos and clips (in the order uploaded), the music, the narration with its voice and
subtitles, the timing (seconds per photo, transition, cut on the beat), story mode (a script of one
line per scene, made by the text-to-video model named in the model box), and the output's size.
Right, the video (it plays with its sound, the soft subtitles shown by the browser from the WebVTT
file beside it), the status line, and the result as the CLI's ``--json`` prints it. Compose runs in
the GPU queue like the other tabs (story mode and animated photos run a model), with Cancel.

The tab receives functions (the handler, Cancel), never a model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from videogen import params
from videogen.ui.endpoints import named_inputs
from videogen.ui.generation import GPU_QUEUE
from videogen.ui.i18n import Locale, t, tr
from videogen.ui.settings import setting_box, setting_rows, sound_values
from videogen.ui.warning_texts import warning_lines

if TYPE_CHECKING:
    from videogen.compose import ComposeResult

IMAGE_AND_VIDEO = ["image", "video"]


def build_tab(compose: Callable, cancel: Callable) -> None:
    """The tab's widgets and events (inside its ``gr.Tab``)."""
    with gr.Row():
        with gr.Column(scale=1, elem_classes=["videogen-settings"]):
            special = {
                "audio": lambda: gr.Audio(label=t(params.AUDIO.label), type="filepath", sources=["upload"]),
                "narration": lambda: gr.Textbox(label=t(params.NARRATION.label), lines=3,
                                                placeholder=t(params.NARRATION.placeholder or "")),
                "story": lambda: gr.Textbox(label=t(params.STORY.label), lines=3, info=t(params.STORY.help),
                                            placeholder=t(params.STORY.placeholder or "")),
            }
            inputs = gr.File(label=t(params.MEDIA.label), file_count="multiple", file_types=IMAGE_AND_VIDEO)
            boxes: dict[str, Any] = {"inputs": inputs, **setting_rows(
                params.COMPOSE.on("ui"), lambda p: special[p.name]() if p.name in special else setting_box(p))}
            with gr.Row():
                run = gr.Button(t("Compose"), variant="primary")
                stop = gr.Button(t("Cancel"), variant="stop")
        with gr.Column(scale=1):
            video = gr.Video(label=t("Composition"), autoplay=False, buttons=["download"], interactive=False)
            status = gr.Markdown(label=t("Status"))
            details = gr.JSON(label=t("What was made"), visible=False)
    marks = gr.Markdown(visible=False)  # where Gradio draws its own progress and error marks (unseen)
    subtitles = gr.State(None)  # the WebVTT file beside the video (a State: not an API output)

    subtitles.change(lambda vtt: gr.update(subtitles=vtt), inputs=subtitles, outputs=video, api_visibility="private",
                     queue=False)
    details.change(lambda value: gr.update(visible=bool(value)), inputs=details, outputs=details,
                   api_visibility="private", queue=False)
    cleared = run.click(lambda: "", outputs=status, api_visibility="private", queue=False)
    cleared.then(compose, inputs_kwargs=named_inputs(params.COMPOSE, boxes), outputs=[video, status, details, subtitles],
                 api_name=params.COMPOSE.api_name, concurrency_id=GPU_QUEUE, concurrency_limit=1,
                 show_progress="hidden", show_progress_on=[marks], preprocess=False)
    stop.click(cancel, outputs=status, api_visibility="private", queue=False)


def compose_values(values: dict[str, Any], upload: Callable[[str], str], path_of: Callable[[Any], str | None]) -> dict[str, Any]:
    """The page's (or the API's) values as :meth:`videogen.api.Engine.compose`'s keywords: blank is
    unset, the music an upload of this app (``upload`` checks it), the model box's blank the default."""
    options = {p.name: values.get(p.name) for p in params.COMPOSE.on("api")}
    options.update(sound_values(values, upload, path_of))  # the music, narration and voice, as the tabs' Sound boxes
    for name in ("story", "model"):
        value = options.get(name)
        options[name] = (value.strip() or None) if isinstance(value, str) else value  # not text: refused by name later
    options["animate"] = bool(options.get("animate"))
    return options


# ----------------------------------------------------------------------------------------------
# Results -> the tab's outputs (called by Handlers.compose): the video, the status, the details


def status_outputs(status: str) -> tuple[Any, ...]:
    return gr.skip(), status, gr.skip(), gr.skip()


def cleared_outputs(status: str) -> tuple[Any, ...]:
    return None, status, None, None


def result_outputs(result: ComposeResult, locale: Locale = "en") -> tuple[Any, ...]:
    """The video, the status, the JSON, and the WebVTT subtitles the page shows over the video."""
    sound = result.audio["source"] if result.audio else tr("none", locale)
    lines = [
        *warning_lines(result, locale),
        tr("Made: {frames} frames, {width}×{height} at {fps:g} fps, {duration:g} s, {shots} shots.", locale,
           frames=result.frames, width=result.width, height=result.height, fps=result.fps, duration=result.duration_s,
           shots=len(result.segments)),
        tr("Sound: {sound}.", locale, sound=sound),
    ]
    if result.beats:
        lines.append(tr("{on} of {cuts} cuts on the beat ({found} beats found).", locale, on=result.beats["cuts_on_beats"],
                        cuts=result.beats["cuts"], found=result.beats["found"]))
    vtt = (result.subtitles or {}).get("webvtt")
    shown = result.to_json()
    shown["file"] = Path(shown.pop("path")).name
    shown["segments"] = [{**s, "input": Path(s["input"]).name if Path(s["input"]).suffix else s["input"]}
                         for s in shown["segments"]]
    if shown.get("subtitles"):
        shown["subtitles"] = {**shown["subtitles"], "webvtt": Path(vtt).name if vtt else None}
    return result.path, "\n\n".join(lines), shown, vtt
