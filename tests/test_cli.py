"""``python -m videogen``: the JSON contract, exit codes, and no request before first use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

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
    assert all({"license", "download_gb", "vram_gb", "downloaded", "defaults", "repo_id"} <= set(r) for r in rows)
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
    gets = [r.path for r in hub_env.requests if r.method == "GET" and r.path.endswith("diffusion_pytorch_model.safetensors")]
    assert len(gets) == len(set(gets)), "the model loads once for both prompts"

    done = run_cli("classify", items[0]["path"], items[1]["path"], "--model", "tiny/videomae", "--top-k", "3", "--json")
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert [r["video"] for r in results] == [items[0]["path"], items[1]["path"]]
    for r in results:
        scores = [p["score"] for p in r["predictions"]]
        assert len(scores) == 3 and scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
        assert r["model"] == "tiny/videomae" and "timings" in r


def test_i2v_json(hub_env, tmp_path: Path) -> None:
    image = tmp_path / "in.png"
    Image.fromarray(np.full((40, 40, 3), 200, np.uint8)).save(image)
    done = run_cli("i2v", str(image), "it spins", "--model", "tiny/ltx", "--frames", "9", *TINY, "-o", str(tmp_path / "o.mp4"), "--json")
    assert done.returncode == 0, done.stderr
    [item] = json.loads(done.stdout)
    assert item["path"] == str(tmp_path / "o.mp4") and item["frames"] == 9


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    done = run_cli("--offline", "t2v", "x", "--model", "ltx-video", "-o", str(tmp_path / "x.mp4"))
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
