"""What the two generation tasks share: parameters, their checks, the step callback, the result."""

from __future__ import annotations

import math
import random
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from videogen.errors import GenerationCancelled, InvalidInputError, OutOfMemoryError, VideogenError
from videogen.hub import Progress, ProgressFn
from videogen.registry import TASK_NAMES, ModelSpec

MAX_SEED = 2**32 - 1
MIN_FPS = 0.01  # one frame every 100 s


MIN_SIDE = 16  # the smallest height or width any generator is asked for (or its size step, if larger)


@dataclass(frozen=True)
class GenerationRequest:
    """What a caller asks for: the one parameters object that the app, the HTTP API, the CLI and
    the Python API hand down to the pipeline. The names are the CLI's options.

    ``None`` means the model's default, filled in by :func:`resolve_params` (the only place that
    reads a model's defaults); ``seed`` None or negative draws a random seed. ``height``/``width``
    None or 0 mean the model's default size, or for image to video: follow the image.
    """

    prompt: str = ""
    model: str | None = None
    negative_prompt: str | None = None
    frames: int | None = None
    height: int | None = None
    width: int | None = None
    steps: int | None = None
    guidance: float | None = None
    seed: int | None = None
    fps: float | None = None

    @classmethod
    def of(cls, prompt: str | GenerationRequest, settings: dict[str, Any]) -> GenerationRequest:
        """A prompt plus keyword settings (the Python API's form), or a request with settings replaced."""
        unknown = sorted(set(settings) - set(SETTINGS))
        if unknown:
            raise TypeError(f"unknown generation setting(s) {', '.join(unknown)}; the settings are: {', '.join(SETTINGS)}")
        if isinstance(prompt, GenerationRequest):
            return replace(prompt, **settings)
        return cls(prompt=prompt, **settings)


SETTINGS = tuple(f.name for f in fields(GenerationRequest) if f.name != "prompt")  # model, negative_prompt, ...


@dataclass(frozen=True)
class GenerationParams:
    """Everything that decides a generated clip (besides the model and the input image): a
    :class:`GenerationRequest` with every value filled in."""

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
    negative_prompt: str = ""
    steps: int = 0
    guidance: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    understood: str | None = None  # what a prompt-parsing model made of the prompt
    warnings: list[str] = field(default_factory=list)  # e.g. a prompt outside a shapes model's world

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if data["understood"] is None:
            del data["understood"]
        return data

    def settings(self) -> GenerationRequest:
        """Every setting this clip was made with: asking for it again makes the same clip."""
        return GenerationRequest(
            prompt=self.prompt, model=self.model, negative_prompt=self.negative_prompt, frames=self.frames,
            height=self.height, width=self.width, steps=self.steps, guidance=self.guidance, seed=self.seed,
            fps=self.fps,
        )


def resolve_params(
    spec: ModelSpec, request: GenerationRequest | str, *, image_size: tuple[int, int] | None = None, **settings: Any,
) -> GenerationParams:
    """Fill a request's unset values from the model's defaults: the one place that reads them.

    ``request`` may also be a prompt with keyword settings (``resolve_params(spec, "a ball", frames=9)``).
    A missing or negative seed is drawn at random. With ``image_size`` (the input image's width and
    height, for image to video), an unset height and width follow the image (:func:`size_for_image`).
    Whole-number settings given as floats (16.0, from JSON) are taken as integers; ranges and the
    model's grid are checked by :func:`check_inputs`.
    """
    request = GenerationRequest.of(request, settings)
    d = spec.defaults
    seed = _whole("seed", request.seed)
    if seed is None or seed < 0:
        seed = random.SystemRandom().randint(0, MAX_SEED)
    height, width = _whole("height", request.height) or None, _whole("width", request.width) or None
    if image_size is not None and (height is None or width is None):
        height, width = size_for_image(spec, image_size, height=height, width=width)
    return GenerationParams(
        prompt=request.prompt if request.prompt is not None else "",
        negative_prompt=request.negative_prompt or "",
        frames=_default(_whole("frames", request.frames), d.frames),
        height=height or d.height,
        width=width or d.width,
        steps=_default(_whole("steps", request.steps), d.steps),
        guidance=float(_default(_number("guidance", request.guidance), d.guidance)),
        seed=seed,
        fps=float(_default(_number("fps", request.fps), d.fps)),
    )


def _default(value: Any, default: Any) -> Any:
    return default if value is None else value


def _number(name: str, value: Any) -> float | None:
    """A setting as a finite float (None stays None); text, NaN and infinity are refused by name."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidInputError(f"{name} must be a number, got {_shown(value)}")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        number = math.inf
    if not math.isfinite(number):
        raise InvalidInputError(f"{name} must be a finite number, got {_shown(value)}")
    return number


def _whole(name: str, value: Any) -> int | None:
    number = _number(name, value)
    if number is None:
        return None
    if not number.is_integer():
        raise InvalidInputError(f"{name} must be a whole number, got {_shown(value)}")
    return int(number)


def whole_number(name: str, value: Any) -> int:
    """``value`` as an int (16.0 from JSON is 16), or :class:`InvalidInputError` naming ``name``."""
    number = _whole(name, value)
    if number is None:
        raise InvalidInputError(f"{name} must be a whole number, got None")
    return number


def positive(name: str, value: Any, *, whole: bool = False) -> Any:
    """``value`` as a number above 0 (an int with ``whole``; None stays None), or
    :class:`InvalidInputError` naming ``name``."""
    number = _whole(name, value) if whole else _number(name, value)
    if number is not None and number <= 0:
        raise InvalidInputError(f"{name} must be above 0, got {_shown(value)}")
    return number


def _shown(value: Any) -> str:
    """A bad value for a message: as given, but short (a 10 000-character text or a 300-digit number is cut)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1} digits"  # str() refuses past 4300
    if isinstance(value, float) and math.isfinite(value) and abs(value) >= 1e15:
        return f"{value:.3g}"
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}… ({len(value) if isinstance(value, str) else len(text)} characters)"


def min_side(spec: ModelSpec) -> int:
    """The smallest height or width a model is run at."""
    return max(spec.size_step, MIN_SIDE)


def size_for_image(
    spec: ModelSpec, image_size: tuple[int, int], *, height: int | None = None, width: int | None = None,
) -> tuple[int, int]:
    """(height, width) on the model's size grid with the image's aspect ratio ("follow the image").

    With neither side given: the model's default pixel count. With one side given, the other
    follows the image's aspect ratio.
    """
    image_w, image_h = image_size
    step, low = spec.size_step, min_side(spec)

    def on_grid(value: float) -> int:
        return min(4096 // step * step, max(low, int(round(value / step)) * step))

    if height and not width:
        return height, on_grid(height * image_w / image_h)
    if width and not height:
        return on_grid(width * image_h / image_w), width
    scale = (spec.defaults.height * spec.defaults.width / (image_w * image_h)) ** 0.5
    height = on_grid(image_h * scale)
    return height, on_grid(height * image_w / image_h)  # the width from the height kept on the grid: the closest ratio


def check_inputs(spec: ModelSpec, params: GenerationParams, *, need_prompt: bool) -> None:
    """Raise :class:`InvalidInputError` naming the first bad parameter and its value."""
    family = spec.family_info
    if not isinstance(params.prompt, str) or (need_prompt and not params.prompt.strip()):
        raise InvalidInputError(
            f"prompt must be a non-empty text for {TASK_NAMES[spec.task]} (describe the clip), got {_shown(params.prompt)}"
        )
    if not isinstance(params.negative_prompt, str):
        raise InvalidInputError(f"negative_prompt must be a text, got {_shown(params.negative_prompt)}")
    check_text("prompt", params.prompt)
    check_text("negative_prompt", params.negative_prompt)
    step = family.frame_step
    if params.frames < 1 or params.frames > 1024 or (params.frames - 1) % step:
        hint = f"; {spec.id} needs {step}k+1 frames (e.g. {step * 4 + 1}, {step * 8 + 1})" if step > 1 else ""
        raise InvalidInputError(f"frames must be between 1 and 1024{hint}, got {_shown(params.frames)}")
    for name in ("height", "width"):
        value = getattr(params, name)
        if value < min_side(spec) or value > 4096 or value % spec.size_step:
            raise InvalidInputError(
                f"{name} must be a multiple of {spec.size_step} between {min_side(spec)} and 4096 for {spec.id}, got {_shown(value)}"
            )
    if not 1 <= params.steps <= 500:
        raise InvalidInputError(f"steps must be between 1 and 500, got {_shown(params.steps)}")
    if not 0 <= params.guidance <= 50:
        raise InvalidInputError(f"guidance must be between 0 and 50, got {_shown(params.guidance)}")
    if not MIN_FPS <= params.fps <= 240:  # below MIN_FPS the MP4's frame rate (a fraction over 1001) rounds to 0
        raise InvalidInputError(f"fps must be between {MIN_FPS} and 240, got {_shown(params.fps)}")
    if not 0 <= params.seed <= MAX_SEED:
        raise InvalidInputError(f"seed must be between 0 and {MAX_SEED} (or -1 for a random one), got {_shown(params.seed)}")


def check_text(name: str, value: str) -> None:
    """Refuse text that cannot be stored as UTF-8 (in the MP4's metadata, in a JSON answer): a lone
    surrogate, half of a character pair such as an emoji, or a byte that was not UTF-8 on a command line."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            f"{name} contains {value[exc.start]!r} at position {exc.start}: half of a character pair (a lone "
            "surrogate), which is not text. Remove it or type that character again."
        ) from None


@contextmanager
def memory_guard(spec: ModelSpec, params: GenerationParams, stage: str) -> Iterator[None]:
    """Turn running out of memory while ``stage`` ("loading", "generating") into
    :class:`~videogen.errors.OutOfMemoryError` with lighter settings to try, after giving the memory
    back, so that the next request starts clean. The diffusers generators say so themselves; this
    covers the rest (the embedded models, a CPU allocation that fails)."""
    try:
        yield
    except VideogenError:
        raise
    except (MemoryError, RuntimeError) as exc:
        if not _out_of_memory(exc):
            raise
        traceback.clear_frames(exc.__traceback__)  # the frames' locals hold what was being allocated
        from videogen.device import release_memory

        release_memory()
        raise OutOfMemoryError(
            f"{spec.id} ran out of memory {stage} {params.frames} frames of {params.width}×{params.height}. Try fewer "
            "frames or a smaller size, or close other programs using the memory, then try again."
        ) from exc


def _out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(exc, torch.OutOfMemoryError):
        return True
    text = str(exc).lower()  # a CPU tensor that does not fit: RuntimeError from torch's allocator
    return "out of memory" in text or "can't allocate memory" in text


def step_reporter(progress: ProgressFn | None, cancel: threading.Event | None) -> Callable[..., None]:
    """A callback for each finished denoising step (or frame batch of the embedded models): reports
    progress, with a preview image now and then, and stops when cancelled."""

    def on_step(done: int, total: int, preview: Any = None, stage: str = "denoise") -> None:
        if cancel is not None and cancel.is_set():
            raise GenerationCancelled("Generation cancelled.")
        if progress is not None:
            message = f"Denoising step {done}/{total}" if stage == "denoise" else "Decoding the frames (VAE)"
            progress(Progress(stage, done, total, "step" if stage == "denoise" else "", message, preview))

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
