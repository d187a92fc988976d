"""One answer everywhere: the CLI, the Python API and the HTTP API (the page's handler) give the same
top actions for the same video and settings, and say how they read them.

The video is real-looking footage longer than one window of the model: a pan, then a zoom, over a
photograph. Its two readings (one sampling over the whole video, the mean over the timeline's
windows) differ, so an answer that silently took the other one is caught.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from gradio_client import Client, handle_file

from tests.conftest import running_app
from videogen.api import Engine
from videogen.media import write_video

ROOT = Path(__file__).resolve().parents[1]
MODEL = "shapes-action"  # offline; its window is 2 s


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = pytest.importorskip("skimage.data")
    photo = data.coffee()  # (400, 600, 3)
    frames = [cv2.resize(photo[50:350, 6 * t:6 * t + 300], (128, 128), interpolation=cv2.INTER_AREA) for t in range(24)]
    frames += [cv2.resize(photo[50 + 5 * t:350 - 5 * t, 150 + 5 * t:450 - 5 * t], (128, 128), interpolation=cv2.INTER_AREA)
               for t in range(24)]
    return write_video(np.stack(frames), tmp_path_factory.mktemp("answer") / "pan-then-zoom.mp4", fps=8)  # 6 s


def ranked(predictions: list[dict]) -> list[tuple[str, float]]:
    return [(p["label"], round(float(p["score"]), 4)) for p in predictions]


def cli(video: Path, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "videogen", "classify", str(video), "--model", MODEL, "--json", *args],
                          cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    [result] = json.loads(done.stdout)
    return result


def http(client: Client, video: Path, **settings: str) -> tuple[list[tuple[str, float]], str]:
    top, _, status, *_ = client.predict(handle_file(str(video)), model=MODEL, api_name="/classify", **settings)
    return [(c["label"], round(float(c["confidence"]), 4)) for c in top["confidences"]], status


def test_the_cli_the_python_api_and_the_http_api_give_the_same_labels(footage: Path, isolated_env: Path) -> None:
    engine = Engine(device="cpu")
    sampled = engine.classify(footage, model=MODEL)
    windows = engine.classify(footage, model=MODEL, answer="windows")
    assert sampled.answer == "sampled" and "16 frames sampled evenly over the whole video" in sampled.answer_from
    assert windows.answer == "windows" and windows.answer_from.startswith("the mean over ")
    assert ranked(sampled.predictions) != ranked(windows.predictions), "the two readings differ on this video"

    by_cli = {answer: cli(footage, "--answer", answer) for answer in ("sampled", "windows")}
    assert ranked(cli(footage)["predictions"]) == ranked(sampled.predictions), "the CLI's default is the API's"
    with running_app() as (_, url):
        client = Client(url, verbose=False)
        by_http = {answer: http(client, footage, answer=answer) for answer in ("sampled", "windows")}
        default, status = http(client, footage)
        client.close()

    for answer, python in (("sampled", sampled), ("windows", windows)):
        assert ranked(by_cli[answer]["predictions"]) == ranked(python.predictions), f"CLI, {answer}"
        assert by_cli[answer]["answer"] == answer and by_cli[answer]["answer_from"] == python.answer_from
        assert by_http[answer][0] == ranked(python.predictions), f"HTTP API, {answer}"
    assert default == ranked(sampled.predictions), "the page's default is the CLI's"
    assert "Whole-video answer: sampled" in status, "the page says how it read the video"


def test_a_bad_answer_is_refused_by_name(footage: Path, isolated_env: Path) -> None:
    from videogen.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match=r"answer must be one of 'sampled', 'windows', got 'mean'"):
        Engine(device="cpu").classify(footage, model=MODEL, answer="mean")
    done = subprocess.run([sys.executable, "-m", "videogen", "classify", str(footage), "--answer", "mean"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "invalid choice: 'mean'" in done.stderr
