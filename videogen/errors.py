"""Every error videogen raises on purpose, in one place.

Each error subclasses the builtin it is closest to (so ``except ValueError`` still works for callers
who don't know videogen) and its message says what happened *and what to do next*. Library errors
(huggingface_hub, PyAV, torch) are translated into these at the boundary where they happen, so the
app and the CLI can show the message as is, without a traceback.
"""

from __future__ import annotations


class VideogenError(Exception):
    """Base class: a problem the user can act on. ``str(error)`` is the message to show."""


class InvalidInputError(VideogenError, ValueError):
    """A parameter is out of range or malformed; the message names the parameter and the bad value."""


class ModelNotFoundError(VideogenError, LookupError):
    """The model id, Hub repo or local folder does not exist."""


class UnsupportedModelError(VideogenError, ValueError):
    """The model exists but videogen cannot run it (unknown family, wrong task, no safetensors)."""


class GatedModelError(VideogenError, PermissionError):
    """The Hub repo is gated: the user must accept its terms and provide a token (HF_TOKEN)."""


class HubUnreachableError(VideogenError, ConnectionError):
    """The model is not downloaded and the Hub cannot be reached (offline mode or no network)."""


class DownloadError(VideogenError, OSError):
    """A download started but did not complete (connection lost, disk full, size mismatch)."""


class OutputError(VideogenError, OSError):
    """A clip could not be written (disk full, no permission, a read-only folder); nothing half-written is kept."""


class InvalidVideoError(VideogenError, ValueError):
    """An input video cannot be decoded: corrupt, audio-only, or without frames."""


class OutOfMemoryError(VideogenError, MemoryError):
    """The device ran out of memory; the message suggests smaller settings."""


class SpeechError(VideogenError, RuntimeError):
    """The speech engine is missing, or could not say a line."""


class CredentialsError(VideogenError, RuntimeError):
    """Content Credentials could not be made: the signing certificate or key is missing or unusable, or
    signing a file failed (the file is then kept only under a name that says it is unsigned)."""


class GenerationCancelled(VideogenError):
    """The user pressed Cancel; raised at the next denoising step."""
