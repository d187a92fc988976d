"""On a CPU: the preset button under a generator's settings, and the question before a long job.

A Hub generator at its published size takes hours on a CPU; its CPU preset (``ModelSpec.cpu_preset``:
one second of video at 384x256, fewer steps) takes minutes. When such a model is chosen on a CPU,
the settings boxes are filled with its preset (:meth:`~videogen.ui.handlers.Handlers.model_changed`)
and the button under them says the preset and its estimate here; the button puts the preset back
after the boxes were changed.

Generate first asks how long the clip would take on this CPU (the memory plan's estimate): over
:data:`~videogen.ui.model_info.LONG_JOB_S` it does not start, and a question takes its place —
**Start anyway**, or **Use the CPU preset**. Only the page asks: the HTTP API's endpoint is the
generation itself (a script has chosen its settings).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from videogen.registry import Task
from videogen.ui.i18n import Locale, locale_of, t
from videogen.ui.settings import SettingsWidgets


@dataclass(frozen=True)
class LongJobFunctions:
    """What the tabs call for it (:class:`~videogen.ui.handlers.Handlers`' methods of the same names)."""

    preset_label: Callable  # (model, task, locale) -> str | None
    cpu_preset: Callable  # (model, task, locale) -> (card, *settings updates)
    long_job_question: Callable  # (model, task, frames, height, width, steps, locale=) -> str | None


@dataclass
class LongJobs:
    """The preset button, and the question shown in place of a long job."""

    preset: gr.Button
    question: gr.Column
    text: gr.Markdown
    start: gr.Button
    use_preset: gr.Button
    go: gr.State  # whether the last Generate may start (False: the question is asked instead)


def long_job_widgets(preset_label: str | None) -> LongJobs:
    """Build the preset button (hidden without a preset) and the hidden question."""
    preset = gr.Button(preset_label or "", visible=preset_label is not None, size="sm", variant="secondary")
    with gr.Column(visible=False) as question:
        text = gr.Markdown()
        with gr.Row():
            start = gr.Button(t("Start anyway"), variant="primary", size="sm")
            use_preset = gr.Button(t("Use the CPU preset"), size="sm")
    return LongJobs(preset, question, text, start, use_preset, gr.State(True))


def preset_update(functions: LongJobFunctions, model: str, task: Task, locale: Locale = "en") -> Any:
    """The preset button for ``model``: its text in ``locale`` with the estimate here, or hidden
    (also sent on page load, in the browser's language)."""
    text = functions.preset_label(model, task, locale)
    return gr.update(value=text or "", visible=text is not None)


def number_or_none(value: Any) -> float | None:
    """A box's value for the estimate: a number, or None (blank, or text the generation will refuse)."""
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def wire_long_jobs(
    jobs: LongJobs, task: Task, model: gr.Dropdown, model_info: gr.Markdown, settings: SettingsWidgets,
    functions: LongJobFunctions,
) -> Callable[[Any], Any]:
    """Wire the preset button and the question's buttons; return ``ask(event)``, which chains the
    check onto a Generate trigger's event and gives back the event the generation follows."""
    sized = [settings.frames, settings.height, settings.width, settings.steps]
    filled = [model_info, *settings.model_dependent()]  # Handlers.model_changed's outputs

    def label(chosen: str, request: gr.Request) -> Any:
        return preset_update(functions, chosen, task, locale_of(request))

    def preset(chosen: str, request: gr.Request) -> tuple[Any, ...]:
        return (*functions.cpu_preset(chosen, task, locale_of(request)), gr.update(visible=False))

    def question(chosen: str, frames: Any, height: Any, width: Any, steps: Any, request: gr.Request) -> tuple[Any, ...]:
        asked = functions.long_job_question(chosen, task, *(number_or_none(v) for v in (frames, height, width, steps)),
                                  locale=locale_of(request))
        if asked is None:
            return True, gr.update(visible=False), gr.skip()
        return False, gr.update(visible=True), asked

    def gate(go: bool) -> None:
        if not go:  # the question is on the page: stop here, quietly
            raise gr.Error("asked before a long job", visible=False, print_exception=False)

    private = dict(api_visibility="private", queue=False)
    model.input(label, inputs=model, outputs=jobs.preset, **private)
    jobs.preset.click(preset, inputs=model, outputs=[*filled, jobs.question], **private)
    jobs.use_preset.click(preset, inputs=model, outputs=[*filled, jobs.question], **private)

    def ask(event: Any) -> Any:
        return (event.then(question, inputs=[model, *sized], outputs=[jobs.go, jobs.question, jobs.text], **private)
                .then(gate, inputs=jobs.go, **private))

    return ask
