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
from videogen.pipelines.common import (  # size_for_image: re-exported, it lived here
    GenerationParams,
    VideoResult,
    check_inputs,
    output_path,
    size_for_image,
    step_reporter,
)
from videogen.pipelines.text_to_video import encode_reporter, recipe, timings
from videogen.registry import ModelSpec
from videogen.shapes.world import image_warnings
from videogen.video_io import write_video


def load_image(image: Any) -> Any:
    """A path, a PIL image or an (H, W, 3) array -> an RGB PIL image (a photo turned upright, as its
    EXIF orientation says)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

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
            return ImageOps.exif_transpose(opened).convert("RGB")
    except UnidentifiedImageError as exc:
        raise InvalidInputError(
            f"image {path.name} is not an image file that can be read (another kind of file, or a format "
            "Pillow does not know). Use a PNG, JPEG or WebP image."
        ) from exc
    except (OSError, ValueError) as exc:  # truncated or damaged image data
        raise InvalidInputError(f"image {path.name} could not be read: the file looks damaged ({exc}). Use a PNG, JPEG or WebP image.") from exc


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
    write_video(frames, path, params.fps, metadata=recipe(spec, params, image="(input image)"), on_frame=encode_reporter(progress))
    encoded = time.perf_counter()
    return VideoResult(
        prompt=params.prompt, path=str(path), frames=int(frames.shape[0]), height=int(frames.shape[1]),
        width=int(frames.shape[2]), fps=params.fps, seed=params.seed, model=spec.id,
        negative_prompt=params.negative_prompt, steps=params.steps, guidance=params.guidance,
        timings=timings(start, loaded, generated, encoded),
        understood=understood, warnings=warnings,
    )
