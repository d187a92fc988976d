"""The procedural renderer of the shapes world: shapes, bounds, anti-aliasing, determinism, motions."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from videogen.shapes import (
    BACKGROUNDS,
    MOTIONS,
    SceneSpec,
    random_spec,
    render_clip,
    render_prompt,
    render_spec,
    sample_params,
)


def _object_mask(frames: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    """(T, H, W) bool: pixels that differ from the background at all."""
    return np.abs(frames.astype(int) - np.array(background)).sum(axis=-1) > 0


@pytest.mark.parametrize(("num_frames", "height", "width"), [(16, 64, 64), (24, 128, 128), (20, 72, 96)])
def test_shape_and_dtype(num_frames: int, height: int, width: int) -> None:
    frames, parsed = render_prompt("a red circle moving left", num_frames=num_frames, height=height, width=width)
    assert frames.shape == (num_frames, height, width, 3)
    assert frames.dtype == np.uint8
    assert parsed.spec.motion == "moving left"


def test_object_stays_inside_the_frame() -> None:
    rng = np.random.default_rng(1)
    for _ in range(150):
        spec = random_spec(rng)
        size = int(rng.choice([64, 96, 128]))
        params = sample_params(spec, rng, num_frames=int(rng.integers(16, 25)), height=size, width=size)
        for t in range(params.num_frames):  # geometry: the circumscribed circle is inside, with a margin
            cx, cy, radius, _ = params.state(t)
            assert cx - radius >= 2.0 and cx + radius <= size - 2.0, (spec, t)
            assert cy - radius >= 2.0 and cy + radius <= size - 2.0, (spec, t)
        frames = render_clip(params)  # pixels: the 1-pixel border is pure background in every frame
        mask = _object_mask(frames, params.background)
        assert mask.any(axis=(1, 2)).all()
        border = np.concatenate([mask[:, 0], mask[:, -1], mask[:, :, 0], mask[:, :, -1]], axis=1)
        assert not border.any(), spec


def test_anti_aliasing() -> None:
    frames, _ = render_prompt("a white triangle rotating on a black background")
    values = np.unique(frames[..., 0])
    edge = values[(values > 10) & (values < 235)]
    assert len(edge) > 20  # many intermediate levels along the edges, not a hard 0/245 image
    assert frames[0, 32, 32, 0] == 245  # the inside is the pure colour


def test_determinism() -> None:
    a, _ = render_prompt("a green square moving up", seed=3, randomize=True)
    b, _ = render_prompt("a green square moving up", seed=3, randomize=True)
    c, _ = render_prompt("a green square moving up", seed=4, randomize=True)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    d, _ = render_prompt("a green square moving up", seed=3)  # canonical: the seed does not matter
    e, _ = render_prompt("a green square moving up", seed=None)
    assert np.array_equal(d, e)


def test_canonical_params_are_centred() -> None:
    params = sample_params(SceneSpec("square", "blue", "gray", "growing"), None, randomize=False)
    assert (params.cx, params.cy, params.angle) == (32.0, 32.0, 0.0)
    assert params.color == (50, 90, 240) and params.background == BACKGROUNDS["gray"]
    move = sample_params(SceneSpec(motion="moving right"), None, randomize=False)
    end_x = move.state(15)[0]
    assert move.cx + end_x == pytest.approx(64.0)  # the path is centred on the frame


def test_staying_still_is_exactly_still() -> None:
    rng = np.random.default_rng(0)
    for shape in ("circle", "square", "triangle"):
        frames = render_spec(SceneSpec(shape, "yellow", "dark blue", "staying still"), rng)
        assert (frames == frames[0]).all()


def _centroid_and_area(mask: np.ndarray) -> tuple[float, float, float]:
    ys, xs = np.nonzero(mask)
    return float(xs.mean()), float(ys.mean()), float(len(xs))


@pytest.mark.parametrize("motion", MOTIONS[:6])
def test_moves_and_scaling_are_visible(motion: str) -> None:
    frames, _ = render_prompt(f"a purple square {motion}")
    mask = _object_mask(frames, (0, 0, 0))
    x0, y0, a0 = _centroid_and_area(mask[0])
    x1, y1, a1 = _centroid_and_area(mask[-1])
    expected = {
        "moving left": x1 < x0 - 12,
        "moving right": x1 > x0 + 12,
        "moving up": y1 < y0 - 12,
        "moving down": y1 > y0 + 12,
        "growing": a1 > 2.5 * a0,
        "shrinking": a1 < a0 / 2.5,
    }
    assert expected[motion]


@pytest.mark.parametrize(("motion", "sign"), [("rotating clockwise", 1), ("rotating counterclockwise", -1)])
def test_rotation_is_clockwise_on_screen(motion: str, sign: int) -> None:
    # At angle 0 the triangle points up; turning clockwise on screen moves its apex to the right.
    frames, _ = render_prompt(f"a white triangle {motion}")
    mask = _object_mask(frames, (0, 0, 0))
    apex_x = []
    for t in (0, 4):
        ys, xs = np.nonzero(mask[t])
        apex_x.append(xs[ys == ys.min()].mean())
    assert sign * (apex_x[1] - apex_x[0]) > 3


def test_rotating_circles_have_a_notch() -> None:
    plain = sample_params(SceneSpec("circle", motion="moving left"), None, randomize=False)
    notched = sample_params(SceneSpec("circle", motion="rotating clockwise"), None, randomize=False)
    assert not plain.notch and notched.notch
    frames = render_clip(notched)
    cx, cy, radius, _ = notched.state(0)
    assert (frames[0, int(cy - radius / 2), int(cx)] == 0).all()  # the notch opens upwards at angle 0
    assert (frames[0, int(cy + radius / 2), int(cx)] == (230, 40, 40)).all()
    assert not np.array_equal(frames[0], frames[4])


def test_white_on_white_gets_an_outline() -> None:
    frames, _ = render_prompt("a white square on a white background")
    assert frames.min() < 200  # a gray outline makes it visible


def test_sampled_ranges() -> None:
    rng = np.random.default_rng(2)
    for _ in range(300):
        spec = random_spec(rng)
        params = sample_params(spec, rng, num_frames=16, height=64, width=64)
        if spec.motion.startswith("moving"):
            assert 0.19 * 64 <= params.speed * 15 <= 0.61 * 64
        elif spec.motion in ("growing", "shrinking"):
            assert 1.59 <= params.speed**15 <= 2.51
        elif spec.motion.startswith("rotating"):
            assert 4.0 <= params.speed <= 12.0
        else:
            assert params.speed == 0.0


def test_bad_input_raises_value_error() -> None:
    spec = SceneSpec()
    with pytest.raises(ValueError, match="num_frames.*0"):
        render_spec(spec, None, num_frames=0, randomize=False)
    with pytest.raises(ValueError, match="height.*8"):
        render_spec(spec, None, height=8, randomize=False)
    with pytest.raises(ValueError, match="rng"):
        sample_params(spec, None)
    params = sample_params(spec, None, randomize=False)
    with pytest.raises(ValueError, match="shape.*'hexagon'"):
        dataclasses.replace(params, shape="hexagon")
    with pytest.raises(ValueError, match="size.*-1"):
        dataclasses.replace(params, size=-1.0)
