"""The "Image to Video" tab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from videogen.registry import find
from videogen.ui.history import Clip, history_panel, wire
from videogen.ui.i18n import Locale, locale_of, t, tr
from videogen.ui.settings import generation_settings
from videogen.ui.text_to_video import on_generate

EXAMPLE_HEADERS = ("Image (first frame)", "Prompt")  # the Try table's columns


def build_tab(
    generate: Callable, cancel: Callable, model_changed: Callable, describe_model: Callable, choices: list[tuple[str, str]],
    default: str, card: str, examples: list[tuple[str, str]],
    *, page_texts: Callable, on_load: Callable, custom_models: bool = True,
) -> None:
    """The tab's widgets and events. ``choices`` and ``card`` are in English; ``page_texts`` puts them
    and the settings' hints in the browser's language when the page loads (``on_load``: the app's
    ``Blocks.load``)."""
    with gr.Row():
        with gr.Column(scale=1):
            image = gr.Image(label=t("Image (first frame)"), type="filepath", sources=["upload", "clipboard"])
            prompt = gr.Textbox(label=t("Prompt"), lines=2, placeholder=t("How should it move?"))
            model = gr.Dropdown(choices, value=default, label=t("Model"), allow_custom_value=custom_models,
                                info=t("A listed model, or a Hub repo id (org/name) or local folder") if custom_models
                                else t("One of the listed models (public mode)"))
            model_info = gr.Markdown(card)
            settings = generation_settings(find(default, "i2v"), "i2v")
            with gr.Row():
                run = gr.Button(t("Generate"), variant="primary")
                stop = gr.Button(t("Cancel"), variant="stop")
            try_row: gr.Dataset | None = None
            if examples:
                try_row = gr.Examples([list(e) for e in examples], inputs=[image, prompt], label=t("Try (shapes world)")).dataset
                try_row.headers = list(EXAMPLE_HEADERS)  # shown as they are: English, then the browser's language
        with gr.Column(scale=1):
            video = gr.Video(label=t("Video"), autoplay=True, loop=True, buttons=["download"], interactive=False)
            preview = gr.Image(label=t("Preview"), interactive=False, visible=False, height=180, buttons=[])
            preview_state = gr.State(None)  # the latents so far, on slow runs (a State: not an API output)
            status = gr.Markdown(label=t("Status"))
            seed_used = gr.Number(label=t("Seed"), precision=0, interactive=False, info=t("the seed of this clip"))
            history = history_panel()

    def changed(chosen: str, request: gr.Request) -> tuple[Any, ...]:
        return model_changed(chosen, "i2v", locale=locale_of(request))

    def described(chosen: str, frames: float | None, height: float | None, width: float | None, request: gr.Request) -> str:
        return describe_model(chosen, "i2v", frames, height, width, locale_of(request))

    def localized(chosen: str, request: gr.Request) -> tuple[Any, ...]:
        texts = page_texts(chosen, "i2v", request)
        if try_row is None:
            return texts
        return (*texts, gr.update(headers=[tr(header, locale_of(request)) for header in EXAMPLE_HEADERS]))

    on_load(localized, inputs=model, outputs=[model, model_info, *settings.model_dependent(), *([try_row] if try_row else [])],
            api_visibility="private", queue=False, show_progress="hidden")
    model.input(changed, inputs=model, outputs=[model_info, *settings.model_dependent()], api_visibility="private", queue=False)
    size = [settings.frames, settings.height, settings.width]
    gr.on([box.blur for box in size] + [box.submit for box in size],  # the memory plan follows the settings
          described, inputs=[model, *size], outputs=model_info, api_visibility="private", queue=False)

    inputs = [image, prompt, model, *settings.inputs(), history.clips]
    outputs = [video, status, seed_used, history.clips, preview_state]
    preview_state.change(lambda image: gr.update(value=image, visible=image is not None), inputs=preview_state,
                         outputs=preview, api_visibility="private", queue=False)
    # preprocess=False: gr.Image would open the upload with Pillow before the handler runs, and an
    # unreadable file (a text file renamed .png) would fail there with a message-less "Error"; the
    # handler gets Gradio's file data instead and says what is wrong with the file.
    on_generate(run.click, generate, inputs, outputs, status, api_name="image_to_video", preprocess=False)
    on_generate(prompt.submit, generate, inputs, outputs, status, api_visibility="private", preprocess=False)
    stop.click(cancel, outputs=status, api_visibility="private", queue=False)

    def fill(clip: Clip, locale: Locale) -> tuple[Any, ...]:
        s = clip.settings
        return (clip.image, s.prompt, s.model, s.negative_prompt, s.seed, *model_changed(s.model, "i2v", s, locale))

    wire(history, fill, [image, prompt, model, settings.negative_prompt, settings.seed, model_info, *settings.model_dependent()])
