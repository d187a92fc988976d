"""Lazy downloads from the Hugging Face Hub into the standard cache.

Nothing here runs at import. The first request for a model:

1. asks the Hub for the repo's file list (one quick request, no retries: if the Hub cannot be
   reached this fails in seconds with a message naming the model);
2. picks only the files the model needs (:func:`select_files`): the config and tokenizer files and
   the ``.safetensors`` weights of the components the pipeline uses, one precision only, never
   pickled ``.bin`` weights;
3. downloads them with ``snapshot_download`` into the standard cache (``HF_HOME`` /
   ``HF_HUB_CACHE``), forwarding byte progress to the caller (from huggingface_hub's worker
   threads; see :class:`Progress`).

Later requests find the files in the cache without touching the network (:func:`cached_snapshot`),
also with ``HF_HUB_OFFLINE=1``. huggingface_hub errors are translated into :mod:`videogen.errors`.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from videogen.config import load_settings
from videogen.errors import (
    DownloadError,
    GatedModelError,
    HubUnreachableError,
    ModelNotFoundError,
    UnsupportedModelError,
)
from videogen.registry import ModelSpec

logger = logging.getLogger(__name__)

CONFIG_FILES = ("model_index.json", "config.json")  # diffusers, transformers
_KEEP_SUFFIXES = (".json", ".txt", ".model", ".tiktoken", ".safetensors")
_PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
# `name.fp16.safetensors`, `name.fp16-00001-of-00002.safetensors`: the same weights in another precision
_VARIANT = re.compile(r"\.(fp16|bf16|fp32|fp8|int8)(?=[.-])")


@dataclass(frozen=True)
class Progress:
    """One progress report: ``done`` of ``total`` units in a named stage."""

    stage: str  # "download", "load", "denoise", "decode", "encode", "classify"
    done: float
    total: float | None = None
    unit: str = ""  # "B" for bytes, "step", "frame"
    message: str = ""
    preview: Any = None  # an RGB image (H, W, 3) uint8 of the clip so far, now and then while denoising

    @property
    def fraction(self) -> float | None:
        return None if not self.total else min(1.0, self.done / self.total)


ProgressFn = Callable[[Progress], None]


# ----------------------------------------------------------------------------------------------
# Cache locations and credentials, read at call time (huggingface_hub reads them at import).


def cache_dir() -> str:
    """The Hub cache folder, honouring HF_HUB_CACHE, then HF_HOME, then the default."""
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return os.path.expanduser(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    home = os.environ.get("HF_HOME") or os.path.join(xdg, "huggingface")
    return os.path.join(os.path.expanduser(home), "hub")


def _token() -> str | None:
    # None lets huggingface_hub fall back to the saved token file (`hf auth login`).
    return os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN") or None


# ----------------------------------------------------------------------------------------------
# Choosing files


def select_files(files: list[str], config_name: str, config: dict) -> list[str]:
    """The files a model needs, from a repo's full file list.

    ``config_name`` is ``model_index.json`` (a diffusers pipeline: keep only the folders of the
    components it names) or ``config.json`` (a transformers model: keep the top-level files).
    Raises :class:`UnsupportedModelError` when a component has pickled weights but no safetensors.
    """
    if config_name == "model_index.json":
        folders = {key for key, value in config.items() if not key.startswith("_") and _is_component(value)}
        wanted = [f for f in files if PurePosixPath(f).parts[0] in folders and len(PurePosixPath(f).parts) > 1]
    else:
        wanted = [f for f in files if "/" not in f]

    by_folder: dict[str, list[str]] = {}
    for f in wanted:
        by_folder.setdefault(str(PurePosixPath(f).parent), []).append(f)

    selected = [config_name]
    for folder, names in sorted(by_folder.items()):
        weights = [n for n in names if n.endswith(".safetensors")]
        if not weights and any(n.endswith(_PICKLE_SUFFIXES) for n in names):
            where = "the repo" if folder == "." else f"{folder}/"
            raise UnsupportedModelError(
                f"{where} has only pickled (.bin/.pt) weights; videogen loads safetensors only. "
                "Look for a safetensors revision of the model (e.g. a refs/pr/N branch) and pass it."
            )
        selected += [n for n in names if n.endswith(_KEEP_SUFFIXES) and not n.endswith(".safetensors")]
        selected += _one_precision(_standard_names(weights))
    return sorted(set(selected) - {"README.md"})


# What from_pretrained reads: `model.safetensors` (transformers), `diffusion_pytorch_model.safetensors`
# (diffusers), their shards (`model-00001-of-00002.safetensors`) and precisions (`model.fp16.safetensors`).
_STANDARD = re.compile(r"^(model|diffusion_pytorch_model)([.-])")


def _standard_names(weights: list[str]) -> list[str]:
    """The weights ``from_pretrained`` reads, when a folder has them beside others (a single-file
    checkpoint at a repo's root: ``ltx-video-2b-v0.9.safetensors``); else all of them."""
    standard = [w for w in weights if _STANDARD.match(PurePosixPath(w).name)]
    return standard or weights


def _is_component(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and value[0] is not None and value[1] is not None


def _one_precision(weights: list[str]) -> list[str]:
    """Plain weights if the folder has them, else one variant (bf16 > fp16 > others)."""
    plain = [w for w in weights if not _VARIANT.search(PurePosixPath(w).name)]
    if plain or not weights:
        return plain
    variants = sorted({_VARIANT.search(PurePosixPath(w).name).group(1) for w in weights})
    chosen = next((v for v in ("bf16", "fp16") if v in variants), variants[0])
    return [w for w in weights if f".{chosen}" in PurePosixPath(w).name]


def variant_of(files: list[str]) -> str | None:
    """The precision variant among downloaded weights (for ``from_pretrained(variant=...)``)."""
    for f in files:
        match = _VARIANT.search(PurePosixPath(f).name)
        if match and f.endswith(".safetensors"):
            return match.group(1)
    return None


# ----------------------------------------------------------------------------------------------
# Cache lookups (never touch the network)


def cached_snapshot(repo_id: str, revision: str = "main") -> Path | None:
    """The cached snapshot folder of a fully downloaded model, or None. Makes no request."""
    from huggingface_hub import get_cached_repo_tree, try_to_load_from_cache
    from huggingface_hub.errors import CachedRepoTreeNotFoundError

    for config_name in CONFIG_FILES:
        path = try_to_load_from_cache(repo_id, config_name, revision=revision, cache_dir=cache_dir())
        if isinstance(path, str):
            break
    else:
        return None
    snapshot = Path(path).parent
    try:
        tree = get_cached_repo_tree(repo_id, revision=revision, cache_dir=cache_dir())
        config = json.loads(Path(path).read_text())
        needed = select_files([entry.path for entry in tree], config_name, config)
    except (CachedRepoTreeNotFoundError, OSError, ValueError, UnsupportedModelError):
        return None  # tree not cached or unreadable: the model was never fully downloaded here
    return snapshot if all((snapshot / f).exists() for f in needed) else None


def snapshot_commit(spec: ModelSpec) -> str | None:
    """The commit a downloaded model's files come from (for the output's metadata); no request."""
    if spec.local:
        return None
    if re.fullmatch(r"[0-9a-f]{40}", spec.revision):
        return spec.revision
    folder = cached_snapshot(spec.repo_id, spec.revision)
    return folder.name if folder is not None else None


def is_downloaded(spec: ModelSpec) -> bool:
    if spec.local:
        return Path(spec.repo_id).is_dir()
    return cached_snapshot(spec.repo_id, spec.revision) is not None


# ----------------------------------------------------------------------------------------------
# Talking to the Hub

REACHABLE_TIMEOUT_S = 3.0  # the probe's longest wait: a default is not worth more
_REACHABLE_TTL_S = 60.0
_reachable: dict[str, tuple[float, bool]] = {}  # endpoint -> (monotonic time of the probe, answer)
_reachable_lock = threading.Lock()


def hub_reachable(timeout: float = REACHABLE_TIMEOUT_S) -> bool:
    """Whether the Hub answers at all: False at once in offline mode, else one quick request.

    One ``HEAD`` of the endpoint (``HF_ENDPOINT``) through huggingface_hub's HTTP session (same
    proxies and certificates as downloads); any answer below 500 counts. Waits at most ``timeout``
    seconds (and never longer than ``VIDEOGEN_HUB_TIMEOUT``); the answer is kept for a minute per
    endpoint, so choosing defaults for several tabs costs one request. Used to pick defaults only.
    """
    settings = load_settings()
    if settings.offline:
        return False
    endpoint = settings.hub_endpoint
    with _reachable_lock:
        seen = _reachable.get(endpoint)
    if seen is not None and time.monotonic() - seen[0] < _REACHABLE_TTL_S:
        return seen[1]

    import httpx2
    from huggingface_hub.utils import get_session

    try:
        wait = min(timeout, settings.hub_timeout)
        response = get_session().head(endpoint + "/", timeout=wait, follow_redirects=False)
        answered = response.status_code < 500
    except (httpx2.HTTPError, OSError) as exc:
        logger.info("The Hub at %s did not answer (%s): defaults come from downloaded or shipped models",
                    endpoint, type(exc).__name__)
        answered = False
    with _reachable_lock:
        _reachable[endpoint] = (time.monotonic(), answered)
    return answered


def forget_reachability() -> None:
    """Drop the remembered :func:`hub_reachable` answers (the next call asks again)."""
    with _reachable_lock:
        _reachable.clear()


def read_config(repo_id: str, revision: str = "main") -> tuple[str, dict]:
    """The repo's ``model_index.json`` or ``config.json`` (name, parsed), from cache or the Hub."""
    from huggingface_hub import hf_hub_download, try_to_load_from_cache

    for name in CONFIG_FILES:
        with translate_hub_errors(repo_id):  # an id the Hub could not have (org/..): HFValidationError
            cached = try_to_load_from_cache(repo_id, name, revision=revision, cache_dir=cache_dir())
        if isinstance(cached, str):
            return name, json.loads(Path(cached).read_text())

    files = [s for s, _ in _remote_files(repo_id, revision)[1]]
    settings = load_settings()
    for name in CONFIG_FILES:
        if name in files:
            with translate_hub_errors(repo_id):
                path = hf_hub_download(
                    repo_id, name, revision=revision, cache_dir=cache_dir(), token=_token(),
                    endpoint=settings.hub_endpoint,
                )
            return name, json.loads(Path(path).read_text())
    raise UnsupportedModelError(f"{repo_id} has neither model_index.json nor config.json: not a diffusers or transformers model.")


def download(spec: ModelSpec, progress: ProgressFn | None = None) -> Path:
    """Make sure the model's files are in the cache; return the snapshot folder.

    Fails in seconds when offline or when the Hub is unreachable and the model is not cached.
    """
    if spec.local:
        folder = Path(spec.repo_id)
        if not folder.is_dir():
            raise ModelNotFoundError(f"{spec.id}: the folder {folder} does not exist (for weights/ models: see weights/README.md).")
        if spec.family != "procedural" and not any(folder.rglob("*.safetensors")):  # procedural: drawn, no weights
            raise ModelNotFoundError(
                f"{spec.id}: the folder {folder} has a config but no weights (.safetensors files). Copy the model's "
                "weights into it, or give the model's Hub id (org/name) to download it."
            )
        return folder
    cached = cached_snapshot(spec.repo_id, spec.revision)
    if cached is not None:
        return cached

    from huggingface_hub import snapshot_download

    config_name, config = read_config(spec.repo_id, spec.revision)
    _, files = _remote_files(spec.repo_id, spec.revision)
    sizes = dict(files)
    needed = select_files(list(sizes), config_name, config)
    total = sum(sizes.get(f) or 0 for f in needed) or None
    logger.info("Downloading %s (%d files, %s) from %s", spec.repo_id, len(needed), _human(total), load_settings().hub_endpoint)
    if progress:
        progress(Progress("download", 0, total, "B", f"Downloading {spec.id}"))
    with translate_hub_errors(spec.repo_id):
        folder = snapshot_download(
            spec.repo_id, revision=spec.revision, allow_patterns=needed, cache_dir=cache_dir(),
            token=_token(), endpoint=load_settings().hub_endpoint,
            tqdm_class=_byte_progress_class(progress, spec.id, total),
        )
    if progress:  # files fetched earlier (the config) never pass through the byte counter
        progress(Progress("download", total or 1, total or 1, "B", f"Downloaded {spec.id}"))
    return Path(folder)


def _remote_files(repo_id: str, revision: str) -> tuple[str, list[tuple[str, int | None]]]:
    """(commit sha, [(path, size)]) from one quick request; raises videogen errors."""
    from huggingface_hub import HfApi

    settings = load_settings()
    if settings.offline:
        raise HubUnreachableError(
            f"{repo_id} is not downloaded and offline mode is on (HF_HUB_OFFLINE=1 or --offline). "
            f"Download it once while online (python -m videogen download {repo_id}), or pick a model "
            "that is already downloaded."
        )
    api = HfApi(endpoint=settings.hub_endpoint, token=_token())
    with translate_hub_errors(repo_id):
        info = api.model_info(repo_id, revision=revision, files_metadata=True, timeout=settings.hub_timeout)
    return info.sha or "", [(s.rfilename, s.size) for s in info.siblings or []]


class translate_hub_errors:
    """Context manager turning huggingface_hub / network errors into videogen errors."""

    def __init__(self, repo_id: str) -> None:
        self.repo_id = repo_id

    def __enter__(self) -> "translate_hub_errors":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        translated = _translate(exc, self.repo_id, load_settings().hub_endpoint)
        if translated is None:
            return False
        raise translated from exc


def _translate(exc: Exception, repo: str, endpoint: str) -> Exception | None:
    from huggingface_hub import errors as hf

    import httpx2

    if isinstance(exc, hf.HFValidationError):
        return ModelNotFoundError(
            f"{repo!r} is not a valid Hub repo id: org/name, with letters, digits, '-', '_' and '.' (not at either "
            "end of a part, and no '..'). Check the spelling, or pick a listed model."
        )
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        try:
            free = f"{shutil.disk_usage(cache_dir()).free / 1e9:,.2f} GB free"
        except OSError:
            free = "no free space"
        return DownloadError(
            f"The disk is full: downloading {repo} into {cache_dir()} stopped ({free}). Free some space there, or set "
            "HF_HOME to a disk with room, then try again; the part already downloaded was not kept."
        )
    if isinstance(exc, hf.GatedRepoError):  # before RepositoryNotFoundError: it subclasses it
        return GatedModelError(
            f"{repo} is gated: accept its terms on {endpoint}/{repo}, then set HF_TOKEN to a token "
            "of that account (or run `hf auth login`)."
        )
    if isinstance(exc, hf.RepositoryNotFoundError):
        return ModelNotFoundError(
            f"{repo} was not found on {endpoint}. Check the spelling; a private repo needs HF_TOKEN."
        )
    if isinstance(exc, hf.RevisionNotFoundError):
        return ModelNotFoundError(f"{repo} has no such revision (branch, tag or commit).")
    if isinstance(exc, hf.EntryNotFoundError) and not isinstance(exc, hf.LocalEntryNotFoundError):
        return ModelNotFoundError(f"A file of {repo} is missing on the Hub: {exc}")
    if isinstance(exc, (hf.OfflineModeIsEnabled, hf.LocalEntryNotFoundError)) or isinstance(
        exc, (httpx2.ConnectError, httpx2.TimeoutException, httpx2.NetworkError)
    ):
        return HubUnreachableError(
            f"Could not reach the Hugging Face Hub at {endpoint} to download {repo}, and it is not in "
            f"the cache ({cache_dir()}). Check the network (or HF_ENDPOINT), or use a downloaded model."
        )
    if isinstance(exc, (hf.HfHubHTTPError, httpx2.HTTPError, OSError)):
        return DownloadError(f"Downloading {repo} failed: {exc}. Run the same command again to retry.")
    return None


def _human(size: float | None) -> str:
    if not size:
        return "size unknown"
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return ""


def _byte_progress_class(progress: ProgressFn | None, model_id: str, expected_total: int | None):
    """A tqdm class for ``snapshot_download`` that forwards byte counts to ``progress``.

    ``snapshot_download`` updates its byte bars from worker threads, where Gradio's progress object
    does nothing; this class only calls ``progress`` (which callers make thread-safe, e.g. by putting
    the report on a queue the request's own thread drains).
    """
    from tqdm.auto import tqdm

    lock = threading.Lock()

    class ByteProgress(tqdm):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            kwargs.pop("name", None)
            self._is_bytes = kwargs.get("unit") == "B" and str(kwargs.get("desc", "")).startswith("Reconstruct")
            self._done = 0
            super().__init__(*args, **{**kwargs, "disable": True})

        def update(self, n: float | None = 1) -> bool | None:
            if not self._is_bytes or progress is None or not n:
                return None
            with lock:
                self._done += n
                total = expected_total or self.total or None
                done = min(self._done, total) if total else self._done
            progress(Progress("download", done, total, "B", f"Downloading {model_id}"))
            return None

    return ByteProgress
