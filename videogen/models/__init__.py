"""Loading models and keeping them for the next request.

:func:`resolve` turns what the user typed (a registry id, ``org/name[@revision]``, or a folder) into
a :class:`~videogen.registry.ModelSpec`. :class:`ModelCache` downloads and loads it on first use
and keeps it: at most one generator (they are large) and a few classifiers (they are small).
Switching generators frees the previous one, CUDA memory included. Loading always goes through the
libraries' ``from_pretrained`` from a local folder, safetensors only, never ``trust_remote_code``.

The loaded models behind the two interfaces here (:class:`VideoGenerator`, :class:`VideoClassifier`):
``diffusers_generator`` (a Hub diffusers pipeline, placed by the memory plan; ``previews`` makes its
cheap preview frames), ``classifiers`` (the transformers video classifiers), and the shapes-world
models of :mod:`videogen.embedded`, each loaded lazily by family.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from videogen import hub
from videogen.models.classifiers import default_recognizer, load_classifier
from videogen.config import load_settings
from videogen.device import DeviceChoice, cpu_compute_dtype, gpu_memory_bytes, ram_bytes, release_memory
from videogen.errors import ModelNotFoundError, OutOfMemoryError, UnsupportedModelError, VideogenError
from videogen.models.diffusers_generator import DiffusersGenerator, load_generator
from videogen.sizing.memory import MemoryPlan, MemoryRequest
from videogen.sizing.plan import plan_memory
from videogen.hub import Progress, ProgressFn
from videogen.registry import (
    MODELS,
    TASK_NAMES,
    ModelSpec,
    Task,
    family_from_config,
    find,
    models_for,
    spec_for_unlisted,
    unknown_model_error,
)

logger = logging.getLogger(__name__)

_REPO_ID = re.compile(r"^[\w.-]+/[\w.-]+$")
MAX_CLASSIFIERS = 3


# ----------------------------------------------------------------------------------------------
# Which model


def default_model(task: Task, *, cuda: bool, offline: bool = False) -> ModelSpec:
    """The model a tab or command uses when none is named.

    With a GPU and the Hub: the first Hub entry for the task. Without a GPU, or offline: the trained
    embedded model for the task when there is one (the Hub models need a GPU and a download). The
    procedural reference is never a default.

    Action recognition runs a real model on CPU as on GPU: X-CLIP whenever it is downloaded or the
    Hub answers (:func:`~videogen.models.classifiers.default_recognizer`); the shapes-world model only
    when neither.
    """
    candidates = [m for m in models_for(task) if not m.reference]
    embedded = [m for m in candidates if m.local and Path(m.repo_id).is_dir()]
    hub_models = [m for m in candidates if not m.local]
    if task == "classify":
        recognizer = default_recognizer(cuda=cuda, offline=offline)
        if recognizer is not None:
            return recognizer
        return embedded[0] if embedded else hub_models[0]
    if embedded and (not cuda or offline or not hub_models):
        return embedded[0]
    return hub_models[0]


def resolve(model: str | None, task: Task, *, cuda: bool = False, listed_only: bool = False) -> ModelSpec:
    """Registry id, ``org/name`` (optionally ``@revision``), or a local folder -> spec.

    ``listed_only`` (public mode): anything but a registry id is refused with one message, before
    any file or the Hub is looked at, so that the answer says nothing about the server's folders.
    """
    if model is None or not str(model).strip():
        return default_model(task, cuda=cuda, offline=load_settings().offline)
    model = str(model).strip()
    spec = find(model, task)
    if spec is not None:
        return spec
    if listed_only:
        if any(m.id == model for m in MODELS):  # a listed model of another task: its name is public
            other = next(m for m in MODELS if m.id == model)
            raise UnsupportedModelError(f"{model} does {TASK_NAMES[other.task]}, not {TASK_NAMES[task]}.")
        raise public_models_error(task)
    folder = _folder(model)
    if folder is not None:
        return spec_for_unlisted(str(folder.resolve()), _folder_config(folder, model), task, local=True)
    repo_id, _, revision = model.partition("@")
    if _REPO_ID.match(repo_id):
        revision = revision or "main"
        _name, config = hub.read_config(repo_id, revision)
        spec = spec_for_unlisted(repo_id, config, task, local=False, revision=revision)
        return spec
    if any(m.id == model for m in MODELS):
        other = next(m for m in MODELS if m.id == model)
        raise UnsupportedModelError(f"{model} does {other.task}, not {task}.")
    raise unknown_model_error(model, task)


def public_models_error(task: Task) -> UnsupportedModelError:
    """Public mode's one answer to a Hub id or a folder, whether it exists or not."""
    listed = ", ".join(dict.fromkeys(m.id for m in models_for(task)))
    return UnsupportedModelError(
        f"In public mode only the listed models can be used for {TASK_NAMES[task]}: {listed}. Pick one of them."
    )


def _folder(model: str) -> Path | None:
    """The folder ``model`` names, None for a Hub repo id; a path to no folder is refused."""
    folder = Path(model).expanduser()
    if folder.is_dir():
        return folder
    if model.startswith(("/", "./", "../", "~", ".\\", "..\\")):
        raise ModelNotFoundError(
            f"There is no folder {model}. A model folder holds model_index.json (diffusers) or config.json "
            "(transformers); or give a listed model or a Hub repo id (org/name)."
        )
    return None


def _folder_config(folder: Path, given: str) -> dict:
    """A model folder's ``model_index.json`` or ``config.json`` (``given``: the folder as the user wrote it)."""
    for name in hub.CONFIG_FILES:
        if (folder / name).is_file():
            return json.loads((folder / name).read_text())
    raise UnsupportedModelError(f"{given} has neither model_index.json nor config.json: not a model folder.")


def task_of(model: str) -> Task:
    """The first task an unlisted repo or folder can do (for ``download``, which has no task)."""
    folder = _folder(model)
    if folder is not None:
        config = _folder_config(folder, model)
    else:
        repo_id, _, revision = model.partition("@")
        _name, config = hub.read_config(repo_id, revision or "main")
    return next(iter(family_from_config(config, model).pipelines))  # type: ignore[return-value]


# ----------------------------------------------------------------------------------------------
# Loaded models


class VideoGenerator(Protocol):
    spec: ModelSpec
    # what on_step(done, total) counts: "denoise" (steps, as its Steps setting says) or "draw" (batches of
    # frames: the shapes world's models draw, they do not denoise); read with getattr, default "denoise"
    progress_stage: str

    def generate(self, params: Any, image: Any | None, on_step: Any) -> tuple[np.ndarray, str | None]:
        """Return (T, H, W, 3) uint8 frames, and what was understood of the prompt (or None)."""

    def input_warnings(self, prompt: str, image: Any | None) -> list[str]:
        """Warnings when the prompt or image is outside what the model knows (the shapes-world
        models say so and name a real model; the Hub models return [])."""


class VideoClassifier(Protocol):
    spec: ModelSpec
    num_frames: int
    input_size: int  # the shortest side frames are resized to

    def classify(self, frames: np.ndarray, labels: list[str] | None) -> list[tuple[str, float]]:
        """All labels with probabilities, best first."""

    def classify_batch(self, clips: list[np.ndarray], labels: list[str] | None) -> list[list[tuple[str, float]]]:
        """:meth:`classify` for several clips of ``num_frames`` frames each, in one forward pass."""

    def input_warnings(self, frames: np.ndarray) -> list[str]:
        """Warnings when the sampled frames are outside what the model knows (as for generators)."""


class ModelCache:
    """The loaded models of one app or CLI process.

    Holds at most one generator; asking for another frees the first (CUDA memory included).
    Classifiers are small: the last few stay loaded. Thread-safe: one load at a time.
    """

    def __init__(self, device_choice: DeviceChoice) -> None:
        self.device_choice = device_choice
        self._generator: VideoGenerator | None = None
        self._classifiers: OrderedDict[tuple, VideoClassifier] = OrderedDict()
        self._lock = threading.Lock()

    def generator(self, spec: ModelSpec, progress: ProgressFn | None = None, params: Any | None = None) -> VideoGenerator:
        """The loaded generator for ``spec``, placed for ``params`` (frames and size) by a memory plan."""
        with self._lock:
            current = self._generator
            plan = self.memory_plan(spec, params, loaded=current) if spec.library == "diffusers" else None
            if current is not None and _key(current.spec) == _key(spec) and _same_placement(current, plan):
                if isinstance(current, DiffusersGenerator) and plan is not None:
                    current.set_vae_tiling(plan.vae_tiling)
                return current
            folder = hub.download(spec, progress)
            if progress:
                progress(Progress("load", 0, 1, "", f"Loading {spec.id}"))
            reuse = None
            if (
                isinstance(current, DiffusersGenerator)
                and current.spec.repo_id == spec.repo_id
                and current.spec.revision == spec.revision
                and _same_placement(current, plan)
            ):
                reuse = current.pipe
            else:
                self.unload_generator()
            with loading_errors(spec, folder):
                self._generator = _load_any_generator(spec, folder, self.device_choice, reuse, plan)
            if progress:
                progress(Progress("load", 1, 1, "", f"Loaded {spec.id}"))
            return self._generator

    def memory_plan(self, spec: ModelSpec, params: Any | None, loaded: VideoGenerator | None = None) -> MemoryPlan:
        """The plan for ``spec`` on this device with the memory free now; refuses what cannot fit.

        Memory held by the loaded generator counts as free (it is unloaded before another loads).
        """
        d = spec.defaults
        frames, height, width = (params.frames, params.height, params.width) if params else (d.frames, d.height, d.width)
        held = loaded.plan.peak_gpu_bytes if isinstance(loaded, DiffusersGenerator) and loaded.plan else 0
        request = memory_request(self.device_choice, frames, height, width, held)
        plan = plan_memory(spec, request, self.component_sizes(spec, request.dtype))
        if not plan.fits:
            raise OutOfMemoryError(" ".join([plan.reason, *plan.suggestions]))
        return plan

    @staticmethod
    def component_sizes(spec: ModelSpec, dtype: str) -> list | None:
        """Registry models know their sizes; others are sized from their safetensors headers."""
        if spec.components:
            return None
        from videogen.sizing.components import component_sizes, params_of_folder, params_of_hub_repo

        if spec.local:
            counts = params_of_folder(Path(spec.repo_id))
        elif (cached := hub.cached_snapshot(spec.repo_id, spec.revision)) is not None:
            counts = params_of_folder(cached)
        else:
            counts = params_of_hub_repo(spec.repo_id, spec.revision)
        return component_sizes(spec, dtype, counts)

    def classifier(self, spec: ModelSpec, progress: ProgressFn | None = None) -> VideoClassifier:
        with self._lock:
            key = _key(spec)
            if key in self._classifiers:
                self._classifiers.move_to_end(key)
                return self._classifiers[key]
            folder = hub.download(spec, progress)
            if progress:
                progress(Progress("load", 0, 1, "", f"Loading {spec.id}"))
            with loading_errors(spec, folder):
                classifier = _load_any_classifier(spec, folder, self.device_choice)
            self._classifiers[key] = classifier
            while len(self._classifiers) > MAX_CLASSIFIERS:
                self._classifiers.popitem(last=False)
            return classifier

    def unload_generator(self) -> None:
        if self._generator is None:
            return
        logger.info("Unloading %s", self._generator.spec.id)
        close = getattr(self._generator, "close", None)
        if close:
            close()
        self._generator = None
        release_memory()

    @property
    def loaded_generator(self) -> ModelSpec | None:
        return self._generator.spec if self._generator else None


def memory_request(device_choice: DeviceChoice, frames: int, height: int, width: int, held: int = 0) -> MemoryRequest:
    """This machine with the memory free now, for a clip of ``frames`` x ``height`` x ``width``; ``held``:
    the GPU bytes a loaded generator holds, counted as free (it is unloaded before another loads)."""
    return MemoryRequest(
        device="cuda" if device_choice.is_cuda else "cpu",
        gpu_bytes=min(gpu_memory_bytes(device_choice), gpu_memory_bytes(device_choice, free=True) + held),
        ram_bytes=ram_bytes(available=True) + (0 if device_choice.is_cuda else held), frames=frames,
        height=height, width=width, dtype=device_choice.dtype_name if device_choice.is_cuda else "bfloat16",
        cpu_compute="bfloat16" if device_choice.is_cuda else cpu_compute_dtype(),
    )


def _same_placement(current: VideoGenerator, plan: MemoryPlan | None) -> bool:
    """Whether a loaded generator is placed as ``plan`` says (True for models without a plan)."""
    if plan is None or not isinstance(current, DiffusersGenerator) or current.plan is None:
        return True
    return current.plan.strategy == plan.strategy


def _key(spec: ModelSpec) -> tuple:
    return (spec.repo_id, spec.revision, spec.task)


@contextmanager
def loading_errors(spec: ModelSpec, folder: Path) -> Iterator[None]:
    """Turn the libraries' errors on missing, cut-short or mismatched files (``from_pretrained``'s
    OSError, a state dict that does not fit) into a message that says what to do. Running out of
    memory is left to the caller (:func:`videogen.generate.common.memory_guard`)."""
    try:
        yield
    except VideogenError:
        raise
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "out of memory" in reason.lower() or "can't allocate memory" in reason.lower():
            raise
        if spec.local:
            advice = "Check that the folder holds the whole model: its config and the .safetensors weights it names."
        else:
            advice = f"The download looks damaged: delete {folder} and try again to download it anew."
        raise UnsupportedModelError(f"{spec.id} could not be loaded ({reason[:300]}). {advice}") from exc


def _load_any_generator(
    spec: ModelSpec, folder: Path, device_choice: DeviceChoice, reuse: Any | None, memory: MemoryPlan | None,
) -> VideoGenerator:
    if spec.library == "diffusers" and memory is not None:
        return load_generator(spec, folder, device_choice.device, memory, reuse)
    if spec.family == "procedural":
        from videogen.embedded.procedural import ProceduralGenerator

        return ProceduralGenerator.from_pretrained(spec, folder)
    if spec.family == "shapes-t2v":
        from videogen.embedded import text_to_video

        return text_to_video.load_generator(spec, folder, device_choice)
    if spec.family == "shapes-i2v":
        from videogen.embedded import image_to_video

        return image_to_video.load_generator(spec, folder, device_choice)
    raise UnsupportedModelError(f"{spec.id}: no generator loader for the {spec.family} family.")


def _load_any_classifier(spec: ModelSpec, folder: Path, device_choice: DeviceChoice) -> VideoClassifier:
    if spec.library == "transformers":
        return load_classifier(spec, folder, device_choice)
    if spec.family == "shapes-action":
        from videogen.embedded import action

        return action.load_classifier(spec, folder, device_choice)
    raise UnsupportedModelError(f"{spec.id}: no classifier loader for the {spec.family} family.")
