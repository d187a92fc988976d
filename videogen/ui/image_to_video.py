"""The "Image to Video" tab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from videogen.registry import find
from videogen.ui.history import Clip, history_panel, wire
from videogen.ui.settings import generation_settings
from videogen.ui.text_to_video import on_generate


def build_tab(
    generate: Callable, cancel: Callable, model_changed: Callable, describe_model: Callable, choices: list[tuple[str, str]],
    default: str, card: str, examples: list[tuple[str, str]],
) -> None:
    with gr.Row():
        with gr.Column(scale=1):
            image = gr.Image(label="Image (first frame)", type="filepath", sources=["upload", "clipboard"])
            prompt = gr.Textbox(label="Prompt", lines=2, placeholder="How should it move?")
            model = gr.Dropdown(choices, value=default, label="Model", allow_custom_value=True,
                                info="A listed model, or a Hub repo id (org/name) or local folder")
            model_info = gr.Markdown(card)
            settings = generation_settings(find(default, "i2v"), "i2v")
            with gr.Row():
                run = gr.Button("Generate", variant="primary")
                stop = gr.Button("Cancel", variant="stop")
            if examples:
                gr.Examples([list(e) for e in examples], inputs=[image, prompt], label="Try (shapes world)")
        with gr.Column(scale=1):
            video = gr.Video(label="Video", autoplay=True, loop=True, buttons=["download"], interactive=False)
            preview = gr.Image(label="Preview", interactive=False, visible=False, height=180, buttons=[])
            preview_state = gr.State(None)  # the latents so far, on slow runs (a State: not an API output)
            status = gr.Markdown(label="Status")
            seed_used = gr.Number(label="Seed", precision=0, interactive=False, info="the seed of this clip")
            history = history_panel()

    model.input(lambda m: model_changed(m, "i2v"), inputs=model,
                outputs=[model_info, *settings.model_dependent()], api_visibility="private", queue=False)
    size = [settings.frames, settings.height, settings.width]
    gr.on([box.blur for box in size] + [box.submit for box in size],  # the memory plan follows the settings
          lambda m, f, h, w: describe_model(m, "i2v", f, h, w), inputs=[model, *size], outputs=model_info,
          api_visibility="private", queue=False)

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

    def fill(clip: Clip) -> tuple[Any, ...]:
        s = clip.settings
        return (clip.image, s.prompt, s.model, s.negative_prompt, s.seed, *model_changed(s.model, "i2v", s))

    wire(history, fill, [image, prompt, model, settings.negative_prompt, settings.seed, model_info, *settings.model_dependent()])
