"""What the two generation tasks share: parameters, their checks, the step callback, the result."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from videogen.errors import GenerationCancelled, InvalidInputError
from videogen.hub import Progress, ProgressFn
from videogen.registry import TASK_NAMES, ModelSpec

MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class GenerationParams:
    """Everything that decides a generated clip (besides the model and the input image)."""

    prompt: str
    negative_prompt: str
    frames: int
    height: int
    width: int
    steps: int
    guidance: float
    seed: int
    fps: float


@dataclass
class VideoResult:
    """A generated clip on disk and how it was made (the CLI's ``--json`` object)."""

    prompt: str
    path: str
    frames: int
    height: int
    width: int
    fps: float
    seed: int
    model: str
    timings: dict[str, float] = field(default_factory=dict)
    understood: str | None = None  # what a prompt-parsing model made of the prompt
    warnings: list[str] = field(default_factory=list)  # e.g. a prompt outside a shapes model's world

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if data["understood"] is None:
            del data["understood"]
        return data


def resolve_params(
    spec: ModelSpec,
    prompt: str,
    *,
    negative_prompt: str | None = None,
    frames: int | None = None,
    height: int | None = None,
    width: int | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    seed: int | None = None,
    fps: float | None = None,
) -> GenerationParams:
    """Fill unset parameters from the model's defaults; a missing or negative seed is drawn at random."""
    d = spec.defaults
    if seed is None or seed < 0:
        seed = random.SystemRandom().randint(0, MAX_SEED)
    return GenerationParams(
        prompt=prompt if prompt is not None else "",
        negative_prompt=negative_prompt or "",
        frames=int(frames if frames is not None else d.frames),
        height=int(height if height is not None else d.height),
        width=int(width if width is not None else d.width),
        steps=int(steps if steps is not None else d.steps),
        guidance=float(guidance if guidance is not None else d.guidance),
        seed=int(seed),
        fps=float(fps if fps is not None else d.fps),
    )


def check_inputs(spec: ModelSpec, params: GenerationParams, *, need_prompt: bool) -> None:
    """Raise :class:`InvalidInputError` naming the first bad parameter and its value."""
    family = spec.family_info
    if not isinstance(params.prompt, str) or (need_prompt and not params.prompt.strip()):
        raise InvalidInputError(f"prompt must be a non-empty text for {TASK_NAMES[spec.task]}, got {params.prompt!r}")
    step = family.frame_step
    if params.frames < 1 or params.frames > 1024 or (params.frames - 1) % step:
        hint = f"; {spec.id} needs {step}k+1 frames (e.g. {step * 4 + 1}, {step * 8 + 1})" if step > 1 else ""
        raise InvalidInputError(f"frames must be between 1 and 1024{hint}, got {params.frames}")
    for name in ("height", "width"):
        value = getattr(params, name)
        if value < spec.size_step or value > 4096 or value % spec.size_step:
            raise InvalidInputError(f"{name} must be a multiple of {spec.size_step} between {spec.size_step} and 4096 for {spec.id}, got {value}")
    if not 1 <= params.steps <= 500:
        raise InvalidInputError(f"steps must be between 1 and 500, got {params.steps}")
    if not 0 <= params.guidance <= 50:
        raise InvalidInputError(f"guidance must be between 0 and 50, got {params.guidance}")
    if not 0 < params.fps <= 240:
        raise InvalidInputError(f"fps must be above 0 and at most 240, got {params.fps}")
    if not 0 <= params.seed <= MAX_SEED:
        raise InvalidInputError(f"seed must be between 0 and {MAX_SEED}, got {params.seed}")


def step_reporter(progress: ProgressFn | None, cancel: threading.Event | None) -> Callable[[int, int], None]:
    """A callback for each finished denoising step: reports progress, stops when cancelled."""

    def on_step(done: int, total: int) -> None:
        if cancel is not None and cancel.is_set():
            raise GenerationCancelled("Generation cancelled.")
        if progress is not None:
            progress(Progress("denoise", done, total, "step", f"Denoising step {done}/{total}"))

    return on_step


def output_path(output: str | Path | None, output_dir: Path, task: str, seed: int) -> Path:
    """Where a clip goes: the given file, or a fresh name in the output folder."""
    if output is not None:
        path = Path(output)
        if path.suffix.lower() != ".mp4":
            raise InvalidInputError(f"output must be an .mp4 file path, got {str(output)!r}")
        return path
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return output_dir / f"{task}-{stamp}-{seed}-{time.monotonic_ns() % 10**6:06d}.mp4"


def to_uint8(video: np.ndarray) -> np.ndarray:
    """(T, H, W, 3) floats in [0, 1] -> uint8."""
    return (np.clip(video, 0.0, 1.0) * 255.0).round().astype(np.uint8)
