"""Real checkpoints from the Hugging Face Hub: opt-in (``python -m pytest tests --real``).

These download gigabytes and need a GPU for the generators to finish in reasonable time; CI never
runs them. Each checks that the registry entry's repo, revision and pipeline class really load and
produce a valid result with small settings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from videogen.api import Engine
from videogen.registry import models_for
from videogen.media import read_frames, write_video

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


@pytest.mark.parametrize("model_id", [m.id for m in models_for("t2v") if not m.local])
def test_real_text_to_video(engine: Engine, model_id: str, tmp_path: Path) -> None:
    spec = next(m for m in models_for("t2v") if m.id == model_id)
    frames = spec.family_info.frame_step * 2 + 1
    result = engine.text_to_video("a red balloon drifting over a field", model=model_id, frames=frames,
                                  height=256, width=256, steps=4, seed=0, output=tmp_path / "t2v.mp4")
    assert read_frames(result.path, frames).frames.shape == (frames, 256, 256, 3)


@pytest.mark.parametrize("model_id", [m.id for m in models_for("i2v") if not m.local])
def test_real_image_to_video(engine: Engine, model_id: str, tmp_path: Path) -> None:
    spec = next(m for m in models_for("i2v") if m.id == model_id)
    frames = spec.family_info.frame_step * 2 + 1
    image = np.zeros((256, 256, 3), np.uint8)
    image[64:192, 64:192] = (220, 40, 40)
    result = engine.image_to_video(image, "the square slides to the right", model=model_id, frames=frames,
                                   height=256, width=256, steps=4, seed=0, output=tmp_path / "i2v.mp4")
    assert result.frames == frames


@pytest.mark.parametrize("model_id,labels", [("videomae-base-k400", None), ("xclip-base-32", "waving, jumping, sitting")])
def test_real_classifiers(engine: Engine, model_id: str, labels: str | None, tmp_path: Path) -> None:
    clip = write_video(np.random.default_rng(0).integers(0, 255, (16, 224, 224, 3), dtype=np.uint8), tmp_path / "c.mp4", fps=8)
    result = engine.classify(clip, model=model_id, labels=labels, top_k=3)
    scores = [p["score"] for p in result.predictions]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
