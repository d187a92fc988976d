"""Image to video: a still image and a prompt in, a clip that starts from the image out."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from videogen.errors import InvalidInputError, OutOfMemoryError
from videogen.hub import Progress, ProgressFn
from videogen.models import ModelCache
from videogen.generate.common import (
    GenerationParams,
    VideoResult,
    check_inputs,
    memory_guard,
    output_path,
    run_generator,
    step_reporter,
)
from videogen.generate.text_to_video import encode_reporter, recipe, sound_recipe, timings
from videogen.models.joint_av import sound_summary
from videogen.registry import ModelSpec
from videogen.media import write_video
from videogen.provenance.label import label_frames


def load_image(image: Any) -> Any:
    """A path, a PIL image or an (H, W), (H, W, 3) or (H, W, 4) array -> an RGB PIL image (a photo
    turned upright, as its EXIF orientation says; 16-bit and float images scaled to 8 bits).

    Anything that is not a readable image raises :class:`InvalidInputError` saying what is wrong.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if image is None:
        raise InvalidInputError("image is required for image to video, got None")
    if isinstance(image, Image.Image):
        return _to_rgb(image)
    if isinstance(image, np.ndarray):
        return Image.fromarray(_array_to_uint8(image)).convert("RGB")
    if not isinstance(image, (str, os.PathLike)):
        raise InvalidInputError(f"image must be a file path, a PIL image or an array, got {type(image).__name__}")
    path = Path(image)
    try:
        found = path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        found = False
    if not found and os.path.lexists(path):
        raise InvalidInputError(f"{str(path)[:200]} is not an image file (a folder, a device or a pipe): give an image file.")
    if not found:
        raise InvalidInputError(f"image file not found: {str(path)[:200]}")
    try:
        with Image.open(path) as opened:
            return _to_rgb(ImageOps.exif_transpose(opened))
    except UnidentifiedImageError as exc:
        raise InvalidInputError(
            f"image {path.name} is not an image file that can be read (another kind of file, or a format "
            "Pillow does not know). Use a PNG, JPEG or WebP image."
        ) from exc
    except Image.DecompressionBombError as exc:  # Pillow's own limit, before decoding anything
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        size = f" ({int(pixels.group(1)):,} pixels)" if pixels else ""
        raise InvalidInputError(
            f"image {path.name} is far too large to open{size}. Scale it down to a few megapixels "
            "(1920×1080 is plenty) and try again."
        ) from exc
    except MemoryError as exc:
        raise OutOfMemoryError(f"image {path.name} is too large to decode in the memory free now. Use a smaller image.") from exc
    except Exception as exc:  # damaged data: Pillow's decoders raise OSError, SyntaxError, struct.error, EOFError, ...
        raise InvalidInputError(
            f"image {path.name} could not be read: the file looks damaged ({type(exc).__name__}: {exc}). "
            "Use a PNG, JPEG or WebP image."
        ) from exc


_DEEP_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")  # 16-bit, 32-bit integer and float greys


def _to_rgb(image: Any) -> Any:
    """Any Pillow mode -> RGB. Deep greys are scaled to 8 bits (Pillow's conversion clips them at
    255: a 16-bit photo would turn white); transparency is dropped; an animation gives its first frame."""
    if image.mode in _DEEP_MODES:
        from PIL import Image

        return Image.fromarray(_array_to_uint8(np.asarray(image), sixteen_bit=image.mode != "F")).convert("RGB")
    return image.convert("RGB")


def _array_to_uint8(array: np.ndarray, *, sixteen_bit: bool = True) -> np.ndarray:
    """(H, W), (H, W, 1), (H, W, 3) or (H, W, 4) of any number type -> (H, W, C) uint8: floats in
    [0, 1] and 16-bit values are scaled, anything else clipped to 0..255."""
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[-1] not in (1, 3, 4) or 0 in array.shape:
        raise InvalidInputError(f"image must be an (H, W, 3) array, got shape {array.shape}")
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise InvalidInputError(f"image must be an array of numbers, got {array.dtype}")
    if array.dtype == np.uint8:
        values = array
    else:
        values = np.nan_to_num(array.astype(np.float64), nan=0.0, posinf=255.0, neginf=0.0)
        top = float(values.max())
        if array.dtype == bool or (np.issubdtype(array.dtype, np.floating) and top <= 1.0):
            values = values * 255.0
        elif sixteen_bit and 255 < top <= 65535:
            values = values / 257.0
        values = np.clip(values, 0, 255).round().astype(np.uint8)
    if values.shape[-1] == 1:
        values = np.repeat(values, 3, axis=-1)
    return np.ascontiguousarray(values)


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
    label: bool = False,
) -> VideoResult:
    # 1. Check the parameters and prepare the image at the output size.
    check_inputs(spec, params, need_prompt=False)
    conditioning = fit_image(load_image(image), params.height, params.width)
    path = output_path(output, output_dir, "i2v", params.seed)

    # 2. Download (first use only) and load (kept for the next request); the model says when it is
    #    given a picture outside what it knows (a shapes-world model given a photograph).
    start = time.perf_counter()
    with memory_guard(spec, params, "while loading it for"):
        generator = models.generator(spec, progress, params)
    warnings = generator.input_warnings(params.prompt, conditioning)
    loaded = time.perf_counter()

    # 3. Denoise from the image, reporting each step; Cancel stops at the next step.
    with memory_guard(spec, params, "generating"):
        on_step = step_reporter(progress, cancel, getattr(generator, "progress_stage", "denoise"))  # steps, or frame batches
        frames, understood, sound = run_generator(generator, params, conditioning, on_step)  # LTX-2: its sound too
    generated = time.perf_counter()

    # 4. Encode (the sound as AAC beside the picture), with the recipe in the file's metadata; the
    #    "AI-generated" label drawn in first when asked for (its Content Credentials come after: the API signs).
    if label:
        frames = label_frames(frames)
    if progress:
        progress(Progress("encode", 0, 1, "", "Encoding H.264"))
    audio = sound_summary(spec, sound) if sound is not None else None
    write_video(frames, path, params.fps, metadata=recipe(spec, params, image="(input image)", **sound_recipe(audio)),
                on_frame=encode_reporter(progress), audio=sound)
    encoded = time.perf_counter()
    return VideoResult.of(params, path=str(path), model=spec.id, frames=frames, audio=audio,
                          timings=timings(start, loaded, generated, encoded), understood=understood, warnings=warnings)
