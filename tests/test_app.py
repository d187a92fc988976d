"""The Gradio app: starts without loading anything, answers through gradio_client, one GPU queue."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file

from videogen.ui.app import build_demo
from videogen.ui.handlers import Handlers
from videogen.video_io import write_video


@pytest.fixture
def app_url(hub_env) -> Iterator[str]:
    demo = build_demo(Handlers(device="cpu"))
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", server_port=None)
    try:
        yield url
    finally:
        demo.close()


def test_app_starts_without_touching_models(app_url: str, hub_env) -> None:
    page = httpx.get(app_url)
    assert page.status_code == 200
    probe = ("HEAD", "/")  # at most one: whether the Hub answers picks the default recognizer
    assert [r for r in hub_env.requests if (r.method, r.path) != probe] == [], "no download at start-up"
    config = httpx.get(app_url + "config").json()
    labels = [c["props"].get("label") for c in config["components"] if c.get("type") == "tabitem"]
    assert labels == ["Text to Video", "Image to Video", "Action Recognition"]
    examples = [c for c in config["components"] if c.get("type") == "dataset"]
    assert len(examples) == 3, "a Try row in each tab (prompts, images + prompts, clips)"


def test_named_endpoints_through_gradio_client(app_url: str, hub_env, tmp_path: Path) -> None:
    client = Client(app_url, verbose=False, download_files=str(tmp_path))
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/text_to_video", "/image_to_video", "/classify"} <= set(api)

    video, status, seed = client.predict(
        "a red ball", "tiny/wan", "", 5, False, 2, 5.0, 5, 32, 32, 8, api_name="/text_to_video")
    assert Path(video["video"] if isinstance(video, dict) else video).exists()
    assert seed == 5 and "5 frames" in status

    image = tmp_path / "img.png"
    from PIL import Image

    Image.fromarray(np.full((32, 32, 3), 120, np.uint8)).save(image)
    video, status, _ = client.predict(
        handle_file(str(image)), "moves", "tiny/ltx", "", 1, False, 2, 3.0, 9, 32, 32, 8, api_name="/image_to_video")
    assert "9 frames" in status

    clip = write_video(np.zeros((8, 32, 32, 3), np.uint8), tmp_path / "c.mp4", fps=8)
    scores, strip, status = client.predict(
        handle_file(str(clip)), "tiny/xclip", "walking, jumping", api_name="/classify")
    assert {c["label"] for c in scores["confidences"]} == {"walking", "jumping"}
    assert len(strip) == 8
    client.close()


def test_errors_reach_the_client_as_messages(app_url: str) -> None:
    client = Client(app_url, verbose=False)
    with pytest.raises(Exception, match="offline|reach|not found|Unknown"):
        client.predict("x", "no-such/model-repo", "", 1, False, 2, 1.0, 5, 32, 32, 8, api_name="/text_to_video")
    client.close()


def test_raw_http_calls_go_through_the_queue(app_url: str) -> None:
    """api_open=False: the direct, queue-skipping route is closed, so the GPU limit holds for everyone."""
    response = httpx.post(app_url + "gradio_api/run/text_to_video", json={"data": ["x"]})
    assert response.status_code in (403, 404)


def test_app_help_lists_the_flags() -> None:
    import subprocess

    done = subprocess.run([sys.executable, "app.py", "--help"], cwd=Path(__file__).resolve().parents[1],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for flag in ("--host", "--port", "--share", "--device", "--offline"):
        assert flag in done.stdout
