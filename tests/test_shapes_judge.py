"""The pixel judge of the shapes world: it must recover the rendered motion and colour, also after
lossy compression (JPEG quality 60 per frame stands in for H.264)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from videogen.shapes import (
    BACKGROUNDS,
    COLORS,
    SceneSpec,
    analyse_clip,
    judge_background,
    judge_color,
    judge_motion,
    random_spec,
    render_prompt,
    render_spec,
)

ROUND_TRIP_CLIPS = 200
MIN_ACCURACY = 0.98


def jpeg(frames: np.ndarray, quality: int = 60) -> np.ndarray:
    """Re-encode every frame as JPEG (4:2:0 chroma, like H.264's yuv420p)."""
    out = np.empty_like(frames)
    for i, frame in enumerate(frames):
        ok, data = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        out[i] = cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return out


@pytest.fixture(scope="module")
def clips() -> list[tuple[SceneSpec, np.ndarray]]:
    """200 random scenes at 64-128 px and 16-24 frames, rendered with random parameters."""
    rng = np.random.default_rng(2024)
    out = []
    for _ in range(ROUND_TRIP_CLIPS):
        spec = random_spec(rng)
        size = int(rng.choice([64, 80, 96, 112, 128]))
        frames = render_spec(spec, rng, num_frames=int(rng.integers(16, 25)), height=size, width=size)
        out.append((spec, frames))
    return out


@pytest.mark.parametrize("degrade", [False, True], ids=["clean", "jpeg60"])
def test_round_trip_accuracy(clips: list[tuple[SceneSpec, np.ndarray]], degrade: bool) -> None:
    motion_ok = color_ok = background_ok = 0
    errors = []
    for spec, frames in clips:
        analysis = analyse_clip(jpeg(frames) if degrade else frames)
        motion, color = judge_motion(analysis), judge_color(analysis)
        motion_ok += motion == spec.motion
        color_ok += color == spec.color
        background_ok += judge_background(analysis) == spec.background
        if motion != spec.motion or color != spec.color:
            errors.append(f"{spec} -> {motion}, {color}")
    n = len(clips)
    label = "jpeg q60" if degrade else "clean"
    print(f"judge accuracy ({label}, {n} clips): motion {motion_ok / n:.3f}, color {color_ok / n:.3f}")
    assert motion_ok / n >= MIN_ACCURACY, errors
    assert color_ok / n >= MIN_ACCURACY, errors
    assert background_ok == n


@pytest.mark.parametrize("motion", ["rotating clockwise", "rotating counterclockwise"])
@pytest.mark.parametrize("shape", ["circle", "square", "triangle"])
def test_rotation_direction(shape: str, motion: str) -> None:
    frames, _ = render_prompt(f"a blue {shape} {motion} on a white background")
    analysis = analyse_clip(frames)
    assert judge_motion(analysis) == motion
    expected = 7.5 * 15 * (1 if motion == "rotating clockwise" else -1)  # canonical 7.5 deg/frame
    assert analysis.angles[-1] == pytest.approx(expected, rel=0.15)


def test_plain_circles_do_not_rotate() -> None:
    rng = np.random.default_rng(5)
    for motion in ("growing", "shrinking", "moving left", "staying still"):
        for _ in range(5):
            frames = render_spec(SceneSpec("circle", "green", "gray", motion), rng)
            analysis = analyse_clip(jpeg(frames))
            assert abs(analysis.angles[-1]) < 10
            assert judge_motion(analysis) == motion


def test_measurements() -> None:
    frames, _ = render_prompt("a yellow square moving right on a dark blue background")
    analysis = analyse_clip(frames)
    assert analysis.background == BACKGROUNDS["dark blue"]
    assert analysis.found.all()
    assert np.all(np.diff(analysis.centroids[:, 0]) > 0)  # x grows every frame
    assert np.allclose(analysis.centroids[:, 1], 32.0, atol=0.5)
    assert analysis.areas.std() / analysis.areas.mean() < 0.05
    assert analysis.mean_color is not None
    assert np.abs(np.array(analysis.mean_color) - COLORS["yellow"]).max() <= 3
    assert judge_color(analysis) == "yellow"


def test_given_background_and_float_frames() -> None:
    frames, _ = render_prompt("a red triangle shrinking on a white background")
    analysis = analyse_clip(frames.astype(np.float32) / 255.0, background=(255, 255, 255))
    assert judge_motion(analysis) == "shrinking"
    assert judge_color(analysis) == "red"


def test_blank_clip() -> None:
    analysis = analyse_clip(np.full((16, 64, 64, 3), 128, np.uint8))
    assert not analysis.found.any()
    assert judge_motion(analysis) == "staying still"
    assert judge_color(analysis) == "none"
    assert judge_background(analysis) == "gray"


def test_bad_input_raises_value_error() -> None:
    with pytest.raises(ValueError, match=r"frames.*\(16, 64, 64\)"):
        analyse_clip(np.zeros((16, 64, 64), np.uint8))
    with pytest.raises(ValueError, match="background"):
        analyse_clip(np.zeros((16, 64, 64, 3), np.uint8), background=(1, 2))  # type: ignore[arg-type]
