"""The Gradio app: starts without loading anything, answers through gradio_client, one GPU queue."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from tests.conftest import running_app
from videogen.ui.app import build_demo
from videogen.ui.handlers import Handlers
from videogen.ui.i18n import english
from videogen.ui.playable import show_playable
from videogen.ui.settings import MODEL_DEPENDENT
from videogen.media import read_metadata, write_video


@pytest.fixture
def app_url(hub_env) -> Iterator[str]:
    with running_app() as (_, url):
        yield url


def test_app_starts_without_touching_models(app_url: str, hub_env) -> None:
    page = httpx.get(app_url)
    assert page.status_code == 200
    probe = ("HEAD", "/")  # at most one: whether the Hub answers picks the default recognizer
    assert [r for r in hub_env.requests if (r.method, r.path) != probe] == [], "no download at start-up"
    config = httpx.get(app_url + "config").json()
    labels = [english(c["props"].get("label")) for c in config["components"] if c.get("type") == "tabitem"]
    assert labels == ["Text to Video", "Image to Video", "Action Recognition", "Edit", "Compose"]  # translated in the browser
    examples = [c for c in config["components"] if c.get("type") == "dataset"]
    assert len(examples) == 3, "a Try row in each tab (prompts, images + prompts, clips)"


SETTINGS = ["negative_prompt", "seed", "steps", "guidance", "frames", "height", "width", "fps"]


def test_api_parameters_are_named_as_the_cli_options(app_url: str) -> None:
    """Only the main inputs are required; every setting is optional, defaults to None ("the model's
    default") and is named as the CLI option; the outputs have names."""
    client = Client(app_url, verbose=False)
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    client.close()
    expected = {
        "/text_to_video": (["prompt"], ["model", *SETTINGS]),
        "/image_to_video": (["image", "prompt"], ["model", *SETTINGS]),
        "/classify": (["video"], ["model", "labels"]),
    }
    for name, (required, optional) in expected.items():
        params = {p["parameter_name"]: p for p in api[name]["parameters"]}
        assert list(params)[: len(required)] == required and set(optional) <= set(params), name
        assert [n for n, p in params.items() if not p["parameter_has_default"]] == required, name
        for setting in set(optional) & set(SETTINGS) - {"seed"}:
            assert params[setting]["parameter_default"] is None, f"{name} {setting}: the model's default"
        if "seed" in params:
            assert params["seed"]["parameter_default"] == -1, f"{name} seed: -1, a random seed"
        assert not any(r["label"].startswith("value_") for r in api[name]["returns"]), f"{name}: unnamed outputs"
    for name in ("/text_to_video", "/image_to_video"):
        assert [r["label"].lower() for r in api[name]["returns"]] == ["video", "status", "seed"]
        assert api[name]["description"], "the handler's docstring describes the endpoint"


def test_endpoints_with_only_their_main_inputs(app_url: str, tmp_path: Path) -> None:
    """What developers try first: a prompt; an image and a prompt; a video. The app's default models
    here are the embedded shapes-world ones (no GPU), whose defaults fill in every setting."""
    client = Client(app_url, verbose=False, download_files=str(tmp_path))
    video, status, seed = client.predict("a red circle moving left", api_name="/text_to_video")
    meta = read_metadata(video)
    assert (meta["model"], meta["frames"], meta["height"], meta["width"], meta["steps"]) == ("shapes-t2v", 16, 128, 128, 1)
    assert meta["seed"] == seed and f"seed {seed}" in status, "a random seed, reported"

    wide = np.full((64, 128, 3), 40, np.uint8)
    wide[20:44, 30:54] = (220, 30, 30)  # a red square: a shapes-world first frame
    image = tmp_path / "wide.png"
    Image.fromarray(wide).save(image)
    video, status, _ = client.predict(handle_file(str(image)), "move right", api_name="/image_to_video")
    meta = read_metadata(video)
    assert meta["width"] == 2 * meta["height"], "the size follows the image (2:1)"
    assert meta["width"] * meta["height"] == pytest.approx(128 * 128, rel=0.1), "at the model's default area"

    clip = write_video(np.zeros((8, 32, 32, 3), np.uint8), tmp_path / "c.mp4", fps=8)
    result = client.predict(handle_file(str(clip)), api_name="/classify")
    assert result[0]["confidences"], "top actions"
    client.close()


def test_named_settings_through_gradio_client(app_url: str, hub_env, tmp_path: Path) -> None:
    client = Client(app_url, verbose=False, download_files=str(tmp_path))
    video, status, seed = client.predict(
        "a red ball", model="tiny/wan", seed=5, steps=2, guidance=5.0, frames=5, height=32, width=32, fps=8,
        api_name="/text_to_video")
    assert Path(video).exists() and seed == 5 and "5 frames" in status

    image = tmp_path / "img.png"
    Image.fromarray(np.full((32, 32, 3), 120, np.uint8)).save(image)
    video, status, _ = client.predict(
        handle_file(str(image)), "moves", model="tiny/ltx", seed=1, steps=2, frames=9, height=32, width=32, fps=8,
        api_name="/image_to_video")
    assert "9 frames" in status

    clip = write_video(np.zeros((8, 32, 32, 3), np.uint8), tmp_path / "c.mp4", fps=8)
    result = client.predict(handle_file(str(clip)), model="tiny/xclip", labels="walking, jumping", api_name="/classify")
    assert {c["label"] for c in result[0]["confidences"]} == {"walking", "jumping"}
    client.close()


def test_errors_reach_the_client_as_messages(app_url: str) -> None:
    client = Client(app_url, verbose=False)
    with pytest.raises(Exception, match="offline|reach|not found|Unknown"):
        client.predict("x", model="no-such/model-repo", api_name="/text_to_video")
    with pytest.raises(Exception, match="height must be a multiple of 2 between 16 and 4096 for shapes-t2v, got 2"):
        client.predict("a red circle", height=2, api_name="/text_to_video")
    client.close()


def test_unreadable_image_gets_a_message_and_no_stale_status(app_url: str, tmp_path: Path) -> None:
    """A text file named .png: a message saying so (not a message-less "Error" from Gradio's
    preprocessing), also in the status, which no longer shows the last run's."""
    broken = tmp_path / "photo.png"
    broken.write_text("not an image at all")
    client = Client(app_url, verbose=False)
    job = client.submit(handle_file(str(broken)), "move right", api_name="/image_to_video")
    with pytest.raises(Exception, match=r"photo\.png is not an image file that can be read.*PNG, JPEG or WebP"):
        job.result()
    statuses = [outputs[1] for outputs in job.outputs()]
    assert statuses and statuses[-1].startswith("⛔") and "photo.png is not an image" in statuses[-1]
    client.close()


def history_state(demo: gr.Blocks, api_name: str, session: str) -> list:
    """A session's history list: the gr.State that the generation endpoint takes last."""
    fn = next(f for f in demo.fns.values() if f.api_name == api_name)
    state = fn.inputs[-1]
    assert isinstance(state, gr.State)
    holder = demo.state_holder
    return holder[session][state._id] if session in holder else []


def test_history_is_per_session(hub_env, tmp_path: Path) -> None:
    """Each session sees its own clips, with every setting; another session sees none of them."""
    with running_app() as (demo, url):
        alice, bob = Client(url, verbose=False), Client(url, verbose=False)
        for prompt in ("a red circle moving left", "a blue square moving up"):
            alice.predict(prompt, seed=3, api_name="/text_to_video")
        bob.predict("a green triangle rotating clockwise", frames=12, api_name="/text_to_video")
        mine, theirs = history_state(demo, "text_to_video", alice.session_hash), history_state(demo, "text_to_video", bob.session_hash)
        assert [c.settings.prompt for c in mine] == ["a blue square moving up", "a red circle moving left"], "newest first"
        assert [c.settings.prompt for c in theirs] == ["a green triangle rotating clockwise"]
        assert not {c.path for c in mine} & {c.path for c in theirs}
        clip = theirs[0]
        assert (clip.settings.model, clip.settings.frames, clip.settings.height, clip.settings.steps) == ("shapes-t2v", 12, 128, 1)
        assert clip.settings.guidance == 0.0 and clip.settings.fps == 8.0 and isinstance(clip.settings.seed, int)
        assert "shapes-t2v" in clip.caption() and f"seed {clip.settings.seed}" in clip.caption() and "12 frames" in clip.caption()
        assert history_state(demo, "image_to_video", alice.session_hash) == [], "each tab has its own history"
        first = np.full((64, 64, 3), 255, np.uint8)
        first[20:44, 20:44] = (0, 160, 0)
        Image.fromarray(first).save(tmp_path / "square.png")
        bob.predict(handle_file(str(tmp_path / "square.png")), "move left", api_name="/image_to_video")
        [animated] = history_state(demo, "image_to_video", bob.session_hash)
        assert animated.image and Path(animated.image).name == "square.png", "the input image, for reuse"
        assert (animated.settings.height, animated.settings.width) == (128, 128), "followed the square image"

        # selecting a clip shows every setting and offers the file; "Use these settings" puts them back
        select = next(f for f in demo.fns.values() if f.name == "select")  # the Text to Video tab's (built first)
        selected, download, details = select.fn(theirs, gr.SelectData(None, {"index": 0, "value": None}))
        assert selected == clip and download == clip.path
        assert all(f"`{name}`" in details for name in ["model", "prompt", "seed", *MODEL_DEPENDENT])
        use = next(f for f in demo.fns.values() if f.name == "use")
        prompt, model, negative, seed, _card, *boxes = use.fn(clip)
        assert (prompt, model, seed) == (clip.settings.prompt, "shapes-t2v", clip.settings.seed)
        values = {name: box["value"] for name, box in zip(MODEL_DEPENDENT, boxes)}
        assert values == {"frames": 12, "height": 128, "width": 128, "fps": 8.0, "steps": 1, "guidance": 0.0}
        alice.close()
        bob.close()


def test_unplayable_uploads_get_a_playable_copy() -> None:
    """The Action Recognition and Edit tabs' video inputs swap an upload the browser cannot play for
    its playable copy (the conversion itself: tests/test_playable.py)."""
    demo = build_demo(Handlers(device="cpu"))
    events = [f for f in demo.fns.values() if f.fn is show_playable]
    assert len(events) == 2
    for event in events:
        [video] = event.inputs
        assert isinstance(video, gr.Video) and event.outputs == [video] and (video._id, "upload") in event.targets


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


def test_an_api_client_that_cancels_stops_the_job_and_frees_the_queue(app_url: str, tmp_path: Path) -> None:
    """job.cancel() closes the handler's generator: the worker stops, writes nothing, and the next job runs."""
    import threading
    import time

    from videogen.config import load_settings

    outputs = load_settings().output_dir
    before = set(outputs.glob("*.mp4")) if outputs.exists() else set()
    client = Client(app_url, verbose=False, download_files=str(tmp_path))
    job = client.submit("a green triangle rotating clockwise", model="shapes-t2v", frames=257, height=1024, width=1024,
                        api_name="/text_to_video")
    deadline = time.monotonic() + 60
    while not any(t.name == "videogen-job" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    job.cancel()
    stopped = time.monotonic()
    while any(t.name == "videogen-job" for t in threading.enumerate()) and time.monotonic() - stopped < 10:
        time.sleep(0.05)
    assert time.monotonic() - stopped < 3.0, "the worker kept running after the client cancelled"
    time.sleep(0.5)
    assert (set(outputs.glob("*.mp4")) if outputs.exists() else set()) == before
    video, status, _ = client.predict("a red circle moving left", model="shapes-t2v", api_name="/text_to_video")
    assert Path(video["video"] if isinstance(video, dict) else video).exists()
    client.close()
