"""How the app is served through Gradio: the launch settings its policy asks for, and an answer for
every request that Gradio itself refuses.

What reaches strangers (public mode) is decided here, in :mod:`videogen.serving.files` and in
:mod:`videogen.serving.sweep`:

* Gradio keeps uploads and the copies of outputs it serves in the app's own temp folder
  (:func:`~videogen.serving.files.private_temp_dir`), never the ``<tmp>/gradio`` that every Gradio
  app on the machine shares. ``GET /gradio_api/file=<path>`` serves only that folder (and Gradio's
  examples cache); the source, ``weights/``, the Hub cache and the output folder are also blocked
  outright (:func:`launch_options`).
* Uploads are capped (``max_file_size``); uploads and outputs are deleted ``delete_after_s`` after
  they were made (Gradio's ``delete_cache``, and :class:`~videogen.serving.sweep.Sweeper` for what
  it misses).
* A request that Gradio fails before or outside the handlers (a file input given a server path or a
  URL, too few values) gets a message saying what to send (:func:`request_error`), not a bare
  ``{"error": null}``: :class:`ServedBlocks` overrides ``Blocks.process_api`` for that.

The UI (:mod:`videogen.ui.app`) builds its Blocks on :class:`ServedBlocks`; nothing here imports the UI.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
import httpx

from videogen import hub
from videogen.config import load_settings
from videogen.registry import WEIGHTS_DIR
from videogen.serving.caps import Policy
from videogen.serving.files import private_temp_dir
from videogen.serving.sweep import Sweeper

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]


class ServedBlocks(gr.Blocks):
    """``gr.Blocks`` as this app serves it: launched with ``launch_defaults`` (:func:`launch_options`;
    an argument given to ``launch`` wins; with ``mcp_server=True`` its tools mended by
    :func:`videogen.serving.mcp.repair`), stopping its :class:`Sweeper` when closed, and answering a
    request that Gradio itself refuses with a message (:func:`request_error`) instead of a bare
    ``{"error": null}``."""

    launch_defaults: dict[str, Any] = {}  # replaced, never changed in place
    sweeper: Sweeper | None = None

    def launch(self, *args: Any, **kwargs: Any) -> Any:
        for key, value in self.launch_defaults.items():
            kwargs.setdefault(key, value)
        launched = super().launch(*args, **kwargs)
        if getattr(self, "mcp_server_obj", None) is not None:  # mcp_server=True: the tools (videogen.serving.mcp)
            from videogen.serving.mcp import repair

            repair(self.mcp_server_obj, private_temp_dir())
        return launched

    def close(self, *args: Any, **kwargs: Any) -> Any:
        if self.sweeper is not None:
            self.sweeper.stop()
        return super().close(*args, **kwargs)

    async def process_api(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return await super().process_api(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as exc:
            logger.warning("Request refused before or outside the handlers", exc_info=True)
            raise gr.Error(request_error(exc), print_exception=False) from exc


def request_error(exc: Exception) -> str:
    """What to tell the client when Gradio fails a request outside the handlers (which raise
    ``gr.Error`` themselves): a file input given a server path or a URL, a malformed file object,
    too few values. Says what to send instead and echoes nothing of the request."""
    from gradio.exceptions import InvalidPathError
    from pydantic import ValidationError

    upload = ("send the file itself with the request: the page's upload box, or handle_file(path) in "
              "gradio_client, which uploads it (raw HTTP: POST it to /gradio_api/upload and pass the path "
              "that returns)")
    if isinstance(exc, InvalidPathError):
        return f"A file input takes only files uploaded to this app, not paths on the server: {upload}."
    if isinstance(exc, ValidationError):
        return f"A file input got something that is not a file: {upload}."
    text = str(exc)
    if "failed validation" in text or isinstance(exc, httpx.HTTPError):
        return f"A file input got a URL this app does not fetch: {upload}."
    wanted = re.search(r"didn't receive enough input values \(needed: (\d+), got: (\d+)\)", text)
    if wanted:
        return (f"The request sent {wanted[2]} of the {wanted[1]} values this endpoint takes, in the order that "
                "/gradio_api/info (or view_api() in gradio_client) lists.")
    return (f"The request could not be processed ({type(exc).__name__}). Check its values against "
            "/gradio_api/info (or view_api() in gradio_client); the details are in the server's log.")


def launch_options(policy: Policy) -> dict[str, Any]:
    """``launch`` arguments for ``policy``: the upload cap, and which paths Gradio may serve.

    Gradio serves its own folder (uploads, and copies of what the handlers return) plus
    ``allowed_paths``. The output folder needs to be allowed only when it lies outside the temp
    folder and the working folder (Gradio copies returned files from those without it; once allowed,
    its files are served by path too, the sessions' under folder names no one can derive). The
    source, ``weights/`` and the Hub cache are blocked whatever else allows them (e.g.
    ``GRADIO_ALLOWED_PATHS``).
    """
    from gradio.utils import is_in_or_equal

    settings = load_settings()
    output_dir = settings.output_dir.resolve()
    outside = not any(is_in_or_equal(output_dir, place) for place in (tempfile.gettempdir(), Path.cwd()))
    hf_home = os.environ.get("HF_HOME") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "huggingface"
    blocked = [REPO_ROOT / "videogen", WEIGHTS_DIR, REPO_ROOT / "app.py", REPO_ROOT / "tests", REPO_ROOT / ".git",
               Path(hub.cache_dir()), Path(hf_home).expanduser()]
    keep = [output_dir, Path(private_temp_dir()).resolve()]  # never block what the app must serve
    blocked = [b for b in blocked if not any(is_in_or_equal(k, b) for k in keep)]
    options: dict[str, Any] = {
        "allowed_paths": [str(output_dir)] if outside else [],
        "blocked_paths": sorted({str(Path(b).resolve()) for b in blocked}),
    }
    if policy.max_file_size:
        options["max_file_size"] = policy.max_file_size
    return options
