"""Editing (issue 18, first part): flow interpolation on real footage, the cuts, joins, the CLI contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from videogen.api import Engine
from videogen.bench.footage import pan_zoom
from videogen.edit import timing
from videogen.edit.interpolate import between, interpolate
from videogen.errors import InvalidInputError, ModelNotFoundError
from videogen.media import read_video, write_video

ROOT = Path(__file__).resolve().parents[1]


def footage(count: int = 9, size: tuple[int, int] = (240, 160)) -> np.ndarray:
    """A pan with a slow zoom over a photograph (skimage's coffee): real texture, real motion."""
    return pan_zoom(pytest.importorskip("skimage.data").coffee(), count, size)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255**2 / np.mean((a.astype(float) - b.astype(float)) ** 2)))


def test_flow_interpolation_rebuilds_dropped_frames_better_than_blending() -> None:
    frames = footage()
    flow, blend = [], []
    for i in range(0, len(frames) - 2, 2):
        a, dropped, b = frames[i], frames[i + 1], frames[i + 2]
        flow.append(psnr(between(a, b, [0.5])[0], dropped))
        blend.append(psnr(((a.astype(np.uint16) + b) // 2).astype(np.uint8), dropped))
    assert np.mean(flow) > np.mean(blend) + 1.0, (np.mean(flow), np.mean(blend))
    doubled = interpolate(frames[:3], 4)
    assert len(doubled) == (3 - 1) * 4 + 1 and np.array_equal(doubled[4], frames[1]), "the originals kept in place"
    with pytest.raises(InvalidInputError, match="interpolate must be one of 2, 4, got 3"):
        interpolate(frames, 3)


def test_the_cuts_keep_their_timing() -> None:
    frames = np.arange(40, dtype=np.uint8)[:, None, None, None].repeat(2, 1).repeat(2, 2).repeat(3, 3)  # frame i = i
    assert [int(f[0, 0, 0]) for f in timing.trim(frames, 8, 1.0, 2.0)] == list(range(8, 16))
    assert len(timing.speed(frames, 2.0)) == 20 and len(timing.speed(frames, 0.5)) == 80
    assert int(timing.reverse(frames)[0, 0, 0, 0]) == 39
    boomerang = timing.loop(frames[:4], 2)
    assert [int(f[0, 0, 0]) for f in boomerang] == [0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0]
    for call, message in [(lambda: timing.trim(frames, 8, 3, 1), "end after it starts"),
                          (lambda: timing.trim(frames, 8, 9, None), "lasts 5.00 s"),
                          (lambda: timing.speed(frames, 5), "between 0.25 and 4"),
                          (lambda: timing.parse_span("3"), "START:END")]:
        with pytest.raises(InvalidInputError, match=message):
            call()


def test_edit_joins_clips_of_other_sizes_and_rates_and_interpolates(tmp_path: Path) -> None:
    first = write_video(footage(16), tmp_path / "a.mp4", fps=8)  # 2 s at 240x160
    second = write_video(footage(12, (120, 120)), tmp_path / "b.mp4", fps=4)  # 3 s at 120x120
    result = Engine(device="cpu").edit([first, second], output=tmp_path / "out.mp4", interpolate=2)
    assert (result.width, result.height) == (240, 160) and result.fps == 16
    assert result.frames == (16 + 24 - 1) * 2 + 1  # the second clip at 8 fps: 24 frames; then x2
    assert [op["name"] for op in result.operations] == ["join", "interpolate"]
    back = read_video(result.path, 10_000)
    assert len(back.frames) == result.frames and back.fps == pytest.approx(16)


def test_the_cli_contract(tmp_path: Path) -> None:
    clip = write_video(footage(12), tmp_path / "pan.mp4", fps=8)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "videogen", "edit", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=300)

    done = cli(str(clip), "-o", str(tmp_path / "x.mp4"), "--interpolate", "2", "--reverse", "--json")
    assert done.returncode == 0, done.stderr
    [item] = json.loads(done.stdout)
    assert set(item) == {"input", "sources", "path", "frames", "height", "width", "fps", "duration_s", "operations",
                         "timings", "warnings", "audio"}
    assert (item["frames"], item["fps"]) == ((12 - 1) * 2 + 1, 16) and item["operations"][-1]["model"] == "dis-flow"
    for args, message in [(["--interpolate", "3"], "interpolate must be 2 or 4"), (["--trim", "5"], "START:END"),
                          (["--speed", "9"], "between 0.25 and 4")]:
        bad = cli(str(clip), "-o", str(tmp_path / "y.mp4"), *args)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
    missing = cli(str(tmp_path / "none.mp4"), "-o", str(tmp_path / "z.mp4"))
    assert missing.returncode == 2 and "not found" in missing.stderr
    assert not (tmp_path / "y.mp4").exists() and not (tmp_path / "z.mp4").exists()
    assert "interpolate" in cli("--list").stdout


# ---- the Engine's wiring: each model to its operation, refusals before anything is read (issue 18) ----------


def test_each_named_model_does_its_own_operation(tiny_model_dirs: dict[str, Path], tmp_path: Path) -> None:
    """A weights file of the real architectures (tiny RIFE 4.13, tiny Real-ESRGAN through spandrel)
    given as --model does the one model operation asked; the result names it."""
    clip = write_video(footage(5, (64, 48)), tmp_path / "pan.mp4", fps=8)
    engine = Engine(device="cpu")
    rife = tiny_model_dirs["rife"] / "rife-flownet-4.13.2.safetensors"
    smooth = engine.edit(clip, output=tmp_path / "rife.mp4", interpolate=2, model=str(rife))
    assert smooth.frames == 9 and smooth.operations[-1] == {"name": "interpolate", "model": rife.name, "factor": 2}
    esrgan = tiny_model_dirs["realesrgan"] / "RealESRGAN_x4.pth"
    bigger = engine.edit(clip, output=tmp_path / "sr.mp4", upscale=2, model=str(esrgan))
    assert (bigger.width, bigger.height) == (128, 96)
    assert bigger.operations[-1]["name"] == "upscale" and "shrunk by 2" in " ".join(bigger.warnings)


def test_models_that_cannot_do_what_was_asked_are_refused_before_reading(tmp_path: Path) -> None:
    clip = write_video(footage(5, (64, 48)), tmp_path / "pan.mp4", fps=8)
    engine = Engine(device="cpu")
    for kwargs, message in [
        (dict(model="rife-4.13"), "does frame interpolation, but the edit asks for none: add --interpolate"),
        (dict(model="dis-flow,rife-4.13", interpolate=2), "two models for frame interpolation"),
        (dict(model="no-such-model", interpolate=2, upscale=2), "which operation is it for"),
        (dict(model="no-such-model"), "The edit models: dis-flow"),
        (dict(upscale=3), "upscale must be 2 or 4, got 3"),
        (dict(style="oil"), "unknown style 'oil': the styles are painting"),
    ]:
        with pytest.raises(InvalidInputError, match=message):
            engine.edit(clip, output=tmp_path / "no.mp4", **kwargs)
    assert not (tmp_path / "no.mp4").exists()


def test_real_esrgan_on_a_cpu_is_refused_when_it_would_take_hours(tmp_path: Path) -> None:
    """Measured here: about 400 s for one 854x480 frame at x4. A 10-s 480p clip is refused with the
    estimate and what to use instead, before anything is downloaded."""
    long = write_video(np.zeros((80, 480, 854, 3), np.uint8), tmp_path / "long.mp4", fps=8)
    with pytest.raises(InvalidInputError, match=r"realesrgan-x4 on this CPU takes about .* a 854×480 frame: this edit "
                                                 r"\(80 frames\) would take about .*Upscale with videogen-sr"):
        Engine(device="cpu").edit(long, output=tmp_path / "no.mp4", upscale=4, model="realesrgan-x4")


def test_public_mode_caps_what_an_edit_makes_before_it_makes_it(tmp_path: Path) -> None:
    """Public mode holds an edit's output to the frames x pixels cap generation has (110 million):
    a 4x upscale of 48 frames of 240x160 would make 48 x 960 x 640 = 29.5 million pixels (allowed),
    interpolated x4 too 189 x 960 x 640 = 116 million (refused, with what to do, and nothing written)."""
    from videogen.serving.caps import Policy

    clip = write_video(footage(48), tmp_path / "pan.mp4", fps=8)
    engine = Engine(device="cpu", policy=Policy.public())
    with pytest.raises(InvalidInputError, match=r"interpolating ×4 and upscaling ×4 would make 189 frames of 960×640, "
                                                 r"over the 110,000,000 pixels .*trim the video first"):
        engine.edit(clip, output=tmp_path / "big.mp4", interpolate=4, upscale=4)
    assert not (tmp_path / "big.mp4").exists()
    weights = tmp_path / "weights.pth"
    weights.write_bytes(b"\0" * 64)
    with pytest.raises(ModelNotFoundError, match=r"Use one of: videogen-sr, realesrgan-x2, realesrgan-x4\.$"):
        engine.edit(clip, output=tmp_path / "small.mp4", model=str(weights), upscale=2)  # listed models only
