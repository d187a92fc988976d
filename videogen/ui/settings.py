"""The generation settings both generation tabs show: seed, steps, guidance, frames, size, fps."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from videogen.pipelines.common import MAX_SEED
from videogen.registry import ModelSpec


@dataclass
class SettingsWidgets:
    negative_prompt: gr.Textbox
    seed: gr.Number
    randomize_seed: gr.Checkbox
    steps: gr.Slider
    guidance: gr.Slider
    frames: gr.Slider
    height: gr.Slider
    width: gr.Slider
    fps: gr.Slider

    def model_dependent(self) -> list[gr.components.Component]:
        """The widgets whose values follow the chosen model's defaults, in Handlers.model_changed order."""
        return [self.frames, self.height, self.width, self.fps, self.steps, self.guidance]


def generation_settings(spec: ModelSpec, *, size_label: str = "") -> SettingsWidgets:
    """Build the settings accordion for a model's defaults."""
    d, family = spec.defaults, spec.family_info
    with gr.Accordion("Settings", open=False):
        negative_prompt = gr.Textbox(label="Negative prompt", placeholder="what to avoid, e.g. blurry, distorted")
        with gr.Row():
            seed = gr.Number(label="Seed", value=0, precision=0, minimum=0, maximum=MAX_SEED)
            randomize_seed = gr.Checkbox(label="Randomize seed", value=True)
        with gr.Row():
            steps = gr.Slider(1, 100, value=d.steps, step=1, label="Steps")
            guidance = gr.Slider(0.0, 20.0, value=d.guidance, step=0.5, label="Guidance")
        with gr.Row():
            frames = gr.Slider(family.frame_step + 1 if family.frame_step > 1 else 1, 257, value=d.frames, step=family.frame_step, label="Frames")
            fps = gr.Slider(1, 60, value=d.fps, step=1, label="FPS")
        with gr.Row():
            height = gr.Slider(spec.size_step, 1280, value=d.height, step=spec.size_step, label=f"Height{size_label}")
            width = gr.Slider(spec.size_step, 1280, value=d.width, step=spec.size_step, label=f"Width{size_label}")
    return SettingsWidgets(negative_prompt, seed, randomize_seed, steps, guidance, frames, height, width, fps)
