"""The generation settings both generation tabs show: negative prompt, seed, steps, guidance, frames, size, fps.

Each setting is a box that may stay blank: blank means the chosen model's default (shown as the
placeholder), the seed's blank means a random one, and in the Image to Video tab a blank (or 0)
height or width follows the image. The boxes start blank, so the HTTP API's parameters default to
None ("the model's default") too; the values are resolved against the model in one place,
:func:`videogen.pipelines.common.resolve_params`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from videogen.pipelines.common import GenerationRequest
from videogen.registry import ModelSpec, Task

# The settings that follow the chosen model, in the order of Handlers.model_changed's outputs.
MODEL_DEPENDENT = ("frames", "height", "width", "fps", "steps", "guidance")


@dataclass
class SettingsWidgets:
    negative_prompt: gr.Textbox
    seed: gr.Number
    steps: gr.Number
    guidance: gr.Number
    frames: gr.Number
    height: gr.Number
    width: gr.Number
    fps: gr.Number

    def inputs(self) -> list[gr.components.Component]:
        """In the generation handlers' parameter order (after prompt and model)."""
        return [self.negative_prompt, self.seed, self.steps, self.guidance, self.frames, self.height, self.width, self.fps]

    def model_dependent(self) -> list[gr.components.Component]:
        """The boxes whose placeholders follow the chosen model, in :data:`MODEL_DEPENDENT` order."""
        return [getattr(self, name) for name in MODEL_DEPENDENT]


def field_props(spec: ModelSpec | None, task: Task) -> dict[str, dict[str, Any]]:
    """Placeholder (the model's default), hint and spinner step of each model-dependent box."""
    follow = task == "i2v"
    size_blank = "blank or 0: follow the image" if follow else "blank: the model's default"
    if spec is None:  # a Hub repo or folder: its defaults are known once it is read
        blank = "model default"
        return {
            "frames": dict(placeholder=blank, info="blank: the model's default", step=1),
            "height": dict(placeholder="follow the image" if follow else blank, info=size_blank, step=1),
            "width": dict(placeholder="follow the image" if follow else blank, info=size_blank, step=1),
            "fps": dict(placeholder=blank, info=None, step=1),
            "steps": dict(placeholder=blank, info=None, step=1),
            "guidance": dict(placeholder=blank, info=None, step=0.5),
        }
    d, frame_step, size_step = spec.defaults, spec.family_info.frame_step, spec.size_step
    return {
        "frames": dict(placeholder=str(d.frames), step=frame_step,
                       info=f"blank: {d.frames}" + (f"; {frame_step}k+1 for this model" if frame_step > 1 else "")),
        "height": dict(placeholder="follow the image" if follow else str(d.height), step=size_step,
                       info=f"{size_blank}; a multiple of {size_step}"),
        "width": dict(placeholder="follow the image" if follow else str(d.width), step=size_step,
                      info=f"{size_blank}; a multiple of {size_step}"),
        "fps": dict(placeholder=f"{d.fps:g}", info=None, step=1),
        "steps": dict(placeholder=str(d.steps), info=None, step=1),
        "guidance": dict(placeholder=f"{d.guidance:g}", info="0: no classifier-free guidance", step=0.5),
    }


def settings_updates(spec: ModelSpec | None, task: Task, values: GenerationRequest | None = None) -> list[dict]:
    """Updates for the model-dependent boxes after a model change: blank (the new model's defaults),
    or filled with ``values`` (a history clip's settings)."""
    props = field_props(spec, task)
    return [gr.update(value=getattr(values, name) if values else None, **props[name]) for name in MODEL_DEPENDENT]


def generation_settings(spec: ModelSpec | None, task: Task) -> SettingsWidgets:
    """Build the settings accordion, blank, with the model's defaults as placeholders."""
    props = field_props(spec, task)
    with gr.Accordion("Settings", open=False):
        negative_prompt = gr.Textbox(label="Negative prompt", placeholder="what to avoid, e.g. blurry, distorted")
        with gr.Row():
            seed = gr.Number(label="Seed", value=None, precision=0, placeholder="random", info="blank: a new random seed each time")
            steps = gr.Number(label="Steps", value=None, precision=0, **props["steps"])
            guidance = gr.Number(label="Guidance", value=None, **props["guidance"])
        with gr.Row():
            frames = gr.Number(label="Frames", value=None, precision=0, minimum=1, **props["frames"])
            fps = gr.Number(label="FPS", value=None, **props["fps"])
        with gr.Row():
            height = gr.Number(label="Height", value=None, precision=0, minimum=0, **props["height"])
            width = gr.Number(label="Width", value=None, precision=0, minimum=0, **props["width"])
    return SettingsWidgets(negative_prompt, seed, steps, guidance, frames, height, width, fps)
