"""The "Text to Video" tab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from videogen import params
from videogen.registry import find
from videogen.ui.batch import batch_widgets, wire_batch
from videogen.ui.endpoints import named_inputs
from videogen.ui.generation import follow_model, model_dropdown, results_column, wire_buttons
from videogen.ui.history import Clip, HistoryPanel, wire
from videogen.ui.long_jobs import LongJobFunctions, long_job_widgets, preset_update, wire_long_jobs
from videogen.ui.i18n import Locale, locale_of, t
from videogen.ui.settings import generation_settings


def build_tab(
    generate: Callable, cancel: Callable, model_changed: Callable, describe_model: Callable, choices: list[tuple[str, str]],
    default: str, card: str, examples: list[str] | dict[str, list[str]],
    *, page_texts: Callable, on_load: Callable, custom_models: bool = True, long_jobs: LongJobFunctions | None = None,
    batch: Callable | None = None,
) -> HistoryPanel:
    """The tab's widgets and events. ``choices`` and ``card`` are in English; ``page_texts`` puts them
    and the settings' hints in the browser's language when the page loads (``on_load``: the app's
    ``Blocks.load``). ``examples`` are the Try row's prompts, or by language ({"en": [...], "zh-CN":
    [...]}: the page shows the English ones, and a Chinese browser gets its own on load). ``batch``: the
    Batch button's handler (:mod:`videogen.ui.batch`; None: no Batch)."""
    by_language = examples if isinstance(examples, dict) else {"en": list(examples)}
    with gr.Row():
        with gr.Column(scale=1):
            prompt = gr.Textbox(label=t(params.PROMPT.label), lines=3, placeholder=t("Describe the clip…"))
            model = model_dropdown(choices, default, custom_models)
            model_info = gr.Markdown(card)
            settings = generation_settings(find(default, "t2v"), "t2v")
            jobs = long_job_widgets(long_jobs.preset_label(default, "t2v", "en") if long_jobs else None)
            with gr.Row():
                run = gr.Button(t("Generate"), variant="primary")
                stop = gr.Button(t("Cancel"), variant="stop")
            batched = batch_widgets() if batch is not None else None
            try_row: gr.Dataset | None = None
            if by_language.get("en"):
                try_row = gr.Examples(by_language["en"], inputs=[prompt], label=t("Try")).dataset
        with gr.Column(scale=1):
            results = results_column()

    def localized(chosen: str, request: gr.Request) -> tuple[Any, ...]:
        locale = locale_of(request)
        preset = [preset_update(long_jobs, chosen, "t2v", locale)] if long_jobs else []
        prompts = by_language.get(locale)
        tries = [gr.update(samples=[[p] for p in prompts]) if prompts else gr.skip()] if try_row else []
        return (*page_texts(chosen, "t2v", request), *preset, *tries)

    reloaded = [model, model_info, *settings.model_dependent(), *([jobs.preset] if long_jobs else []),
                *([try_row] if try_row else [])]
    on_load(localized, inputs=model, outputs=reloaded, api_visibility="private", queue=False, show_progress="hidden")
    follow_model("t2v", model, model_info, settings, model_changed, describe_model)
    ask = wire_long_jobs(jobs, "t2v", model, model_info, settings, long_jobs) if long_jobs else None

    inputs = named_inputs(params.TEXT_TO_VIDEO, {"prompt": prompt, "model": model, **settings.boxes},
                          history=results.history.clips)
    wire_buttons(run, prompt, stop, generate, cancel, inputs, results, jobs=jobs, ask=ask, api_name=params.TEXT_TO_VIDEO.api_name)
    if batched is not None and batch is not None:
        wire_batch(batched, batch, {**inputs, "prompts": batched.prompts, "prompts_file": batched.upload}, results)

    def fill(clip: Clip, locale: Locale) -> tuple[Any, ...]:
        s = clip.settings
        return (s.prompt, s.model, s.negative_prompt, s.seed, *model_changed(s.model, "t2v", s, locale))

    wire(results.history, fill, [prompt, model, settings.negative_prompt, settings.seed, model_info, *settings.model_dependent()])
    return results.history  # "Edit this clip" is wired by the app, once the Edit tab exists
