"""Lazy downloads from the Hugging Face Hub into the standard cache.

Nothing here runs at import. The first request for a model:

1. asks the Hub for the repo's file list (one quick request, no retries: if the Hub cannot be
   reached this fails in seconds with a message naming the model);
2. picks only the files the model needs (:func:`select_files`, :mod:`videogen.hub.files`): the
   config and tokenizer files and the ``.safetensors`` weights of the components the pipeline
   uses, one precision only, never pickled ``.bin`` weights;
3. downloads them with ``snapshot_download`` into the standard cache (``HF_HOME`` /
   ``HF_HUB_CACHE``), forwarding byte progress to the caller (from huggingface_hub's worker
   threads; see :class:`Progress`, :mod:`videogen.hub.progress`).

Later requests find the files in the cache without touching the network (:func:`cached_snapshot`,
:mod:`videogen.hub.cache`), also with ``HF_HUB_OFFLINE=1``. huggingface_hub errors are translated
into :mod:`videogen.errors` (:mod:`videogen.hub.translate`).

This module talks to the Hub (reachability, the file list, the config, the download) and gathers
the package's public names, so that ``from videogen import hub`` gives them all.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

from videogen.config import load_settings
from videogen.errors import HubUnreachableError, ModelNotFoundError, UnsupportedModelError
from videogen.hub.cache import auth_token, cache_dir, cached_snapshot, is_downloaded, snapshot_commit
from videogen.hub.files import CONFIG_FILES, is_component, one_precision, select_files, variant_of
from videogen.hub.progress import Progress, ProgressFn, byte_progress_class, human_size
from videogen.hub.translate import translate_hub_errors
from videogen.registry import ModelSpec

__all__ = [
    "CONFIG_FILES", "Progress", "ProgressFn", "auth_token", "cache_dir", "cached_snapshot", "download",
    "forget_reachability", "hub_reachable", "is_component", "is_downloaded", "one_precision", "read_config",
    "remote_files", "select_files", "snapshot_commit", "translate_hub_errors", "variant_of",
]

logger = logging.getLogger(__name__)

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

    files = [s for s, _ in remote_files(repo_id, revision)[1]]
    settings = load_settings()
    for name in CONFIG_FILES:
        if name in files:
            with translate_hub_errors(repo_id):
                path = hf_hub_download(
                    repo_id, name, revision=revision, cache_dir=cache_dir(), token=auth_token(),
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
    _, files = remote_files(spec.repo_id, spec.revision)
    sizes = dict(files)
    needed = select_files(list(sizes), config_name, config)
    total = sum(sizes.get(f) or 0 for f in needed) or None
    logger.info("Downloading %s (%d files, %s) from %s", spec.repo_id, len(needed), human_size(total), load_settings().hub_endpoint)
    if progress:
        progress(Progress("download", 0, total, "B", f"Downloading {spec.id}"))
    with translate_hub_errors(spec.repo_id):
        folder = snapshot_download(
            spec.repo_id, revision=spec.revision, allow_patterns=needed, cache_dir=cache_dir(),
            token=auth_token(), endpoint=load_settings().hub_endpoint,
            tqdm_class=byte_progress_class(progress, spec.id, total),
        )
    if progress:  # files fetched earlier (the config) never pass through the byte counter
        progress(Progress("download", total or 1, total or 1, "B", f"Downloaded {spec.id}"))
    return Path(folder)


def remote_files(repo_id: str, revision: str) -> tuple[str, list[tuple[str, int | None]]]:
    """(commit sha, [(path, size)]) from one quick request; raises videogen errors."""
    from huggingface_hub import HfApi

    settings = load_settings()
    if settings.offline:
        raise HubUnreachableError(
            f"{repo_id} is not downloaded and offline mode is on (HF_HUB_OFFLINE=1 or --offline). "
            f"Download it once while online (python -m videogen download {repo_id}), or pick a model "
            "that is already downloaded."
        )
    api = HfApi(endpoint=settings.hub_endpoint, token=auth_token())
    with translate_hub_errors(repo_id):
        info = api.model_info(repo_id, revision=revision, files_metadata=True, timeout=settings.hub_timeout)
    return info.sha or "", [(s.rfilename, s.size) for s in info.siblings or []]
