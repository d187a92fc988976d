"""Gentle motion over a still photo (the "Ken Burns" effect), never a black border.

Each photo is shown through a window of the output's aspect ratio that always lies inside the
photo (so any aspect ratio fills the frame: a portrait photo in a landscape video is cropped, not
letter-boxed). Over the photo's time the window zooms in (or out, for every other photo) by
:data:`ZOOM` towards its **centre of interest**: the faces scikit-image's face detector finds, else the
photo's most salient region (spectral residual saliency), kept inside the window at every frame.
The motion is eased in and out, so each shot starts and ends at rest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

ZOOM = 1.12  # the window's size at the start over its size at the end (or the other way round)
MARGIN = 0.08  # the focus box is kept this share of the window away from its edges
SALIENCY_SIDE = 64  # the saliency map is computed on a copy this wide
FACE_SIDE = 400  # faces are looked for on a copy this wide (0.15 s a photo on 2 cores)


@dataclass(frozen=True)
class Box:
    """A rectangle in the photo's pixels."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    @property
    def size(self) -> tuple[float, float]:
        return self.x1 - self.x0, self.y1 - self.y0


@lru_cache(maxsize=1)
def _face_detector() -> Any:
    """scikit-image's LBP frontal-face cascade (shipped with it; OpenCV 5 dropped its Haar cascades)."""
    from skimage.data import lbp_frontal_face_cascade_filename
    from skimage.feature import Cascade

    return Cascade(lbp_frontal_face_cascade_filename())


def faces(image: np.ndarray) -> list[Box]:
    """Frontal faces in an (H, W, 3) RGB photo (found on a copy at most :data:`FACE_SIDE` wide)."""
    import cv2

    height, width = image.shape[:2]
    scale = min(1.0, FACE_SIDE / max(height, width))
    small = cv2.resize(image, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    side = max(24, round(min(small.shape[:2]) * 0.08))
    if min(small.shape[:2]) < side:
        return []
    found = _face_detector().detect_multi_scale(img=small, scale_factor=1.2, step_ratio=1, min_size=(side, side),
                                                max_size=(min(small.shape[:2]),) * 2)
    return [Box(f["c"] / scale, f["r"] / scale, (f["c"] + f["width"]) / scale, (f["r"] + f["height"]) / scale)
            for f in found]


def saliency(image: np.ndarray) -> np.ndarray:
    """Spectral residual saliency (Hou & Zhang, 2007) of an RGB photo: a (h, SALIENCY_SIDE) map in [0, 1]."""
    import cv2

    height, width = image.shape[:2]
    small = cv2.resize(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY),
                       (SALIENCY_SIDE, max(1, round(SALIENCY_SIDE * height / width))), interpolation=cv2.INTER_AREA)
    spectrum = np.fft.fft2(small.astype(np.float32))
    log_amplitude = np.log1p(np.abs(spectrum))
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    restored = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    smooth = cv2.GaussianBlur(restored.astype(np.float32), (0, 0), 2.5)
    span = float(smooth.max() - smooth.min())
    return (smooth - smooth.min()) / span if span > 0 else np.zeros_like(smooth)


def focus(image: np.ndarray) -> tuple[Box, str]:
    """The centre of interest and what found it: ``"faces"`` (all of them), ``"saliency"`` (the box
    holding the map's brightest half of its mass), or ``"centre"`` (a flat photo)."""
    height, width = image.shape[:2]
    found = faces(image)
    if found:  # each face with its hair above and chin below (a detector's box is the eyes to the mouth)
        return Box(max(0, min(b.x0 - 0.15 * b.size[0] for b in found)), max(0, min(b.y0 - 0.45 * b.size[1] for b in found)),
                   min(width, max(b.x1 + 0.15 * b.size[0] for b in found)),
                   min(height, max(b.y1 + 0.25 * b.size[1] for b in found))), "faces"
    salient = saliency(image)
    if salient.max() <= 0:
        return Box(width * 0.4, height * 0.4, width * 0.6, height * 0.6), "centre"
    cut = np.quantile(salient, 0.9)
    ys, xs = np.nonzero(salient >= cut)
    scale_y, scale_x = height / salient.shape[0], width / salient.shape[1]
    return Box(np.percentile(xs, 10) * scale_x, np.percentile(ys, 10) * scale_y,
               (np.percentile(xs, 90) + 1) * scale_x, (np.percentile(ys, 90) + 1) * scale_y), "saliency"


def cover(height: int, width: int, out_height: int, out_width: int) -> tuple[float, float]:
    """(h, w): the largest window of the output's aspect ratio inside a ``height`` × ``width`` photo."""
    aspect = out_width / out_height
    return (height, height * aspect) if height * aspect <= width else (width / aspect, width)


def windows(photo: tuple[int, int], out: tuple[int, int], box: Box, count: int, *, zoom_in: bool) -> np.ndarray:
    """(count, 4) windows (centre x, centre y, w, h) in photo pixels: from the whole cover window to
    one :data:`ZOOM` times smaller (or back), drifting from the photo's centre to the focus, eased."""
    height, width = photo
    big_h, big_w = cover(height, width, *out)
    box_w, box_h = box.size
    # never zoom so far that the focus box leaves the window (with a margin)
    least = max(box_w / (big_w * (1 - 2 * MARGIN)), box_h / (big_h * (1 - 2 * MARGIN)), 1 / ZOOM)
    small = min(1.0, least)
    t = np.linspace(0.0, 1.0, count) if count > 1 else np.zeros(1)
    eased = t * t * (3 - 2 * t)  # smoothstep: at rest at both ends
    scale = 1 + (small - 1) * (eased if zoom_in else 1 - eased)
    win_w, win_h = big_w * scale, big_h * scale
    fx, fy = box.centre
    drift = eased if zoom_in else 1 - eased
    cx = width / 2 + (fx - width / 2) * drift
    cy = height / 2 + (fy - height / 2) * drift
    # the focus stays inside the window (with a margin) at every frame, where the window is large enough
    cx = np.clip(cx, box.x1 - win_w * (0.5 - MARGIN), np.maximum(box.x1 - win_w * (0.5 - MARGIN), box.x0 + win_w * (0.5 - MARGIN)))
    cy = np.clip(cy, box.y1 - win_h * (0.5 - MARGIN), np.maximum(box.y1 - win_h * (0.5 - MARGIN), box.y0 + win_h * (0.5 - MARGIN)))
    cx = np.clip(cx, win_w / 2, width - win_w / 2)  # the window never leaves the photo: no border
    cy = np.clip(cy, win_h / 2, height - win_h / 2)
    return np.stack([cx, cy, win_w, win_h], axis=1)


def prepare(image: np.ndarray, out_height: int, out_width: int) -> np.ndarray:
    """The photo shrunk (by area) so its smallest window is about the output's size: enough pixels
    for every frame, and no aliasing from sampling a large photo sparsely."""
    import cv2

    height, width = image.shape[:2]
    big_h, _ = cover(height, width, out_height, out_width)
    scale = out_height * ZOOM / big_h
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def render(image: np.ndarray, window: np.ndarray, out_height: int, out_width: int) -> np.ndarray:
    """The (out_height, out_width, 3) frame seen through ``window`` (cx, cy, w, h), bilinear, sub-pixel."""
    import cv2

    cx, cy, win_w, win_h = (float(v) for v in window)
    sx, sy = out_width / win_w, out_height / win_h
    matrix = np.array([[sx, 0, -(cx - win_w / 2) * sx], [0, sy, -(cy - win_h / 2) * sy]], np.float32)
    return cv2.warpAffine(image, matrix, (out_width, out_height), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


class PanZoom:
    """One photo's shot: :meth:`frame` gives frame ``i`` of ``count`` (rendered when asked)."""

    def __init__(self, image: np.ndarray, out_height: int, out_width: int, count: int, *, zoom_in: bool) -> None:
        box, self.found = focus(image)
        self.image = prepare(image, out_height, out_width)
        ratio = self.image.shape[1] / image.shape[1]
        box = Box(box.x0 * ratio, box.y0 * ratio, box.x1 * ratio, box.y1 * ratio)
        self.out = (out_height, out_width)
        self.windows = windows(self.image.shape[:2], self.out, box, max(1, count), zoom_in=zoom_in)

    def frame(self, index: int) -> np.ndarray:
        window = self.windows[min(max(index, 0), len(self.windows) - 1)]
        return render(self.image, window, *self.out)
