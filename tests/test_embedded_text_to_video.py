"""The embedded shapes-world text-to-video model: the shipped weights through the app's path, the
decoder's save/load round trip, and its training script."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from videogen.api import Engine
from videogen.device import DeviceChoice
from videogen.embedded.text_to_video import ShapesTextToVideo, ShapesVideoDecoder, load_generator
from videogen.errors import UnsupportedModelError
from videogen.models import default_model
from videogen.shapes import MOTIONS, SceneSpec, analyse_clip, judge_color, judge_motion
from videogen.training.train_text_to_video import TrainConfig, canonical_coverage, model_card, train
from videogen.media import read_frames

WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "shapes-t2v"
CPU = DeviceChoice("cpu", "float32")


@pytest.fixture(scope="module")
def generator() -> ShapesTextToVideo:
    return load_generator(SimpleNamespace(id="shapes-t2v"), WEIGHTS, CPU)


def judge(frames: np.ndarray) -> tuple[str, str]:
    analysis = analyse_clip(frames)
    return judge_motion(analysis), judge_color(analysis)


def test_shipped_weights_are_a_diffusers_folder() -> None:
    index = json.loads((WEIGHTS / "model_index.json").read_text())
    assert index["_class_name"] == "ShapesTextToVideoPipeline"
    assert (WEIGHTS / "decoder" / "config.json").is_file()
    assert (WEIGHTS / "decoder" / "diffusion_pytorch_model.safetensors").stat().st_size < 10_000_000
    assert "## Training" in (WEIGHTS / "README.md").read_text()


@pytest.mark.parametrize("shape", ["circle", "triangle"])
def test_every_motion_is_drawn_as_asked(generator: ShapesTextToVideo, shape: str) -> None:
    for i, motion in enumerate(MOTIONS):
        color, background = ["red", "green", "blue", "yellow", "white", "purple"][i % 6], ["black", "gray"][i % 2]
        frames = generator.draw(SceneSpec(shape=shape, color=color, background=background, motion=motion), 16, 64, 64)
        assert frames.shape == (16, 64, 64, 3) and frames.dtype == np.uint8
        assert judge(frames) == (motion, color), (shape, motion)


def test_drawing_matches_the_renderer(generator: ShapesTextToVideo) -> None:
    spec = SceneSpec(shape="square", motion="rotating clockwise")
    target = canonical_coverage(spec, 16, 64)[:, 0]  # (T, 64, 64) the renderer's coverage
    drawn = generator.draw(spec, 16, 64, 64)[..., 0] / 255.0  # red channel: coverage on black
    inter = ((drawn > 0.5) & (target > 0.5)).sum()
    assert inter / ((drawn > 0.5) | (target > 0.5)).sum() > 0.85


@pytest.mark.parametrize("prompt, motion, color", [
    ("please make a small red circle slowly moving to the left", "moving left", "red"),
    ("一个蓝色的三角形顺时针旋转，白色背景", "rotating clockwise", "blue"),
])
def test_engine_generates_from_english_and_chinese_prompts(tmp_path: Path, prompt: str, motion: str, color: str) -> None:
    result = Engine("cpu").text_to_video(prompt, model="shapes-t2v", output=tmp_path / "clip.mp4")
    assert (result.frames, result.height, result.width, result.fps) == (16, 128, 128, 8.0)
    assert result.understood.startswith("understood:") and motion in result.understood
    assert judge(read_frames(result.path, 16).frames) == (motion, color)


def test_clips_are_deterministic_and_sized_as_asked(generator: ShapesTextToVideo) -> None:
    params = SimpleNamespace(prompt="a green square moving up", frames=20, height=64, width=96, seed=1)
    first, understood = generator.generate(params, None, lambda done, total: None)
    second, _ = generator.generate(SimpleNamespace(**{**vars(params), "seed": 2}), None, lambda done, total: None)
    assert np.array_equal(first, second) and "green square" in understood
    assert first.shape == (20, 64, 96, 3)
    assert first[:, :, :16].max() == 0 and first[:, :, -16:].max() == 0  # drawn in the centred square
    assert judge(first) == ("moving up", "green")


def test_images_are_refused(generator: ShapesTextToVideo) -> None:
    params = SimpleNamespace(prompt="a red circle", frames=16, height=64, width=64, seed=0)
    with pytest.raises(UnsupportedModelError, match="shapes-i2v"):
        generator.generate(params, object(), lambda done, total: None)


def test_it_is_the_default_without_a_gpu_or_offline() -> None:
    assert default_model("t2v", cuda=False, offline=False).id == "shapes-t2v"
    assert default_model("t2v", cuda=True, offline=True).id == "shapes-t2v"
    assert default_model("t2v", cuda=True, offline=False).id != "shapes-t2v"


def test_decoder_save_load_round_trip(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = ShapesVideoDecoder(hidden_dim=16, latent_channels=4, block_out_channels=(8, 8), norm_num_groups=4).eval()
    model.save_pretrained(str(tmp_path), safe_serialization=True)
    loaded = ShapesVideoDecoder.from_pretrained(str(tmp_path), use_safetensors=True).eval()
    ids = torch.tensor([0, 3, 1, 2])
    with torch.inference_mode():
        expected = model(ids[:1], ids[1:2], ids[2:3], ids[3:], torch.tensor([0.5]))
        actual = loaded(ids[:1], ids[1:2], ids[2:3], ids[3:], torch.tensor([0.5]))
    assert actual.shape == (1, 2, 16, 16) and torch.equal(expected, actual)


def test_training_is_reproducible_and_writes_a_loadable_folder(tmp_path: Path) -> None:
    def run(out: Path) -> dict:
        cfg = TrainConfig(out=out, steps=3, batch_size=4, warmup_steps=1, eval_scenes=9, eval_prompts=2, train_frames=3)
        return train(cfg, "python -m videogen.training.train_text_to_video (test)")

    first, second = run(tmp_path / "a"), run(tmp_path / "b")
    assert first["steps"] == 3 and first["final_loss"] == second["final_loss"]
    weights = "decoder/diffusion_pytorch_model.safetensors"
    assert (tmp_path / "a" / weights).read_bytes() == (tmp_path / "b" / weights).read_bytes()
    assert first["scenes_16f_64px"]["clips"] == 9 and first["prompts_h264_128px"]["clips"] == 2
    assert "| moving left |" in model_card(first)
    loaded = load_generator(SimpleNamespace(id="t"), tmp_path / "a", CPU)
    assert loaded.draw(SceneSpec(), 16, 64, 64).shape == (16, 64, 64, 3)
