"""Image to video: a still image and a prompt in, a clip that starts from the image out."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from videogen.errors import InvalidInputError
from videogen.hub import Progress, ProgressFn
from videogen.models import ModelCache
from videogen.pipelines.common import GenerationParams, VideoResult, check_inputs, output_path, step_reporter
from videogen.pipelines.text_to_video import recipe, timings
from videogen.registry import ModelSpec
from videogen.shapes.world import image_warnings
from videogen.video_io import write_video


def load_image(image: Any) -> Any:
    """A path, a PIL image or an (H, W, 3) array -> an RGB PIL image."""
    from PIL import Image, UnidentifiedImageError

    if image is None:
        raise InvalidInputError("image is required for image to video, got None")
    if isinstance(image, Image.Image):
        return image.convert("RGB")
    if isinstance(image, np.ndarray):
        if image.ndim != 3 or image.shape[-1] not in (3, 4):
            raise InvalidInputError(f"image must be an (H, W, 3) array, got shape {image.shape}")
        return Image.fromarray(image.astype(np.uint8)).convert("RGB")
    path = Path(image)
    if not path.is_file():
        raise InvalidInputError(f"image file not found: {path}")
    try:
        with Image.open(path) as opened:
            return opened.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidInputError(f"image {path.name} is not a readable image ({exc})") from exc


def size_for_image(spec: ModelSpec, image_size: tuple[int, int]) -> tuple[int, int]:
    """(height, width) with the model's default pixel count and the image's aspect ratio."""
    width, height = image_size
    area = spec.defaults.height * spec.defaults.width
    step = spec.size_step
    scale = (area / (width * height)) ** 0.5
    out_h = max(step, int(round(height * scale / step)) * step)
    out_w = max(step, int(round(width * scale / step)) * step)
    return out_h, out_w


def fit_image(image: Any, height: int, width: int) -> Any:
    """Scale to cover (height, width) and centre-crop: the clip's first frame shows this."""
    from PIL import Image

    scale = max(width / image.width, height / image.height)
    resized = image.resize((max(width, round(image.width * scale)), max(height, round(image.height * scale))), Image.LANCZOS)
    left = (resized.width - width) // 2
    top = (resized.height - height) // 2
    return resized.crop((left, top, left + width, top + height))


def run_image_to_video(
    models: ModelCache,
    spec: ModelSpec,
    image: Any,
    params: GenerationParams,
    *,
    output: str | Path | None,
    output_dir: Path,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> VideoResult:
    # 1. Check the parameters and prepare the image at the output size; say so when a shapes-world
    #    model is given a picture outside its world.
    check_inputs(spec, params, need_prompt=False)
    conditioning = fit_image(load_image(image), params.height, params.width)
    path = output_path(output, output_dir, "i2v", params.seed)
    warnings = image_warnings(spec, conditioning)

    # 2. Download (first use only) and load (kept for the next request).
    start = time.perf_counter()
    generator = models.generator(spec, progress, params)
    loaded = time.perf_counter()

    # 3. Denoise from the image, reporting each step; Cancel stops at the next step.
    frames, understood = generator.generate(params, conditioning, step_reporter(progress, cancel))
    generated = time.perf_counter()

    # 4. Encode, with the recipe in the file's metadata.
    if progress:
        progress(Progress("encode", 0, 1, "", "Encoding H.264"))
    write_video(frames, path, params.fps, metadata=recipe(spec, params, image="(input image)"))
    encoded = time.perf_counter()
    return VideoResult(
        prompt=params.prompt, path=str(path), frames=int(frames.shape[0]), height=int(frames.shape[1]),
        width=int(frames.shape[2]), fps=params.fps, seed=params.seed, model=spec.id,
        timings=timings(start, loaded, generated, encoded),
        understood=understood, warnings=warnings,
    )
