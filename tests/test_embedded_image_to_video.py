"""The embedded shapes-world image-to-video model: segmentation, warping, shipped weights, training."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image

from tests.test_cli import run_cli
from videogen.api import Engine
from videogen.device import DeviceChoice
from videogen.embedded.image_to_video import (
    ShapesImageToVideo,
    load_generator,
    segment,
    understood_line,
    warp_layers,
)
from videogen.errors import GenerationCancelled, InvalidInputError
from videogen.generate.common import GenerationParams
from videogen.shapes import (
    MOTIONS,
    SceneSpec,
    analyse_clip,
    judge_motion,
    parse_prompt,
    render_clip,
    sample_params,
)
from videogen.training.evaluate import psnr
from videogen.training.train_image_to_video import TrainConfig, train
from videogen.media import read_frames, read_metadata

WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "shapes-i2v"
CPU = DeviceChoice("cpu", "float32")
shipped = pytest.mark.skipif(not (WEIGHTS / "model.safetensors").is_file(), reason="weights/shapes-i2v not trained yet")


def scene(shape: str, motion: str, color: str = "red", background: str = "black", *, height: int = 96,
          width: int = 96, seed: int = 0) -> np.ndarray:
    """A world clip of the scene: (16, H, W, 3) uint8; its frame 0 is the model's input."""
    rng = np.random.default_rng(seed)
    params = sample_params(SceneSpec(shape, color, background, motion), rng, height=height, width=width)
    return render_clip(params)


def request(prompt: str, image: np.ndarray, frames: int = 16, seed: int = 0) -> GenerationParams:
    height, width, _ = image.shape
    return GenerationParams(prompt=prompt, negative_prompt="", frames=frames, height=height, width=width, steps=1,
                            guidance=0.0, seed=seed, fps=8.0)


@pytest.fixture(scope="module")
def generator() -> ShapesImageToVideo:
    return load_generator(SimpleNamespace(id="shapes-i2v"), WEIGHTS, CPU)


# --- analytic parts --------------------------------------------------------------------------------


@pytest.mark.parametrize("shape,color,background", [
    ("circle", "red", "black"), ("square", "green", "gray"), ("triangle", "yellow", "dark blue"),
    ("square", "white", "white"),  # low contrast: drawn with a gray outline, filled by the segmentation
])
def test_segment_finds_pivot_radius_and_rebuilds_the_image(shape: str, color: str, background: str) -> None:
    params = sample_params(SceneSpec(shape, color, background), np.random.default_rng(3), height=80, width=112)
    image = render_clip(params)[0]
    fg = segment(image)
    assert np.hypot(fg.pivot[0] - params.cx, fg.pivot[1] - params.cy) < 1.0
    assert abs(fg.radius - params.size) < (2.0 if color == background else 1.0)  # the outline sticks out
    assert fg.alpha[int(params.cy), int(params.cx)] == pytest.approx(1.0)  # the object's middle, even white on white
    layer = torch.from_numpy(np.dstack([fg.color, fg.alpha])).permute(2, 0, 1)[None]  # (1, 4, H, W)
    backdrop = torch.from_numpy(fg.backdrop).permute(2, 0, 1)[None]  # (1, 3, H, W)
    rgb, _ = warp_layers(layer, backdrop, torch.zeros(1, 4), torch.tensor([fg.pivot]))  # identity
    rebuilt = (rgb[0].permute(1, 2, 0).clamp(0, 1) * 255).round().byte().numpy()
    assert psnr(rebuilt, image) > 50


@pytest.mark.parametrize("transform,motion", [
    ((0.25, 0.0, 0.0, 0.0), "moving right"), ((0.0, -0.2, 0.0, 0.0), "moving up"),
    ((0.0, 0.0, 0.6, 0.0), "growing"), ((0.0, 0.0, 0.0, 1.5), "rotating clockwise"),
    ((0.0, 0.0, 0.0, -1.5), "rotating counterclockwise"),
])
def test_warp_follows_the_world_conventions(transform: tuple[float, ...], motion: str) -> None:
    """Positive angles turn clockwise on screen (y down), translations are fractions of the frame."""
    image = scene("triangle", "staying still", height=96, width=128)[0]
    fg = segment(image)
    layer = torch.from_numpy(np.dstack([fg.color, fg.alpha])).permute(2, 0, 1)[None].expand(16, -1, -1, -1)
    backdrop = torch.from_numpy(fg.backdrop).permute(2, 0, 1)[None].expand(16, -1, -1, -1)
    transforms = torch.linspace(0, 1, 16)[:, None] * torch.tensor(transform)[None]  # (16, 4)
    rgb, _ = warp_layers(layer, backdrop, transforms, torch.tensor([fg.pivot]).expand(16, -1))
    clip = (rgb.permute(0, 2, 3, 1).clamp(0, 1) * 255).round().byte().numpy()
    assert judge_motion(analyse_clip(clip)) == motion


def test_a_plain_image_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="no object"):
        segment(np.full((64, 64, 3), 128, np.uint8))
    noisy = np.clip(128 + np.random.default_rng(0).normal(0, 4, (64, 64, 3)), 0, 255).astype(np.uint8)
    with pytest.raises(InvalidInputError, match="no object"):
        segment(noisy)


def test_understood_line_names_motion_and_speed_not_the_defaulted_colour() -> None:
    line = understood_line(parse_prompt("make the red circle grow slowly please"))
    assert line.startswith("understood: growing (slow); shape, colour and background from the image")
    assert "'red'" in line and "'circle'" in line and "'please'" in line
    assert "(defaulted: motion)" in understood_line(parse_prompt(""))
    assert understood_line(parse_prompt("顺时针旋转")).startswith("understood: rotating clockwise;")


# --- the shipped model -----------------------------------------------------------------------------


@shipped
@pytest.mark.parametrize("shape", ["square", "circle"])
def test_every_motion_is_judged_right(generator: ShapesImageToVideo, shape: str) -> None:
    for i, motion in enumerate(MOTIONS):
        image = scene(shape, motion, background=("black", "white", "gray")[i % 3], seed=i)[0]
        frames, understood = generator.generate(request(motion, image), Image.fromarray(image), lambda d, t: None)
        assert frames.shape == (16, 96, 96, 3) and frames.dtype == np.uint8
        assert np.array_equal(frames[0], image)  # the clip starts on the image
        assert judge_motion(analyse_clip(frames)) == motion, (shape, motion)
        assert understood.startswith(f"understood: {motion};")


@shipped
def test_through_the_api_with_a_chinese_prompt(tmp_path: Path) -> None:
    image = scene("square", "rotating counterclockwise", color="blue", background="white")[0]
    result = Engine(device="cpu").image_to_video(
        image, "一个蓝色的正方形缓慢地逆时针旋转", model="shapes-i2v", output=tmp_path / "a.mp4", seed=5
    )
    assert (result.frames, result.height, result.width, result.model) == (16, 128, 128, "shapes-i2v")
    assert result.understood.startswith("understood: rotating counterclockwise (slow);")
    frames = read_frames(result.path, 16).frames  # back through H.264
    target = np.asarray(Image.fromarray(image).resize((128, 128), Image.LANCZOS))  # what fit_image gave the model
    assert psnr(frames[0], target) >= 28
    assert judge_motion(analyse_clip(frames)) == "rotating counterclockwise"
    assert read_metadata(result.path)["model"] == "shapes-i2v"


@shipped
def test_cli_defaults_to_the_embedded_model_offline(tmp_path: Path) -> None:
    path = tmp_path / "in.png"
    Image.fromarray(scene("triangle", "moving down", color="green", background="gray")[0]).save(path)
    done = run_cli("--offline", "i2v", str(path), "moving down", "-o", str(tmp_path / "o.mp4"), "--json")
    assert done.returncode == 0, done.stderr
    [item] = json.loads(done.stdout)
    assert item["model"] == "shapes-i2v" and item["understood"].startswith("understood: moving down;")
    assert judge_motion(analyse_clip(read_frames(item["path"], item["frames"]).frames)) == "moving down"


@shipped
def test_deterministic_whatever_the_seed(generator: ShapesImageToVideo) -> None:
    image = scene("triangle", "growing")[0]
    first, _ = generator.generate(request("growing", image, seed=1), Image.fromarray(image), lambda d, t: None)
    second, _ = generator.generate(request("growing", image, seed=2), Image.fromarray(image), lambda d, t: None)
    assert np.array_equal(first, second)


@shipped
@pytest.mark.parametrize("height,width,motion", [
    (64, 112, "moving right"), (128, 72, "moving up"), (80, 128, "shrinking"),
])
def test_non_square_sizes(generator: ShapesImageToVideo, height: int, width: int, motion: str) -> None:
    image = scene("square", motion, color="purple", height=height, width=width, seed=4)[0]
    frames, _ = generator.generate(request(motion, image, frames=20), Image.fromarray(image), lambda d, t: None)
    assert frames.shape == (20, height, width, 3)
    assert judge_motion(analyse_clip(frames)) == motion


@shipped
def test_a_plain_disc_turns_with_a_notch(generator: ShapesImageToVideo) -> None:
    image = scene("circle", "staying still", color="yellow", background="dark blue")[0]  # no notch in the image
    frames = generator.animate(image, "rotating clockwise", "fast", 16)
    assert np.array_equal(frames[0], image)
    assert judge_motion(analyse_clip(frames)) == "rotating clockwise"


@shipped
def test_errors_and_cancel(generator: ShapesImageToVideo) -> None:
    blank = np.zeros((64, 64, 3), np.uint8)
    with pytest.raises(InvalidInputError, match="no object"):
        generator.generate(request("moving left", blank), Image.fromarray(blank), lambda d, t: None)

    def cancel(done: int, total: int) -> None:
        raise GenerationCancelled("Generation cancelled.")

    image = scene("circle", "moving left")[0]
    with pytest.raises(GenerationCancelled):
        generator.generate(request("moving left", image), Image.fromarray(image), cancel)
    one, _ = generator.generate(request("moving left", image, frames=1), Image.fromarray(image), lambda d, t: None)
    assert np.array_equal(one, image[None])


# --- training --------------------------------------------------------------------------------------


def test_a_tiny_training_run(tmp_path: Path) -> None:
    cfg = TrainConfig(out=tmp_path / "i2v", steps=3, batch_size=9, frames_per_clip=2, warmup_steps=1, log_every=1,
                      eval_every=2, val_per_motion=1, timing_images=1, h264=False)
    metrics = train(cfg, "tiny")
    assert {p.name for p in cfg.out.iterdir()} >= {"config.json", "model.safetensors", "metrics.json", "README.md"}
    assert json.loads((cfg.out / "config.json").read_text())["architectures"] == ["ShapesImageToVideoModel"]
    assert metrics["steps"] == 3 and set(metrics["validation_world"]["per_motion"]) == set(MOTIONS)
    assert "shapes-i2v" in (cfg.out / "README.md").read_text()
    loaded = load_generator(SimpleNamespace(id="tiny"), cfg.out, CPU)
    image = scene("square", "moving left", height=64, width=64)[0]
    frames = loaded.animate(image, "moving left", None, 5)
    assert frames.shape == (5, 64, 64, 3) and np.array_equal(frames[0], image)
