"""Restyling a clip with a prompt: diffusers' video-to-video, planned by the memory plan (issue 18).

``wan2.1-v2v-1.3b`` (:data:`videogen.registry.RESTYLE_MODELS`) is Wan 2.1 1.3B's own repo and revision
(those of ``wan2.1-t2v-1.3b``) run as ``WanVideoToVideoPipeline``: the clip is encoded by the VAE, noised
to ``strength`` and denoised under the prompt, so that the result keeps the clip's layout and motion and
takes the prompt's look. ``strength`` (0-1) is the share of the denoising schedule run again: ``steps``
is the whole schedule, ``int(steps * strength)`` of its last steps run (diffusers' rule; a schedule too
short to run one step at this strength is lengthened until it runs one: :func:`schedule_steps`).
Strength 0 redraws nothing: :meth:`VideoRestyler.restyle` returns the clip as it is, without running
the model; 1 starts from pure noise (the clip is lost: text to video).

The grid. Wan's VAE takes 4k+1 frames and sides that are multiples of 16. The clip is padded to the
next 4k+1 frames by repeating its last frame and scaled (aspect kept, Lanczos) onto the 16-pixel grid,
down to the model's largest clip area (its defaults: 480x832) when it is larger; the result is cut
back to the clip's frames and scaled back to its size, so that an edit keeps both. A clip longer than
the model's longest (81 frames) is refused: trim it first. :func:`work_shape` says what the model runs at.

Loading takes the project's paths: :func:`videogen.hub.download` (byte progress), the memory plan,
and :func:`~videogen.models.diffusers_generator.load_generator` (the plan's dtypes with Wan's float32
VAE, its placement, float32 compute on a CPU without fast bfloat16, everything freed on failure). A
text encoder the plan puts on the CPU encodes there (``DiffusersGenerator.prompt_kwargs``). Given a
:class:`~videogen.models.ModelCache` (``models=``), the cache loads it instead: it keeps one large model,
and shares the components of a loaded Wan 2.1 1.3B text-to-video (the same files) without reading them.

The memory plan (:func:`video_to_video_plan`) is the generator's at the work shape, plus the input
clip. The VAE encoder's working set is below the decoder's (full-size Wan 2.1 VAE, random weights, CPU
float32, 5 frames of 192x192: peak 605 MB over the weights encoding, 944 MB decoding) and the two run
at different times, so the plan's VAE term covers both. What video-to-video adds is the clip itself:
as float32 RGB on the device from preprocessing to decoding (:data:`CLIP_DEVICE_BYTES` a pixel of each
frame) and its uint8 copies on the host (:data:`CLIP_HOST_BYTES`), counted by planning the rest of
the machine. On a CPU, the time estimate runs the steps that run, and its ``decode_s`` counts the VAE
both ways (:data:`ENCODE_SHARE`).
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from videogen import hub
from videogen.device import DeviceChoice, release_memory
from videogen.errors import InvalidInputError, OutOfMemoryError, UnsupportedModelError
from videogen.hub import Progress, ProgressFn
from videogen.models import ModelCache, loading_errors, memory_request
from videogen.models.diffusers_generator import DiffusersGenerator, family_kwargs, load_generator, to_uint8
from videogen.registry import ModelSpec
from videogen.sizing.memory import GPU_USABLE, STRATEGIES, MemoryPlan, MemoryRequest
from videogen.sizing.plan import plan_memory
from videogen.units import GIB

if TYPE_CHECKING:
    from videogen.sizing.components import ComponentSize

logger = logging.getLogger(__name__)

DEFAULT_STRENGTH = 0.6  # a spec without its own (an unlisted repo of no listed family): its look changes, its layout stays
MAX_SEED = 2**32 - 1
CLIP_DEVICE_BYTES = 12  # a pixel of each frame: the clip as float32 RGB, on the device from preprocessing to decoding
CLIP_HOST_BYTES = 9  # ... and on the host: the uint8 frames, their copy on the grid, the PIL images
# The VAE's encode FLOPs a pixel of each input frame over its decode FLOPs a pixel of each output frame (Wan 2.1's
# VAE, torch.utils.flop_counter on the meta device: 5.19 / 8.70 MFLOP at 9x128x128, 5.11 / 8.59 at 17x256x384).
ENCODE_SHARE = 0.59
NOTHING_FITS = "Nothing listed fits this machine"  # the start of the plan's last-resort suggestion (shapes world)


@dataclass(frozen=True)
class ClipShape:
    """Frames and size: what :meth:`ModelCache.generator` plans a placement for."""

    frames: int
    height: int
    width: int


@dataclass(frozen=True)
class PromptRequest:
    """What ``DiffusersGenerator.prompt_kwargs`` and ``family_kwargs`` read."""

    prompt: str
    negative_prompt: str
    guidance: float
    height: int
    width: int
    fps: float


# ----------------------------------------------------------------------------------------------
# Settings and shapes


def check_strength(strength: Any) -> float:
    """``strength`` as a float in [0, 1], else :class:`InvalidInputError` naming it and the value."""
    try:
        value = float(strength)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(strength, bool) or not 0.0 <= value <= 1.0:
        raise InvalidInputError(
            f"strength must be a number from 0 to 1 (the share of the clip drawn anew: 0.3 keeps it close, 0.8 "
            f"changes much), got {strength!r}")
    return value


def default_strength(spec: ModelSpec) -> float:
    return spec.defaults.strength or DEFAULT_STRENGTH


def schedule_steps(steps: int, strength: float) -> tuple[int, int]:
    """(the schedule's length to ask the pipeline for, the denoising steps that run): ``steps`` and
    ``int(steps * strength)`` (diffusers' ``get_timesteps``), the schedule lengthened when that is 0."""
    if strength <= 0.0:
        return steps, 0
    schedule = steps
    while min(int(schedule * strength), schedule) < 1:
        schedule += 1
    return schedule, min(int(schedule * strength), schedule)


def clip_limits(spec: ModelSpec) -> tuple[int, int]:
    """(most frames, most pixels a frame; 0: no limit) the model restyles at: its defaults."""
    d = spec.defaults
    return d.frames, d.height * d.width


def work_shape(spec: ModelSpec, frames: int, height: int, width: int) -> tuple[int, int, int]:
    """(frames, height, width) the model runs at for a clip of ``frames`` x ``height`` x ``width``:
    the frames padded up to the family's ``frame_step * k + 1``, the size on the family's grid (aspect
    kept), scaled down to the model's largest frame area when larger. A clip longer than the model's
    longest is refused."""
    if min(frames, height, width) < 1:
        raise InvalidInputError(f"the clip to restyle is empty ({frames} frames of {width}x{height})")
    step, grid = spec.family_info.frame_step, spec.size_step
    padded = -(-(frames - 1) // step) * step + 1
    most_frames, most_pixels = clip_limits(spec)
    if most_frames and padded > most_frames:
        raise InvalidInputError(
            f"{spec.id} restyles at most {most_frames} frames at a time; this clip has {frames}. Trim it first "
            "(--trim START:END), or restyle it offline (--style), which takes any length.")
    scale = min(1.0, math.sqrt(most_pixels / (height * width))) if most_pixels else 1.0
    h, w = (max(grid, int(round(side * scale / grid)) * grid) for side in (height, width))
    while most_pixels and h * w > most_pixels:  # rounding up went past the area: the longer side one step less
        h, w = (h - grid, w) if h >= w and h > grid else (h, w - grid)
    return padded, h, w


def check_clip(frames: Any) -> np.ndarray:
    clip = np.asarray(frames)
    if clip.ndim != 4 or clip.shape[-1] != 3 or clip.dtype != np.uint8 or clip.shape[0] == 0:
        raise InvalidInputError(
            f"frames must be a (frames, height, width, 3) uint8 RGB array, got {clip.dtype} {clip.shape}")
    return clip


def _on_grid(clip: np.ndarray, shape: tuple[int, int, int]) -> list[Any]:
    """(T, H, W, 3) uint8 -> T' PIL images of W' x H': scaled, the last one repeated up to T'."""
    from PIL import Image

    frames, height, width = shape
    images = [Image.fromarray(frame) for frame in clip]
    if images[0].size != (width, height):
        images = [image.resize((width, height), Image.LANCZOS) for image in images]
    return images + [images[-1]] * (frames - len(images))


def _back(video: np.ndarray, frames: int, height: int, width: int) -> np.ndarray:
    """(T', H', W', 3) uint8 -> (frames, height, width, 3): cut to the clip's frames, scaled to its size."""
    from PIL import Image

    video = video[:frames]
    if video.shape[1:3] == (height, width):
        return np.ascontiguousarray(video)
    return np.stack([np.asarray(Image.fromarray(f).resize((width, height), Image.LANCZOS)) for f in video])


# ----------------------------------------------------------------------------------------------
# The memory plan


def video_to_video_plan(
    spec: ModelSpec, request: MemoryRequest, sizes: list[ComponentSize] | None = None, *,
    strength: float | None = None, guidance: float | None = None,
) -> MemoryPlan:
    """The plan for restyling a clip of ``request``'s frames x height x width (the work shape:
    :func:`work_shape`) on ``request``'s machine: the generator's plan (:func:`plan_memory`) for what
    the machine has left beside the input clip, its peaks with the clip counted. ``request.steps``
    (0: the model's default) is the whole schedule; the CPU estimate runs the steps ``strength`` runs."""
    pixels = request.frames * request.height * request.width
    on_gpu = CLIP_DEVICE_BYTES * pixels if request.device == "cuda" else 0
    on_host = CLIP_HOST_BYTES * pixels + (0 if request.device == "cuda" else CLIP_DEVICE_BYTES * pixels)
    steps = request.steps or spec.defaults.steps
    _, running = schedule_steps(steps, default_strength(spec) if strength is None else check_strength(strength))
    rest = replace(request, gpu_bytes=max(0, request.gpu_bytes - math.ceil(on_gpu / GPU_USABLE)),
                   ram_bytes=max(0, request.ram_bytes - on_host), steps=max(running, 1),
                   guidance=guidance if guidance is not None else request.guidance)
    plan = plan_memory(spec, rest, sizes)
    plan.peak_gpu_bytes += on_gpu
    plan.peak_ram_bytes += on_host
    plan.reason = _reason(spec, plan, request, on_gpu, on_host)
    if plan.suggestions and plan.suggestions[-1].startswith(NOTHING_FITS):
        plan.suggestions[-1] = ("Nothing fits this machine for this clip: restyle a shorter or smaller one, or restyle "
                                "offline (--style).")
    if plan.estimate is not None and plan.estimate_s is not None:  # the VAE encodes the clip before denoising
        encode_s = plan.estimate["decode_s"] * ENCODE_SHARE
        plan.estimate["decode_s"] = round(plan.estimate["decode_s"] + encode_s, 2)
        plan.estimate["total_s"] = round(plan.estimate["total_s"] + encode_s, 2)
        plan.estimate_s = round(plan.estimate_s + encode_s, 1)
    return plan


def _reason(spec: ModelSpec, plan: MemoryPlan, request: MemoryRequest, on_gpu: int, on_host: int) -> str:
    cuda = request.device == "cuda"
    gpu = f"~{plan.peak_gpu_bytes / GIB:.1f} of {request.gpu_bytes / GIB:.0f} GiB GPU, " if cuda else ""
    ram = f"~{plan.peak_ram_bytes / GIB:.1f} of {request.ram_bytes / GIB:.0f} GiB RAM"
    clip = "the input clip included: " + (f"~{on_gpu / GIB:.2f} GiB GPU, " if cuda else "") + f"~{on_host / GIB:.2f} GiB RAM"
    if plan.fits:
        return f"peak {gpu}{ram} ({clip})"
    return (f"{spec.id} needs {gpu}{ram} ({clip}) to restyle {plan.frames} frames of {plan.width}x{plan.height} "
            f"even with {plan.strategy.replace('_', ' ')}: more than the machine has.")


def plan_video_to_video(
    spec: ModelSpec, frames: int, height: int, width: int, device_choice: DeviceChoice, *,
    steps: int | None = None, strength: float | None = None, guidance: float | None = None, held: int = 0,
) -> MemoryPlan:
    """The plan for restyling a clip of ``frames`` x ``height`` x ``width`` (the input's) with ``spec``
    on this machine with the memory free now (``held``: GPU bytes of a loaded model to count as free).
    ``fits`` False says why (``reason``) and what would fit (``suggestions``); nothing is refused here."""
    work = work_shape(spec, frames, height, width)
    request = replace(memory_request(device_choice, *work, held), steps=steps or 0)
    sizes = ModelCache.component_sizes(spec, request.dtype)
    return video_to_video_plan(spec, request, sizes, strength=strength, guidance=guidance)


def refuse_unless_fits(plan: MemoryPlan) -> MemoryPlan:
    if not plan.fits:
        raise OutOfMemoryError(" ".join([plan.reason, *plan.suggestions]))
    return plan


# ----------------------------------------------------------------------------------------------
# The model


@dataclass
class VideoRestyler:
    """A loaded video-to-video pipeline behind one method: :meth:`restyle`."""

    generator: DiffusersGenerator  # its pipe: a WanVideoToVideoPipeline, placed by its plan
    device_choice: DeviceChoice
    last_seed: int | None = None  # the seed the last restyle ran with (drawn when none was given)

    @property
    def spec(self) -> ModelSpec:
        return self.generator.spec

    @property
    def name(self) -> str:
        return self.generator.spec.id

    @property
    def plan(self) -> MemoryPlan | None:
        return self.generator.plan

    def restyle(
        self, frames: np.ndarray, prompt: str, strength: float, *, steps: int | None = None,
        guidance: float | None = None, seed: int | None = None, negative_prompt: str = "",
        on_step: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """(T, H, W, 3) uint8 -> (T, H, W, 3) uint8: the clip redrawn as ``prompt`` says, ``strength``
        of it (0: returned as it is, the model not run). ``steps``: the whole schedule (default the
        model's; ``int(steps * strength)`` run); ``on_step(done, total)`` after each step run (raise in
        it to stop: Cancel). Refuses bad settings by name, and a clip the placement cannot take."""
        import torch

        strength = check_strength(strength)
        clip = check_clip(frames)
        if not isinstance(prompt, str) or not prompt.strip():
            raise InvalidInputError(f"prompt must say the clip's new look (e.g. 'a watercolour painting'), got {prompt!r}")
        if strength == 0.0:
            return clip.copy()
        if self.generator.pipe is None:  # a cache's generator, unloaded since for another model
            raise UnsupportedModelError(f"{self.name} was unloaded for another model: load it again to restyle.")
        d = self.spec.defaults
        steps = d.steps if steps is None else steps
        guidance = d.guidance if guidance is None else guidance
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
            raise InvalidInputError(f"steps must be a whole number of at least 1, got {steps!r}")
        if not isinstance(guidance, (int, float)) or isinstance(guidance, bool) or not 0 <= guidance <= 50:
            raise InvalidInputError(f"guidance must be a number from 0 to 50 (1: none), got {guidance!r}")
        if seed is not None and not (isinstance(seed, int) and 0 <= seed <= MAX_SEED):
            raise InvalidInputError(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
        self.last_seed = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
        t, h, w = clip.shape[:3]
        shape = work_shape(self.spec, t, h, w)  # (T', H', W')
        self.fit(t, h, w, steps=steps, strength=strength, guidance=float(guidance))
        schedule, running = schedule_steps(steps, strength)
        request = PromptRequest(prompt, negative_prompt or "", float(guidance), shape[1], shape[2], d.fps)
        pipe = self.generator.pipe

        def callback(pipe: Any, index: int, timestep: Any, tensors: dict) -> dict:
            if on_step is not None:
                on_step(index + 1, pipe.num_timesteps)
            return tensors

        kwargs: dict[str, Any] = dict(
            video=_on_grid(clip, shape), prompt=prompt, negative_prompt=negative_prompt or None, height=shape[1],
            width=shape[2], num_inference_steps=schedule, strength=strength, guidance_scale=float(guidance),
            generator=torch.Generator("cpu").manual_seed(self.last_seed),  # same seed, same clip on any device
            output_type="np", callback_on_step_end=callback, **family_kwargs(pipe, self.spec, request),
        )
        logger.info("Restyling %d frames of %dx%d at %dx%d, %d of %d steps (strength %.2f)",
                    t, w, h, shape[2], shape[1], running, schedule, strength)
        try:
            with torch.inference_mode():
                kwargs.update(self.generator.prompt_kwargs(request, kwargs.get("max_sequence_length")))
                video = pipe(**kwargs).frames[0]  # (T', H', W', 3) floats in [0, 1]
        except torch.OutOfMemoryError as exc:
            release_memory()
            raise OutOfMemoryError(
                f"{self.name} ran out of GPU memory restyling {t} frames of {w}x{h}. Restyle a shorter or smaller "
                "clip, or close other GPU programs.") from exc
        return _back(to_uint8(np.asarray(video)), t, h, w)

    def fit(self, frames: int, height: int, width: int, **settings: Any) -> MemoryPlan:
        """The plan for this clip, checked against the loaded placement: refused when it does not fit
        the machine or needs a lighter placement than the loaded one (load again for it); otherwise
        the VAE is tiled as it says."""
        loaded = self.generator.plan
        held = loaded.peak_gpu_bytes if loaded is not None else 0
        plan = refuse_unless_fits(plan_video_to_video(self.spec, frames, height, width, self.device_choice,
                                                      held=held, **settings))
        if loaded is not None and plan.strategy != loaded.strategy:
            order = ("cpu", *STRATEGIES)  # heavier to lighter placements
            if order.index(plan.strategy) > order.index(loaded.strategy):
                raise OutOfMemoryError(
                    f"{self.name} was placed for a smaller clip ({loaded.strategy.replace('_', ' ')}); {frames} frames "
                    f"of {width}x{height} need {plan.strategy.replace('_', ' ')}: load it again for this clip.")
            return plan
        self.generator.set_vae_tiling(plan.vae_tiling)
        return plan

    def close(self) -> None:
        self.generator.close()


def load_video_to_video(
    spec: ModelSpec, device_choice: DeviceChoice, progress: ProgressFn | None = None, *,
    frames: int | None = None, height: int | None = None, width: int | None = None, models: ModelCache | None = None,
) -> VideoRestyler:
    """Download (first use, with byte progress), plan and load ``spec`` for restyling a clip of
    ``frames`` x ``height`` x ``width`` (default: the largest it takes, so that any clip fits the
    placement). With ``models``, the cache loads and keeps it (its device; one large model at a time,
    a loaded Wan 2.1 text-to-video's components shared); the input clip is then counted at each
    :meth:`VideoRestyler.restyle`."""
    if spec.task != "restyle" or spec.library != "diffusers":
        raise UnsupportedModelError(f"{spec.id} does not restyle with a prompt: use wan2.1-v2v-1.3b.")
    d = spec.defaults
    clip = (frames or d.frames, height or d.height, width or d.width)
    if models is not None:
        generator = models.generator(spec, progress, ClipShape(*work_shape(spec, *clip)))
        if not isinstance(generator, DiffusersGenerator):
            raise UnsupportedModelError(f"{spec.id} did not load as a diffusers pipeline.")
        return VideoRestyler(generator, models.device_choice)
    plan = refuse_unless_fits(plan_video_to_video(spec, *clip, device_choice))
    folder = hub.download(spec, progress)
    if progress:
        progress(Progress("load", 0, 1, "", f"Loading {spec.id}"))
    with loading_errors(spec, folder):
        generator = load_generator(spec, folder, device_choice.device, plan)
    if progress:
        progress(Progress("load", 1, 1, "", f"Loaded {spec.id}"))
    return VideoRestyler(generator, device_choice)
