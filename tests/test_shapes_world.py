"""The shapes models know their world: real photographs, footage and prompts get a warning; shapes don't.

The photographs are scikit-image's sample photos (shipped in its wheel: no network); the clips pan and
zoom over them. The full measurement is ``benchmarks/shapes_world_detection.py``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from videogen.recognize.classify import ClassificationResult
from videogen.generate.common import VideoResult
from videogen.generate.image_to_video import fit_image
from videogen.registry import find
from videogen.shapes import SceneSpec, describe, random_spec, render_clip, sample_params
from videogen.shapes.world import image_warnings, prompt_warnings, real_model, video_warnings
from videogen.media import read_frames, write_video
from videogen.units import download_gib

data = pytest.importorskip("skimage.data")

T2V, I2V, ACTION = find("shapes-t2v", "t2v"), find("shapes-i2v", "i2v"), find("shapes-action", "classify")
PROCEDURAL = find("procedural", "t2v")


def photo(name: str) -> np.ndarray:
    pixels = getattr(data, name)()
    return np.stack([pixels] * 3, -1) if pixels.ndim == 2 else pixels[..., :3]


def resized(image: np.ndarray, side: int) -> np.ndarray:
    height, width = image.shape[:2]
    scale = side / max(height, width)
    return cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)


def pan_clip(image: np.ndarray, num_frames: int = 16, side: int = 128) -> np.ndarray:
    """(T, side, side, 3): a square window panning left to right while zooming in."""
    height, width = image.shape[:2]
    frames = []
    for t in np.linspace(0.0, 1.0, num_frames):
        window = (0.8 - 0.3 * t) * min(height, width)
        x0, y0 = t * (width - window), 0.5 * (height - window)
        crop = image[int(y0) : int(y0 + window), int(x0) : int(x0 + window)]
        frames.append(cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA))
    return np.stack(frames)


def as_i2v_sees(image: np.ndarray, side: int = 128) -> Image.Image:
    return fit_image(Image.fromarray(image), side, side)


# --- real input: warned --------------------------------------------------------------------------


def test_a_photograph_is_warned_naming_the_real_model() -> None:
    [warning] = image_warnings(I2V, as_i2v_sees(photo("astronaut")))
    real = real_model("i2v")
    assert real is not None and not real.local
    assert "real photograph" in warning and "shapes-i2v" in warning
    assert real.id in warning and f"~{download_gib(real.download_gb)} download" in warning


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "coffee", "rocket", "camera", "coins", "moon", "hubble_deep_field"])
@pytest.mark.parametrize("side", [64, 480])
def test_photographs_at_any_size_are_warned(name: str, side: int) -> None:
    image = resized(photo(name), side)
    assert image_warnings(I2V, image), f"{name} at {side} px passed as a shapes-world picture"
    assert image_warnings(I2V, as_i2v_sees(image))


@pytest.mark.parametrize("name", ["chelsea", "camera", "rocket"])
def test_pan_and_zoom_clips_of_photographs_are_warned(name: str, tmp_path: Path) -> None:
    path = write_video(pan_clip(photo(name)), tmp_path / f"{name}.mp4", fps=8)
    [warning] = video_warnings(ACTION, read_frames(path, 16).frames)
    real = real_model("classify")
    assert real is not None and real.id in warning and "real footage" in warning
    if find("xclip-base-32", "classify") is not None:
        assert real.id == "xclip-base-32"


@pytest.mark.parametrize("prompt", [
    "a cat walks on the grass", "A cat walks on the grass, realistic style.", "宇航员在月球上骑马", "sunset over the ocean",
    "一只猫在草地上走", "a red car moving left", "an astronaut riding a horse holding a red ball",
])
def test_prompts_not_about_shapes_are_warned(prompt: str) -> None:
    for spec in (T2V, PROCEDURAL):
        [warning] = prompt_warnings(spec, prompt)
        real = real_model("t2v")
        assert spec.id in warning and real is not None and real.id in warning and "GiB download" in warning


def test_the_cat_prompt_says_what_it_will_draw_instead() -> None:
    [warning] = prompt_warnings(T2V, "a cat walks on the grass")
    assert "'cat'" in warning and "a red circle staying still on a black background" in warning


# --- shapes-world input: not warned --------------------------------------------------------------


def test_rendered_clips_are_not_warned(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    for i in range(27):
        scene = random_spec(rng)
        side = int(rng.integers(32, 65)) * 2
        frames = render_clip(sample_params(scene, rng, num_frames=int(rng.integers(16, 25)), height=side, width=side))
        if i % 3:  # most through H.264, as uploads are
            frames = read_frames(write_video(frames, tmp_path / f"{i}.mp4", fps=8), 16).frames
        assert video_warnings(ACTION, frames) == [], describe(scene)


def test_rendered_images_are_not_warned() -> None:
    rng = np.random.default_rng(9)
    for _ in range(40):
        scene = random_spec(rng)
        side = int(rng.integers(32, 65)) * 2
        image = render_clip(sample_params(scene, rng, height=side, width=side))[int(rng.integers(16))]
        assert image_warnings(I2V, as_i2v_sees(image)) == [], describe(scene)
        assert image_warnings(I2V, image) == [], describe(scene)


def test_shapes_prompts_are_not_warned() -> None:
    rng = np.random.default_rng(10)
    prompts = [describe(random_spec(rng), lang) for _ in range(30) for lang in ("en", "zh")]
    prompts += ["please make a small red circle slowly moving to the left", "请生成一个红色的圆形向左移动的视频",
                "make it grow slowly", "move it to the right", "顺时针旋转", "a red ball bouncing on the floor",
                "please render a video of a red circle moving left, thanks!", "正方形顺时针方向旋转"]
    for prompt in prompts:
        assert prompt_warnings(T2V, prompt) == [], prompt


def test_other_models_and_tasks_are_never_warned() -> None:
    picture = photo("astronaut")
    for spec in (find("ltx-video", "i2v"), find("wan2.1-t2v-1.3b", "t2v"), find("videomae-base-k400", "classify")):
        assert spec is not None
        assert image_warnings(spec, picture) == [] and prompt_warnings(spec, "a cat") == []
        assert video_warnings(spec, pan_clip(picture, 4, 64)) == []
    assert prompt_warnings(I2V, "a cat") == [] and image_warnings(T2V, picture) == []


def test_json_always_has_the_warnings_key() -> None:
    video = VideoResult(prompt="p", path="x.mp4", frames=1, height=2, width=2, fps=8, seed=0, model="m")
    assert video.to_json()["warnings"] == []
    assert ClassificationResult(video="v", model="m", predictions=[]).to_json()["warnings"] == []
    assert ClassificationResult(video="v", model="m", predictions=[], warnings=["w"]).to_json()["warnings"] == ["w"]


def test_pipelines_attach_the_warnings(tmp_path: Path) -> None:
    from videogen.api import Engine

    engine = Engine(device="cpu")
    cat = engine.text_to_video("a cat walks on the grass", model="shapes-t2v", seed=0, output=tmp_path / "a.mp4")
    shape = engine.text_to_video("a red circle moving left", model="shapes-t2v", seed=0, output=tmp_path / "b.mp4")
    assert len(cat.warnings) == 1 and shape.warnings == []
    photographed = engine.image_to_video(resized(photo("coffee"), 128), "move right", model="shapes-i2v", output=tmp_path / "c.mp4")
    first = render_clip(sample_params(SceneSpec("square", "yellow", "gray", "moving right"), np.random.default_rng(0)))[0]
    drawn = engine.image_to_video(first, "move right", model="shapes-i2v", output=tmp_path / "d.mp4")
    assert len(photographed.warnings) == 1 and drawn.warnings == []


def test_the_app_shows_the_warnings_next_to_the_result() -> None:
    from videogen.ui.handlers import _done_text

    result = VideoResult(prompt="a cat", path="x.mp4", frames=16, height=128, width=128, fps=8, seed=1, model="shapes-t2v",
                         timings={"load_s": 0.0, "generate_s": 0.1, "encode_s": 0.0}, understood="understood: red circle",
                         warnings=["shapes-t2v only draws a circle, square or triangle"])
    with pytest.warns(UserWarning, match="only draws"):  # gr.Warning outside an event: a Python warning
        status = _done_text(result)
    assert status.startswith("⚠️ shapes-t2v only draws") and "understood: red circle" in status
