"""The procedural reference model and the offline defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from videogen.api import Engine
from videogen.models import default_model
from videogen.registry import models_for
from videogen.shapes import analyse_clip, judge_color, judge_motion
from videogen.media import read_frames, read_metadata


@pytest.mark.parametrize("prompt,color,motion", [
    ("please make a small red circle slowly moving to the left", "red", "moving left"),
    ("一个绿色的正方形逆时针旋转，白色背景", "green", "rotating counterclockwise"),
    ("a yellow triangle growing on a dark blue background", "yellow", "growing"),
])
def test_procedural_draws_what_the_prompt_says(prompt: str, color: str, motion: str, tmp_path: Path) -> None:
    result = Engine(device="cpu").text_to_video(prompt, model="procedural", output=tmp_path / "p.mp4", seed=1)
    assert (result.frames, result.height, result.width, result.fps) == (16, 128, 128, 8)
    assert result.understood.startswith("understood:") and color in result.understood
    frames = read_frames(result.path, 16).frames  # back through H.264
    analysis = analyse_clip(frames)
    assert judge_color(analysis) == color and judge_motion(analysis) == motion
    assert read_metadata(result.path)["model"] == "procedural"


def test_procedural_is_never_a_default() -> None:
    for task in ("t2v", "i2v", "classify"):
        for cuda in (True, False):
            for offline in (True, False):
                assert not default_model(task, cuda=cuda, offline=offline).reference


def test_offline_or_cpu_defaults_to_embedded_models() -> None:
    for task in ("t2v", "i2v", "classify"):
        embedded = [m for m in models_for(task) if m.local and not m.reference and Path(m.repo_id).is_dir()]
        if embedded:
            assert default_model(task, cuda=False).local
            assert default_model(task, cuda=True, offline=True).local
        if task != "classify":  # classify takes a Hub model only when the Hub answers: tests/test_classifiers.py
            assert not default_model(task, cuda=True).local or not [m for m in models_for(task) if not m.local]
