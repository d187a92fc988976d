"""The "Action Recognition" tab."""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr

from videogen.registry import find
from videogen.ui.text_to_video import GPU_QUEUE

DEFAULT_LABELS = "dancing, playing guitar, cooking, running, swimming, riding a bike"


def build_tab(
    classify: Callable, model_card: Callable, choices: list[tuple[str, str]], default: str, examples: list[str],
) -> None:
    def is_zero_shot(model: str) -> bool:
        spec = find(model, "classify")
        return bool(spec and spec.family_info.zero_shot)

    with gr.Row():
        with gr.Column(scale=1):
            video = gr.Video(label="Video", sources=["upload", "webcam"])
            model = gr.Dropdown(choices, value=default, label="Model", allow_custom_value=True)
            model_info = gr.Markdown(model_card(default, "classify"))
            labels = gr.Textbox(label="Labels (comma-separated, for zero-shot models)", value=DEFAULT_LABELS,
                                visible=is_zero_shot(default))
            run = gr.Button("Classify", variant="primary")
            if examples:
                gr.Examples([[clip] for clip in examples], inputs=[video], label="Try (shapes world)")
        with gr.Column(scale=1):
            scores = gr.Label(label="Top 5", num_top_classes=5)
            strip = gr.Gallery(label="Sampled frames", columns=8, height="auto", object_fit="contain")
            status = gr.Markdown()

    model.change(lambda m: (model_card(m, "classify"), gr.update(visible=is_zero_shot(m))), inputs=model,
                 outputs=[model_info, labels], api_visibility="private", queue=False)
    run.click(classify, inputs=[video, model, labels], outputs=[scores, strip, status], api_name="classify",
              concurrency_id=GPU_QUEUE, concurrency_limit=1)
