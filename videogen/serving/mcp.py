"""The MCP server (issue 20): the app's endpoints as Model Context Protocol tools.

``python app.py --mcp`` (on by default on a Space: ``VIDEOGEN_MCP=0`` turns it off) launches with
Gradio's ``mcp_server=True`` (the ``gradio[mcp]`` extra), which serves the tools over streamable
HTTP at ``/gradio_api/mcp/`` (and SSE at ``/gradio_api/mcp/sse``). Each tool is one of the app's
endpoints — ``text_to_video``, ``image_to_video``, ``classify``, ``edit``, ``compose`` — described
by its handler's docstring (:func:`videogen.ui.endpoints.docstring`: what each parameter means, its
range and its default, from the settings table). A call runs as a request of the app's own queue,
through the same handlers as the page: the same checks, the same public-mode caps, the same GPU
queue; a refusal comes back as the tool's error, with the app's message.

Files: a tool's file input takes an ``http(s)`` URL, a ``data:`` URI, or the URL of a file of this
app (what ``POST /gradio_api/upload`` returns, as ``<app>/gradio_api/file=<path>``, or a URL an
earlier tool call answered). Gradio refuses to fetch URLs of private addresses (its guard against
server-side request forgery), so the app's own file URLs are read from its folder instead of
fetched — only files inside it (:func:`own_file`). A file output is its URL.

:func:`repair` mends two defects of Gradio 6.31's MCP server, on the app's own server object:
a tool whose endpoint has several outputs failed with "pop index out of range" when the client
asked for no progress (the outputs were wrapped in one list), and an endpoint with two ``gr.State``
outputs (the generation tabs' history and preview) failed either way (each State was popped by
its index while the list shrank).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

FILE_ROUTE = "/gradio_api/file="


def mcp_wanted(flag: bool, environ: dict[str, str] | None = None) -> bool:
    """Whether to serve MCP: asked for (``--mcp``, ``VIDEOGEN_MCP=1``), or on a Space unless
    ``VIDEOGEN_MCP=0``."""
    environ = dict(os.environ) if environ is None else environ
    setting = environ.get("VIDEOGEN_MCP", "").strip().lower()
    if setting in ("0", "false", "no", "off"):
        return False
    return flag or setting in ("1", "true", "yes", "on") or bool(environ.get("SPACE_ID"))


def own_file(url: str, folder: Path) -> Path | None:
    """The file a URL of this app's file route names (``…/gradio_api/file=<path>``), when it lies
    inside ``folder`` (the app's upload and output folder) and exists; None for any other URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or FILE_ROUTE not in parts.path:
        return None
    path = Path(unquote(parts.path.split(FILE_ROUTE, 1)[1])).resolve()
    try:
        path.relative_to(folder.resolve())
    except ValueError:
        return None
    return path if path.is_file() else None


def tool_outputs(result: Any) -> list[Any]:
    """A finished job's result as the list of its outputs (gradio_client gives a tuple for several)."""
    return list(result) if isinstance(result, tuple) else [result]


def without_states(components: list[Any], data: list[Any]) -> list[Any]:
    """``data`` without the values of the ``gr.State`` outputs, which are not part of a tool's answer."""
    from gradio.components import State

    return [value for component, value in zip(components, data) if not isinstance(component, State)]


def repair(server: Any, folder: Path) -> None:
    """Mend ``server`` (a ``gradio.mcp.GradioMCPServer``) as the module's docstring says, and let its
    file inputs name this app's own files (inside ``folder``)."""
    from anyio.to_thread import run_sync
    from gradio_client import handle_file

    async def without_progress(job: Any) -> list[Any]:
        return tool_outputs(await run_sync(job.result))

    convert: Callable[[Any, list], Any] = server.convert_strings_to_filedata

    def own_files_too(value: Any, positions: list[list[str | int]]) -> Any:
        def local(node: Any, path: list[str | int]) -> Any:
            if isinstance(node, dict):
                return {key: local(item, [*path, key]) for key, item in node.items()}
            if isinstance(node, list):
                return [local(item, [*path, i]) for i, item in enumerate(node)]
            if isinstance(node, str) and path in positions:
                found = own_file(node, folder)
                if found is not None:
                    return handle_file(str(found))  # uploaded again by the server's own client: a file of this app
            return node

        return convert(local(value, []), positions)

    server._execute_tool_without_progress = without_progress
    server.pop_returned_state = without_states
    server.convert_strings_to_filedata = own_files_too
    logger.info("MCP tools: %s", ", ".join(server.tool_to_endpoint))
