"""The "Text to Video" tab."""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr

from videogen.registry import find
from videogen.ui.settings import generation_settings

GPU_QUEUE = "gpu"


def build_tab(
    generate: Callable, cancel: Callable, model_changed: Callable, describe_model: Callable, choices: list[tuple[str, str]],
    default: str, card: str, examples: list[str],
) -> None:
    spec = find(default, "t2v")
    with gr.Row():
        with gr.Column(scale=1):
            prompt = gr.Textbox(label="Prompt", lines=3, placeholder="Describe the clip…")
            model = gr.Dropdown(choices, value=default, label="Model", allow_custom_value=True,
                                info="A listed model, or a Hub repo id (org/name) or local folder")
            model_info = gr.Markdown(card)
            settings = generation_settings(spec)
            with gr.Row():
                run = gr.Button("Generate", variant="primary")
                stop = gr.Button("Cancel", variant="stop")
            if examples:
                gr.Examples(examples, inputs=[prompt], label="Try")
        with gr.Column(scale=1):
            video = gr.Video(label="Video", autoplay=True, loop=True, buttons=["download"], interactive=False)
            status = gr.Markdown()

    model.change(lambda m: model_changed(m, "t2v"), inputs=model,
                 outputs=[model_info, *settings.model_dependent()], api_visibility="private", queue=False)
    for size in (settings.frames, settings.height, settings.width):  # the memory plan follows the settings
        size.release(lambda m, f, h, w: describe_model(m, "t2v", f, h, w), inputs=[model, settings.frames, settings.height, settings.width],
                     outputs=model_info, api_visibility="private", queue=False)
    inputs = [prompt, model, settings.negative_prompt, settings.seed, settings.randomize_seed, settings.steps,
              settings.guidance, settings.frames, settings.height, settings.width, settings.fps]
    outputs = [video, status, settings.seed]
    run.click(generate, inputs=inputs, outputs=outputs, api_name="text_to_video",
              concurrency_id=GPU_QUEUE, concurrency_limit=1)
    prompt.submit(generate, inputs=inputs, outputs=outputs, api_visibility="private",
                  concurrency_id=GPU_QUEUE, concurrency_limit=1)
    stop.click(cancel, outputs=status, api_visibility="private", queue=False)
