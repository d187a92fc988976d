"""Restyling (issue 18): every look changes the picture, the flow-guided version flickers less than
frame-by-frame stylization on a panning clip, static stays static, cuts are not ghosted, bad input
and cancelling behave."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from videogen.edit import restyle as module
from videogen.edit.interpolate import warp
from videogen.edit.restyle import GRADES, STYLES, restyle, stylize
from videogen.errors import InvalidInputError

SIZE = (128, 96)  # (width, height)
STEP = 2.5  # px a frame: sub-pixel, so every frame is resampled, as a real camera's are


def photo(name: str = "coffee") -> np.ndarray:
    data = pytest.importorskip("skimage.data")
    return getattr(data, name)()


def pan(count: int = 8, noise: float = 3.0, name: str = "coffee") -> np.ndarray:
    """(count, 96, 128, 3) uint8: a camera panning right over a photograph, with light sensor noise."""
    image = cv2.resize(photo(name), (256, 192), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(0)
    frames = []
    for t in range(count):
        move = np.float32([[1, 0, -STEP * t - 40], [0, 1, -40]])
        frame = cv2.warpAffine(image, move, SIZE, flags=cv2.INTER_LINEAR)  # frame(u) = image(u + STEP t)
        frames.append(np.clip(frame + rng.normal(0, noise, frame.shape), 0, 255).astype(np.uint8))
    return np.stack(frames)


def warping_error(frames: np.ndarray) -> float:
    """Mean |frame t - frame t-1 warped to t along the true flow (STEP px to the right)|."""
    flow = np.zeros((SIZE[1], SIZE[0], 2), np.float32)
    flow[..., 0] = STEP
    valid = slice(0, SIZE[0] - 4)  # the columns whose content was in the frame before
    errors = [np.abs(frames[t].astype(np.float32) - warp(frames[t - 1].astype(np.float32), flow))[:, valid].mean()
              for t in range(1, len(frames))]
    return float(np.mean(errors))


def test_every_style_keeps_the_shape_and_changes_the_picture() -> None:
    frames = pan(3)
    for style in STYLES:
        out = restyle(frames, style)
        assert out.shape == frames.shape and out.dtype == np.uint8, style
        change = np.abs(out.astype(float) - frames).mean()
        assert change > 4, (style, change)  # a real look, not a no-op
        assert np.array_equal(out[0], stylize(frames[0], style)), "the first frame is the look itself"
    assert len(restyle(frames[:0], "painting")) == 0


@pytest.mark.parametrize("style", ["painting", "pencil", "smooth"])
def test_the_flow_guided_look_flickers_less_than_frame_by_frame(style: str) -> None:
    frames = pan()
    naive = warping_error(restyle(frames, style, stabilise=False))
    ours = warping_error(restyle(frames, style))
    assert ours < 0.75 * naive, (style, ours, naive)


def test_a_static_clip_stays_static() -> None:
    still = np.repeat(pan(1, noise=0)[:1], 6, axis=0)
    for style in ("painting", "pencil-grey", "teal-orange"):
        out = restyle(still, style)
        assert np.abs(out.astype(int) - out[0]).max() <= 1, style
    noisy = pan(6, noise=4.0)
    noisy[:] = np.clip(noisy[0].astype(float) + np.random.default_rng(1).normal(0, 4, noisy.shape), 0, 255)
    change = {kind: float(np.abs(np.diff(restyle(noisy, "pencil", stabilise=kind).astype(float), axis=0)).mean())
              for kind in (False, True)}
    assert change[True] < 0.5 * change[False], change  # sensor noise on a still shot: the strokes hold still


def test_a_cut_is_not_ghosted() -> None:
    clip = np.concatenate([pan(4, name="coffee"), pan(4, name="astronaut")])
    out = restyle(clip, "painting")
    fresh = stylize(clip[4], "painting")
    assert np.abs(out[4].astype(float) - fresh).mean() < 1.5, "the new shot is not blended with the old one"


def test_grades_are_pointwise_and_big_frames_are_stylized_at_a_working_size(monkeypatch) -> None:
    frames = pan(2)
    order = np.random.default_rng(2).permutation(SIZE[0] * SIZE[1])
    shuffled = frames.reshape(2, -1, 3)[:, order].reshape(frames.shape)
    for style in GRADES:
        assert np.array_equal(restyle(shuffled, style), restyle(frames, style).reshape(2, -1, 3)[:, order].reshape(frames.shape))
    monkeypatch.setattr(module, "WORK_PIXELS", 64 * 48)
    small = restyle(frames, "painting")
    assert small.shape == frames.shape and np.abs(small.astype(float) - frames).mean() > 4


def test_an_unknown_style_and_bad_frames_are_refused() -> None:
    with pytest.raises(InvalidInputError) as refused:
        restyle(pan(2), "oil")
    assert "'oil'" in str(refused.value) and all(name in str(refused.value) for name in STYLES)
    with pytest.raises(InvalidInputError, match="uint8"):
        restyle(pan(2).astype(np.float32), "painting")
    assert all(name == name.lower() and " " not in name for name in STYLES) and all(STYLES.values())


def test_on_frame_reports_progress_and_raising_stops_it() -> None:
    seen: list[tuple[int, int]] = []

    def on_frame(done: int, total: int) -> None:
        seen.append((done, total))
        if done == 3:
            raise KeyboardInterrupt("cancelled")

    with pytest.raises(KeyboardInterrupt):
        restyle(pan(6), "pencil", on_frame)
    assert seen == [(1, 6), (2, 6), (3, 6)]
