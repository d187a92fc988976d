"""The models an edit runs: frame interpolators and upscalers, found by registry id, downloaded and kept.

What the edit recipe calls (each a small protocol, so that the offline models and the Hub ones look
the same):

* :class:`FrameInterpolator` — ``interpolate(frames, factor, on_pair)``: ``rife-4.13``
  (:mod:`~videogen.models.rife`). ``dis-flow`` (OpenCV's DIS flow, no weights) is listed in the
  registry but not loaded here: the edit recipe runs it itself when no interpolator is passed in
  (:class:`videogen.edit.interpolate.FlowInterpolator`), as models never import the edit room;
* :class:`FrameUpscaler` — ``upscale(frames, factor, on_frame)``: ``realesrgan-x2`` / ``-x4``
  (:mod:`~videogen.models.upscalers`, through spandrel) and ``videogen-sr`` (ours, in ``weights/upscale-x2/``, ×4 by running it twice;
  loaded by :mod:`videogen.embedded.upscaler`).

:func:`edit_model_spec` turns a registry id (or a weights file on disk) into a spec;
:class:`EditModelCache` downloads its one weights file on first use — one quick request for the
repo's file list, then the file, with byte progress (``Progress("download", …, "B")``) — loads it
(``Progress("load", …)``) and keeps the last few loaded. Later requests find the file in the Hub cache
without the network. The heavy modules (torch, spandrel) are imported only when a model is loaded.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, Union

import numpy as np

from videogen import hub
from videogen.config import load_settings
from videogen.errors import HubUnreachableError, ModelNotFoundError, UnsupportedModelError, VideogenError
from videogen.hub import Progress, ProgressFn
from videogen.registry import EDIT_MODELS, TASK_NAMES, EditTask, ModelSpec, find, models_for

logger = logging.getLogger(__name__)

MAX_LOADED = 2  # an interpolator and an upscaler, say; both are small
WEIGHT_SUFFIXES = (".safetensors", ".pth", ".pt", ".ckpt", ".pkl")


class FrameInterpolator(Protocol):
    name: str  # the model id, reported in the edit's operations

    def interpolate(self, frames: np.ndarray, factor: int, on_pair: Callable[[int, int], None] | None = None,
                    ) -> np.ndarray:
        """(T, H, W, 3) uint8 -> ((T - 1) * factor + 1, H, W, 3) uint8; ``on_pair(done, total)`` after each pair
        (may raise to stop)."""


class FrameUpscaler(Protocol):
    name: str
    scale: int  # the model's own factor

    def upscale(self, frames: np.ndarray, factor: int, on_frame: Callable[[int, int], None] | None = None,
                ) -> np.ndarray:
        """(T, H, W, 3) uint8 -> (T, H * factor, W * factor, 3) uint8; ``on_frame(done, total)`` after each frame."""

    def warnings_for(self, factor: int) -> list[str]:
        """What was done to make ``factor`` from the model's own scale (ran twice, shrunk by area); [] if nothing."""


EditModel = Union[FrameInterpolator, FrameUpscaler]


# ----------------------------------------------------------------------------------------------
# Which model


def edit_model_spec(model: str, task: EditTask, *, listed_only: bool = False) -> ModelSpec:
    """A registry id for ``task`` (``rife-4.13``, ``realesrgan-x4`` …), or a weights file on disk
    (``.safetensors``/``.pth``: a RIFE 4.13 file to interpolate, any spandrel SR file to upscale).
    ``listed_only`` (public mode): registry ids only, whatever else is given."""
    model = str(model).strip()
    spec = find(model, task)
    if spec is not None:
        return spec
    listed = ", ".join(m.id for m in models_for(task))
    other = next((m for m in EDIT_MODELS if m.id == model), None)
    if other is not None:
        raise UnsupportedModelError(f"{model} does {TASK_NAMES[other.task]}, not {TASK_NAMES[task]}: use one of {listed}.")
    path = Path(model).expanduser()
    if not listed_only and path.suffix in WEIGHT_SUFFIXES:
        if not path.is_file():
            raise ModelNotFoundError(f"There is no file {model}. Give a weights file that exists, or one of {listed}.")
        family = "rife" if task == "interpolate" else "spandrel"
        return ModelSpec(id=path.name, task=task, family=family, repo_id=str(path.resolve().parent), file=path.name,
                         local=True, license="see where the file comes from", description=f"weights file {path.name}")
    where = "" if listed_only else "; or a .safetensors/.pth weights file on disk"
    raise ModelNotFoundError(f"Unknown model {model!r} for {TASK_NAMES[task]}. Use one of: {listed}{where}.")


def default_edit_model(task: EditTask) -> ModelSpec:
    """The model an operation uses when none is named: the first offline one that is here (the table lists
    them first), else the first listed (whose error then says what to do)."""
    listed = models_for(task)
    return next((m for m in listed if m.local and is_downloaded(m)), listed[0])


# ----------------------------------------------------------------------------------------------
# The weights on disk


def cached_file(spec: ModelSpec) -> Path | None:
    """The spec's weights file if it is on disk (shipped, or in the Hub cache); no request."""
    if spec.local:
        path = Path(spec.repo_id) / spec.file if spec.file else Path(spec.repo_id)
        return path if path.exists() else None
    from huggingface_hub import try_to_load_from_cache

    with hub.translate_hub_errors(spec.repo_id):
        found = try_to_load_from_cache(spec.repo_id, spec.file, revision=spec.revision, cache_dir=hub.cache_dir())
    return Path(found) if isinstance(found, str) else None


def is_downloaded(spec: ModelSpec) -> bool:
    """Whether the model can run without the network (``dis-flow`` always can)."""
    return spec.family == "dis-flow" or cached_file(spec) is not None


def fetch_weights(spec: ModelSpec, progress: ProgressFn | None = None) -> Path | None:
    """The spec's weights on disk (None for ``dis-flow``): from the cache, or downloaded now with byte progress.

    A Hub model is one file of its repo (``spec.file``), fetched alone at ``spec.revision``."""
    if spec.family == "dis-flow":
        return None
    found = cached_file(spec)
    if found is not None:
        return found
    if spec.local:
        where = Path(spec.repo_id) / spec.file if spec.file else Path(spec.repo_id)
        others = ", ".join(m.id for m in models_for(spec.task) if m.id != spec.id)  # type: ignore[arg-type]
        raise ModelNotFoundError(f"{spec.id}: {where} does not exist. Put the model's weights there (for weights/ "
                                 f"models see weights/README.md), or pick another model: {others}.")
    if load_settings().offline:
        raise HubUnreachableError(
            f"{spec.id} is not downloaded and offline mode is on (HF_HUB_OFFLINE=1 or --offline). Download it once while "
            "online, or pick an offline model (dis-flow to interpolate, videogen-sr to upscale).")
    from huggingface_hub import snapshot_download

    _, files = hub.remote_files(spec.repo_id, spec.revision)
    sizes = dict(files)
    if spec.file not in sizes:
        weights = ", ".join(f for f in sizes if f.endswith(WEIGHT_SUFFIXES)) or "none"
        raise ModelNotFoundError(f"{spec.repo_id} has no file {spec.file} (its weights files: {weights}). "
                                 "Check the registry entry, or pick another model.")
    total = sizes[spec.file] or None
    logger.info("Downloading %s from %s (%s)", spec.file, spec.repo_id, hub.human_size(total))
    if progress:
        progress(Progress("download", 0, total, "B", f"Downloading {spec.id}"))
    with hub.translate_hub_errors(spec.repo_id):
        folder = snapshot_download(
            spec.repo_id, revision=spec.revision, allow_patterns=[spec.file], cache_dir=hub.cache_dir(),
            token=hub.auth_token(), endpoint=load_settings().hub_endpoint,
            tqdm_class=hub.byte_progress_class(progress, spec.id, total),
        )
    if progress:
        progress(Progress("download", total or 1, total or 1, "B", f"Downloaded {spec.id}"))
    return Path(folder) / spec.file


# ----------------------------------------------------------------------------------------------
# Loading


@contextmanager
def _loading(spec: ModelSpec, path: Path | None) -> Iterator[None]:
    """Library errors on a damaged or foreign file, said as what to do."""
    try:
        yield
    except VideogenError:
        raise
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        if "out of memory" in reason.lower():
            raise
        advice = ("Check the file." if spec.local else
                  f"The download looks damaged: delete {path} (and its blob in the Hub cache) and try again.")
        raise UnsupportedModelError(f"{spec.id} could not be loaded ({reason}). {advice}") from exc


def load_edit_model(spec: ModelSpec, device: str, progress: ProgressFn | None = None) -> EditModel:
    """Download (once) and load the edit model ``spec`` on ``device`` ("cpu", "cuda:0" …)."""
    path = fetch_weights(spec, progress)
    if progress:
        progress(Progress("load", 0, 1, "", f"Loading {spec.id}"))
    with _loading(spec, path):
        model = _load(spec, path, device)
    if progress:
        progress(Progress("load", 1, 1, "", f"Loaded {spec.id}"))
    return model


def _load(spec: ModelSpec, path: Path | None, device: str) -> EditModel:
    if spec.family == "dis-flow" or path is None:
        raise UnsupportedModelError(f"{spec.id} has no weights to load: the edit recipe runs it itself (pass no "
                                    "interpolator).")
    if spec.family == "rife":
        from videogen.models.rife import load_rife

        return load_rife(path, device, spec.id)
    if spec.family == "spandrel":
        from videogen.models.upscalers import load_upscaler

        upscaler = load_upscaler(path, device, spec.id)
        if spec.scale and upscaler.scale != spec.scale:
            raise UnsupportedModelError(f"{spec.id} should be a ×{spec.scale} model, but {spec.file} is ×{upscaler.scale}.")
        return upscaler
    if spec.family == "videogen-sr":
        from videogen.embedded.upscaler import OfflineUpscaler

        return OfflineUpscaler()  # its ×2 and ×4 networks, read from weights/ on first use (CPU: they are small)
    raise UnsupportedModelError(f"{spec.id}: no edit-model loader for the {spec.family} family.")


class EditModelCache:
    """The loaded edit models of one process on one device: the last :data:`MAX_LOADED` stay. Thread-safe."""

    def __init__(self, device: str) -> None:
        self.device = device
        self._models: OrderedDict[tuple, EditModel] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, spec: ModelSpec, progress: ProgressFn | None = None) -> EditModel:
        key = (spec.repo_id, spec.revision, spec.file, spec.task)
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
            model = load_edit_model(spec, self.device, progress)
            self._models[key] = model
            while len(self._models) > MAX_LOADED:
                self._models.popitem(last=False)
            return model

    def interpolator(self, model: str | None, progress: ProgressFn | None = None, *,
                     listed_only: bool = False) -> FrameInterpolator | None:
        """The loaded interpolator named ``model``; None for the offline one (``dis-flow``, or no model named),
        which the edit recipe runs itself."""
        spec = default_edit_model("interpolate") if not model else edit_model_spec(model, "interpolate",
                                                                                   listed_only=listed_only)
        return None if spec.family == "dis-flow" else self.get(spec, progress)  # type: ignore[return-value]

    def upscaler(self, model: str | None, progress: ProgressFn | None = None, *,
                 listed_only: bool = False) -> FrameUpscaler:
        """The loaded upscaler named ``model`` (None: the offline one)."""
        spec = default_edit_model("upscale") if not model else edit_model_spec(model, "upscale", listed_only=listed_only)
        return self.get(spec, progress)  # type: ignore[return-value]

