"""``python -m videogen``: the JSON contract, exit codes, and no request before first use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from videogen.shapes import SceneSpec, render_clip, sample_params
from videogen.media import write_video

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--steps", "2", "--height", "32", "--width", "32", "--fps", "8", "--seed", "3"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "videogen", *args], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=300)


def test_models_lists_the_registry_without_network(hub_env) -> None:
    done = run_cli("models", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {(r["id"], r["task"]) for r in rows} >= {("wan2.1-t2v-1.3b", "t2v"), ("ltx-video", "i2v"), ("xclip-base-32", "classify")}
    assert all({"license", "download_gb", "components", "downloaded", "defaults", "repo_id"} <= set(r) for r in rows)
    assert hub_env.requests == []


def test_t2v_several_prompts_into_a_folder_then_classify(hub_env, tmp_path: Path) -> None:
    out = tmp_path / "clips"
    done = run_cli("t2v", "a red circle", "一个蓝色的方块", "--model", "tiny/wan", "--frames", "5", *TINY, "-o", str(out), "--json")
    assert done.returncode == 0, done.stderr
    items = json.loads(done.stdout)
    assert [i["prompt"] for i in items] == ["a red circle", "一个蓝色的方块"]
    for item in items:
        assert Path(item["path"]).parent == out and Path(item["path"]).exists()
        assert (item["frames"], item["height"], item["width"], item["fps"], item["seed"]) == (5, 32, 32, 8, 3)
        assert item["model"] == "tiny/wan" and set(item["timings"]) == {"load_s", "generate_s", "encode_s"}
        assert item["warnings"] == [], "only the shapes-world models warn"
    gets = [r.path for r in hub_env.requests if r.method == "GET" and r.path.endswith("diffusion_pytorch_model.safetensors")]
    assert len(gets) == len(set(gets)), "the model loads once for both prompts"

    done = run_cli("classify", items[0]["path"], items[1]["path"], "--model", "tiny/videomae", "--top-k", "3", "--json")
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert [r["video"] for r in results] == [items[0]["path"], items[1]["path"]]
    for r in results:
        scores = [p["score"] for p in r["predictions"]]
        assert len(scores) == 3 and scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
        assert r["model"] == "tiny/videomae" and "timings" in r and r["warnings"] == []


def test_i2v_json(hub_env, tmp_path: Path) -> None:
    image = tmp_path / "in.png"
    Image.fromarray(np.full((40, 40, 3), 200, np.uint8)).save(image)
    done = run_cli("i2v", str(image), "it spins", "--model", "tiny/ltx", "--frames", "9", *TINY, "-o", str(tmp_path / "o.mp4"), "--json")
    assert done.returncode == 0, done.stderr
    [item] = json.loads(done.stdout)
    assert item["path"] == str(tmp_path / "o.mp4") and item["frames"] == 9


def test_i2v_follows_the_image_and_reports_every_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No --height/--width: the image's aspect ratio at the model's default area; the JSON has all settings."""
    from videogen.cli import main

    first = np.full((96, 192, 3), 255, np.uint8)
    first[30:66, 40:76] = (0, 0, 255)  # a blue square on white
    image = tmp_path / "wide.png"
    Image.fromarray(first).save(image)
    assert main(["i2v", str(image), "move right", "--model", "shapes-i2v", "--seed", "2", "-o", str(tmp_path / "o.mp4"), "--json"]) == 0
    [item] = json.loads(capsys.readouterr().out)
    assert item["width"] == 2 * item["height"] and item["width"] * item["height"] == pytest.approx(128 * 128, rel=0.1)
    assert (item["steps"], item["guidance"], item["negative_prompt"], item["seed"], item["fps"]) == (1, 0.0, "", 2, 8.0)

    broken = tmp_path / "broken.png"
    broken.write_text("not an image")
    assert main(["i2v", str(broken), "move right", "--model", "shapes-i2v", "-o", str(tmp_path / "b.mp4")]) == 2
    assert "broken.png is not an image file that can be read" in capsys.readouterr().err


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    # a small clip, so that the memory plan fits this machine and the download is what fails
    done = run_cli("--offline", "t2v", "x", "--model", "ltx-video", "--frames", "9", "--height", "64", "--width", "64",
                   "-o", str(tmp_path / "x.mp4"))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "ltx" in done.stderr.lower() and "offline" in done.stderr.lower()

    done = run_cli("classify", str(tmp_path / "missing.mp4"), "--model", "videomae-base-k400", "--offline")
    assert done.returncode != 0 and "Traceback" not in done.stderr

    done = run_cli("t2v", "x", "--model", "no-such-model", "-o", str(tmp_path / "x.mp4"))
    assert done.returncode != 0 and "Unknown model 'no-such-model'" in done.stderr and "Traceback" not in done.stderr


def test_download_command(hub_env) -> None:
    done = run_cli("download", "tiny/xclip")
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip(), "config.json").exists()


def test_every_family_through_the_cli(hub_env, tmp_path: Path) -> None:
    """The families the other CLI tests don't cover: Wan 2.2 and LTX text to video, X-CLIP classify."""
    clip = tmp_path / "w.mp4"
    done = run_cli("t2v", "a ship", "--model", "tiny/wan22", "--frames", "5", *TINY, "-o", str(clip), "--json")
    assert done.returncode == 0, done.stderr
    done = run_cli("t2v", "a ship", "--model", "tiny/ltx", "--frames", "9", *TINY, "-o", str(tmp_path / "l.mp4"), "--json")
    assert done.returncode == 0, done.stderr
    done = run_cli("classify", str(clip), "--model", "tiny/xclip", "--labels", "sailing,flying", "--json")
    assert done.returncode == 0, done.stderr
    [result] = json.loads(done.stdout)
    assert {p["label"] for p in result["predictions"]} == {"sailing", "flying"}


def test_shapes_models_warn_outside_their_world(tmp_path: Path) -> None:
    """Real footage and a prompt about a cat get a warning on stderr and in the JSON; shapes don't."""
    data = pytest.importorskip("skimage.data")
    cat = data.chelsea()  # (300, 451, 3): pan over it while zooming in
    pan = np.stack([cv2.resize(cat[20 : 280 - 4 * t, 8 * t : 8 * t + 260 - 4 * t], (128, 128), interpolation=cv2.INTER_AREA)
                    for t in range(16)])
    real = write_video(pan, tmp_path / "real.mp4", fps=8)
    shapes = write_video(render_clip(sample_params(SceneSpec("square", "red", "black", "moving right"), None, height=128,
                                                   width=128, randomize=False)), tmp_path / "shapes.mp4", fps=8)
    done = run_cli("classify", str(real), str(shapes), "--model", "shapes-action", "--json")
    assert done.returncode == 0, done.stderr
    first, second = json.loads(done.stdout)
    [warning] = first["warnings"]
    assert "xclip" in warning and "GiB download" in warning and second["warnings"] == []
    assert f"warning: {warning}" in done.stderr.splitlines()



def test_warnings_go_to_stderr_in_text_mode_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from videogen.cli import main

    assert main(["t2v", "a cat walks on the grass", "a red circle", "--model", "shapes-t2v", "-o", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1 and "shapes-t2v only draws" in warnings[0] and "'cat'" in warnings[0]
    assert len(out.splitlines()) == 4, "two clips, each with its understood line"


def test_progress_bars_only_on_a_terminal(tmp_path: Path) -> None:
    """Issue 17: stderr piped to a log gets the warnings and the results, not lines of progress bars."""
    clip = write_video(np.zeros((16, 64, 64, 3), np.uint8), tmp_path / "dark.mp4", fps=8)
    for extra in ([], ["--quiet"]):
        done = run_cli("classify", str(clip), "--model", "shapes-action", *extra)
        assert done.returncode == 0, done.stderr
        assert "\r" not in done.stderr and "it/s" not in done.stderr and "%|" not in done.stderr, done.stderr
        assert "moving" in done.stdout or "rotating" in done.stdout or "growing" in done.stdout or "shrinking" in done.stdout
