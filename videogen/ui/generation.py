"""What the two generation tabs (Text to Video, Image to Video) share: the model box, the results
column, the events that follow the chosen model, and the Generate event in the GPU queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from videogen.registry import Task
from videogen.ui.history import HistoryPanel, history_panel
from videogen.ui.i18n import locale_of, t
from videogen.ui.long_jobs import LongJobs
from videogen.ui.settings import SettingsWidgets

GPU_QUEUE = "gpu"  # one queue for every task that runs a model: one job on the GPU at a time


def model_dropdown(choices: list[tuple[str, str]], default: str, custom_models: bool) -> gr.Dropdown:
    """The model box: the listed models, and (unless public mode refuses them) a Hub id or folder typed in."""
    hint = (t("A listed model, or a Hub repo id (org/name) or local folder") if custom_models
            else t("One of the listed models (public mode)"))
    return gr.Dropdown(choices, value=default, label=t("Model"), allow_custom_value=custom_models, info=hint)


@dataclass
class Results:
    """The right-hand column: the clip, its preview while denoising, the status, the seed, the history."""

    video: gr.Video
    preview: gr.Image
    preview_state: gr.State
    status: gr.Markdown
    seed_used: gr.Number
    history: HistoryPanel
    marks: gr.Markdown  # never shown: where Gradio draws its own progress and error marks (see on_generate)

    def outputs(self) -> list[Any]:
        """The generation endpoint's outputs, in the handlers' order."""
        return [self.video, self.status, self.seed_used, self.history.clips, self.preview_state]


def results_column() -> Results:
    """Build the results column (inside a ``gr.Column``) and show the preview while there is one."""
    results = Results(
        video=gr.Video(label=t("Video"), autoplay=True, loop=True, buttons=["download"], interactive=False),
        preview=gr.Image(label=t("Preview"), interactive=False, visible=False, height=180, buttons=[]),
        preview_state=gr.State(None),  # the latents so far, on slow runs (a State: not an API output)
        status=gr.Markdown(label=t("Status")),
        seed_used=gr.Number(label=t("Seed"), precision=0, interactive=False, info=t("the seed of this clip"),
                            visible=False),  # shown with the first clip (an empty Number shows 0)
        history=history_panel(),
        marks=gr.Markdown(visible=False),
    )
    results.seed_used.change(lambda seed: gr.update(visible=seed is not None), inputs=results.seed_used,
                             outputs=results.seed_used, api_visibility="private", queue=False)  # once there is a clip
    results.preview_state.change(lambda image: gr.update(value=image, visible=image is not None),
                                 inputs=results.preview_state, outputs=results.preview,
                                 api_visibility="private", queue=False)
    return results


def follow_model(
    task: Task, model: gr.Dropdown, model_info: gr.Markdown, settings: SettingsWidgets,
    model_changed: Callable, describe_model: Callable,
) -> None:
    """A new model puts its card and its defaults in the boxes; the memory plan follows the size boxes."""

    def changed(chosen: str, request: gr.Request) -> tuple[Any, ...]:
        return model_changed(chosen, task, locale=locale_of(request))

    def described(chosen: str, frames: float | None, height: float | None, width: float | None, request: gr.Request) -> str:
        return describe_model(chosen, task, frames, height, width, locale_of(request))

    model.input(changed, inputs=model, outputs=[model_info, *settings.model_dependent()], api_visibility="private", queue=False)
    size = [settings.frames, settings.height, settings.width]
    gr.on([box.blur for box in size] + [box.submit for box in size],
          described, inputs=[model, *size], outputs=model_info, api_visibility="private", queue=False)


def on_generate(
    trigger: Callable, generate: Callable, inputs: dict[str, Any], outputs: list, status: gr.Markdown,
    ask: Callable[[Any], Any] | None = None, marks: gr.Markdown | None = None, **api: Any,
) -> None:
    """Generate on ``trigger``, in the GPU queue; the last run's status is cleared first, so that no
    stale status stands next to a new run's message (even when its inputs fail to load). With
    ``ask`` (:func:`videogen.ui.long_jobs.wire_long_jobs`) a job too long for this CPU asks first.

    preprocess=False (:func:`wire_buttons` passes it): the handler gets the values as sent, so that
    text or NaN in a number box is refused with the setting's name
    (:func:`videogen.generate.common.resolve_params`), and an unreadable upload (a text file renamed
    .png) with what is wrong with the file, instead of failing in a component's own conversion
    (gr.Image opens uploads with Pillow) with a message-less "Error".

    ``inputs`` are the handler's parameters by name (:func:`videogen.ui.endpoints.named_inputs`):
    each value reaches the handler under its name, not at a position.

    Progress is drawn once, in the status line the handler writes (with its step counts and the
    time left); Gradio's own progress and error marks go on ``marks``, a box nobody sees, instead
    of on every output (an "Error" badge on the video and the seed for a bad width). The reason of
    a failure is in the status line, and in a toast.
    """
    cleared = trigger(lambda: "", outputs=status, api_visibility="private", queue=False)
    run = ask(cleared).success if ask is not None else cleared.then
    marked = dict(show_progress="hidden", show_progress_on=[marks]) if marks is not None else {}
    run(generate, inputs_kwargs=inputs, outputs=outputs, concurrency_id=GPU_QUEUE, concurrency_limit=1, **marked, **api)


def wire_buttons(
    run: gr.Button, prompt: gr.Textbox, stop: gr.Button, generate: Callable, cancel: Callable,
    inputs: dict[str, Any], results: Results, api_name: str, jobs: LongJobs | None = None,
    ask: Callable[[Any], Any] | None = None,
) -> None:
    """Generate on the button (the HTTP endpoint ``api_name``) and on Enter in the prompt; Cancel.
    With ``jobs`` and ``ask``, a job too long for this CPU asks first, and Start anyway starts it.

    preprocess=False: the handler gets the values as sent (see :func:`on_generate`).
    """
    outputs = results.outputs()
    marks = results.marks
    on_generate(run.click, generate, inputs, outputs, results.status, ask, marks, api_name=api_name, preprocess=False)
    on_generate(prompt.submit, generate, inputs, outputs, results.status, ask, marks, api_visibility="private",
                preprocess=False)
    if jobs is not None:
        on_generate(jobs.start.click, generate, inputs, outputs, results.status, None, marks,
                    api_visibility="private", preprocess=False)
        jobs.start.click(lambda: gr.update(visible=False), outputs=jobs.question, api_visibility="private", queue=False)
    stop.click(cancel, outputs=results.status, api_visibility="private", queue=False)
