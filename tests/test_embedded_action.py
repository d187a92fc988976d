"""The embedded shapes-world action classifier: config/model round trip, preprocessing, shipped weights."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from videogen.device import DeviceChoice
from videogen.embedded.action import (
    EmbeddedActionClassifier,
    ShapesActionConfig,
    ShapesActionModel,
    load_classifier,
    preprocess,
    sample_indices,
)
from videogen.shapes import MOTIONS, SceneSpec, random_spec, render_clip, sample_params
from videogen.media import read_frames, write_video

WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "shapes-action"
CPU = DeviceChoice("cpu", "float32")


def tiny_config() -> ShapesActionConfig:
    return ShapesActionConfig(num_frames=8, image_size=16, stem_width=4, widths=[4, 8, 8, 8], dropout=0.0)


def test_config_defaults_are_the_nine_motions() -> None:
    config = ShapesActionConfig()
    assert config.model_type == "shapes_action"
    assert config.labels == list(MOTIONS) and config.num_labels == 9
    assert config.id2label == dict(enumerate(MOTIONS)) and config.label2id["staying still"] == 8


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = ShapesActionModel(tiny_config()).eval()
    model.save_pretrained(tmp_path)
    assert {"config.json", "model.safetensors"} <= {p.name for p in tmp_path.iterdir()}

    loaded = ShapesActionModel.from_pretrained(tmp_path, use_safetensors=True).eval()
    assert loaded.config.widths == [4, 8, 8, 8] and loaded.config.labels == list(MOTIONS)
    pixels = torch.randn(2, 3, 8, 16, 16)  # (B, C, T, H, W)
    with torch.inference_mode():
        expected, actual = model(pixel_values=pixels).logits, loaded(pixel_values=pixels).logits
    assert actual.shape == (2, 9)
    torch.testing.assert_close(actual, expected)

    classifier = load_classifier(SimpleNamespace(id="tiny"), tmp_path, CPU)
    assert isinstance(classifier, EmbeddedActionClassifier) and classifier.num_frames == 8
    result = classifier.classify(np.zeros((5, 40, 30, 3), np.uint8), ["ignored", "labels"])
    assert sorted(name for name, _ in result) == sorted(MOTIONS)


@pytest.mark.parametrize("num_frames", [16, 24])
@pytest.mark.parametrize("size", [64, 128])
def test_preprocess_shapes(num_frames: int, size: int) -> None:
    config = ShapesActionConfig()
    frames = np.random.default_rng(0).integers(0, 256, (num_frames, size, size, 3), dtype=np.uint8)
    pixels = preprocess(frames, config)
    assert pixels.shape == (1, 3, config.num_frames, config.image_size, config.image_size)
    assert pixels.dtype == torch.float32 and -1.0 <= float(pixels.min()) and float(pixels.max()) <= 1.0


def test_preprocess_odd_inputs() -> None:
    config = ShapesActionConfig()
    assert preprocess(np.zeros((1, 50, 90, 3), np.uint8), config).shape == (1, 3, 16, 48, 48)  # one frame, not square
    white = preprocess(np.ones((3, 64, 64, 3), np.float32), config)  # floats in [0, 1]
    torch.testing.assert_close(white, torch.ones_like(white))


def test_sample_indices_take_slice_centres() -> None:
    assert sample_indices(16, 16).tolist() == list(range(16))
    assert sample_indices(32, 16).tolist() == list(range(1, 32, 2))
    assert sample_indices(4, 8).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert sample_indices(16, 16, offset=1.0).tolist() == [*range(1, 16), 15]


@pytest.mark.skipif(not (WEIGHTS / "model.safetensors").is_file(), reason="weights/shapes-action not trained yet")
def test_shipped_model_reads_h264_clips(tmp_path: Path) -> None:
    classifier = load_classifier(SimpleNamespace(id="shapes-action"), WEIGHTS, CPU)
    rng = np.random.default_rng(1234)
    correct, total = 0, 0
    for motion in MOTIONS:
        for i in range(3):
            scene = random_spec(rng)
            scene = SceneSpec(scene.shape, scene.color, scene.background, motion, scene.size, scene.speed)
            clip = render_clip(sample_params(scene, rng, num_frames=20, height=96, width=96))
            path = write_video(clip, tmp_path / f"{motion}-{i}.mp4", fps=8)
            frames = read_frames(path, classifier.num_frames).frames
            result = classifier.classify(frames, None)
            probs = [p for _, p in result]
            assert sorted(name for name, _ in result) == sorted(MOTIONS)
            assert probs == sorted(probs, reverse=True) and sum(probs) == pytest.approx(1.0, abs=1e-5)
            correct += result[0][0] == motion
            total += 1
    assert correct / total >= 0.9, f"top-1 {correct}/{total}"
