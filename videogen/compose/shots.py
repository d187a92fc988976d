"""The shots of a composition: what each input shows at a time in its shot.

An input is a photo (any image Pillow opens, turned upright by its EXIF orientation) or a clip (a
video, decoded once). A :class:`PhotoShot` is pan and zoom over the photo (:mod:`.motion`); a
:class:`ClipShot` plays the clip, fitted to the output's size by cover (scaled to fill, centre
cropped: never a border), at its own speed, or stretched over its shot (story mode, where a scene
lasts as long as its narration).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videogen.compose.motion import PanZoom, cover
from videogen.errors import InvalidInputError
from videogen.media import Audio, probe, read_audio, read_video

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif", ".heic"}


@dataclass
class Source:
    """One input, read: a photo's pixels, or a clip's frames, rate and sound."""

    path: str
    image: np.ndarray | None = None  # (H, W, 3) uint8
    frames: np.ndarray | None = None  # (T, H, W, 3) uint8
    fps: float = 0.0
    audio: Audio | None = None

    @property
    def is_photo(self) -> bool:
        return self.image is not None

    @property
    def duration_s(self) -> float:
        return 0.0 if self.frames is None else len(self.frames) / self.fps

    @property
    def size(self) -> tuple[int, int]:
        picture = self.image if self.image is not None else self.frames[0]  # type: ignore[index]
        return int(picture.shape[0]), int(picture.shape[1])


def is_image(path: str | Path) -> bool:
    """True for a file Pillow recognises as an image (its suffix, else its header)."""
    if Path(path).suffix.lower() in IMAGE_SUFFIXES:
        return True
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path):
            return True
    except (UnidentifiedImageError, OSError):
        return False


def read_photo(path: str | Path) -> np.ndarray:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidInputError(f"{Path(path).name} is not a readable image ({exc}): give a JPEG, PNG or WebP "
                                "photo, or a video clip.") from exc


def read_source(path: str | Path, max_frame_pixels: int) -> Source:
    """An input read whole: a photo, or a clip (at most ``max_frame_pixels`` frames × pixels decoded)."""
    if not Path(path).is_file():
        raise InvalidInputError(f"input not found: {str(path)[:200]} (give photos or video clips)")
    if is_image(path):
        return Source(str(path), image=read_photo(path))
    info = probe(path)
    video = read_video(path, max(1, max_frame_pixels // max(info.width * info.height, 1)))
    return Source(str(path), frames=video.frames, fps=video.fps, audio=read_audio(path))


def fit_cover(frame: np.ndarray, height: int, width: int) -> np.ndarray:
    """``frame`` scaled to cover ``height`` × ``width`` and centre-cropped to it."""
    import cv2

    win_h, win_w = cover(frame.shape[0], frame.shape[1], height, width)
    top, left = round((frame.shape[0] - win_h) / 2), round((frame.shape[1] - win_w) / 2)
    crop = frame[top:top + round(win_h), left:left + round(win_w)]
    shrink = crop.shape[0] > height
    return cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


class PhotoShot:
    """A photo over ``count`` frames (its shot and the crossfades either side), moving gently."""

    def __init__(self, source: Source, height: int, width: int, count: int, index: int) -> None:
        self.motion = PanZoom(source.image, height, width, count, zoom_in=index % 2 == 0)  # type: ignore[arg-type]

    def frame(self, local: int, seconds: float) -> np.ndarray:
        return self.motion.frame(local)


class ClipShot:
    """A clip in its shot: the frame on screen ``seconds`` into the shot (``span_s`` long)."""

    def __init__(self, source: Source, height: int, width: int, span_s: float, stretch: bool) -> None:
        self.source, self.size = source, (height, width)
        self.rate = source.duration_s / span_s if stretch and span_s > 0 else 1.0
        self.cached: tuple[int, np.ndarray] | None = None

    def frame(self, local: int, seconds: float) -> np.ndarray:
        frames = self.source.frames
        index = int(np.clip(np.floor(seconds * self.rate * self.source.fps + 1e-6), 0, len(frames) - 1))  # type: ignore[arg-type]
        if self.cached is None or self.cached[0] != index:
            self.cached = (index, fit_cover(frames[index], *self.size))  # type: ignore[index]
        return self.cached[1]
