"""The generation settings both generation tabs show, built from the settings table
(:mod:`videogen.params`): one box per setting the task shows on the page, in rows by the table's
``group``.

Each setting is a box that may stay blank: blank means the chosen model's default (shown as the
placeholder), the seed's blank (or -1) means a random one, and in the Image to Video tab a blank (or 0)
height or width follows the image. The boxes start blank, so the HTTP API's parameters default to
None ("the model's default") too; the values are resolved against the model in one place,
:func:`videogen.generate.common.resolve_params`. A Gradio Number shows and sends 0 for "no value"
once the accordion is opened, so 0 also means the model's default (:func:`request_values` maps it
to None) and the seed box starts at -1.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import gradio as gr

from videogen import params
from videogen.params import Param
from videogen.registry import ModelSpec, Task
from videogen.ui.i18n import Locale, t, tr


SOUND_NAMES = frozenset(p.name for p in params.SOUND)  # "Add sound": boxes of their own, not the request's
MARK_NAMES = frozenset(p.name for p in params.MARKS)  # the label and the prompt in the credentials: the engine's too


def boxed(task: Task) -> tuple[Param, ...]:
    """The settings with a box in the settings accordion (the model has its own box)."""
    return tuple(p for p in params.TASKS[task].on("ui") if p.name != "model")


def model_dependent(task: Task) -> tuple[str, ...]:
    """The settings whose placeholders follow the chosen model, in the order of
    ``Handlers.model_changed``'s outputs."""
    return tuple(p.name for p in boxed(task) if p.model_default)


MODEL_DEPENDENT = model_dependent("t2v")  # the same in both generation tabs

# The page's script (launch(js=...)): a Gradio Number shows its "no value" as a literal 0, hiding the
# placeholder that says the model's default; a box showing 0 that the user is not typing in is shown
# blank instead (its value stays as Gradio holds it: 0, which means the model's default).
BLANK_ZEROS_JS = """
() => {
  const blank = () => document.querySelectorAll('.videogen-settings input[type=number]').forEach(box => {
    if (box.value === '0' && box.placeholder && document.activeElement !== box) box.value = '';
  });
  setInterval(blank, 300);
}
"""


@dataclass
class SettingsWidgets:
    """The settings boxes by name, in the table's order (``settings.seed``, ``settings.boxes``)."""

    boxes: dict[str, gr.components.Component]
    task: Task

    def __getattr__(self, name: str) -> gr.components.Component:
        boxes = self.__dict__.get("boxes", {})
        if name in boxes:
            return boxes[name]
        raise AttributeError(name)

    def model_dependent(self) -> list[gr.components.Component]:
        """The boxes whose placeholders follow the chosen model, in :func:`model_dependent` order."""
        return [self.boxes[name] for name in model_dependent(self.task)]


def request_values(task: Task, values: dict[str, Any]) -> dict[str, Any]:
    """The settings as the page sent them, for a :class:`~videogen.generate.common.GenerationRequest`.

    The page's number boxes send 0 once they are shown, even when left blank (a Gradio Number with
    no value renders as 0): 0 means the model's default for every model-dependent setting, none of
    which runs at 0 (guidance 0 and 1 both turn classifier-free guidance off; type 1 for that). A
    blank model box is the tab's model.
    """
    table = params.TASKS[task]
    shown = [p for p in table.on("api") if p.name not in SOUND_NAMES | MARK_NAMES]  # those: sound_values, mark_values
    settings = {p.name: values.get(p.name) for p in shown}
    for p in shown:
        if p.model_default or p.name == "model":
            settings[p.name] = settings[p.name] or None
    return settings


def sound_values(values: dict[str, Any], upload: Callable[[str], str], path_of: Callable[[Any], str | None]
                 ) -> dict[str, Any]:
    """The "Sound" boxes as the engine's keywords: blank is unset; the audio file an upload of this
    app (``upload`` checks it; ``path_of`` reads the page's or the API's file value)."""
    sound: dict[str, Any] = {}
    for name in SOUND_NAMES:
        value = values.get(name)
        sound[name] = (value.strip() or None) if isinstance(value, str) else value  # not text: refused by name later
    audio = path_of(values.get("audio")) if values.get("audio") else None
    sound["audio"] = upload(audio) if audio else None
    return sound


def mark_values(values: dict[str, Any]) -> dict[str, Any]:
    """The label and include-prompt checkboxes as the engine's keywords (unset, from the API: the table's default)."""
    return {p.name: bool(p.default if values.get(p.name) is None else values.get(p.name)) for p in params.MARKS}


def field_props(spec: ModelSpec | None, task: Task, locale: Locale = "en") -> dict[str, dict[str, Any]]:
    """Placeholder (the model's default), hint and spinner step of each model-dependent box."""
    return {name: _model_props(params.TASKS[task].setting(name), spec, task, locale) for name in model_dependent(task)}


def _model_props(param: Param, spec: ModelSpec | None, task: Task, locale: Locale) -> dict[str, Any]:
    follow = task == "i2v"
    size_blank = tr("blank or 0: follow the image" if follow else "0 or blank: the model's default", locale)
    is_size = param.name in ("height", "width")
    if spec is None:  # a Hub repo or folder: its defaults are known once it is read
        blank = tr("model default", locale)
        info = {"frames": tr("0 or blank: the model's default", locale)}.get(param.name, size_blank if is_size else None)
        return dict(placeholder=tr("follow the image", locale) if follow and is_size else blank, info=info, step=param.step)
    default = getattr(spec.defaults, param.name)
    if param.name == "frames":
        frame_step = spec.family_info.frame_step
        info = tr("0 or blank: {frames}", locale, frames=default)
        if frame_step > 1:
            info += tr("; {step}k+1 for this model", locale, step=frame_step)
        return dict(placeholder=str(default), step=frame_step, info=info)
    if is_size:
        return dict(placeholder=tr("follow the image", locale) if follow else str(default), step=spec.size_step,
                    info=tr("{hint}; a multiple of {step}", locale, hint=size_blank, step=spec.size_step))
    info = tr("0 or blank: the model's default; 1: no classifier-free guidance", locale) if param.name == "guidance" else None
    return dict(placeholder=f"{default:g}" if isinstance(default, float) else str(default), info=info, step=param.step)


def settings_updates(spec: ModelSpec | None, task: Task, values: Any = None, locale: Locale = "en") -> list[dict]:
    """Updates for the model-dependent boxes after a model change: blank (the new model's defaults),
    or filled with ``values`` (a history clip's settings, a GenerationRequest)."""
    props = field_props(spec, task, locale)
    return [gr.update(value=getattr(values, name) if values else None, **props[name]) for name in model_dependent(task)]


def settings_hints(spec: ModelSpec | None, task: Task, locale: Locale) -> list[dict]:
    """The model-dependent boxes' placeholders and hints in ``locale``, their values left as they are."""
    props = field_props(spec, task, locale)
    return [gr.update(placeholder=props[name]["placeholder"], info=props[name]["info"]) for name in model_dependent(task)]


def generation_settings(spec: ModelSpec | None, task: Task) -> SettingsWidgets:
    """Build the settings accordion, blank, with the model's defaults as placeholders; then the
    "Sound" accordion ("Add sound": an audio file or a sound model, a narration and its voice)."""
    props = field_props(spec, task)
    shown = boxed(task)
    with gr.Accordion(t("Settings"), open=False, elem_classes=["videogen-settings"]):
        boxes = setting_rows(tuple(p for p in shown if p.name not in SOUND_NAMES),
                             lambda param: setting_box(param, props.get(param.name, {})))
    sound = tuple(p for p in shown if p.name in SOUND_NAMES)
    if sound:
        with gr.Accordion(t("Sound"), open=False, elem_classes=["videogen-settings", "videogen-sound"]):
            boxes.update(setting_rows(sound, sound_box))
    return SettingsWidgets({p.name: boxes[p.name] for p in shown}, task)


def sound_box(param: Param) -> gr.components.Component:
    """A sound setting's box: the audio file as an upload with a player, the narration as a few lines
    of text, the others as :func:`setting_box` makes them (each with its help as the hint)."""
    label, hint = t(param.label), t(param.help)
    if param.name == "audio":
        return gr.Audio(label=label, type="filepath", sources=["upload"])
    if param.name == "narration":
        return gr.Textbox(label=label, lines=2, placeholder=t(param.placeholder or ""), info=hint)
    if param.kind == "text":
        return gr.Textbox(label=label, placeholder=t(param.placeholder) if param.placeholder else None, info=hint)
    return setting_box(param)


def setting_rows(
    shown: tuple[Param, ...], make: Callable[[Param], gr.components.Component] | None = None,
) -> dict[str, gr.components.Component]:
    """A box for each of ``shown`` (``make(param)``, default :func:`setting_box`), in rows by the
    table's ``group``: a group's boxes share the row where the group first appears. By name, in order."""
    rows: dict[str, list[Param]] = {}
    for param in shown:
        rows.setdefault(param.group or param.name, []).append(param)
    boxes: dict[str, gr.components.Component] = {}
    for group in rows.values():
        with gr.Row() if len(group) > 1 else nullcontext():
            for param in group:
                boxes[param.name] = (make or setting_box)(param)
    return {p.name: boxes[p.name] for p in shown}


def setting_box(param: Param, model_props: dict[str, Any] | None = None) -> gr.components.Component:
    """One setting's box: a text box, or a number box (blank, or the table's default: the seed's -1)."""
    label = t(param.label)
    if param.kind == "text":
        return gr.Textbox(label=label, placeholder=t(param.placeholder) if param.placeholder else None)
    if param.kind == "choice":
        return gr.Radio(list(param.choices), value=param.default, label=label, info=t(param.hint) if param.hint else None)
    if param.kind == "files":
        return gr.File(label=label, file_count="multiple", file_types=["video"])
    if param.picks:  # "off", or one of the values it takes (0 is "off": see request_values)
        return gr.Radio([(t("off"), 0), *((f"×{n}", n) for n in param.picks)], value=0, label=label)
    if param.kind == "flag":
        return gr.Checkbox(label=label, value=bool(param.default), info=t(param.hint) if param.hint else None)
    props: dict[str, Any] = dict(
        placeholder=t(param.placeholder) if param.placeholder else None,
        info=t(param.hint) if param.hint else None,
        step=param.step,
    )
    props.update(model_props or {})
    if param.kind == "int":
        props["precision"] = 0
        if param.model_default:
            props["minimum"] = 0  # 0: the model's default
    return gr.Number(label=label, value=param.default, **props)
