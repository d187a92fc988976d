"""The Hub cache on this machine: where it is, the token, and which models are fully downloaded.

Everything is read at call time (huggingface_hub reads ``HF_HOME`` and friends at import), and
nothing here makes a request: a model found complete in the cache loads without the network, also
with ``HF_HUB_OFFLINE=1``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from videogen.errors import UnsupportedModelError
from videogen.hub.files import CONFIG_FILES, select_files
from videogen.registry import ModelSpec


def cache_dir() -> str:
    """The Hub cache folder, honouring HF_HUB_CACHE, then HF_HOME, then the default."""
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return os.path.expanduser(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    home = os.environ.get("HF_HOME") or os.path.join(xdg, "huggingface")
    return os.path.join(os.path.expanduser(home), "hub")


def auth_token() -> str | None:
    """The Hub token from ``HF_TOKEN`` (or ``HUGGING_FACE_HUB_TOKEN``), else None."""
    # None lets huggingface_hub fall back to the saved token file (`hf auth login`).
    return os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN") or None


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
