"""The MCP server (issue 20, item 2): the app's endpoints as tools, driven with the ``mcp`` SDK's own
client over streamable HTTP against a running app, offline, on the embedded models."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from videogen.serving.mcp import mcp_wanted, own_file

TOOLS = {"text_to_video", "image_to_video", "classify", "edit", "compose"}


@contextmanager
def mcp_app(policy: Any = None) -> Iterator[str]:
    """The app with its MCP server on a free port; yields the app's URL."""
    from videogen.ui.app import build_demo
    from videogen.ui.handlers import Handlers

    demo = build_demo(Handlers(device="cpu", policy=policy))
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", server_port=None,
                            mcp_server=True)
    try:
        yield url
    finally:
        demo.close()


def session(url: str, work: Any) -> Any:
    """Run ``work(session)`` in an MCP client session with the app at ``url``."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async def main() -> Any:
        async with streamablehttp_client(url + "gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as client:
                await client.initialize()
                return await work(client)

    return asyncio.run(main())


def texts(result: Any) -> list[str]:
    return [c.text for c in result.content if c.type == "text"]


@pytest.fixture
def app_url() -> Iterator[str]:
    """A fresh app per test: each test has its own folders (tests/conftest.py's isolated_env)."""
    with mcp_app() as url:
        yield url


def test_the_tools_are_the_main_endpoints_described_for_an_agent(app_url: str) -> None:
    tools = session(app_url, lambda client: client.list_tools()).tools
    assert {t.name for t in tools} == TOOLS
    t2v = next(t for t in tools if t.name == "text_to_video")
    frames = t2v.inputSchema["properties"]["frames"]
    assert frames["type"] == "integer" and "a whole number from 1 to 1024" in frames["description"]
    assert t2v.inputSchema["required"] == ["prompt"] and "Returns:" in t2v.description
    subtitles = t2v.inputSchema["properties"]["subtitles"]
    assert subtitles["enum"] == ["soft", "none"] and "default soft" in subtitles["description"]
    classify = next(t for t in tools if t.name == "classify")
    assert "/gradio_api/upload" in classify.description  # how to hand it a file


def test_a_clip_is_made_and_recognised_through_the_tools(app_url: str, tmp_path: Path) -> None:
    from videogen.media import probe

    progress: list[str] = []

    async def work(client: Any) -> tuple[Any, Any, Any]:
        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            progress.append(message or "")

        made = await client.call_tool("text_to_video", {"prompt": "a red circle moving left", "model": "shapes-t2v",
                                                        "frames": 12, "seed": 5})
        again = await client.call_tool("text_to_video", {"prompt": "a blue square moving up", "model": "shapes-t2v",
                                                         "frames": 8}, progress_callback=on_progress)
        video = texts(made)[0]
        recognised = await client.call_tool("classify", {"video": video, "model": "shapes-action"})
        return made, again, recognised

    made, again, recognised = session(app_url, work)
    assert not made.isError and not again.isError, (texts(made), texts(again))
    video, status, seed = texts(made)
    assert video.startswith(app_url) and video.endswith(".mp4") and seed == "5" and "Done: 12 frames" in status
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(httpx.get(video).content)
    assert probe(clip).frame_count == 12
    assert any("Step" in m for m in progress), progress  # the denoising steps reach the client as progress
    assert not recognised.isError, texts(recognised)
    assert "moving left" in texts(recognised)[0]  # the tool read the clip the earlier call made


def test_uploads_by_url_and_refusals_are_tool_errors_with_the_apps_message(app_url: str, tmp_path: Path) -> None:
    from videogen import text_to_video

    clip = text_to_video("a green triangle rotating clockwise", model="shapes-t2v", frames=12, output=tmp_path / "t.mp4")
    uploaded = httpx.post(app_url + "gradio_api/upload", files={"files": ("t.mp4", Path(clip.path).read_bytes())}).json()[0]

    async def work(client: Any) -> list[Any]:
        return [
            await client.call_tool("classify", {"video": f"{app_url}gradio_api/file={uploaded}", "model": "shapes-action"}),
            await client.call_tool("classify", {"video": f"{app_url}gradio_api/file=/etc/passwd", "model": "shapes-action"}),
            await client.call_tool("text_to_video", {"prompt": "a red circle", "model": "shapes-t2v", "frames": 100000}),
            await client.call_tool("edit", {"video": f"{app_url}gradio_api/file={uploaded}", "speed": 99}),
        ]

    recognised, outside, too_long, bad_speed = session(app_url, work)
    assert not recognised.isError and "rotating clockwise" in texts(recognised)[0], texts(recognised)
    assert outside.isError and "does not fetch" in texts(outside)[0] and "/etc" not in texts(outside)[0]
    assert too_long.isError and "frames is 100000, over" in texts(too_long)[0]
    assert bad_speed.isError and "speed" in texts(bad_speed)[0]


def test_public_mode_caps_hold_through_the_tools() -> None:
    from videogen.serving.caps import Policy

    policy = Policy.public()

    async def work(client: Any) -> list[Any]:
        return [
            await client.call_tool("text_to_video", {"prompt": "a red circle", "model": "shapes-t2v",
                                                     "frames": policy.max_frames + 1}),
            await client.call_tool("text_to_video", {"prompt": "a red circle", "model": "someone/any-repo"}),
        ]

    with mcp_app(policy) as url:
        over_cap, custom = session(url, work)
    assert over_cap.isError and f"over public mode's cap of {policy.max_frames}" in texts(over_cap)[0], texts(over_cap)
    assert custom.isError and "is not one of" in texts(custom)[0] and "shapes-t2v" in texts(custom)[0], texts(custom)


def test_mcp_is_asked_for_or_on_a_space(tmp_path: Path) -> None:
    assert not mcp_wanted(False, {}) and mcp_wanted(True, {}) and mcp_wanted(False, {"VIDEOGEN_MCP": "1"})
    assert mcp_wanted(False, {"SPACE_ID": "me/app"}) and not mcp_wanted(True, {"SPACE_ID": "me/app", "VIDEOGEN_MCP": "0"})
    inside = tmp_path / "a.mp4"
    inside.write_bytes(b"x")
    assert own_file(f"http://127.0.0.1:1/gradio_api/file={inside}", tmp_path) == inside.resolve()
    assert own_file(f"http://127.0.0.1:1/gradio_api/file={tmp_path}/../etc/passwd", tmp_path) is None
    assert own_file("https://example.com/a.mp4", tmp_path) is None
