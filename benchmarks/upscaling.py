"""Upscaling real footage: shrink each frame, enlarge it back, compare with the frame.

Footage: pans and zooms over the photographs the upscaler never saw in training
(:data:`videogen.training.upscaler_data.HELD_OUT`: coffee of scikit-image, china of scikit-learn),
two moves per photograph, 8 frames each at 384x256: the photograph shrunk by a zoom that changes
a little every frame (area resize, as a camera's video is made from its sensor) and moved by a
sub-pixel pan (bicubic). Each frame is shrunk 2 and 4 times with an area resize (``cv2.INTER_AREA``)
and enlarged back by:

* **bicubic**: ``cv2.INTER_CUBIC``;
* **lanczos**: ``cv2.INTER_LANCZOS4`` (8x8 Lanczos);
* **videogen-sr**: :class:`videogen.embedded.upscaler.OfflineUpscaler`, the network of
  ``weights/upscale-x2`` (×4: run twice); with ``--x4 FOLDER`` also a ×4 network of its own.

Scores: PSNR over the RGB channels and over luma (Y of BT.601, the super-resolution literature's
usual channel), SSIM (scikit-image's, the mean over the RGB channels), each over the whole frame and
averaged over the frames; seconds per output frame on this CPU (the whole clip's time over its
frames), and for videogen-sr also one 1920x1080 output frame (from 960x540 and 480x270 inputs).
The ×2 shrink is also measured after an H.264 round trip of the small clip (crf 18, as
:func:`videogen.media.write_video` writes), as a lower-resolution video file would come.

Prints a markdown table, then the numbers as one JSON object.
Run: ``python benchmarks/upscaling.py [--x4 FOLDER]`` (about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from videogen.embedded.upscaler import FOLDERS, NAME, OfflineUpscaler  # noqa: E402
from videogen.training.upscaler_data import HELD_OUT, baselines, photo, psnr, shrink, ssim  # noqa: E402

SIZE = (384, 256)  # width, height of the footage
FRAMES = 8
# (zoom at the first frame, at the last; pan in pixels per frame, x and y)
MOVES = ((0.80, 0.92, (5.3, 1.7)), (0.95, 0.85, (-3.1, 4.4)))


def footage(image: np.ndarray, zoom: tuple[float, float], pan: tuple[float, float]) -> np.ndarray:
    """A camera move over ``image``: (FRAMES, H, W, 3) uint8."""
    width, height = SIZE
    frames = []
    for t in range(FRAMES):
        scale = zoom[0] + (zoom[1] - zoom[0]) * t / (FRAMES - 1)
        scaled = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        room_x, room_y = scaled.shape[1] - width, scaled.shape[0] - height
        x = min(max(room_x / 2 + pan[0] * (t - FRAMES / 2), 0), room_x)
        y = min(max(room_y / 2 + pan[1] * (t - FRAMES / 2), 0), room_y)
        move = np.float32([[1, 0, -x], [0, 1, -y]])
        frames.append(cv2.warpAffine(scaled, move, (width, height), flags=cv2.INTER_CUBIC,
                                     borderMode=cv2.BORDER_REFLECT))
    return np.stack(frames)


def luma(image: np.ndarray) -> np.ndarray:
    """Y of BT.601 (studio range, 16-235), as float64."""
    rgb = image.astype(np.float64)
    return 16 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255


def psnr_y(reference: np.ndarray, image: np.ndarray) -> float:
    mse = np.mean((luma(reference) - luma(image)) ** 2)
    return float(10 * np.log10(255.0**2 / max(mse, 1e-10)))


def h264(frames: np.ndarray) -> np.ndarray:
    """``frames`` through an H.264 MP4 (crf 18, yuv420p) and back."""
    from videogen.media import read_video, write_video

    with tempfile.TemporaryDirectory() as folder:
        path = write_video(frames, Path(folder) / "small.mp4", 24.0)
        return read_video(path, len(frames) + 8).frames[: len(frames)]


Upscale = Callable[[np.ndarray, int], np.ndarray]  # (T, h, w, 3) uint8, factor -> (T, f h, f w, 3) uint8


def opencv(method: str) -> Upscale:
    return lambda small, factor: np.stack([baselines(frame, factor)[method] for frame in small])


def measure(clips: dict[str, list[np.ndarray]], factor: int, methods: dict[str, Upscale], codec: bool = False,
            ) -> dict[str, dict[str, float]]:
    """Every method's mean scores over the clips of each photograph shrunk by ``factor`` (then through
    H.264 with ``codec``): over all the frames, and the PSNR over each photograph's frames."""
    scores: dict[str, dict[str, list[float]]] = {m: {"psnr": [], "psnr_y": [], "ssim": [], "s": []} for m in methods}
    photos: dict[str, dict[str, list[float]]] = {m: {name: [] for name in clips} for m in methods}
    for name, clip in ((name, clip) for name, group in clips.items() for clip in group):
        small = np.stack([shrink(frame, factor) for frame in clip])
        if codec:
            small = h264(small)
        for method, upscale in methods.items():
            start = time.perf_counter()
            out = upscale(small, factor)
            scores[method]["s"].append((time.perf_counter() - start) / len(clip))
            for frame, guess in zip(clip, out):
                scores[method]["psnr"].append(psnr(frame, guess))
                photos[method][name].append(scores[method]["psnr"][-1])
                scores[method]["psnr_y"].append(psnr_y(frame, guess))
                scores[method]["ssim"].append(ssim(frame, guess))
    return {m: {"psnr": round(float(np.mean(s["psnr"])), 2), "psnr_y": round(float(np.mean(s["psnr_y"])), 2),
                "ssim": round(float(np.mean(s["ssim"])), 4), "s_per_frame": round(float(np.median(s["s"])), 4),
                **{f"psnr_{name}": round(float(np.mean(v)), 2) for name, v in photos[m].items()}}
            for m, s in scores.items()}


def full_hd_seconds(ours: OfflineUpscaler, factor: int) -> float:
    """Seconds for one 1920x1080 output frame (median of 3; the first run, which loads, not counted)."""
    frame = cv2.resize(photo(HELD_OUT[0]), (1920 // factor, 1080 // factor), interpolation=cv2.INTER_AREA)[None]
    ours.upscale(frame, factor)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        ours.upscale(frame, factor)
        times.append(time.perf_counter() - start)
    return round(float(np.median(times)), 2)


def table(report: dict[str, dict[str, dict[str, float]]]) -> str:
    lines = ["| shrink, then enlarged by | PSNR RGB (dB) | " + " | ".join(f"{n} only" for n in HELD_OUT)
             + " | PSNR Y (dB) | SSIM | s per output frame |", "|---|---|" + "---|" * len(HELD_OUT) + "---|---|---|"]
    for section, rows in report.items():
        base = rows["bicubic"]
        for method, row in rows.items():
            cells = [f"{row[key]:.2f}" + (f" ({row[key] - base[key]:+.2f})" if method != "bicubic" else "")
                     for key in ("psnr", *(f"psnr_{n}" for n in HELD_OUT))]
            lines.append(f"| {section}: {method} | " + " | ".join(cells)
                         + f" | {row['psnr_y']:.2f} | {row['ssim']:.4f} | {row['s_per_frame']:.4f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--x4", type=Path, default=None,
                        help="also a x4 network of its own (python -m videogen.training.train_upscaler --factor 4)")
    args = parser.parse_args(argv)
    clips = {name: [footage(photo(name), (start, end), pan) for start, end, pan in MOVES] for name in HELD_OUT}
    ours = OfflineUpscaler()
    ours.network(2)  # loaded before the clock starts
    methods: dict[str, Upscale] = {"bicubic": opencv("bicubic"), "lanczos": opencv("lanczos"), NAME: ours.upscale}
    x4_methods = dict(methods)
    x4_methods[f"{NAME} (×2 twice)"] = x4_methods.pop(NAME)
    if args.x4 is not None:
        own = OfflineUpscaler({2: FOLDERS[2], 4: args.x4})
        own.network(4)
        x4_methods["a ×4 network of its own"] = own.upscale
    report = {"×2": measure(clips, 2, methods), "×4": measure(clips, 4, x4_methods),
              "×2 after H.264": measure(clips, 2, methods, codec=True)}
    count = sum(len(group) for group in clips.values())
    print(f"{count} clips of {FRAMES} frames at {SIZE[0]}x{SIZE[1]} over {', '.join(HELD_OUT)} (held out)\n")
    print(table(report))
    speed = {f"x{f}": full_hd_seconds(ours, f) for f in (2, 4)}
    print(f"\n{NAME}, one 1920x1080 output frame: ×2 {speed['x2']:.2f} s, ×4 {speed['x4']:.2f} s")
    print(json.dumps({"footage": {"clips": count, "frames": FRAMES, "size": SIZE, "photos": HELD_OUT},
                      "scores": report, "full_hd_s": speed}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
