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
``VIDEOGEN_PUBLIC``        ``1``: public mode (as ``--public``); ``0``: off even on a Space (a private
                           Space); unset: on on a Space, else off (:mod:`videogen.serving.caps`)
``VIDEOGEN_ALLOW_CUSTOM_MODELS``  ``1``: public mode also takes Hub ids and folders (as the flag)
``VIDEOGEN_MAX_FRAMES``    frames of one clip (the caps: see :mod:`videogen.serving.caps` for the defaults)
``VIDEOGEN_MAX_SIDE``      pixels of a clip's height or width
``VIDEOGEN_MAX_PIXELS``    height × width of a clip's frame
``VIDEOGEN_MAX_STEPS``     denoising steps
``VIDEOGEN_MAX_FRAME_PIXELS``  frames × height × width of one clip (the memory budget)
``VIDEOGEN_MAX_PROMPT_CHARS``  characters of a prompt, negative prompt or labels
``VIDEOGEN_MAX_IMAGE_PIXELS``  width × height of an input image or video frame (read from its header)
``VIDEOGEN_MAX_VIDEO_SECONDS``  length of a video to recognise (``none``: no cap)
``VIDEOGEN_MAX_VIDEO_FRAMES``  frames in a video to recognise, counted before decoding (``none``: no cap)
``VIDEOGEN_MAX_VIDEO_PIXELS``  frames × width × height of a video to recognise (``none``: no cap)
``VIDEOGEN_MAX_UPLOAD_MB``  upload size, MB (as ``--max-file-size``; ``none``: no cap)
``VIDEOGEN_DELETE_AFTER_S``  seconds before outputs and uploads are deleted (as ``--delete-after``;
                           ``none``: kept)
``VIDEOGEN_UNREAD_TIMEOUT_S``  seconds a job runs on while nobody reads its progress (an HTTP
                           client that started it and left) before it is stopped (public mode: 60;
                           ``none``: never)
``VIDEOGEN_CONFIG_DIR``    this installation's own files: the local Content Credentials CA and signing
                           certificate in ``c2pa/`` (default ``$XDG_CONFIG_HOME/videogen``, else
                           ``~/.config/videogen``)
``VIDEOGEN_C2PA_CERT``     the operator's signing certificate chain for Content Credentials (PEM, the
                           signing certificate first); with ``VIDEOGEN_C2PA_KEY``, its private key (PEM).
                           Unset: the local CA's certificate (:mod:`videogen.provenance.identity`)
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

from videogen.serving.caps import custom_models_asked, read_cap_variables

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
    public: bool | None = None  # VIDEOGEN_PUBLIC; None: decided by where the app runs
    allow_custom_models: bool = False
    policy_overrides: tuple[tuple[str, float | None], ...] = ()  # (Policy field, value) from VIDEOGEN_<FIELD>


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
        public=env_flag("VIDEOGEN_PUBLIC") if os.environ.get("VIDEOGEN_PUBLIC", "").strip() else None,
        allow_custom_models=custom_models_asked(),
        policy_overrides=read_cap_variables(),  # the caps' table: videogen/serving/caps.py
    )


def config_dir() -> Path:
    """This installation's own folder (``VIDEOGEN_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/videogen``, else
    ``~/.config/videogen``); not created here."""
    if os.environ.get("VIDEOGEN_CONFIG_DIR", "").strip():
        return Path(os.environ["VIDEOGEN_CONFIG_DIR"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME", "").strip()
    return (Path(base).expanduser() if base else Path.home() / ".config") / "videogen"


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
