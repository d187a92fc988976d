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
from videogen.ui.i18n import Locale, locale_of, tr
from videogen.ui.settings import settings_hints


def cuda_likely(device: str) -> bool:
    """Whether the engine will pick CUDA, guessed without importing torch (for the UI's defaults)."""
    if device not in ("", "auto"):
        return device.startswith("cuda")
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def model_choices(task: Task, locale: Locale = "en") -> list[tuple[str, str]]:
    """Dropdown entries: a label with size, VRAM and download state; the registry id as value."""
    choices = []
    for spec in models_for(task):
        state = tr("downloaded", locale) if hub.is_downloaded(spec) else tr("{gb:g} GB download", locale, gb=spec.download_gb)
        weights = sum(n for _, n in spec.components) / 1e9
        size = tr(", {billions:.1f}B params", locale, billions=weights) if weights else ""
        choices.append((tr("{model} ({state})", locale, model=spec.id, state=state + size), spec.id))
    return choices


def model_card(model: str, task: Task, locale: Locale = "en") -> str:
    """Markdown shown under the model dropdown: what it is and its license."""
    spec = find(model, task)
    if spec is None:
        return tr("**{model}**: a Hub repo or folder; its family is read from its config when you run it. Check its "
                  "license on its model card.", locale, model=model)
    description = tr(spec.description, locale)
    if spec.local:
        return tr("{description}. Ships with the app (works offline, no GPU). **A small demo model of the shapes world** "
                  "— one circle, square or triangle moving on a plain background — not real footage: for that, pick a Hub "
                  "model from the list (generators need a GPU; X-CLIP runs on CPU too). License: `{license}`.",
                  locale, description=description, license=spec.license)
    where = f"[{spec.repo_id}](https://huggingface.co/{spec.repo_id})"
    card = tr("{description}. Source: {source}. License: `{license}`.", locale,
              description=description, source=where, license=spec.license)
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


def plan_line(
    engine_of: Callable[[], Any], model: str, task: Task, frames: float | None, height: float | None, width: float | None, locale: Locale = "en",
    steps: float | None = None,
) -> str:
    """Before Generate: where a Hub generator would run on this machine, and whether it fits; on a
    CPU also how long the clip will take here and how much there is to download.

    ``engine_of()`` gives the app's :class:`~videogen.api.Engine`; it is asked for only for a Hub
    generator, so that the page of a shapes-world model never starts the engine (on ZeroGPU a job's
    worker is forked from this process, and must not be forked while the engine is being made)."""
    spec = find(model, task)
    if spec is None or spec.library != "diffusers":
        return ""
    from videogen.api import plan

    try:
        engine = engine_of()
        result = plan(spec.id, task=task, device=engine.device_choice.device.split(":")[0],
                      frames=positive(frames), height=positive(height), width=positive(width))
    except VideogenError as exc:
        return tr("**Memory plan:** {plan}", locale, plan=exc)
    from videogen.device import gpu_memory_bytes

    gpu = gpu_memory_bytes(engine.device_choice)
    icon = "✅" if result.fits else "⛔"
    line = f"{icon} " + tr("**Memory plan:** {plan}", locale, plan=result.summary(gpu))
    if result.fits and result.estimate is not None:
        line += "\n\n⏱️ " + time_line(spec, result, positive(steps), locale)
    return line


def time_line(spec: ModelSpec, plan: Any, steps: int | None, locale: Locale = "en") -> str:
    """How long the clip will take on this CPU (a plan's estimate, for ``steps`` when given), the
    first load, and the download."""
    from videogen.sizing.estimate import Estimate, duration, estimate

    timing = Estimate(**{k: v for k, v in plan.estimate.items() if k not in ("denoise_s", "total_s")})
    if steps and steps != timing.steps:
        timing = estimate(spec, plan.frames, plan.height, plan.width, steps, spec.defaults.guidance,
                          params={c.name: c.params for c in plan.components})
    download = tr("downloaded", locale) if hub.is_downloaded(spec) else tr("{gb:g} GB download", locale, gb=spec.download_gb)
    return tr("**On this CPU:** about {total} for this clip ({steps} steps: text {text}, denoising {denoise}, "
              "decoding {decode}), and about {load} to load the model first; {download}.", locale,
              total=duration(timing.total_s), steps=timing.steps, text=duration(timing.text_s),
              denoise=duration(timing.denoise_s), decode=duration(timing.decode_s), load=duration(timing.load_s),
              download=download)


def positive(value: float | None) -> int | None:
    """A size or frame count from a box: None when blank or 0 (the model's default)."""
    return int(value) if value else None
