"""Loading models and keeping them for the next request.

:func:`resolve` turns what the user typed (a registry id, ``org/name[@revision]``, or a folder) into
a :class:`~videogen.registry.ModelSpec`. :class:`ModelCache` downloads and loads it on first use
and keeps it: at most one generator (they are large) and a few classifiers (they are small).
Switching generators frees the previous one, CUDA memory included. Loading always goes through the
libraries' ``from_pretrained`` from a local folder, safetensors only, never ``trust_remote_code``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from videogen import hub
from videogen.config import load_settings
from videogen.device import DevicePlan, place_pipeline, release_memory
from videogen.errors import OutOfMemoryError, UnsupportedModelError
from videogen.hub import Progress, ProgressFn
from videogen.registry import (
    MODELS,
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
    """
    candidates = [m for m in models_for(task) if not m.reference]
    embedded = [m for m in candidates if m.local and Path(m.repo_id).is_dir()]
    hub_models = [m for m in candidates if not m.local]
    if embedded and (not cuda or offline or not hub_models):
        return embedded[0]
    return hub_models[0]


def resolve(model: str | None, task: Task, *, cuda: bool = False) -> ModelSpec:
    """Registry id, ``org/name`` (optionally ``@revision``), or a local folder -> spec."""
    if model is None or not str(model).strip():
        return default_model(task, cuda=cuda, offline=load_settings().offline)
    model = str(model).strip()
    spec = find(model, task)
    if spec is not None:
        return spec
    folder = Path(model).expanduser()
    if folder.is_dir():
        for name in hub.CONFIG_FILES:
            if (folder / name).is_file():
                config = json.loads((folder / name).read_text())
                return spec_for_unlisted(str(folder.resolve()), config, task, local=True)
        raise UnsupportedModelError(f"{folder} has neither model_index.json nor config.json: not a model folder.")
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


def task_of(model: str) -> Task:
    """The first task an unlisted repo or folder can do (for ``download``, which has no task)."""
    folder = Path(model).expanduser()
    if folder.is_dir():
        config = next((json.loads((folder / n).read_text()) for n in hub.CONFIG_FILES if (folder / n).is_file()), {})
    else:
        repo_id, _, revision = model.partition("@")
        _name, config = hub.read_config(repo_id, revision or "main")
    return next(iter(family_from_config(config, model).pipelines))  # type: ignore[return-value]


# ----------------------------------------------------------------------------------------------
# Loaded models


class VideoGenerator(Protocol):
    spec: ModelSpec

    def generate(self, params: Any, image: Any | None, on_step: Any) -> tuple[np.ndarray, str | None]:
        """Return (T, H, W, 3) uint8 frames, and what was understood of the prompt (or None)."""


class VideoClassifier(Protocol):
    spec: ModelSpec
    num_frames: int

    def classify(self, frames: np.ndarray, labels: list[str] | None) -> list[tuple[str, float]]:
        """All labels with probabilities, best first."""


@dataclass
class DiffusersGenerator:
    """A diffusers video pipeline (T2V or I2V) behind the generator interface."""

    spec: ModelSpec
    pipe: Any
    plan: DevicePlan
    strategy: str

    def generate(self, params: Any, image: Any | None, on_step: Any) -> tuple[np.ndarray, str | None]:
        import torch

        from videogen.pipelines.common import to_uint8

        def callback(pipe: Any, step: int, timestep: Any, tensors: dict) -> dict:
            on_step(step + 1, params.steps)
            return tensors

        kwargs: dict[str, Any] = dict(
            prompt=params.prompt,
            negative_prompt=params.negative_prompt or None,
            num_frames=params.frames,
            height=params.height,
            width=params.width,
            num_inference_steps=params.steps,
            guidance_scale=params.guidance,
            generator=torch.Generator("cpu").manual_seed(params.seed),  # same seed, same clip on any device
            output_type="np",
            callback_on_step_end=callback,
        )
        if image is not None:
            kwargs["image"] = image
        try:
            with torch.inference_mode():
                video = self.pipe(**kwargs).frames[0]  # (T, H, W, 3) floats in [0, 1]
        except torch.OutOfMemoryError as exc:
            raise OutOfMemoryError(
                f"{self.spec.id} ran out of GPU memory at {params.frames} frames of {params.width}x{params.height}. "
                "Try fewer frames or a smaller size, or close other GPU programs."
            ) from exc
        return to_uint8(np.asarray(video)), None

    def close(self) -> None:
        if hasattr(self.pipe, "remove_all_hooks"):
            self.pipe.remove_all_hooks()
        self.pipe = None


@dataclass
class TransformersClassifier:
    """A transformers video classifier (VideoMAE-style) or zero-shot video-text model (X-CLIP)."""

    spec: ModelSpec
    model: Any
    processor: Any
    plan: DevicePlan
    num_frames: int

    def classify(self, frames: np.ndarray, labels: list[str] | None) -> list[tuple[str, float]]:
        import torch

        videos = [list(frames)]  # one video: a list of (H, W, 3) uint8 frames
        with torch.inference_mode():
            if self.spec.family_info.zero_shot:
                if not labels:
                    raise UnsupportedModelError(f"{self.spec.id} is zero-shot: give it the labels to choose from.")
                inputs = self.processor(text=labels, videos=videos, return_tensors="pt", padding=True)
                inputs = {k: v.to(self.plan.device) for k, v in inputs.items()}
                inputs["pixel_values"] = inputs["pixel_values"].to(self.plan.dtype)
                logits = self.model(**inputs).logits_per_video[0]  # (num_labels,)
                names = list(labels)
            else:
                inputs = self.processor(videos, return_tensors="pt")
                pixels = inputs["pixel_values"].to(self.plan.device, self.plan.dtype)  # (1, T, 3, H, W)
                logits = self.model(pixel_values=pixels).logits[0]  # (num_classes,)
                id2label = self.model.config.id2label
                names = [id2label.get(i, str(i)) for i in range(logits.shape[-1])]
            probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        order = np.argsort(-probs, kind="stable")
        return [(names[i], float(probs[i])) for i in order]


def load_generator(spec: ModelSpec, folder: Path, plan: DevicePlan, reuse: Any | None = None) -> DiffusersGenerator:
    """Load a diffusers pipeline class for the spec's task from a local folder."""
    import diffusers

    pipeline_cls = getattr(diffusers, spec.pipeline_class)
    if reuse is not None:  # same weights, other task: share the components (no copy, no reload)
        pipe = pipeline_cls.from_pipe(reuse)
        return DiffusersGenerator(spec, pipe, plan, "shared")
    files = [str(p.relative_to(folder)) for p in folder.rglob("*.safetensors")]
    pipe = pipeline_cls.from_pretrained(
        str(folder), dtype=plan.dtype, use_safetensors=True, local_files_only=True,
        variant=hub.variant_of(files),
    )
    pipe.set_progress_bar_config(disable=True)
    strategy = place_pipeline(pipe, plan, spec.vram_gb)
    return DiffusersGenerator(spec, pipe, plan, strategy)


def load_classifier(spec: ModelSpec, folder: Path, plan: DevicePlan) -> TransformersClassifier:
    import transformers

    model_cls = getattr(transformers, spec.pipeline_class)
    model = model_cls.from_pretrained(str(folder), dtype=plan.dtype, use_safetensors=True, local_files_only=True)
    model.to(plan.device).eval()
    if spec.family_info.zero_shot:
        processor = transformers.AutoProcessor.from_pretrained(str(folder), local_files_only=True)
        num_frames = model.config.vision_config.num_frames
    else:
        processor = transformers.AutoImageProcessor.from_pretrained(str(folder), local_files_only=True)
        num_frames = model.config.num_frames
    return TransformersClassifier(spec, model, processor, plan, int(num_frames))


class ModelCache:
    """The loaded models of one app or CLI process.

    Holds at most one generator; asking for another frees the first (CUDA memory included).
    Classifiers are small: the last few stay loaded. Thread-safe: one load at a time.
    """

    def __init__(self, plan: DevicePlan) -> None:
        self.plan = plan
        self._generator: VideoGenerator | None = None
        self._classifiers: OrderedDict[tuple, VideoClassifier] = OrderedDict()
        self._lock = threading.Lock()

    def generator(self, spec: ModelSpec, progress: ProgressFn | None = None) -> VideoGenerator:
        with self._lock:
            current = self._generator
            if current is not None and _key(current.spec) == _key(spec):
                return current
            folder = hub.download(spec, progress)
            if progress:
                progress(Progress("load", 0, 1, "", f"Loading {spec.id}"))
            reuse = None
            if (
                isinstance(current, DiffusersGenerator)
                and current.spec.repo_id == spec.repo_id
                and current.spec.revision == spec.revision
                and current.strategy in ("gpu", "cpu", "shared")
            ):
                reuse = current.pipe
            else:
                self.unload_generator()
            self._generator = _load_any_generator(spec, folder, self.plan, reuse)
            if progress:
                progress(Progress("load", 1, 1, "", f"Loaded {spec.id}"))
            return self._generator

    def classifier(self, spec: ModelSpec, progress: ProgressFn | None = None) -> VideoClassifier:
        with self._lock:
            key = _key(spec)
            if key in self._classifiers:
                self._classifiers.move_to_end(key)
                return self._classifiers[key]
            folder = hub.download(spec, progress)
            if progress:
                progress(Progress("load", 0, 1, "", f"Loading {spec.id}"))
            classifier = _load_any_classifier(spec, folder, self.plan)
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


def _key(spec: ModelSpec) -> tuple:
    return (spec.repo_id, spec.revision, spec.task)


def _load_any_generator(spec: ModelSpec, folder: Path, plan: DevicePlan, reuse: Any | None) -> VideoGenerator:
    if spec.library == "diffusers":
        return load_generator(spec, folder, plan, reuse)
    if spec.family == "procedural":
        from videogen.embedded.procedural import ProceduralGenerator

        return ProceduralGenerator.from_pretrained(spec, folder)
    if spec.family == "shapes-t2v":
        from videogen.embedded import text_to_video

        return text_to_video.load_generator(spec, folder, plan)
    if spec.family == "shapes-i2v":
        from videogen.embedded import image_to_video

        return image_to_video.load_generator(spec, folder, plan)
    raise UnsupportedModelError(f"{spec.id}: no generator loader for the {spec.family} family.")


def _load_any_classifier(spec: ModelSpec, folder: Path, plan: DevicePlan) -> VideoClassifier:
    if spec.library == "transformers":
        return load_classifier(spec, folder, plan)
    if spec.family == "shapes-action":
        from videogen.embedded import action

        return action.load_classifier(spec, folder, plan)
    raise UnsupportedModelError(f"{spec.id}: no classifier loader for the {spec.family} family.")
