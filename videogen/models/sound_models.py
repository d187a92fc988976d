"""Sound made for a clip, from the Hub (issue 19): text to audio through diffusers, loaded and planned as the
generators are.

``stable-audio-open-1.0`` (:data:`videogen.registry.SOUND_MODELS`) runs as diffusers' ``StableAudioPipeline``:
T5-base encodes the prompt, a DiT denoises the Oobleck VAE's latents (its ``CosineDPMSolverMultistepScheduler``
needs the ``torchsde`` package), and the VAE decodes 44.1 kHz stereo. The pipeline always denoises its
whole window (47.55 s) and cuts the asked duration out of it, so a short sound costs as much as a long
one; :meth:`SoundModel.make` gives back exactly the samples of the asked duration, float32 (channels, n)
in [-1, 1] at the model's own rate, as a :class:`videogen.media.Audio`. Its defaults are the pipeline's
documented ones: 100 steps, guidance 7.

The repo is gated: the Hub refuses its files until the user has accepted the Stability AI Community
License on the model's page and the request carries a token of that account (``HF_TOKEN``, or
``hf auth login``); the refusal is said as that (:class:`~videogen.errors.GatedModelError`).

Loading takes the project's paths: :func:`videogen.hub.download` (only the pipeline's component folders,
safetensors, one precision; byte progress), the memory plan (:mod:`videogen.sizing.sound`, refused
before anything is downloaded when it cannot fit) and ``from_pretrained`` from the local folder,
placed as the plan says (everything on the GPU, ``enable_model_cpu_offload``, or the CPU), freed again
if loading fails. :class:`SoundModelCache` keeps the last one loaded.
"""

from __future__ import annotations

import json
import logging
import math
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from videogen import hub
from videogen.config import load_settings
from videogen.device import DeviceChoice, release_memory
from videogen.errors import GatedModelError, InvalidInputError, ModelNotFoundError, OutOfMemoryError, UnsupportedModelError
from videogen.hub import Progress, ProgressFn
from videogen.models import loading_errors, memory_request
from videogen.registry import SOUND_MODELS, ModelSpec, find_sound_model
from videogen.sizing.memory import MemoryPlan

if TYPE_CHECKING:
    from videogen.media import Audio

logger = logging.getLogger(__name__)

MAX_SEED = 2**32 - 1
SOUND_FAMILIES = {"stable-audio": "StableAudioPipeline"}  # family -> the pipeline this module runs
TERMS = {"stable-audio": "the Stability AI Community License"}  # what a gated family's page asks to accept


def sound_model_spec(model: str | None = None) -> ModelSpec:
    """The text-to-audio model named ``model`` (a registry id; None: the first listed)."""
    listed = [m for m in SOUND_MODELS if m.task == "t2a"]
    if model is None or not str(model).strip():
        return listed[0]
    spec = find_sound_model(str(model).strip())
    if spec is None or spec.task != "t2a":
        raise ModelNotFoundError(f"Unknown sound model {model!r}. Use one of: {', '.join(m.id for m in listed)}.")
    return spec


# ----------------------------------------------------------------------------------------------
# The plan


def plan_sound_model(spec: ModelSpec, device_choice: DeviceChoice, folder: Path | None = None) -> MemoryPlan:
    """The plan for ``spec`` on this machine with the memory free now (nothing is refused here).
    ``folder``: a downloaded unlisted model, sized from its configs and safetensors headers."""
    from videogen.sizing.components import component_sizes, params_of_folder
    from videogen.sizing.sound import folder_configs, sound_memory_plan

    request = memory_request(device_choice, 0, 0, 0)
    dtype = request.dtype if device_choice.is_cuda else request.cpu_compute
    if folder is None:
        return sound_memory_plan(spec, request)
    sizes = component_sizes(spec, dtype, None if spec.components else params_of_folder(folder))
    return sound_memory_plan(spec, request, sizes, folder_configs(folder))


def refuse_unless_fits(plan: MemoryPlan) -> MemoryPlan:
    if not plan.fits:
        raise OutOfMemoryError(" ".join([plan.reason, *plan.suggestions]))
    return plan


# ----------------------------------------------------------------------------------------------
# The model


@dataclass
class SoundModel:
    """A loaded text-to-audio pipeline behind one method: :meth:`make`."""

    spec: ModelSpec
    pipe: Any  # a StableAudioPipeline, placed by its plan
    device: str
    plan: MemoryPlan
    last_seed: int | None = None  # the seed the last sound was made with (drawn when none was given)

    @property
    def name(self) -> str:
        return self.spec.id

    @property
    def rate(self) -> int:
        """The samples a second the model makes (Stable Audio Open: 44100)."""
        return int(self.pipe.vae.config.sampling_rate)

    @property
    def channels(self) -> int:
        return int(self.pipe.vae.config.audio_channels)

    @property
    def longest_s(self) -> float:
        """The longest sound one run makes: the DiT's window (Stable Audio Open: 47.55 s)."""
        return self.pipe.transformer.config.sample_size * self.pipe.vae.hop_length / self.rate

    def make(
        self, prompt: str, duration_s: float, *, seed: int | None = None, negative_prompt: str | None = None,
        on_step: Callable[[int, int], None] | None = None, steps: int | None = None, guidance: float | None = None,
    ) -> Audio:
        """The sound ``prompt`` describes, ``duration_s`` long (at most :attr:`longest_s`): float32
        (channels, round(duration_s x rate)) samples in [-1, 1] at :attr:`rate`. ``on_step(done,
        total)`` after each denoising step (raise in it to stop: Cancel); ``steps`` and ``guidance``
        default to the model's. The same seed and settings make the same sound."""
        import numpy as np
        import torch

        from videogen.media.audio import Audio, fit

        prompt, duration_s, steps, guidance, seed = self._checked(prompt, duration_s, steps, guidance, seed)
        self.last_seed = seed
        if self.pipe is None:
            raise UnsupportedModelError(f"{self.name} was unloaded for another model: load it again to make sound.")

        def callback(step: int, timestep: Any, latents: Any) -> None:
            if on_step is not None:
                on_step(step + 1, steps)

        try:
            with torch.inference_mode():
                out = self.pipe(
                    prompt=prompt, negative_prompt=negative_prompt or None, audio_start_in_s=0.0,
                    audio_end_in_s=duration_s, num_inference_steps=steps, guidance_scale=guidance,
                    generator=torch.Generator("cpu").manual_seed(seed),  # the same sound on any device
                    output_type="np", callback=callback, callback_steps=1,
                )
        except torch.OutOfMemoryError as exc:
            release_memory()
            raise OutOfMemoryError(f"{self.name} ran out of GPU memory making {duration_s:g} s of sound. Close other "
                                   "GPU programs, or run it on the CPU (--device cpu).") from exc
        samples = np.clip(np.asarray(out.audios[0], dtype=np.float32), -1.0, 1.0)
        return fit(Audio(samples, self.rate), duration_s)  # the pipeline cuts int(s x rate): to the nearest sample

    def _checked(self, prompt: Any, duration_s: Any, steps: Any, guidance: Any, seed: Any
                 ) -> tuple[str, float, int, float, int]:
        if not isinstance(prompt, str) or not prompt.strip():
            raise InvalidInputError(f"prompt must say what the sound is (e.g. 'rain on a tin roof'), got {prompt!r}")
        try:
            seconds = float(duration_s)
        except (TypeError, ValueError):
            seconds = math.nan
        longest = self.longest_s
        if isinstance(duration_s, bool) or not 0.0 < seconds <= longest + 1e-6:
            raise InvalidInputError(f"duration_s must be more than 0 and at most {longest:.2f} s (what {self.name} makes "
                                    f"in one run), got {duration_s!r}")
        d = self.spec.defaults
        steps = d.steps if steps is None else steps
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
            raise InvalidInputError(f"steps must be a whole number of at least 1, got {steps!r}")
        guidance = d.guidance if guidance is None else guidance
        if isinstance(guidance, bool) or not isinstance(guidance, (int, float)) or not 0 <= guidance <= 30:
            raise InvalidInputError(f"guidance must be a number from 0 to 30 (1 or less: no guidance), got {guidance!r}")
        if seed is None:
            seed = secrets.randbelow(MAX_SEED + 1)
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
            raise InvalidInputError(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
        return prompt.strip(), min(seconds, longest), steps, float(guidance), seed

    def close(self) -> None:
        self.pipe = None
        release_memory()


# ----------------------------------------------------------------------------------------------
# Loading


def load_sound_model(spec: ModelSpec, device_choice: DeviceChoice, progress: ProgressFn | None = None) -> SoundModel:
    """Download (first use, with byte progress), plan and load the text-to-audio model ``spec`` on
    ``device_choice``. A plan that cannot fit is refused before the download; a gated repo's refusal
    says which terms to accept where, and to set ``HF_TOKEN``."""
    if spec.task != "t2a" or spec.family not in SOUND_FAMILIES:
        raise UnsupportedModelError(f"{spec.id} does not make sound from a prompt: use one of "
                                    f"{', '.join(m.id for m in SOUND_MODELS if m.task == 't2a')}.")
    from videogen.sizing.sound import sound_configs

    published = sound_configs(spec) is not None
    plan = refuse_unless_fits(plan_sound_model(spec, device_choice)) if published else None
    try:
        folder = hub.download(spec, progress)
    except GatedModelError as exc:
        raise gated_error(spec) from exc
    if plan is None:
        plan = refuse_unless_fits(plan_sound_model(spec, device_choice, folder))
    if progress:
        progress(Progress("load", 0, 1, "", f"Loading {spec.id}"))
    with loading_errors(spec, folder):
        pipe = _load_pipeline(spec, folder, device_choice, plan)
    if progress:
        progress(Progress("load", 1, 1, "", f"Loaded {spec.id}"))
    return SoundModel(spec, pipe, device_choice.device, plan)


def gated_error(spec: ModelSpec) -> GatedModelError:
    """What to do when the Hub refuses a gated repo's files."""
    page = f"{load_settings().hub_endpoint}/{spec.repo_id}"
    terms = TERMS.get(spec.family, "its terms")
    return GatedModelError(
        f"{spec.id} ({spec.repo_id}) is gated: the Hub gives its files only to an account that has accepted "
        f"{terms}. Log in at {page}, accept the terms there, then set HF_TOKEN to a token of that account (or run "
        "`hf auth login`) and try again. A token already set belongs to an account that has not accepted them yet.")


def _load_pipeline(spec: ModelSpec, folder: Path, device_choice: DeviceChoice, plan: MemoryPlan) -> Any:
    import diffusers
    import torch

    scheduler = json.loads((folder / "scheduler" / "scheduler_config.json").read_text()).get("_class_name", "")
    if scheduler in ("CosineDPMSolverMultistepScheduler", "DPMSolverSDEScheduler"):
        from diffusers.utils import is_torchsde_available

        if not is_torchsde_available():
            raise UnsupportedModelError(f"{spec.id}'s scheduler ({scheduler}) needs the torchsde package: pip install "
                                        "torchsde (it is in requirements.txt), then try again.")
    pipe = None
    try:
        pipe = getattr(diffusers, SOUND_FAMILIES[spec.family]).from_pretrained(
            str(folder), dtype=getattr(torch, plan.dtype), use_safetensors=True, local_files_only=True,
            variant=hub.variant_of([str(p.relative_to(folder)) for p in folder.rglob("*.safetensors")]))
        pipe.set_progress_bar_config(disable=True)
        logger.info("Placing %s on %s: %s", spec.id, device_choice.device, plan.summary())
        if plan.strategy == "resident":
            pipe.to(device_choice.device)
        elif plan.strategy == "model_offload":
            pipe.enable_model_cpu_offload(device=device_choice.device)
    except torch.OutOfMemoryError as exc:
        pipe = None
        release_memory()
        raise OutOfMemoryError(f"{spec.id} ran out of memory while loading ({plan.strategy}). Close other GPU "
                               "programs, or run it on the CPU (--device cpu).") from exc
    except BaseException:
        pipe = None  # what was placed is freed before the error goes on
        release_memory()
        raise
    return pipe


class SoundModelCache:
    """The loaded sound model of one process: the last one stays (a second frees the first). Thread-safe."""

    def __init__(self, device_choice: DeviceChoice) -> None:
        self.device_choice = device_choice
        self._model: SoundModel | None = None
        self._lock = threading.RLock()

    def get(self, spec: ModelSpec, progress: ProgressFn | None = None) -> SoundModel:
        with self._lock:
            current = self._model
            if current is not None and current.pipe is not None and (current.spec.repo_id, current.spec.revision) == (
                    spec.repo_id, spec.revision):
                return current
            self.unload()
            self._model = load_sound_model(spec, self.device_choice, progress)
            return self._model

    def unload(self) -> None:
        with self._lock:
            if self._model is not None:
                logger.info("Unloading %s", self._model.spec.id)
                self._model.close()
                self._model = None

    @property
    def loaded(self) -> ModelSpec | None:
        return self._model.spec if self._model else None
