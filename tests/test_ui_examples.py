"""The app's "Try" examples: drawn by the shapes world's renderer, and right for the embedded models."""

from __future__ import annotations

from pathlib import Path

import pytest

from videogen.api import Engine
from videogen.shapes import analyse_clip, judge_motion
from videogen.ui.examples import CLIP_EXAMPLES, IMAGE_EXAMPLES, shapes_examples
from videogen.media import read_frames


def test_examples_are_written_once(tmp_path: Path) -> None:
    first = shapes_examples(tmp_path)
    assert len(first.images) == len(IMAGE_EXAMPLES) and len(first.clips) == len(CLIP_EXAMPLES)
    stamps = {p: Path(p).stat().st_mtime_ns for p in [*(i for i, _ in first.images), *first.clips]}
    again = shapes_examples(tmp_path)
    assert again == first
    assert {p: Path(p).stat().st_mtime_ns for p in stamps} == stamps, "existing files are reused"
    assert not list(tmp_path.glob(".*part*")), "no temporary files left behind"
    for clip in first.clips:
        info = read_frames(clip, 1).info
        assert (info.codec, info.width, info.height) == ("h264", 128, 128)


@pytest.mark.parametrize("index", range(len(IMAGE_EXAMPLES)))
def test_image_examples_animate_as_their_prompts_say(tmp_path: Path, index: int) -> None:
    image, prompt = shapes_examples(tmp_path).images[index]
    result = Engine(device="cpu").image_to_video(image, prompt, model="shapes-i2v", output=tmp_path / "out.mp4")
    frames = read_frames(result.path, result.frames).frames
    assert judge_motion(analyse_clip(frames)) == IMAGE_EXAMPLES[index][0].motion


def test_clip_examples_are_recognised(tmp_path: Path) -> None:
    engine = Engine(device="cpu")
    for clip, spec in zip(shapes_examples(tmp_path).clips, CLIP_EXAMPLES):
        result = engine.classify(clip, model="shapes-action", top_k=1)
        assert result.predictions[0]["label"] == spec.motion
