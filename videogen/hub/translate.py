"""huggingface_hub's and the network's errors, said as :mod:`videogen.errors` that tell what to do.

:class:`translate_hub_errors` wraps every call to the Hub: an unknown or misspelt repo, a gated one,
a missing revision or file, no network, a full disk, any other HTTP failure.
"""

from __future__ import annotations

import errno
import shutil

from videogen.config import load_settings
from videogen.errors import DownloadError, GatedModelError, HubUnreachableError, ModelNotFoundError
from videogen.hub.cache import cache_dir


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
