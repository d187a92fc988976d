"""Real-looking footage for the edit benchmarks and tests: a camera panning and zooming over a
photograph (scikit-image's and scikit-learn's ship several), so that the texture and the motion are
real and the true motion is known."""

from __future__ import annotations

import numpy as np


def pan_zoom(
    photo: np.ndarray, count: int, size: tuple[int, int], *, shift: tuple[float, float] = (6, 3), zoom: float = 0.01,
    crop: tuple[int, int, int, int] = (40, 40, 40, 80),
) -> np.ndarray:
    """(count, size[1], size[0], 3) uint8: frame ``t`` is ``photo`` zoomed in by ``1 + zoom * t`` and
    moved ``shift * t`` pixels (right, down), its borders mirrored, cut by ``crop`` (top, bottom,
    left, right pixels, where the mirrored borders show) and shrunk to ``size`` (width, height) by area."""
    import cv2

    height, width = photo.shape[:2]
    top, bottom, left, right = crop
    frames = []
    for t in range(count):
        scale = 1 + zoom * t
        move = np.float32([[scale, 0, -shift[0] * t], [0, scale, -shift[1] * t]])
        frame = cv2.warpAffine(photo, move, (width, height), borderMode=cv2.BORDER_REFLECT)
        frames.append(cv2.resize(frame[top:height - bottom, left:width - right], size, interpolation=cv2.INTER_AREA))
    return np.stack(frames)
