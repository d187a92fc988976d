"""What the page says about a model: the dropdown's entries, the card under it, and before
Generate the memory plan and (on a CPU) how long the clip will take here."""

from __future__ import annotations

import shutil
from pathlib import Path
from collections.abc import Callable
from typing import Any

import gradio as gr

from videogen import hub
from videogen.errors import VideogenError
from videogen.registry import ModelSpec, Task, find, models_for
from videogen.sizing.estimate import duration as english_duration
from videogen.ui.i18n import Locale, locale_of, tr, tr_parts, tr_units
from videogen.units import download_gib, parameter_breakdown
from videogen.ui.settings import settings_hints


LONG_JOB_S = 30 * 60  # a CPU job estimated longer than this asks before it starts


def cuda_likely(device: str) -> bool:
    """Whether the engine will pick CUDA, guessed without importing torch (for the UI's defaults)."""
    if device not in ("", "auto"):
        return device.startswith("cuda")
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def model_choices(task: Task, locale: Locale = "en") -> list[tuple[str, str]]:
    """Dropdown entries: a label with size, VRAM and download state; the registry id as value."""
    choices = []
    for spec in models_for(task):
        state = download_state(spec, locale)
        if spec.components:  # the big parts: "1.4B transformer + 5.7B text encoder"
            state += ", " + tr_parts(parameter_breakdown(spec.components, at_least=int(0.5e9)), locale)
        choices.append((tr("{model} ({state})", locale, model=spec.id, state=state), spec.id))
    return choices


def model_card(model: str, task: Task, locale: Locale = "en") -> str:
    """Markdown shown under the model dropdown: what it is and its license."""
    spec = find(model, task)
    if spec is None:
        return tr("**{model}**: a Hub repo or folder; its family is read from its config when you run it. Check its "
                  "license on its model card.", locale, model=model)
    description = tr(spec.description, locale)
    if spec.local:
        return tr("{description}. Ships with the app: works offline, no GPU. It knows only the **shapes world** (one circle, "
                  "square or triangle moving on a plain background), not real footage: for that, pick a Hub model from the list "
                  "(generators are best on a GPU and start at a short CPU preset on a CPU; X-CLIP runs on a CPU too). "
                  "License: `{license}`.",
                  locale, description=description, license=spec.license)
    where = f"[{spec.repo_id}](https://huggingface.co/{spec.repo_id})"
    card = tr("{description}. Source: {source}. License: `{license}`.", locale,
              description=description, source=where, license=spec.license)
    if spec.components:
        card += " " + tr("Parameters: {parts}.", locale, parts=tr_parts(parameter_breakdown(spec.components), locale))
    return card + (" " + tr("**Non-commercial use only.**", locale) if spec.non_commercial else "")


def page_texts(model: str, task: Task, request: gr.Request | None) -> tuple[Any, ...]:
    """On page load, the texts built from data, in the browser's language (the page was built in
    English): the model dropdown's entries (with their download state as of now), the chosen
    model's card and, in the generation tabs, the hints of its settings boxes (values left alone)."""
    locale = locale_of(request)
    texts = (gr.update(choices=model_choices(task, locale)), model_card(model, task, locale))
    if task == "classify":
        return texts
    return (*texts, *settings_hints(find(model, task), task, locale))


def plan_here(
    engine_of: Callable[[], Any], spec: ModelSpec, task: Task, frames: float | None, height: float | None,
    width: float | None, steps: float | None = None,
) -> tuple[Any, Any]:
    """(the memory plan on the engine's device, the engine) for these settings (blank or 0: the model's).

    ``engine_of()`` gives the app's :class:`~videogen.api.Engine`; call this only for a Hub generator,
    so that the page of a shapes-world model never starts the engine (on ZeroGPU a job's worker is
    forked from this process, and must not be forked while the engine is being made)."""
    from videogen.api import plan

    engine = engine_of()
    result = plan(spec.id, task=task, device=engine.device_choice.device.split(":")[0],
                  frames=positive(frames), height=positive(height), width=positive(width), steps=positive(steps))
    return result, engine


def plan_line(
    engine_of: Callable[[], Any], model: str, task: Task, frames: float | None, height: float | None, width: float | None, locale: Locale = "en",
    steps: float | None = None,
) -> str:
    """Before Generate: where a Hub generator would run on this machine, and whether it fits; on a
    CPU also how long the clip will take here and how much there is to download."""
    spec = find(model, task)
    if spec is None or spec.library != "diffusers":
        return ""
    try:
        result, engine = plan_here(engine_of, spec, task, frames, height, width, steps)
    except VideogenError as exc:
        return tr("**Memory plan:** {plan}", locale, plan=exc)
    from videogen.device import gpu_memory_bytes

    gpu = gpu_memory_bytes(engine.device_choice)
    icon = "✅" if result.fits else "⛔"
    line = f"{icon} " + tr("**Memory plan:** {plan}", locale, plan=result.summary(gpu))
    if result.fits and result.estimate is not None:
        line += "\n\n" + time_line(spec, result, locale)
    return line


def cpu_estimate_s(
    engine_of: Callable[[], Any], spec: ModelSpec | None, task: Task, frames: float | None, height: float | None,
    width: float | None, steps: float | None = None,
) -> float | None:
    """Seconds this clip would take on this CPU (the plan's estimate); None on a GPU, for a model
    that is not a Hub generator, or when it does not fit."""
    if spec is None or spec.library != "diffusers":
        return None
    try:
        result, engine = plan_here(engine_of, spec, task, frames, height, width, steps)
    except VideogenError:
        return None
    if engine.device_choice.is_cuda or not result.fits or result.estimate is None:
        return None
    from videogen.sizing.estimate import Estimate

    return Estimate.from_json(result.estimate).total_s  # the same sum the card and `plan` print, rounded alike


def preset_label(engine_of: Callable[[], Any], model: str, task: Task, locale: Locale = "en") -> str | None:
    """The CPU preset button's text, with its estimate here: "CPU preset: 17 frames at 384×256, 4
    steps (about 6 min 40 s here)"; None on a GPU or for a model without a preset."""
    spec = find(model, task)
    preset = spec.cpu_preset if spec is not None else None
    if preset is None:
        return None
    seconds = cpu_estimate_s(engine_of, spec, task, preset.frames, preset.height, preset.width, preset.steps)
    if seconds is None:
        return None
    return tr("CPU preset: {frames} frames at {width}×{height}, {steps} steps (about {time} here)", locale,
              frames=preset.frames, width=preset.width, height=preset.height, steps=preset.steps,
              time=duration(seconds, locale))


def long_job_question(
    engine_of: Callable[[], Any], model: str, task: Task, frames: float | None, height: float | None,
    width: float | None, steps: float | None = None, locale: Locale = "en",
) -> str | None:
    """What to ask before a job estimated at more than :data:`LONG_JOB_S` on this CPU; None: start it."""
    spec = find(model, task)
    seconds = cpu_estimate_s(engine_of, spec, task, frames, height, width, steps)
    if seconds is None or seconds <= LONG_JOB_S:
        return None
    question = tr("⏱️ This clip would take about {time} on this CPU.", locale, time=duration(seconds, locale))
    chosen = spec.cpu_preset
    if chosen and (positive(frames), positive(height), positive(width), positive(steps)) == (
            chosen.frames, chosen.height, chosen.width, chosen.steps):
        return tr("⏱️ This clip would take about {time} on this CPU, even at its CPU preset. Start it anyway, or run "
                  "it where there is a GPU.", locale, time=duration(seconds, locale))
    preset = preset_label(engine_of, model, task, locale)
    if preset:
        return question + " " + tr("Start it anyway, or use the {preset}.", locale, preset=preset)
    return question + " " + tr("Start it anyway, or ask for fewer frames, a smaller size or fewer steps.", locale)


def time_line(spec: ModelSpec, plan: Any, locale: Locale = "en") -> str:
    """How long the clip will take on this CPU (the plan's estimate: the same one the CLI's ``plan``
    prints), the first load, and the download."""
    from videogen.sizing.estimate import BUSY_SHARE, Estimate

    timing = Estimate.from_json(plan.estimate)
    line = tr("**On this CPU:** about {total} for this clip ({steps} steps: text {text}, denoising {denoise}, "
              "decoding {decode}), and about {load} to load the model first; {download}.", locale,
              total=duration(timing.total_s, locale), steps=timing.steps, text=duration(timing.text_s, locale),
              denoise=duration(timing.denoise_s, locale), decode=duration(timing.decode_s, locale),
              load=duration(timing.load_s, locale), download=download_state(spec, locale))
    if timing.cpu_share < BUSY_SHARE:
        line += " " + tr("Other programs use {share:.0%} of the CPU now: about {busy} while they do.", locale,
                         share=1 - timing.cpu_share, busy=duration(timing.busy_s, locale))
    return line


def download_state(spec: ModelSpec, locale: Locale = "en") -> str:
    """"downloaded", or the download's size in GiB."""
    if hub.is_downloaded(spec):
        return tr("downloaded", locale)
    return tr("{size} download", locale, size=download_gib(spec.download_gb))


def duration(seconds: float, locale: Locale = "en") -> str:
    """``95`` -> "1 min 35 s" (in Chinese "1 分钟 35 秒")."""
    return tr_units(english_duration(seconds), locale)


def positive(value: float | None) -> int | None:
    """A size or frame count from a box: None when blank or 0 (the model's default)."""
    return int(value) if value else None
