"""Training the embedded action classifier: its data (other marks on circles, the curriculum) and a tiny run."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from videogen.device import DeviceChoice
from videogen.embedded.action import ShapesActionConfig, ShapesActionModel, load_classifier
from videogen.shapes import MOTIONS, RenderParams, render_clip
from videogen.training.action_augment import MARK_KINDS, mark_circle
from videogen.training.action_data import TrainConfig, make_batch
from videogen.training.train_action import train


def circle(motion: str = "rotating clockwise", background: tuple[int, int, int] = (0, 0, 0)) -> RenderParams:
    return RenderParams("circle", (200, 40, 40), background, motion, num_frames=8, height=64, width=64,
                        cx=32.0, cy=32.0, size=20.0, speed=10.0)


def mark_angle(frame: np.ndarray, plain: np.ndarray) -> float:
    """Direction (degrees, clockwise on screen) from the centre to the centroid of what the mark changed."""
    changed = np.abs(frame.astype(int) - plain.astype(int)).sum(-1)  # (H, W)
    ys, xs = np.nonzero(changed > 30)
    return math.degrees(math.atan2(ys.mean() + 0.5 - 32.0, xs.mean() + 0.5 - 32.0))


@pytest.mark.parametrize("kind", MARK_KINDS)
def test_marks_stay_inside_the_circle_and_turn_with_it(kind: str) -> None:
    params = circle()
    plain = render_clip(params)  # no notch: RenderParams.notch defaults to False
    marked = mark_circle(plain, params, np.random.default_rng(0), kind)
    assert marked.shape == plain.shape and marked.dtype == np.uint8
    assert not np.array_equal(marked, plain)
    ys, xs = np.mgrid[0:64, 0:64] + 0.5
    outside = np.hypot(xs - 32.0, ys - 32.0) > 21.0
    assert np.array_equal(marked[:, outside], plain[:, outside]), "nothing drawn outside the circle"
    if kind != "stripe":  # a stripe across the centre has its centroid at the centre
        turn = (mark_angle(marked[3], plain[3]) - mark_angle(marked[0], plain[0]) + 180.0) % 360.0 - 180.0
        assert turn == pytest.approx(30.0, abs=6.0), "3 frames at 10 degrees per frame, clockwise"


def test_a_still_circle_keeps_its_mark_still() -> None:
    params = circle("staying still")
    marked = mark_circle(render_clip(params), params, np.random.default_rng(0))
    assert all(np.array_equal(marked[0], frame) for frame in marked)


def test_batches_are_balanced_and_reproducible() -> None:
    cfg = TrainConfig(batch_size=9, model=ShapesActionConfig(num_frames=8, image_size=16))
    clips, labels = make_batch(cfg, 3)
    assert clips.shape == (9, 8, 16, 16, 3) and clips.dtype == torch.uint8
    assert sorted(labels.tolist()) == list(range(9)), "each batch of 9 has every motion once"
    again, _ = make_batch(cfg, 3)
    assert torch.equal(clips, again), "a batch is a pure function of (seed, step)"
    assert not torch.equal(clips, make_batch(cfg, 4)[0])


def test_the_model_sees_only_what_changes() -> None:
    torch.manual_seed(0)
    config = ShapesActionConfig(num_frames=8, image_size=16, stem_width=4, widths=[4, 8, 8, 8], dropout=0.0)
    model = ShapesActionModel(config).eval()
    clip = torch.randn(1, 3, 8, 16, 16)
    shifted = clip + torch.randn(1, 3, 1, 16, 16)  # a different static scene, the same changes
    with torch.inference_mode():
        torch.testing.assert_close(model(pixel_values=shifted).logits, model(pixel_values=clip).logits)


def test_a_tiny_training_run(tmp_path: Path) -> None:
    tiny = ShapesActionConfig(num_frames=8, image_size=16, stem_width=4, widths=[4, 8, 8, 8])
    cfg = TrainConfig(out=tmp_path / "action", steps=2, batch_size=9, workers=0, threads=1, warmup_steps=1,
                      log_every=1, eval_every=1, val_per_class=1, h264_clips=9, marks_clips=9,
                      bn_batches=1, model=tiny)
    metrics = train(cfg, "tiny")
    assert {p.name for p in cfg.out.iterdir()} >= {"config.json", "model.safetensors", "metrics.json", "README.md"}
    saved = json.loads((cfg.out / "metrics.json").read_text())
    assert saved["steps"] == 2 and saved["marked_circles"]["clips"] == 9
    assert set(metrics["validation"]["per_class"]) == set(MOTIONS)
    card = (cfg.out / "README.md").read_text()
    assert "circles with other marks" in card and "mean over time" in card
    classifier = load_classifier(SimpleNamespace(id="tiny"), cfg.out, DeviceChoice("cpu", "float32"))
    assert sorted(name for name, _ in classifier.classify(np.zeros((8, 32, 32, 3), np.uint8), None)) == sorted(MOTIONS)
