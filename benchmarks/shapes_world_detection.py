"""How well :mod:`videogen.shapes.world` tells the shapes world from real input.

Real input (every item should get a warning):

* **photographs**: scikit-image's sample photos (colour and gray, 14 of them, plus 20 of its
  25x25 face crops), each as a still at several sizes (64-1024 px on the long side), also as JPEG,
  and as shapes-i2v sees it (scaled and cropped to its output size);
* **clips**: pans and zooms over those photos, 16-32 frames at 128-720 px, written to H.264 with
  :func:`videogen.media.write_video` and sampled back with :func:`~videogen.media.read_frames`;
* **prompts**: English and Chinese prompts whose subject is not a shape.

Reported apart, as hard cases outside the target: a disc cut from each photo and pasted on a plain
background (one object on a plain background, as in the world, but not of one colour).

Shapes-world input (no item should get a warning):

* **clips**: rendered scenes over the whole vocabulary (random shapes, colours, backgrounds, motions,
  sizes, speeds), 64-128 px, 16-24 frames, after an H.264 round trip (and some raw);
* **images**: rendered frames as shapes-i2v sees them (also as JPEG, and not square);
* the app's "Try" examples, and clips made by shapes-t2v and shapes-i2v (``--with-models``);
* **prompts**: the eval's prompt set (random scenes described in English and Chinese), every scene
  of the vocabulary in both languages, and hand-written shapes prompts.

Run: ``python benchmarks/shapes_world_detection.py [--clips 320] [--images 320] [--with-models]``.
"""

from __future__ import annotations

import argparse
import io
import itertools
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from videogen.generate.common import size_for_image  # noqa: E402
from videogen.generate.image_to_video import fit_image  # noqa: E402
from videogen.registry import ModelSpec, find  # noqa: E402
from videogen.shapes import SceneSpec, describe, random_spec, render_clip, sample_params, vocab  # noqa: E402
from videogen.shapes.world import image_warnings, prompt_warnings, video_warnings  # noqa: E402
from videogen.media import read_frames, write_video  # noqa: E402

logger = logging.getLogger("shapes_world_detection")

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "camera", "coins", "hubble_deep_field",
          "immunohistochemistry", "retina", "moon", "grass", "gravel", "brick", "clock", "page", "text")
NON_SHAPE_PROMPTS = (
    "a cat walks on the grass", "A cat walks on the grass, realistic style.", "an astronaut riding a horse",
    "sunset over the ocean", "a dog running to the left", "a red car moving left", "a beautiful woman smiling",
    "the moon rising over the sea", "waves roll in", "the camera slowly zooms in", "a cat surfing", "a dog skiing",
    "fireworks over a city at night", "a man playing guitar on stage", "two people arm wrestling",
    "a red rectangle moving up", "a green pentagon rotating", "a star spinning", "an oval growing",
    "a red ball held by an astronaut riding a horse", "hello", "timelapse of clouds", "4k drone footage of mountains",
    "宇航员在月球上骑马", "一只猫在草地上走", "海上日落", "一只狗在跑", "城市夜景中的烟花", "一个女孩在跳舞",
    "一辆红色的汽车向左开", "下雨的街道", "熊猫吃竹子", "一个人在弹吉他", "瀑布",
)
SHAPE_PROMPTS = (
    "a red circle moving to the left on a white background", "一个蓝色的三角形顺时针旋转，黑色背景",
    "please make a small red circle slowly moving to the left", "一个红色的圆形向左移动，白色背景",
    "please render a video of a red circle moving left, thanks!", "请生成一个红色的圆形向左移动",
    "a circle moving left", "a red one", "一个正方形", "正方形顺时针方向旋转", "a circle, doesn't move",
    "spinning, a blue square, counterclockwise", "a red ball", "a big yellow box sliding to the right",
    "make it grow slowly", "move it to the right", "顺时针旋转", "a red circle", "green triangle",
    "请生成一个红色的圆形向左移动的视频", "a white square shrinking on a gray background",
)


def photographs() -> dict[str, np.ndarray]:
    """scikit-image's sample photographs as (H, W, 3) uint8, plus 20 small face crops."""
    from skimage import data

    photos = {}
    for name in PHOTOS:
        pixels = getattr(data, name)()
        photos[name] = np.stack([pixels] * 3, -1) if pixels.ndim == 2 else pixels[..., :3]
    photos["motorcycle"] = data.stereo_motorcycle()[0]
    for i, face in enumerate(data.lfw_subset()[:20]):  # (25, 25) floats in [0, 1]
        photos[f"face{i}"] = np.stack([(face * 255).round().astype(np.uint8)] * 3, -1)
    return photos


def resize_long_side(image: np.ndarray, side: int) -> np.ndarray:
    height, width = image.shape[:2]
    scale = side / max(height, width)
    size = (max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)


def jpeg(image: np.ndarray, quality: int = 75) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def as_i2v_sees(spec: ModelSpec, image: np.ndarray) -> np.ndarray:
    """The image scaled and cropped to the model's output size, as the pipeline prepares it."""
    picture = Image.fromarray(image)
    height, width = size_for_image(spec, picture.size)
    return np.asarray(fit_image(picture, height, width))


def pan_zoom(photo: np.ndarray, kind: str, num_frames: int, height: int, width: int) -> np.ndarray:
    """(T, H, W, 3) uint8: a window moving over (pan) or into (zoom) the photo, resized to H x W."""
    ph, pw = photo.shape[:2]
    frames = []
    for t in np.linspace(0.0, 1.0, num_frames):
        if kind == "zoom":
            scale = 1.0 - 0.45 * t  # window side as a fraction of the largest that fits
        else:
            scale = 0.6
        wh = scale * min(ph, pw * height / width)
        ww = wh * width / height
        if kind == "pan":
            x0, y0 = t * (pw - ww), 0.5 * (ph - wh) * (1 + 0.3 * np.sin(3 * t))
        else:
            x0, y0 = 0.5 * (pw - ww), 0.5 * (ph - wh)
        matrix = np.array([[width / ww, 0, -x0 * width / ww], [0, height / wh, -y0 * height / wh]], np.float32)
        frames.append(cv2.warpAffine(photo, matrix, (width, height), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT))
    return np.stack(frames)


def roundtrip(frames: np.ndarray, folder: Path, num_frames: int = 16) -> np.ndarray:
    path = write_video(frames, folder / "clip.mp4", fps=8)
    return read_frames(path, num_frames).frames


# --- the item sets: (name, warnings) ------------------------------------------------------------


def real_images(i2v: ModelSpec) -> Iterator[tuple[str, list[str]]]:
    for name, photo in photographs().items():
        sides = (25,) if name.startswith("face") else (64, 96, 128, 256, 480, 1024)
        for side in sides:
            image = resize_long_side(photo, side) if side != 25 else photo
            yield f"{name}@{side}", image_warnings(i2v, image)
            yield f"{name}@{side} as i2v sees it", image_warnings(i2v, as_i2v_sees(i2v, image))
        yield f"{name} jpeg", image_warnings(i2v, jpeg(photo))


def real_clips(action: ModelSpec, folder: Path) -> Iterator[tuple[str, list[str]]]:
    rng = np.random.default_rng(0)
    photos = {k: v for k, v in photographs().items() if not k.startswith("face")}
    sizes = ((128, 128), (240, 320), (480, 480), (270, 480), (720, 1280))
    for (name, photo), kind in itertools.product(photos.items(), ("pan", "zoom")):
        for height, width in sizes:
            if (height, width) == (720, 1280) and rng.random() < 0.7:
                continue  # a few 720p clips: they are slow to encode
            frames = pan_zoom(photo, kind, int(rng.integers(16, 33)), height, width)
            yield f"{name} {kind} {width}x{height}", video_warnings(action, roundtrip(frames, folder))


def cutouts(i2v: ModelSpec) -> Iterator[tuple[str, list[str]]]:
    """Hard cases, reported apart: a disc cut from each photo, pasted on each of the world's backgrounds."""
    for (name, photo), background, share in itertools.product(
        {k: v for k, v in photographs().items() if not k.startswith("face")}.items(), vocab.BACKGROUNDS.values(), (0.1, 0.25)
    ):
        side = 128
        radius = int(side * np.sqrt(share / np.pi))
        disc = cv2.resize(photo, (2 * radius, 2 * radius), interpolation=cv2.INTER_AREA)
        ys, xs = np.mgrid[: 2 * radius, : 2 * radius] + 0.5
        inside = (ys - radius) ** 2 + (xs - radius) ** 2 < radius**2
        image = np.empty((side, side, 3), np.uint8)
        image[:] = background
        image[side // 2 - radius : side // 2 + radius, side // 2 - radius : side // 2 + radius][inside] = disc[inside]
        yield f"{name} disc ({share:.0%}) on {background}", image_warnings(i2v, image)


def shapes_clips(action: ModelSpec, folder: Path, count: int) -> Iterator[tuple[str, list[str]]]:
    rng = np.random.default_rng(20261121)
    for i in range(count):
        scene = random_spec(rng)
        scene = SceneSpec(scene.shape, scene.color, scene.background, vocab.MOTIONS[i % 9], scene.size, scene.speed)
        side = int(rng.integers(32, 65)) * 2
        frames = render_clip(sample_params(scene, rng, num_frames=int(rng.integers(16, 25)), height=side, width=side))
        sampled = frames[np.linspace(0, len(frames) - 1, 16).round().astype(int)] if i % 5 == 0 else roundtrip(frames, folder)
        yield f"{describe(scene)} {side}px{' raw' if i % 5 == 0 else ''}", video_warnings(action, sampled)


def shapes_images(i2v: ModelSpec, count: int) -> Iterator[tuple[str, list[str]]]:
    rng = np.random.default_rng(20261123)
    for i in range(count):
        scene = random_spec(rng)
        height = int(rng.integers(32, 65)) * 2
        width = height if i % 3 else int(rng.integers(32, 65)) * 2
        frames = render_clip(sample_params(scene, rng, height=height, width=width))
        image = frames[int(rng.integers(len(frames)))]
        image = jpeg(image, int(rng.integers(60, 95))) if i % 4 == 0 else image
        yield f"{describe(scene)} {width}x{height}{' jpeg' if i % 4 == 0 else ''}", image_warnings(i2v, as_i2v_sees(i2v, image))


def app_examples(i2v: ModelSpec, action: ModelSpec, folder: Path) -> Iterator[tuple[str, list[str]]]:
    from videogen.ui.examples import shapes_examples

    examples = shapes_examples(folder / "examples")
    for path, _prompt in examples.images:
        yield Path(path).name, image_warnings(i2v, as_i2v_sees(i2v, np.asarray(Image.open(path).convert("RGB"))))
    for path in examples.clips:
        yield Path(path).name, video_warnings(action, read_frames(path, 16).frames)


def model_outputs(action: ModelSpec, folder: Path, count: int) -> Iterator[tuple[str, list[str]]]:
    """Clips made by the embedded generators, classified as a user would (shapes-world inputs too)."""
    from videogen.api import Engine

    engine = Engine(device="cpu")
    rng = np.random.default_rng(5)
    for i in range(count):
        scene = random_spec(rng)
        prompt = describe(scene, "zh" if i % 2 else "en")
        if i % 2:
            first = render_clip(sample_params(scene, rng, height=96, width=96))[0]
            result = engine.image_to_video(first, prompt, model="shapes-i2v", seed=i, output=folder / "o.mp4")
        else:
            result = engine.text_to_video(prompt, model="shapes-t2v", seed=i, output=folder / "o.mp4")
        yield f"{result.model}: {prompt}", result.warnings + video_warnings(action, read_frames(result.path, 16).frames)


def shape_prompts(t2v: ModelSpec) -> Iterator[tuple[str, list[str]]]:
    rng = np.random.default_rng(20261121 + 1)  # the eval's text-to-video prompts
    for i in range(60):
        prompt = describe(random_spec(rng), "zh" if i % 2 else "en")
        yield prompt, prompt_warnings(t2v, prompt)
    rng = np.random.default_rng(0)
    for shape, color, background, motion in itertools.product(vocab.SHAPES, vocab.COLORS, vocab.BACKGROUNDS, vocab.MOTIONS):
        size = (None, *vocab.SIZES)[int(rng.integers(3))]
        speed = (None, *vocab.SPEEDS)[int(rng.integers(3))]
        for lang in ("en", "zh"):
            prompt = describe(SceneSpec(shape, color, background, motion, size, speed), lang)
            yield prompt, prompt_warnings(t2v, prompt)
    for prompt in SHAPE_PROMPTS:
        yield prompt, prompt_warnings(t2v, prompt)


def real_prompts(t2v: ModelSpec) -> Iterator[tuple[str, list[str]]]:
    for prompt in NON_SHAPE_PROMPTS:
        yield prompt, prompt_warnings(t2v, prompt)


# --- the report ---------------------------------------------------------------------------------


def measure(name: str, items: Iterator[tuple[str, list[str]]], *, expect_warning: bool) -> tuple[int, int]:
    """Print the rate of items that got a warning; list the misses. Returns (hits, total)."""
    start = time.perf_counter()
    total, misses = 0, []
    for label, warnings in items:
        total += 1
        if bool(warnings) != expect_warning:
            misses.append(f"{label}: {warnings[0] if warnings else 'no warning'}")
    hits = total - misses.__len__() if expect_warning else len(misses)
    what = "detected" if expect_warning else "false alarms"
    print(f"{name:44} {what:13} {hits:4d}/{total:<4d} = {hits / max(total, 1):6.1%}   ({time.perf_counter() - start:.1f} s)")
    for miss in misses[:10]:
        print(f"    {'missed' if expect_warning else 'alarm'}: {miss}")
    return hits, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=320, help="rendered shapes-world clips")
    parser.add_argument("--images", type=int, default=320, help="rendered shapes-world images")
    parser.add_argument("--with-models", action="store_true", help="also classify clips the embedded generators make")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    t2v, i2v, action = find("shapes-t2v", "t2v"), find("shapes-i2v", "i2v"), find("shapes-action", "classify")
    assert t2v and i2v and action  # noqa: S101 - a script; the registry lists them
    runs: list[tuple[str, Callable[[Path], Iterator[tuple[str, list[str]]]], bool]] = [
        ("real photographs (shapes-i2v)", lambda _: real_images(i2v), True),
        ("pan/zoom clips of photographs, H.264", lambda d: real_clips(action, d), True),
        ("non-shape prompts (shapes-t2v)", lambda _: real_prompts(t2v), True),
        ("(hard) photo discs on a plain background", lambda _: cutouts(i2v), True),
        ("rendered clips (shapes-action)", lambda d: shapes_clips(action, d, args.clips), False),
        ("rendered images (shapes-i2v)", lambda _: shapes_images(i2v, args.images), False),
        ("the app's examples", lambda d: app_examples(i2v, action, d), False),
        ("shapes prompts, EN + ZH (shapes-t2v)", lambda _: shape_prompts(t2v), False),
    ]
    if args.with_models:
        runs.append(("shapes-t2v / shapes-i2v outputs", lambda d: model_outputs(action, d, 40), False))
    with tempfile.TemporaryDirectory() as tmp:
        for name, items, expect in runs:
            measure(name, items(Path(tmp)), expect_warning=expect)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
