"""The generation settings both generation tabs show: negative prompt, seed, steps, guidance, frames, size, fps.

Each setting is a box that may stay blank: blank means the chosen model's default (shown as the
placeholder), the seed's blank (or -1) means a random one, and in the Image to Video tab a blank (or 0)
height or width follows the image. The boxes start blank, so the HTTP API's parameters default to
None ("the model's default") too; the values are resolved against the model in one place,
:func:`videogen.pipelines.common.resolve_params`. A Gradio Number shows and sends 0 for "no value"
once the accordion is opened, so 0 also means the model's default (the handlers map it to None) and
the seed box starts at -1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from videogen.pipelines.common import GenerationRequest
from videogen.registry import ModelSpec, Task
from videogen.ui.i18n import Locale, t, tr

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


def field_props(spec: ModelSpec | None, task: Task, locale: Locale = "en") -> dict[str, dict[str, Any]]:
    """Placeholder (the model's default), hint and spinner step of each model-dependent box."""
    follow = task == "i2v"
    size_blank = tr("blank or 0: follow the image" if follow else "0 or blank: the model's default", locale)
    if spec is None:  # a Hub repo or folder: its defaults are known once it is read
        blank = tr("model default", locale)
        size = tr("follow the image", locale) if follow else blank
        return {
            "frames": dict(placeholder=blank, info=tr("0 or blank: the model's default", locale), step=1),
            "height": dict(placeholder=size, info=size_blank, step=1),
            "width": dict(placeholder=size, info=size_blank, step=1),
            "fps": dict(placeholder=blank, info=None, step=1),
            "steps": dict(placeholder=blank, info=None, step=1),
            "guidance": dict(placeholder=blank, info=None, step=0.5),
        }
    d, frame_step, size_step = spec.defaults, spec.family_info.frame_step, spec.size_step
    frames_info = tr("0 or blank: {frames}", locale, frames=d.frames)
    if frame_step > 1:
        frames_info += tr("; {step}k+1 for this model", locale, step=frame_step)
    size_info = tr("{hint}; a multiple of {step}", locale, hint=size_blank, step=size_step)
    return {
        "frames": dict(placeholder=str(d.frames), step=frame_step, info=frames_info),
        "height": dict(placeholder=tr("follow the image", locale) if follow else str(d.height), step=size_step, info=size_info),
        "width": dict(placeholder=tr("follow the image", locale) if follow else str(d.width), step=size_step, info=size_info),
        "fps": dict(placeholder=f"{d.fps:g}", info=None, step=1),
        "steps": dict(placeholder=str(d.steps), info=None, step=1),
        "guidance": dict(placeholder=f"{d.guidance:g}", info=tr("0 or blank: the model's default; 1: no classifier-free guidance", locale), step=0.5),
    }


def settings_updates(
    spec: ModelSpec | None, task: Task, values: GenerationRequest | None = None, locale: Locale = "en",
) -> list[dict]:
    """Updates for the model-dependent boxes after a model change: blank (the new model's defaults),
    or filled with ``values`` (a history clip's settings)."""
    props = field_props(spec, task, locale)
    return [gr.update(value=getattr(values, name) if values else None, **props[name]) for name in MODEL_DEPENDENT]


def settings_hints(spec: ModelSpec | None, task: Task, locale: Locale) -> list[dict]:
    """The model-dependent boxes' placeholders and hints in ``locale``, their values left as they are."""
    props = field_props(spec, task, locale)
    return [gr.update(placeholder=props[name]["placeholder"], info=props[name]["info"]) for name in MODEL_DEPENDENT]


def generation_settings(spec: ModelSpec | None, task: Task) -> SettingsWidgets:
    """Build the settings accordion, blank, with the model's defaults as placeholders."""
    props = field_props(spec, task)
    with gr.Accordion(t("Settings"), open=False):
        negative_prompt = gr.Textbox(label=t("Negative prompt"), placeholder=t("what to avoid, e.g. blurry, distorted"))
        with gr.Row():
            # -1, not blank: a Gradio Number shows and sends 0 for "no value" once it is on the page
            seed = gr.Number(label=t("Seed"), value=-1, precision=0, placeholder=t("random"), info=t("-1 or blank: a new random seed each time"))
            steps = gr.Number(label=t("Steps"), value=None, precision=0, **props["steps"])
            guidance = gr.Number(label=t("Guidance"), value=None, **props["guidance"])
        with gr.Row():
            frames = gr.Number(label=t("Frames"), value=None, precision=0, minimum=0, **props["frames"])
            fps = gr.Number(label=t("FPS"), value=None, **props["fps"])
        with gr.Row():
            height = gr.Number(label=t("Height"), value=None, precision=0, minimum=0, **props["height"])
            width = gr.Number(label=t("Width"), value=None, precision=0, minimum=0, **props["width"])
    return SettingsWidgets(negative_prompt, seed, steps, guidance, frames, height, width, fps)
