"""A non-learned judge for the shapes world: read a clip's pixels back into a motion and a colour.

:func:`analyse_clip` measures, per frame, where the object is, how big it is and how far it has
turned; :func:`judge_motion`, :func:`judge_color` and :func:`judge_background` turn those
measurements into the world's words. It is used to score the demo models' output and to check the
renderer, so it must survive video compression (H.264, JPEG) and work at 64-128 px and 16-24 frames.

How it measures:

* **Background**: the median colour of the 2-pixel border over all frames (unless given).
* **Object mask**: pixels whose RGB distance from the background is over half the object's
  contrast (the 90th percentile distance of the clearly-not-background pixels), closed with a 3x3
  kernel; the largest connected component with its holes filled (the interior of an outlined white
  object on white counts).
* **Centroid and area**: the mask's moments. Centroids use the renderer's convention: pixel
  ``(i, j)`` covers ``[j, j+1) x [i, i+1)``.
* **Rotation**: each frame's soft mask is resampled to polar coordinates around its centroid, with
  the radius normalised by sqrt(area) (so growing does not look like turning). A rotation is then a
  circular shift along the angle axis; the shift between consecutive frames is the peak of their
  circular cross-correlation within +-40 degrees (less than half of any symmetry angle, so the
  square's 90 degree symmetry does not alias), summed into a cumulative angle, clockwise on screen
  positive. A step counts only when the turned frame matches the next one well (normalised
  correlation >= ``MIN_MATCH``) and the shape has angular structure, so a plain disc, whose
  steps are noise, reports no rotation.
* **Colour**: the median colour of the mask's core (eroded, away from compressed edges), named by
  the closest object colour, allowing the observed colour to be diluted towards the background by
  up to half (small objects after chroma subsampling).

:func:`judge_motion` compares the clip's total displacement (fraction of the frame), size change
(factor) and rotation (degrees), each divided by its threshold, and answers the largest; when none
reaches its threshold the object is "staying still".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from videogen.errors import InvalidInputError
from videogen.shapes import vocab

logger = logging.getLogger(__name__)

RGB = tuple[int, int, int]

BORDER = 2  # pixels of border used to estimate the background
MIN_CONTRAST = 30.0  # RGB distance: less than this is background noise
POLAR_ANGLES = 360  # angle bins (1 degree)
POLAR_RADII = 24
MAX_STEP_DEGREES = 40.0  # largest rotation between two frames that is searched
MIN_ANISOTROPY = 0.05  # angular structure (max over radii of the std over angles); a plain disc is ~0.1
MIN_MATCH = 0.6  # normalised correlation needed to trust a rotation step (a plain disc's are random, ~0.3)

MOVE_THRESHOLD = 0.08  # total displacement, fraction of the frame along the axis
SCALE_THRESHOLD = 1.2  # total change of linear size, factor
ROTATION_THRESHOLD = 20.0  # total rotation, degrees


@dataclass
class ClipAnalysis:
    """Per-frame measurements of the one object in a clip (see the module docstring)."""

    num_frames: int
    height: int
    width: int
    background: RGB  # estimated (or given) background colour
    contrast: float  # typical RGB distance of the object from the background; 0 if none found
    masks: np.ndarray  # (T, H, W) bool
    areas: np.ndarray  # (T,) pixels; 0 where no object was found
    centroids: np.ndarray  # (T, 2) x, y in pixels; NaN where no object was found
    angles: np.ndarray  # (T,) cumulative rotation since frame 0, degrees, clockwise on screen positive
    anisotropy: np.ndarray  # (T,) angular structure of the mask (0 for a plain disc)
    matches: np.ndarray  # (T,) normalised correlation of frame t with frame t-1 turned; NaN for frame 0
    mean_color: RGB | None  # the object's colour; None if no object was found

    @property
    def found(self) -> np.ndarray:
        """(T,) bool: frames where an object was found."""
        return self.areas > 0


@dataclass(frozen=True)
class MotionEvidence:
    """Totals over the clip, from straight-line fits of the per-frame measurements."""

    dx: float  # displacement, fraction of the frame width (right positive)
    dy: float  # displacement, fraction of the frame height (down positive)
    scale: float  # factor by which the linear size changed (> 1: growing)
    rotation: float  # degrees, clockwise on screen positive


def _check_frames(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.shape[0] < 1:
        raise InvalidInputError(f"frames must have shape (T, H, W, 3), got {frames.shape}")
    if frames.shape[1] < 2 * BORDER + 2 or frames.shape[2] < 2 * BORDER + 2:
        raise InvalidInputError(f"frames are too small to analyse: {frames.shape}")
    if frames.dtype != np.uint8:
        if np.issubdtype(frames.dtype, np.floating) and frames.size and float(frames.max()) <= 1.0:
            frames = frames * 255.0
        frames = np.clip(np.round(frames), 0, 255)
    return frames.astype(np.float32)


def estimate_background(frames: np.ndarray) -> np.ndarray:
    """The background colour (3,) of (T, H, W, 3) frames: the median of their ``BORDER``-pixel border."""
    b = BORDER
    border = np.concatenate(
        [
            frames[:, :b].reshape(-1, 3),
            frames[:, -b:].reshape(-1, 3),
            frames[:, b:-b, :b].reshape(-1, 3),
            frames[:, b:-b, -b:].reshape(-1, 3),
        ]
    )
    return np.median(border, axis=0)


def object_mask(hard: np.ndarray) -> np.ndarray:
    """The largest connected component of a binary mask, closed and with its holes filled."""
    hard = cv2.morphologyEx(hard.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(hard, connectivity=8)
    if count <= 1:
        return np.zeros(hard.shape, bool)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    component = (labels == largest).astype(np.uint8)
    contours, _ = cv2.findContours(component, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(component, contours, -1, 1, thickness=cv2.FILLED)
    return component.astype(bool)


def _polar(soft: np.ndarray, x: float, y: float, area: float) -> np.ndarray:
    """(angles, radii) polar resampling around (x, y) (OpenCV pixel-centre coordinates)."""
    radius = 1.1 * float(np.sqrt(area))
    return cv2.warpPolar(
        soft,
        (POLAR_RADII, POLAR_ANGLES),
        (x, y),
        radius,
        cv2.INTER_LINEAR | cv2.WARP_POLAR_LINEAR | cv2.WARP_FILL_OUTLIERS,
    )


def _rotation_step(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Degrees (clockwise positive) that turn polar image ``a`` into ``b``, within +-MAX_STEP_DEGREES,
    and the normalised cross-correlation at that angle (how well the turned ``a`` explains ``b``)."""
    a, b = a - a.mean(axis=0), b - b.mean(axis=0)
    energy = float(np.sqrt((a**2).sum() * (b**2).sum()))
    if energy <= 1e-9:
        return 0.0, 0.0
    fa, fb = np.fft.rfft(a, axis=0), np.fft.rfft(b, axis=0)
    corr = np.fft.irfft(np.conj(fa) * fb, n=POLAR_ANGLES, axis=0).sum(axis=1)  # corr[s] = sum a[k] b[k + s]
    reach = int(MAX_STEP_DEGREES * POLAR_ANGLES / 360.0)
    shifts = np.arange(-reach, reach + 1)
    values = corr[shifts % POLAR_ANGLES]
    i = int(np.argmax(values))
    offset = 0.0
    if 0 < i < len(values) - 1:  # parabolic sub-bin refinement
        left, mid, right = values[i - 1], values[i], values[i + 1]
        denominator = left - 2 * mid + right
        if denominator < 0:
            offset = 0.5 * (left - right) / denominator
    return float((shifts[i] + offset) * 360.0 / POLAR_ANGLES), float(values[i] / energy)


def _soft_mask(dist: np.ndarray, mask: np.ndarray, contrast: float) -> np.ndarray:
    """Object coverage in [0, 1]: a ramp on the distance from the background near the mask's edge
    (keeps sub-pixel detail), 0 away from it (ignores noise), 1 in filled holes."""
    threshold = max(MIN_CONTRAST, 0.5 * contrast)
    region = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    ramp = np.clip((dist - 0.25 * contrast) / (0.5 * contrast), 0.0, 1.0)
    soft = np.where(region, ramp, 0.0).astype(np.float32)
    soft[mask & (dist <= threshold)] = 1.0
    return soft


def _core(mask: np.ndarray, area: float) -> np.ndarray:
    """The mask without its edge pixels (where compression mixes colours), if anything is left."""
    erode = 2 if area >= 80 else 1 if area >= 12 else 0
    core = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=erode).astype(bool)
    return core if core.any() else mask


def _cumulative_rotation(polars: list[np.ndarray | None], anisotropy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative angle per frame (degrees, clockwise positive) and each step's match quality.

    A step is trusted only when both frames have angular structure and the turned earlier frame
    explains the later one well; otherwise the angle is carried over unchanged."""
    angles = np.zeros(len(polars))
    matches = np.full(len(polars), np.nan)
    last: int | None = None
    previous: np.ndarray | None = None
    for t, polar in enumerate(polars):
        angles[t] = angles[t - 1] if t else 0.0
        if polar is None:
            continue
        if last is not None and previous is not None:
            step, matches[t] = _rotation_step(previous, polar)
            if matches[t] >= MIN_MATCH and min(anisotropy[t], anisotropy[last]) >= MIN_ANISOTROPY:
                angles[t] = angles[last] + step
        last, previous = t, polar
    return angles, matches


def analyse_clip(frames: np.ndarray, background: tuple[int, int, int] | None = None) -> ClipAnalysis:
    """Measure the object in ``frames`` ((T, H, W, 3) RGB, uint8 or floats in [0, 1])."""
    pixels = _check_frames(frames)
    num_frames, height, width, _ = pixels.shape
    if background is None:
        bg = estimate_background(pixels)
    else:
        if len(background) != 3:
            raise InvalidInputError(f"background must be an RGB triple, got {background!r}")
        bg = np.array(background, np.float32)
    dist = np.linalg.norm(pixels - bg, axis=-1)  # (T, H, W)
    salient = dist[dist > MIN_CONTRAST]
    contrast = float(np.percentile(salient, 90)) if salient.size >= 4 else 0.0

    masks = np.zeros((num_frames, height, width), bool)
    areas = np.zeros(num_frames)
    centroids = np.full((num_frames, 2), np.nan)
    anisotropy = np.zeros(num_frames)
    polars: list[np.ndarray | None] = [None] * num_frames
    core_pixels: list[np.ndarray] = []
    for t in range(num_frames if contrast > 0 else 0):
        mask = object_mask(dist[t] > max(MIN_CONTRAST, 0.5 * contrast))
        area = float(mask.sum())
        if area < 3:
            continue
        masks[t], areas[t] = mask, area
        moments = cv2.moments(mask.astype(np.uint8), binaryImage=True)
        x, y = moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]  # OpenCV: pixel centres
        centroids[t] = (x + 0.5, y + 0.5)
        polar = _polar(_soft_mask(dist[t], mask, contrast), x, y, area)
        polars[t], anisotropy[t] = polar, float(polar.std(axis=0).max())
        core_pixels.append(pixels[t][_core(mask, area)])
    angles, matches = _cumulative_rotation(polars, anisotropy)

    mean_color = None
    if core_pixels:
        median = np.median(np.concatenate(core_pixels), axis=0)
        mean_color = (int(round(median[0])), int(round(median[1])), int(round(median[2])))
    return ClipAnalysis(
        num_frames=num_frames,
        height=height,
        width=width,
        background=(int(round(bg[0])), int(round(bg[1])), int(round(bg[2]))),
        contrast=contrast,
        masks=masks,
        areas=areas,
        centroids=centroids,
        angles=angles,
        anisotropy=anisotropy,
        matches=matches,
        mean_color=mean_color,
    )


def _slope_total(values: np.ndarray, times: np.ndarray, span: int) -> float:
    """Change over ``span`` frames of the least-squares line through ``(times, values)``."""
    if len(times) < 2:
        return 0.0
    slope = np.polyfit(times, values, 1)[0]
    return float(slope * span)


def motion_evidence(analysis: ClipAnalysis) -> MotionEvidence:
    """Total displacement, size factor and rotation over the clip (straight-line fits)."""
    found = analysis.found
    times = np.flatnonzero(found).astype(float)
    span = max(analysis.num_frames - 1, 1)
    if len(times) < 2:
        return MotionEvidence(0.0, 0.0, 1.0, 0.0)
    x, y = analysis.centroids[found, 0], analysis.centroids[found, 1]
    log_size = 0.5 * np.log(analysis.areas[found])
    return MotionEvidence(
        dx=_slope_total(x, times, span) / analysis.width,
        dy=_slope_total(y, times, span) / analysis.height,
        scale=float(np.exp(_slope_total(log_size, times, span))),
        rotation=_slope_total(analysis.angles[found], times, span),
    )


def judge_motion(analysis: ClipAnalysis) -> str:
    """One of the nine motion labels (:data:`videogen.shapes.vocab.MOTIONS`), from the trajectories.

    A clip without a visible object is "staying still" (check ``analysis.found`` to tell).
    """
    evidence = motion_evidence(analysis)
    if abs(evidence.dx) >= abs(evidence.dy):
        move = "moving right" if evidence.dx > 0 else "moving left"
        move_score = abs(evidence.dx) / MOVE_THRESHOLD
    else:
        move = "moving down" if evidence.dy > 0 else "moving up"
        move_score = abs(evidence.dy) / MOVE_THRESHOLD
    scores = {
        move: move_score,
        "growing" if evidence.scale > 1 else "shrinking": abs(np.log(evidence.scale)) / np.log(SCALE_THRESHOLD),
        "rotating clockwise" if evidence.rotation > 0 else "rotating counterclockwise": abs(evidence.rotation)
        / ROTATION_THRESHOLD,
    }
    label, score = max(scores.items(), key=lambda item: item[1])
    logger.debug("motion evidence %s -> scores %s", evidence, scores)
    return label if score >= 1.0 else "staying still"


def _nearest(color: np.ndarray, table: dict[str, RGB], background: np.ndarray | None = None) -> str:
    """The name in ``table`` closest to ``color``; with ``background``, a named colour may appear
    diluted towards the background by up to half (alpha in [0.5, 1])."""
    best, best_distance = "", np.inf
    for name, rgb in table.items():
        target = np.array(rgb, np.float64)
        if background is None:
            distance = float(np.linalg.norm(color - target))
        else:
            direction = target - background
            norm = float(direction @ direction)
            alpha = 1.0 if norm == 0 else float(np.clip((color - background) @ direction / norm, 0.5, 1.0))
            distance = float(np.linalg.norm(color - (background + alpha * direction)))
        if distance < best_distance:
            best, best_distance = name, distance
    return best


def judge_color(analysis: ClipAnalysis) -> str:
    """The object's colour, one of :data:`videogen.shapes.vocab.COLORS`; "none" if no object was found."""
    if analysis.mean_color is None:
        return "none"
    background = np.array(analysis.background, np.float64)
    return _nearest(np.array(analysis.mean_color, np.float64), vocab.COLORS, background)


def judge_background(analysis: ClipAnalysis) -> str:
    """The background, one of :data:`videogen.shapes.vocab.BACKGROUNDS`."""
    return _nearest(np.array(analysis.background, np.float64), vocab.BACKGROUNDS)
