"""Restyling offline: a few non-photorealistic looks, made temporally stable with optical flow.

The looks (:data:`STYLES`) are OpenCV's non-photorealistic filters (``stylization``,
``pencilSketch``, ``edgePreservingFilter``) and three colour grades. Run frame by frame, the filters
flicker: they react to every small change of the input (resampling as the camera moves, sensor
noise), so strokes and flat regions shimmer from one frame to the next. :func:`restyle` makes them
stable by carrying the previous *stylized* frame along the motion:

1. DIS flow from the current frame to the previous one and back (on grey copies, as
   :mod:`~videogen.edit.interpolate` does);
2. the previous stylized frame warped to the current one;
3. a trust map: the flow is confirmed by the flow back (forward-backward consistency), the warped
   previous *input* frame matches the current one (photometric error: occlusions, new content,
   lighting changes, cuts) and the warp samples inside the previous frame;
4. ``stylized_t = m * warped_previous + (1 - m) * stylize(frame_t)`` with ``m = BLEND * trust``.
   ``BLEND < 1`` lets new content come through and bounds the memory (an error fades by ``BLEND``
   a frame), so nothing accumulates for ever.

The colour grades are pointwise (each output pixel depends only on the same input pixel): they are
exactly as stable as the input and need no flow.

Frames larger than :data:`WORK_PIXELS` (about 1280x720) are stylized and stabilised at that size
and upsampled (bicubic): OpenCV's ``stylization`` takes about 0.6 s a frame at 1280x720 on one CPU
core, and grows with the area. Colour grades run at full size.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from videogen.edit.interpolate import inconsistency, optical_flow, warp
from videogen.errors import InvalidInputError

logger = logging.getLogger(__name__)

STYLES: dict[str, str] = {
    "painting": "a watercolour-like painting: flat colour regions, soft edges (OpenCV stylization)",
    "pencil": "a colour pencil sketch: strokes tinted with the picture's colours (OpenCV pencilSketch)",
    "pencil-grey": "a graphite pencil sketch on white paper (OpenCV pencilSketch, grey)",
    "smooth": "edge-preserving smoothing: surfaces and skin smoothed, edges kept (OpenCV edgePreservingFilter)",
    "warm-film": "a faded warm film grade: lifted blacks, soft highlights, warmer and less saturated",
    "teal-orange": "the blockbuster grade: shadows pushed to teal, highlights and skin to orange",
    "mono": "high-contrast black-and-white",
}
GRADES = frozenset({"warm-film", "teal-orange", "mono"})  # pointwise: no flow needed

BLEND = 0.8  # the most a stabilised pixel takes from the warped previous one
CONSISTENCY_PX = 1.0  # a forward-backward disagreement of this many pixels halves the trust
PHOTO_TOLERANCE = 12.0  # a warped-input error of this many levels (of 255) halves the trust
WORK_PIXELS = 1280 * 720  # larger frames are stylized at this area and upsampled
MIN_FLOW_SIDE = 16  # DIS needs some room; smaller frames are stylized one by one
SIGMA_S_AT_480 = 60.0  # the filters' spatial extent (px), tuned at 480 lines, scaled with the height

Filter = Callable[[np.ndarray], np.ndarray]  # (H, W, 3) uint8 RGB -> (H, W, 3) uint8 RGB


def _sigma_s(frame: np.ndarray) -> float:
    return float(np.clip(SIGMA_S_AT_480 * frame.shape[0] / 480, 10.0, 120.0))


def _painting(frame: np.ndarray) -> np.ndarray:
    import cv2

    bgr = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
    return cv2.cvtColor(cv2.stylization(bgr, sigma_s=_sigma_s(frame), sigma_r=0.45), cv2.COLOR_BGR2RGB)


def _pencil(frame: np.ndarray, grey: bool) -> np.ndarray:
    import cv2

    bgr = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
    sketch, colour = cv2.pencilSketch(bgr, sigma_s=_sigma_s(frame), sigma_r=0.07, shade_factor=0.03)
    return cv2.cvtColor(sketch, cv2.COLOR_GRAY2RGB) if grey else cv2.cvtColor(colour, cv2.COLOR_BGR2RGB)


def _smooth(frame: np.ndarray) -> np.ndarray:
    import cv2

    bgr = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
    smoothed = cv2.edgePreservingFilter(bgr, flags=cv2.RECURS_FILTER, sigma_s=_sigma_s(frame), sigma_r=0.4)
    return cv2.cvtColor(smoothed, cv2.COLOR_BGR2RGB)


def _s_curve(x: np.ndarray, contrast: float) -> np.ndarray:
    """A contrast curve on [0, 1] fixing 0, 0.5 and 1: slope ``1 + contrast / 2`` in the middle."""
    return x + contrast * x * (1 - x) * (2 * x - 1)


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb @ np.float32([0.2126, 0.7152, 0.0722])  # (H, W), Rec. 709


def _to_uint8(rgb: np.ndarray) -> np.ndarray:
    return np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8)


def _warm_film(frame: np.ndarray) -> np.ndarray:
    rgb = frame.astype(np.float32) / 255  # (H, W, 3) in [0, 1]
    rgb = 0.06 + 0.88 * _s_curve(rgb, 0.5)  # lifted blacks, rolled-off whites, a soft S
    rgb = rgb * np.float32([1.06, 1.0, 0.88]) + np.float32([0.02, 0.01, 0.0])  # warmer
    luma = _luma(rgb)[..., None]
    return _to_uint8(luma + 0.8 * (rgb - luma))  # a fifth less saturated


def _teal_orange(frame: np.ndarray) -> np.ndarray:
    rgb = _s_curve(frame.astype(np.float32) / 255, 0.4)
    luma = np.clip(_luma(rgb), 0, 1)[..., None]  # (H, W, 1)
    teal, orange = np.float32([-0.14, 0.03, 0.10]), np.float32([0.12, 0.03, -0.11])
    return _to_uint8(rgb + (1 - luma) * teal + luma * orange)  # about neutral in the mid-tones


def _mono(frame: np.ndarray) -> np.ndarray:
    luma = _s_curve(_luma(frame.astype(np.float32) / 255), 0.8)
    return _to_uint8(np.repeat(luma[..., None], 3, axis=-1))


FILTERS: dict[str, Filter] = {
    "painting": _painting,
    "pencil": lambda frame: _pencil(frame, grey=False),
    "pencil-grey": lambda frame: _pencil(frame, grey=True),
    "smooth": _smooth,
    "warm-film": _warm_film,
    "teal-orange": _teal_orange,
    "mono": _mono,
}


def stylize(frame: np.ndarray, style: str) -> np.ndarray:
    """One (H, W, 3) uint8 RGB frame in ``style``, on its own (no temporal stabilisation)."""
    return FILTERS[_known(style)](frame)


def _known(style: str) -> str:
    if style not in STYLES:
        raise InvalidInputError(f"unknown style {style!r}: the styles are {', '.join(STYLES)}")
    return style


def _working_size(height: int, width: int) -> tuple[int, int]:
    """(width, height) to stylize at: the frame's own, or scaled down to about WORK_PIXELS."""
    if height * width <= WORK_PIXELS:
        return width, height
    scale = (WORK_PIXELS / (height * width)) ** 0.5
    return max(1, round(width * scale)), max(1, round(height * scale))


def trust(to_prev: np.ndarray, to_next: np.ndarray, frame: np.ndarray, prev: np.ndarray) -> np.ndarray:
    """How far the warp of the previous frame by ``to_prev`` (H, W, 2) can be believed, per pixel of
    ``frame``: (H, W) float32 in [0, 1]. ``to_next`` is the flow the other way, ``prev`` the previous
    (H, W, 3) frame."""
    consistent = 1.0 / (1.0 + (inconsistency(to_prev, to_next) / CONSISTENCY_PX) ** 2)
    error = np.abs(warp(prev.astype(np.float32), to_prev) - frame.astype(np.float32)).mean(axis=-1)  # (H, W)
    alike = 1.0 / (1.0 + (error / PHOTO_TOLERANCE) ** 2)
    h, w = to_prev.shape[:2]
    x = np.arange(w, dtype=np.float32)[None, :] + to_prev[..., 0]
    y = np.arange(h, dtype=np.float32)[:, None] + to_prev[..., 1]
    inside = (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)
    return (consistent * alike * inside).astype(np.float32)


def _check(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise InvalidInputError(f"frames must be (T, H, W, 3) uint8 RGB, got {frames.shape} {frames.dtype}")
    return frames


def restyle(frames: np.ndarray, style: str, on_frame: Callable[[int, int], None] | None = None, *,
            stabilise: bool = True) -> np.ndarray:
    """(T, H, W, 3) uint8 RGB ``frames`` in ``style`` (a name of :data:`STYLES`): the same shape.

    The filters are stabilised along the optical flow (the module's docstring says how);
    ``stabilise=False`` stylizes each frame on its own (the flickering baseline, for comparison).
    ``on_frame(done, total)`` after each frame (progress; it may raise to stop)."""
    look = FILTERS[_known(style)]
    frames = _check(frames)
    total, height, width = frames.shape[:3]
    size = (width, height) if style in GRADES else _working_size(height, width)  # grades: any size, pointwise
    flows = stabilise and style not in GRADES and min(size) >= MIN_FLOW_SIDE
    logger.info("restyle %d frames of %dx%d as %r at %dx%d%s", total, width, height, style, *size,
                " along the flow" if flows else "")
    dis = _dis() if flows else None
    out = np.empty_like(frames)
    previous: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # (input, grey, stylized float32)
    for i, frame in enumerate(frames):
        small = _resize(frame, size, (width, height))
        styled = look(small).astype(np.float32)  # (h, w, 3) at the working size
        if dis is not None:
            grey = _grey(small)
            if previous is not None:
                styled = _carry(dis, small, grey, styled, previous)
            previous = (small, grey, styled)
        out[i] = _back(styled, (width, height))
        if on_frame is not None:
            on_frame(i + 1, total)
    return out


def _dis():
    import cv2

    return cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)


def _grey(frame: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)


def _carry(dis, frame: np.ndarray, grey: np.ndarray, styled: np.ndarray,
           previous: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """This frame's stylization blended with the previous stylized frame, warped here where trusted."""
    prev, prev_grey, prev_styled = previous
    to_prev = optical_flow(dis, grey, prev_grey)  # (h, w, 2): where each pixel of this frame was before
    to_next = optical_flow(dis, prev_grey, grey)
    weight = BLEND * trust(to_prev, to_next, frame, prev)[..., None]  # (h, w, 1)
    carried = warp(prev_styled, to_prev, cubic=True)  # bicubic: repeated warps don't pile up blur
    return np.clip(weight * carried + (1 - weight) * styled, 0, 255)


def _resize(frame: np.ndarray, size: tuple[int, int], full: tuple[int, int]) -> np.ndarray:
    import cv2

    return frame if size == full else cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def _back(styled: np.ndarray, full: tuple[int, int]) -> np.ndarray:
    """A float32 stylized frame at the working size as a full-size uint8 frame."""
    import cv2

    if styled.shape[1::-1] != full:
        styled = cv2.resize(styled, full, interpolation=cv2.INTER_CUBIC)
    return np.clip(styled + 0.5, 0, 255).astype(np.uint8)
