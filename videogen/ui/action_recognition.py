"""The "Action Recognition" tab."""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr

from videogen.registry import find
from videogen.ui.text_to_video import GPU_QUEUE

LABELS_PLACEHOLDER = "blank: the 400 Kinetics actions. Or your own, e.g.: dancing, playing guitar, cooking"


def build_tab(
    classify: Callable, model_card: Callable, choices: list[tuple[str, str]], default: str, examples: list[str],
) -> None:
    def takes_labels(model: str) -> bool:
        """X-CLIP models, and repos or folders not in the registry (their family is read when run)."""
        spec = find(model, "classify")
        return spec is None or spec.family_info.zero_shot

    def model_changed(model: str) -> tuple[str, dict]:
        if takes_labels(model):
            return model_card(model, "classify"), gr.update(visible=True)
        return model_card(model, "classify"), gr.update(visible=False, value="")  # closed-set: no labels

    with gr.Row():
        with gr.Column(scale=1):
            video = gr.Video(label="Video", sources=["upload", "webcam"])
            model = gr.Dropdown(choices, value=default, label="Model", allow_custom_value=True)
            model_info = gr.Markdown(model_card(default, "classify"))
            labels = gr.Textbox(label="Labels (comma-separated; X-CLIP only)", value="", placeholder=LABELS_PLACEHOLDER,
                                visible=takes_labels(default))
            run = gr.Button("Classify", variant="primary")
            if examples:
                gr.Examples([[clip] for clip in examples], inputs=[video], label="Try (shapes world)")
        with gr.Column(scale=1):
            scores = gr.Label(label="Top 5", num_top_classes=5)
            strip = gr.Gallery(label="Sampled frames", columns=8, height="auto", object_fit="contain")
            status = gr.Markdown()

    model.change(model_changed, inputs=model, outputs=[model_info, labels], api_visibility="private", queue=False)
    run.click(classify, inputs=[video, model, labels], outputs=[scores, strip, status], api_name="classify",
              concurrency_id=GPU_QUEUE, concurrency_limit=1)
