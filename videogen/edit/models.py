"""Which model does which operation of an edit: the ``model`` setting read, checked against what
was asked, and a Real-ESRGAN job too long for this CPU refused before anything is downloaded.

``model`` names registry ids (``"rife-4.13,realesrgan-x4"``), each for its own operation
(:data:`videogen.registry.EDIT_MODELS` and ``RESTYLE_MODELS``; ids are unique across operations), or
a weights file on disk for the one model operation asked. An operation asked without a model takes
its default: ``dis-flow`` interpolates (the recipe runs it, nothing to load), ``videogen-sr``
upscales (both offline), ``wan2.1-v2v-1.3b`` restyles with a prompt (a Hub model).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from videogen.errors import InvalidInputError
from videogen.registry import EDIT_TASKS, TASK_NAMES, ModelSpec, find_edit_model

if TYPE_CHECKING:
    from videogen.edit.recipe import EditOptions

logger = logging.getLogger(__name__)

# Real-ESRGAN's convolutions on a CPU run at about a quarter of its float32 matmul rate (measured
# here: 399 s for one 854x480 frame at x4, 2 AVX2 cores), and do about 2 x parameters FLOPs per
# input pixel (its RRDB body runs at the input's size).
CONV_EFFICIENCY = 0.25
CPU_LIMIT_S = 30 * 60  # what an edit may take on a CPU before it is refused (as a long generation asks first)


def _asked(options: EditOptions) -> dict[str, object]:
    """The model operations the edit asks for: interpolate, upscale, and restyle with a prompt."""
    asked: dict[str, object] = {task: getattr(options, task) for task in EDIT_TASKS if getattr(options, task)}
    if options.prompt:
        asked["restyle"] = options.prompt
    return asked


def edit_models_named(model: str | list[str] | None, options: EditOptions, *, listed_only: bool = False,
                      ) -> dict[str, ModelSpec]:
    """The spec of each model operation the edit asks for, by task ("interpolate", "upscale"): the
    named ones, else the offline default (none for interpolation: the recipe runs ``dis-flow``)."""
    from videogen.models.edit_models import default_edit_model, edit_model_spec

    ids = [m.strip() for m in (model.split(",") if isinstance(model, str) else model or []) if m and m.strip()]
    asked = _asked(options)
    named: dict[str, ModelSpec] = {}
    for name in ids:
        listed = find_edit_model(name)
        if listed is None:  # a weights file, for the one model operation asked
            if len(asked) != 1:
                raise InvalidInputError(
                    f"model {name!r} is not an edit model's id" + (": which operation is it for? Name one "
                    "operation (--interpolate or --upscale) with it." if asked else
                    ". " + _listed()))
            listed = edit_model_spec(name, next(iter(asked)), listed_only=listed_only)  # type: ignore[arg-type]
        task = listed.task
        if task not in asked:
            ask = ("--prompt TEXT (the page: Restyle prompt)" if task == "restyle" else
                   f"--{task} 2 or 4 (the page: {task.capitalize()} ×2 or ×4)")
            raise InvalidInputError(f"model {name} does {TASK_NAMES[task]}, but the edit asks for none: add {ask}, "
                                    "or leave the model out.")
        if task in named:
            raise InvalidInputError(f"two models for {TASK_NAMES[task]} ({named[task].id}, {name}): name one.")
        named[task] = listed
    if "upscale" in asked and "upscale" not in named:
        named["upscale"] = default_edit_model("upscale")
    if "restyle" in asked and "restyle" not in named:
        from videogen.registry import RESTYLE_MODELS

        named["restyle"] = RESTYLE_MODELS[0]
    return named


def _listed() -> str:
    from videogen.registry import EDIT_MODELS, RESTYLE_MODELS

    return "The edit models: " + ", ".join(f"{m.id} ({TASK_NAMES[m.task]})" for m in EDIT_MODELS + RESTYLE_MODELS) + "."


def cpu_seconds(spec: ModelSpec, frames: int, height: int, width: int) -> float | None:
    """About how long ``spec`` upscales ``frames`` frames of height × width on this CPU; None when it
    is a small model that is never slow here (only spandrel's large networks are estimated)."""
    if spec.family != "spandrel" or not spec.download_gb:
        return None
    from videogen.device import cpu_matmul_rates

    parameters = spec.download_gb * 1e9 / 4  # float32 weights
    pixels = frames * height * width / (4 if spec.scale == 2 else 1)  # the x2 network runs at half size inside
    return 2 * parameters * pixels / (cpu_matmul_rates()["float32"] * CONV_EFFICIENCY)


def _frames_made(video: str | Path, options: EditOptions) -> tuple[int, int, int]:
    """(frames, height, width) the model operations see, from the first input's header (nothing decoded):
    its frames, interpolated when asked."""
    from videogen.media import probe

    info = probe(video)
    frames = max(info.frame_count, int(round(info.duration * info.fps)), 1)
    if options.interpolate:
        frames = (frames - 1) * options.interpolate + 1
    return frames, info.height, info.width


def check_cpu_upscaler(spec: ModelSpec, video: str | Path, options: EditOptions) -> None:
    """Refuse a Real-ESRGAN edit that would take longer than :data:`CPU_LIMIT_S` on this CPU, saying
    how long and what to use instead (read from the first input's header: nothing is downloaded)."""
    from videogen.sizing.estimate import duration

    frames, height, width = _frames_made(video, options)
    seconds = cpu_seconds(spec, frames, height, width)
    if seconds is None or seconds <= CPU_LIMIT_S:
        return
    each = seconds / frames
    raise InvalidInputError(
        f"{spec.id} on this CPU takes about {duration(each)} a {width}×{height} frame: this edit ({frames} "
        f"frames) would take about {duration(seconds)}. Upscale with videogen-sr (offline, seconds a frame), trim the "
        "video first, or run on a GPU.")


def check_cpu_restyler(spec: ModelSpec, video: str | Path, options: EditOptions, device_choice: object) -> None:
    """Refuse a video-to-video restyle that the memory plan's estimate puts over :data:`CPU_LIMIT_S`
    on this CPU (read from the first input's header, before anything is downloaded)."""
    from videogen.models.video_to_video import plan_video_to_video
    from videogen.sizing.estimate import duration

    frames, height, width = _frames_made(video, options)
    scale = options.upscale or 1
    plan = plan_video_to_video(spec, min(frames, spec.defaults.frames), height * scale, width * scale,
                               device_choice, strength=options.strength)  # type: ignore[arg-type]
    if plan.estimate_s is not None and plan.estimate_s > CPU_LIMIT_S:
        preset = spec.cpu_preset
        size = f" ({preset.frames} frames at {preset.width}×{preset.height} is its CPU size)" if preset else ""
        raise InvalidInputError(
            f"{spec.id} would take about {duration(plan.estimate_s)} on this CPU to restyle this clip{size}. Trim it, "
            "use an offline --style (seconds), or run on a GPU.")
