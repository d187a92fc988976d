"""Settings read from environment variables, in one place.

Everything that can be configured without code is listed here; the app's and the CLI's flags only
override these. Settings are read when :func:`load_settings` is called (not at import), so tests and
flags that change the environment take effect.

=========================  =========================================================
variable                   meaning
=========================  =========================================================
``VIDEOGEN_DEVICE``        ``auto`` (default), ``cuda``, ``cuda:1``, ``cpu``
``VIDEOGEN_OUTPUT_DIR``    where generated videos go (default: ``<tmp>/videogen``)
``VIDEOGEN_HUB_TIMEOUT``   seconds to wait for the Hub before giving up (default 10)
``VIDEOGEN_MAX_QUEUE``     requests allowed to wait in the app's GPU queue (default 16)
``HF_ENDPOINT``            the Hub (default https://huggingface.co)
``HF_HUB_OFFLINE``         ``1``: never touch the network; use cached models only
``HF_HOME`` / ``HF_HUB_CACHE``  where downloads go (huggingface_hub's standard cache)
``HF_TOKEN``               token for gated or private repos
``GRADIO_SERVER_NAME``     host to bind (default 127.0.0.1; 0.0.0.0 on Spaces)
``GRADIO_SERVER_PORT``     port (default 7860)
``SPACE_ID``               set by Hugging Face Spaces
=========================  =========================================================
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ENDPOINT = "https://huggingface.co"
_TRUE = {"1", "true", "yes", "on"}


def env_flag(name: str) -> bool:
    """True when the environment variable is set to 1/true/yes/on (any case)."""
    return os.environ.get(name, "").strip().lower() in _TRUE


@dataclass(frozen=True)
class Settings:
    device: str
    output_dir: Path
    hub_endpoint: str
    offline: bool
    hub_timeout: float
    max_queue: int
    host: str
    port: int
    on_spaces: bool


def load_settings() -> Settings:
    """Read the settings from the environment as it is now."""
    on_spaces = bool(os.environ.get("SPACE_ID"))
    return Settings(
        device=os.environ.get("VIDEOGEN_DEVICE", "auto"),
        output_dir=Path(os.environ.get("VIDEOGEN_OUTPUT_DIR") or Path(tempfile.gettempdir()) / "videogen"),
        hub_endpoint=(os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/"),
        offline=env_flag("HF_HUB_OFFLINE") or env_flag("TRANSFORMERS_OFFLINE"),
        hub_timeout=float(os.environ.get("VIDEOGEN_HUB_TIMEOUT", "10")),
        max_queue=int(os.environ.get("VIDEOGEN_MAX_QUEUE", "16")),
        host=os.environ.get("GRADIO_SERVER_NAME") or ("0.0.0.0" if on_spaces else "127.0.0.1"),
        port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        on_spaces=on_spaces,
    )


def set_offline(offline: bool = True) -> None:
    """Turn huggingface_hub's offline mode on for this process (the ``--offline`` flag).

    huggingface_hub reads ``HF_HUB_OFFLINE`` at import, so besides the environment (for anything
    imported later) the already-imported constant is patched too.
    """
    value = "1" if offline else "0"
    os.environ["HF_HUB_OFFLINE"] = value
    import sys

    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        constants.HF_HUB_OFFLINE = offline
