"""What the two generation tasks share: the request and its resolved parameters, their checks,
the step callback, the result.

The settings are declared once, in :mod:`videogen.params`; :class:`GenerationRequest` and
:class:`GenerationParams` are built from that table (:data:`videogen.params.GENERATION`), and so are
the range checks of :func:`check_inputs`. What is particular to generation stays here: a model's
defaults filled in (:func:`resolve_params`), "follow the image" (:func:`size_for_image`), the
model's frame and size grid.
"""

from __future__ import annotations

import random
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, field, fields, make_dataclass, replace
from pathlib import Path
from typing import Any


from videogen.errors import GenerationCancelled, InvalidInputError, OutOfMemoryError, VideogenError
from videogen.hub import Progress, ProgressFn
from videogen.params import FRAMES, GENERATION, MAX_SEED, MIN_FPS, Param
from videogen.values import check_range, check_utf8, number, range_error, shown, whole
from videogen.registry import TASK_NAMES, ModelSpec

__all__ = ["MAX_SEED", "MIN_FPS", "GenerationRequest", "GenerationParams", "VideoResult", "resolve_params", "check_inputs"]

MIN_SIDE = 16  # the smallest height or width any generator is asked for (or its size step, if larger)


class _RequestMethods:
    """The methods of :class:`GenerationRequest` (its fields come from the settings table)."""

    @classmethod
    def of(cls, prompt: str | GenerationRequest, settings: dict[str, Any]) -> GenerationRequest:
        """A prompt plus keyword settings (the Python API's form), or a request with settings replaced."""
        unknown = sorted(set(settings) - set(SETTINGS))
        if unknown:
            raise TypeError(f"unknown generation setting(s) {', '.join(unknown)}; the settings are: {', '.join(SETTINGS)}")
        if isinstance(prompt, GenerationRequest):
            return replace(prompt, **settings)
        return GenerationRequest(prompt=prompt, **settings)


def _request_field(param: Param) -> tuple[str, Any, Any]:
    return param.name, param.python_type | None, field(default=None)


GenerationRequest = make_dataclass(
    "GenerationRequest", [("prompt", str, field(default="")), *map(_request_field, GENERATION)],
    bases=(_RequestMethods,), frozen=True,
)
GenerationRequest.__module__ = __name__  # (make_dataclass takes module= only from Python 3.12)
GenerationRequest.__doc__ = """What a caller asks for: the one parameters object that the app, the HTTP API, the CLI and
    the Python API hand down to the pipeline. Its fields are the settings table's
    (:data:`videogen.params.GENERATION`): ``prompt``, ``model``, ``negative_prompt``, ``frames``, ``height``,
    ``width``, ``steps``, ``guidance``, ``seed``, ``fps``; the names are the CLI's options.

    ``None`` means the model's default, filled in by :func:`resolve_params` (the only place that
    reads a model's defaults); ``seed`` None or negative draws a random seed. ``height``/``width``
    None or 0 mean the model's default size, or for image to video: follow the image.
    """

SETTINGS = tuple(f.name for f in fields(GenerationRequest) if f.name != "prompt")  # model, negative_prompt, ...

# Everything that decides a generated clip (besides the model and the input image): a request with
# every value filled in, each of the table's type.
GenerationParams = make_dataclass(
    "GenerationParams",
    [("prompt", str), *((p.name, p.python_type) for p in GENERATION if p.name != "model")],
    frozen=True,
)
GenerationParams.__module__ = __name__
GenerationParams.__doc__ = "A :class:`GenerationRequest` with every value filled in (:func:`resolve_params`)."


class _ResultMethods:
    """The methods of :class:`VideoResult` (its setting fields come from the settings table)."""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)  # type: ignore[call-overload]
        if data["understood"] is None:
            del data["understood"]
        return data

    def settings(self) -> GenerationRequest:
        """Every setting this clip was made with: asking for it again makes the same clip."""
        return GenerationRequest(prompt=self.prompt, **{name: getattr(self, name) for name in SETTINGS})  # type: ignore[attr-defined]

    @classmethod
    def of(cls, params: Any, *, path: str, model: str, frames: Any, **details: Any) -> VideoResult:
        """The result of a clip made with ``params``: its size as encoded (``frames``, (T, H, W, 3)),
        every other setting as resolved, plus ``details`` (timings, understood, warnings)."""
        settings = {name: getattr(params, name) for name in SETTINGS if name != "model"}
        settings.update(frames=int(frames.shape[0]), height=int(frames.shape[1]), width=int(frames.shape[2]))
        return VideoResult(prompt=params.prompt, path=path, model=model, **settings, **details)


_ZERO = {"int": 0, "float": 0.0, "text": "", "flag": False}

# A generated clip on disk and how it was made (the CLI's ``--json`` object): the prompt, the file,
# every setting of the table as used, the timings and what the model said.
VideoResult = make_dataclass(
    "VideoResult",
    [("prompt", str), ("path", str),
     *((p.name, p.python_type, field(default=_ZERO[p.kind])) for p in GENERATION),
     ("timings", dict[str, float], field(default_factory=dict)),
     ("understood", str | None, field(default=None)),  # what a prompt-parsing model made of the prompt
     ("warnings", list[str], field(default_factory=list)),  # e.g. a prompt outside a shapes model's world
     # the clip's sound: made with the picture (LTX-2) or added ("Add sound"); None: silent
    ("audio", dict[str, Any] | None, field(default=None))],
    bases=(_ResultMethods,),
)
VideoResult.__module__ = __name__
VideoResult.__doc__ = "A generated clip on disk and how it was made (the CLI's ``--json`` object); see :meth:`of`."


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
    values = {p.name: _value(p, getattr(request, p.name)) for p in GENERATION if p.name != "model"}
    if values["seed"] is None or values["seed"] < 0:
        values["seed"] = random.SystemRandom().randint(0, MAX_SEED)
    if image_size is not None and (values["height"] is None or values["width"] is None):
        values["height"], values["width"] = size_for_image(spec, image_size, height=values["height"], width=values["width"])
    for param in GENERATION:
        if param.model_default and values[param.name] is None:
            values[param.name] = getattr(spec.defaults, param.name)
        if param.kind == "float":
            values[param.name] = float(values[param.name])
    return GenerationParams(prompt=request.prompt if request.prompt is not None else "", **values)


def _value(param: Param, value: Any) -> Any:
    """A request's value as the table's type: a whole number from 16.0, "" for unset text; 0 is an
    unset size (the model's default, or follow the image)."""
    if param.kind == "text":
        return value or ""
    result = whole(param.name, value) if param.kind == "int" else number(param.name, value)
    return (result or None) if param.name in ("height", "width") else result


def min_side(spec: ModelSpec) -> int:
    """The smallest height or width a model is run at."""
    return max(spec.size_step, MIN_SIDE, spec.family_info.min_side)


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


def photo_sizes(spec: ModelSpec, image_size: tuple[int, int], max_side: int | None = None) -> list[tuple[int, int]]:
    """(height, width) choices for animating a photo, all with its aspect ratio on the model's grid,
    smallest first: the model's default pixel count, the photo's own size (its long side at most
    ``max_side``), and one between them when they are far apart."""
    image_w, image_h = image_size
    largest = min(max_side or 4096, 4096)
    scale = min(1.0, largest / max(image_w, image_h))
    step = spec.size_step

    def height_on_grid(value: float) -> int:
        return max(min_side(spec), min(largest // step * step, int(round(value / step)) * step))

    def within(hw: tuple[int, int]) -> tuple[int, int]:  # the long side at most `largest`
        if max(hw) <= largest:
            return hw
        if hw[0] >= hw[1]:
            return size_for_image(spec, image_size, height=height_on_grid(largest))
        return size_for_image(spec, image_size, width=max(min_side(spec), largest // step * step))

    own = within(size_for_image(spec, image_size, height=height_on_grid(image_h * scale)))
    default = within(size_for_image(spec, image_size))
    sizes = [default]
    if own[0] * own[1] > 2.5 * default[0] * default[1]:  # a size between: twice the default's pixels
        sizes.append(within(size_for_image(spec, image_size, height=height_on_grid(default[0] * 2**0.5))))
    sizes.append(own)
    return sorted(set(sizes), key=lambda hw: hw[0] * hw[1])


def smaller_than_photo(spec: ModelSpec, params: GenerationParams, image_size: tuple[int, int]) -> str | None:
    """Why a clip that followed the photo came out smaller than it, and how to ask for its size."""
    image_w, image_h = image_size
    if params.width >= image_w or params.height >= image_h:
        return None
    own_h, own_w = photo_sizes(spec, image_size)[-1]
    return (f"The clip is {params.width}×{params.height}, smaller than the {image_w}×{image_h} photo: without a size, "
            f"{spec.id} makes clips of its default pixel count ({spec.defaults.width}×{spec.defaults.height}), in the "
            f"photo's shape. For the photo's size ask for height {own_h} and width {own_w} (slower).")


def check_inputs(spec: ModelSpec, params: GenerationParams, *, need_prompt: bool) -> None:
    """Raise :class:`InvalidInputError` naming the first bad parameter and its value."""
    if not isinstance(params.prompt, str) or (need_prompt and not params.prompt.strip()):
        raise InvalidInputError(
            f"prompt must be a non-empty text for {TASK_NAMES[spec.task]} (describe the clip), got {shown(params.prompt)}"
        )
    for param in GENERATION:
        if param.kind == "text" and param.name != "model" and not isinstance(getattr(params, param.name), str):
            raise InvalidInputError(f"{param.name} must be a text, got {shown(getattr(params, param.name))}")
    check_utf8("prompt", params.prompt)
    for param in GENERATION:
        if param.kind == "text" and param.name != "model":
            check_utf8(param.name, getattr(params, param.name))
    # the model's grids first, then every setting's range from the table
    step = spec.family_info.frame_step
    hint = f"; {spec.id} needs {step}k+1 frames (e.g. {step * 4 + 1}, {step * 8 + 1})" if step > 1 else ""
    check_range(FRAMES, params.frames, hint)
    if (params.frames - 1) % step:
        raise range_error(FRAMES, params.frames, hint)
    for name in ("height", "width"):
        value = getattr(params, name)
        if value < min_side(spec) or value > 4096 or value % spec.size_step:
            raise InvalidInputError(
                f"{name} must be a multiple of {spec.size_step} between {min_side(spec)} and 4096 for {spec.id}, got {shown(value)}"
            )
    for param in GENERATION:
        if param.kind in ("int", "float") and param.name not in ("frames", "height", "width"):
            check_range(param, getattr(params, param.name))


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


def step_reporter(
    progress: ProgressFn | None, cancel: threading.Event | None, stage_of_steps: str = "denoise",
) -> Callable[..., None]:
    """A callback for each finished denoising step (or, with ``stage_of_steps="draw"``, each batch of
    frames an embedded model draws: its count is not the Steps setting's): reports progress, with a
    preview image now and then, and stops when cancelled."""

    def on_step(done: int, total: int, preview: Any = None, stage: str = stage_of_steps) -> None:
        if cancel is not None and cancel.is_set():
            raise GenerationCancelled("Generation cancelled.")
        if progress is not None:
            message, unit = {"denoise": (f"Denoising step {done}/{total}", "step"),
                             "draw": (f"Drawing the frames: batch {done}/{total}", "batch")}.get(
                                 stage, ("Decoding the frames (VAE)", ""))
            progress(Progress(stage, done, total, unit, message, preview))

    return on_step



def run_generator(generator: Any, params: GenerationParams, image: Any | None, on_step: Callable[..., None]
                  ) -> tuple[Any, str | None, Any]:
    """(frames, understood, sound): a joint audio-video generator (``generate_av``: LTX-2) gives the clip's sound
    with its frames, as long as the picture; any other gives None (a silent clip)."""
    if hasattr(generator, "generate_av"):
        return generator.generate_av(params, image, on_step)
    frames, understood = generator.generate(params, image, on_step)
    return frames, understood, None


def output_path(output: str | Path | None, output_dir: Path, task: str, tag: int | str) -> Path:
    """Where a clip goes: the given file, or a fresh name in the output folder (``tag``: the seed of a
    generated clip, the input's name of an edited one)."""
    if output is not None:
        path = Path(output)
        if path.suffix.lower() != ".mp4":
            raise InvalidInputError(f"output must be an .mp4 file path, got {str(output)!r}")
        return path
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return output_dir / f"{task}-{stamp}-{tag}-{time.monotonic_ns() % 10**6:06d}.mp4"
