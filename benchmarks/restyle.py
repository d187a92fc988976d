"""Restyling on real footage: how much each look flickers, frame by frame vs along the flow.

Footage: pans with a slow zoom over scikit-image's photographs (astronaut, coffee, chelsea, rocket),
12 frames each at 320x240, 6 px a frame sideways, 3 px down and 1 % zoom a frame (as in
``benchmarks/interpolation.py``), once clean and once with light sensor noise (Gaussian, 3 levels
of 255, new in every frame, as a phone camera gives indoors). The footage is made by known affine
maps, so the true motion between frames is known exactly.

Flicker is the **temporal warping error**, the standard measure for video style transfer: the mean
absolute difference (levels of 255) between output frame t and output frame t-1 warped to t along
the *true* flow, over the pixels seen in both frames. The input's own warping error (resampling
alone) is the floor. Per look:

* **per-frame**: each frame stylized on its own (``restyle(..., stabilise=False)``, the naive way);
* **flow-guided**: :func:`videogen.edit.restyle.restyle` (DIS flow, trust map, blended);
* **vs per-frame**: how far the flow-guided frames are from the per-frame ones (mean absolute
  difference), and **detail kept**: their mean |Laplacian| over the per-frame ones' (blending along
  the flow averages strokes that move from frame to frame; 1.0 = as crisp).

Prints markdown tables and seconds per frame on this CPU.
Run: ``python benchmarks/restyle.py`` (about a minute on two cores).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import cv2
import numpy as np
from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from videogen.edit.interpolate import warp  # noqa: E402
from videogen.edit.restyle import GRADES, STYLES, restyle  # noqa: E402

SIZE = (320, 240)  # (width, height)
COUNT = 12
NOISE = 3.0


def motion(t: int) -> tuple[float, np.ndarray]:
    """Frame t's zoom and shift: a photo point q is at ``scale * q + shift`` before the crop."""
    return 1 + 0.01 * t, np.float32([-6 * t, -3 * t])


def pan(photo: np.ndarray, count: int = COUNT) -> np.ndarray:
    """(count, 240, 320, 3) uint8: the photograph seen by a panning, zooming camera."""
    height, width = photo.shape[:2]
    frames = []
    for t in range(count):
        scale, shift = motion(t)
        move = np.float32([[scale, 0, shift[0]], [0, scale, shift[1]]])
        frame = cv2.warpAffine(photo, move, (width, height), borderMode=cv2.BORDER_REFLECT)[40:height - 40, 40:width - 80]
        frames.append(cv2.resize(frame, SIZE, interpolation=cv2.INTER_AREA))
    return np.stack(frames)


def true_flow(photo_shape: tuple[int, ...], t: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact flow from frame t to frame t-1 (H, W, 2) and where it is valid (H, W) bool."""
    height, width = photo_shape[:2]
    k = np.float32([(width - 120) / SIZE[0], (height - 80) / SIZE[1]])  # crop pixels per frame pixel
    grid = np.stack(np.meshgrid(np.arange(SIZE[0]), np.arange(SIZE[1])), -1).astype(np.float32)  # (H, W, 2)
    (scale, shift), (scale_0, shift_0) = motion(t), motion(t - 1)
    photo = ((grid + 0.5) * k - 0.5 + 40 - shift) / scale  # where each pixel of frame t is in the photograph
    before = ((scale_0 * photo + shift_0 - 40) + 0.5) / k - 0.5  # and in frame t-1
    inside = lambda p, w, h: (p[..., 0] >= 0) & (p[..., 0] <= w - 1) & (p[..., 1] >= 0) & (p[..., 1] <= h - 1)  # noqa: E731
    return before - grid, inside(photo, width - 1, height - 1) & inside(before, SIZE[0] - 1, SIZE[1] - 1)


def warping_error(frames: np.ndarray, flows: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Mean |frame t - frame t-1 warped to t| over the valid pixels, levels of 255."""
    errors = []
    for t in range(1, len(frames)):
        flow, valid = flows[t - 1]
        back = warp(frames[t - 1].astype(np.float32), flow)
        errors.append(np.abs(frames[t].astype(np.float32) - back).mean(axis=-1)[valid].mean())
    return float(np.mean(errors))


def detail(frames: np.ndarray) -> float:
    """Mean |Laplacian| of the grey frames: how much fine detail (strokes, edges, noise) there is."""
    return float(np.mean([np.abs(cv2.Laplacian(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), cv2.CV_32F)).mean() for f in frames]))


def footage(noise: float) -> list[tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]]:
    rng = np.random.default_rng(0)
    clips = []
    for photo in (data.astronaut(), data.coffee(), data.chelsea(), data.rocket()):
        frames = pan(photo)
        if noise:
            frames = np.clip(frames + rng.normal(0, noise, frames.shape), 0, 255).astype(np.uint8)
        clips.append((frames, [true_flow(photo.shape, t) for t in range(1, COUNT)]))
    return clips


def table(noise: float) -> None:
    clips = footage(noise)
    floor = np.mean([warping_error(frames, flows) for frames, flows in clips])
    print(f"\n### {'noisy (sigma %g)' % noise if noise else 'clean'} footage: 4 pans x {COUNT} frames at "
          f"{SIZE[0]}x{SIZE[1]}; the input's own warping error is {floor:.2f}\n")
    print("| style | warping error, per-frame | flow-guided | cut | vs per-frame | detail kept "
          "| s/frame, per-frame | flow-guided |")
    print("|---|---|---|---|---|---|---|---|")
    for style in STYLES:
        row: dict[str, list[float]] = {key: [] for key in ("naive", "ours", "gap", "detail", "t_naive", "t_ours")}
        for frames, flows in clips:
            start = time.perf_counter()
            naive = restyle(frames, style, stabilise=False)
            middle = time.perf_counter()
            ours = restyle(frames, style)
            row["t_naive"].append((middle - start) / len(frames))
            row["t_ours"].append((time.perf_counter() - middle) / len(frames))
            row["naive"].append(warping_error(naive, flows))
            row["ours"].append(warping_error(ours, flows))
            row["gap"].append(float(np.abs(ours.astype(np.float32) - naive).mean()))
            row["detail"].append(detail(ours) / detail(naive))
        m = {key: float(np.mean(values)) for key, values in row.items()}
        cut = "pointwise, no flow" if style in GRADES else f"{1 - m['ours'] / m['naive']:.0%}"
        print(f"| {style} | {m['naive']:.2f} | {m['ours']:.2f} | {cut} | {m['gap']:.2f} | {m['detail']:.2f} | "
              f"{m['t_naive']:.3f} | {m['t_ours']:.3f} |")


def main() -> None:
    print(f"restyle: temporal warping error (mean |O_t - warp(O_t-1)|, levels of 255; lower = less flicker), "
          f"{cv2.getNumThreads()} OpenCV threads")
    table(0.0)
    table(NOISE)


if __name__ == "__main__":
    main()
