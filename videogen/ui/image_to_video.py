"""The "Image to Video" tab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from videogen import params
from videogen.registry import find
from videogen.ui.endpoints import named_inputs
from videogen.ui.generation import follow_model, model_dropdown, results_column, wire_buttons
from videogen.ui.history import Clip, HistoryPanel, wire
from videogen.ui.long_jobs import LongJobFunctions, long_job_widgets, preset_update, wire_long_jobs
from videogen.ui.i18n import Locale, locale_of, t, tr
from videogen.ui.settings import generation_settings

EXAMPLE_HEADERS = ("Image (first frame)", "Prompt")  # the Try table's columns


def build_tab(
    generate: Callable, cancel: Callable, model_changed: Callable, describe_model: Callable, choices: list[tuple[str, str]],
    default: str, card: str, examples: list[tuple[str, str]],
    *, page_texts: Callable, on_load: Callable, custom_models: bool = True, long_jobs: LongJobFunctions | None = None,
    photo_sizes: Callable | None = None,
) -> HistoryPanel:
    """The tab's widgets and events. ``choices`` and ``card`` are in English; ``page_texts`` puts them
    and the settings' hints in the browser's language when the page loads (``on_load``: the app's
    ``Blocks.load``)."""
    with gr.Row():
        with gr.Column(scale=1):
            image = gr.Image(label=t(params.IMAGE.label), type="filepath", sources=["upload", "clipboard"])
            size = gr.Radio([], label=t("Size"), visible=False)  # the photo's shape at a few sizes (photo_sizes)
            prompt = gr.Textbox(label=t(params.PROMPT.label), lines=2, placeholder=t("How should it move?"))
            model = model_dropdown(choices, default, custom_models)
            model_info = gr.Markdown(card)
            settings = generation_settings(find(default, "i2v"), "i2v")
            jobs = long_job_widgets(long_jobs.preset_label(default, "i2v", "en") if long_jobs else None)
            with gr.Row():
                run = gr.Button(t("Generate"), variant="primary")
                stop = gr.Button(t("Cancel"), variant="stop")
            try_row: gr.Dataset | None = None
            if examples:
                try_row = gr.Examples([list(e) for e in examples], inputs=[image, prompt], label=t("Try (shapes world)")).dataset
                try_row.headers = list(EXAMPLE_HEADERS)  # shown as they are: English, then the browser's language
        with gr.Column(scale=1):
            results = results_column()

    def localized(chosen: str, request: gr.Request) -> tuple[Any, ...]:
        texts = page_texts(chosen, "i2v", request)
        if long_jobs:
            texts = (*texts, preset_update(long_jobs, chosen, "i2v", locale_of(request)))
        if try_row is None:
            return texts
        return (*texts, gr.update(headers=[tr(header, locale_of(request)) for header in EXAMPLE_HEADERS]))

    reloaded = [model, model_info, *settings.model_dependent(), *([jobs.preset] if long_jobs else []), *([try_row] if try_row else [])]
    on_load(localized, inputs=model, outputs=reloaded, api_visibility="private", queue=False, show_progress="hidden")
    follow_model("i2v", model, model_info, settings, model_changed, describe_model)
    ask = wire_long_jobs(jobs, "i2v", model, model_info, settings, long_jobs) if long_jobs else None

    if photo_sizes is not None:
        def sizes(chosen: str, picture: Any, request: gr.Request) -> Any:
            return photo_sizes(chosen, picture, locale_of(request))

        def sized(value: str | None) -> tuple[Any, Any]:
            if not value:
                return gr.skip(), gr.skip()
            height, width = (int(side) for side in value.split("x"))
            return height, width

        gr.on([image.change, model.input], sizes, inputs=[model, image], outputs=size, api_visibility="private", queue=False)
        size.input(sized, inputs=size, outputs=[settings.height, settings.width], api_visibility="private", queue=False)

    inputs = named_inputs(params.IMAGE_TO_VIDEO, {"image": image, "prompt": prompt, "model": model, **settings.boxes},
                          history=results.history.clips)
    wire_buttons(run, prompt, stop, generate, cancel, inputs, results, jobs=jobs, ask=ask, api_name=params.IMAGE_TO_VIDEO.api_name)

    def fill(clip: Clip, locale: Locale) -> tuple[Any, ...]:
        s = clip.settings
        return (clip.image, s.prompt, s.model, s.negative_prompt, s.seed, *model_changed(s.model, "i2v", s, locale))

    wire(results.history, fill, [image, prompt, model, settings.negative_prompt, settings.seed, model_info, *settings.model_dependent()])
    return results.history  # "Edit this clip" is wired by the app, once the Edit tab exists
