"""The "Text to Video" tab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from videogen.registry import find
from videogen.ui.history import Clip, history_panel, wire
from videogen.ui.i18n import Locale, locale_of, t
from videogen.ui.settings import generation_settings

GPU_QUEUE = "gpu"


def build_tab(
    generate: Callable, cancel: Callable, model_changed: Callable, describe_model: Callable, choices: list[tuple[str, str]],
    default: str, card: str, examples: list[str],
    *, page_texts: Callable, on_load: Callable, custom_models: bool = True,
) -> None:
    """The tab's widgets and events. ``choices`` and ``card`` are in English; ``page_texts`` puts them
    and the settings' hints in the browser's language when the page loads (``on_load``: the app's
    ``Blocks.load``)."""
    with gr.Row():
        with gr.Column(scale=1):
            prompt = gr.Textbox(label=t("Prompt"), lines=3, placeholder=t("Describe the clip…"))
            model = gr.Dropdown(choices, value=default, label=t("Model"), allow_custom_value=custom_models,
                                info=t("A listed model, or a Hub repo id (org/name) or local folder") if custom_models
                                else t("One of the listed models (public mode)"))
            model_info = gr.Markdown(card)
            settings = generation_settings(find(default, "t2v"), "t2v")
            with gr.Row():
                run = gr.Button(t("Generate"), variant="primary")
                stop = gr.Button(t("Cancel"), variant="stop")
            if examples:
                gr.Examples(examples, inputs=[prompt], label=t("Try"))
        with gr.Column(scale=1):
            video = gr.Video(label=t("Video"), autoplay=True, loop=True, buttons=["download"], interactive=False)
            preview = gr.Image(label=t("Preview"), interactive=False, visible=False, height=180, buttons=[])
            preview_state = gr.State(None)  # the latents so far, on slow runs (a State: not an API output)
            status = gr.Markdown(label=t("Status"))
            seed_used = gr.Number(label=t("Seed"), precision=0, interactive=False, info=t("the seed of this clip"))
            history = history_panel()

    def changed(chosen: str, request: gr.Request) -> tuple[Any, ...]:
        return model_changed(chosen, "t2v", locale=locale_of(request))

    def described(chosen: str, frames: float | None, height: float | None, width: float | None, request: gr.Request) -> str:
        return describe_model(chosen, "t2v", frames, height, width, locale_of(request))

    def localized(chosen: str, request: gr.Request) -> tuple[Any, ...]:
        return page_texts(chosen, "t2v", request)

    on_load(localized, inputs=model, outputs=[model, model_info, *settings.model_dependent()],
            api_visibility="private", queue=False, show_progress="hidden")
    model.input(changed, inputs=model, outputs=[model_info, *settings.model_dependent()], api_visibility="private", queue=False)
    size = [settings.frames, settings.height, settings.width]
    gr.on([box.blur for box in size] + [box.submit for box in size],  # the memory plan follows the settings
          described, inputs=[model, *size], outputs=model_info, api_visibility="private", queue=False)

    inputs = [prompt, model, *settings.inputs(), history.clips]
    outputs = [video, status, seed_used, history.clips, preview_state]
    preview_state.change(lambda image: gr.update(value=image, visible=image is not None), inputs=preview_state,
                         outputs=preview, api_visibility="private", queue=False)
    # preprocess=False, as in Image to Video: the handler gets the values as sent, so that text or NaN
    # in a number box is refused with the setting's name (videogen.pipelines.common.resolve_params)
    # instead of failing in gr.Number's rounding with a message-less "Error".
    on_generate(run.click, generate, inputs, outputs, status, api_name="text_to_video", preprocess=False)
    on_generate(prompt.submit, generate, inputs, outputs, status, api_visibility="private", preprocess=False)
    stop.click(cancel, outputs=status, api_visibility="private", queue=False)

    def fill(clip: Clip, locale: Locale) -> tuple[Any, ...]:
        s = clip.settings
        return (s.prompt, s.model, s.negative_prompt, s.seed, *model_changed(s.model, "t2v", s, locale))

    wire(history, fill, [prompt, model, settings.negative_prompt, settings.seed, model_info, *settings.model_dependent()])


def on_generate(
    trigger: Callable, generate: Callable, inputs: list, outputs: list, status: gr.Markdown, **api: Any,
) -> None:
    """Generate on ``trigger``, in the GPU queue; the last run's status is cleared first, so that no
    stale status stands next to a new run's message (even when its inputs fail to load)."""
    trigger(lambda: "", outputs=status, api_visibility="private", queue=False).then(
        generate, inputs=inputs, outputs=outputs, concurrency_id=GPU_QUEUE, concurrency_limit=1, **api,
    )
