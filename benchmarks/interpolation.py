"""Frame interpolation on real footage: drop every other frame, rebuild it, compare with the dropped one.

Footage: pans with a slow zoom over scikit-image's photographs (astronaut, coffee, chelsea, rocket),
9 frames each at 320x240, 6 px a frame sideways and 1 % zoom a frame. Each odd frame is dropped and
rebuilt from its neighbours by:

* **repeat**: the frame before (what a player does at half the frame rate);
* **blend**: the mean of the two neighbours (the naive interpolation);
* **dis-flow**: :func:`videogen.edit.interpolate.between` (DIS flow both ways, occlusion-aware).

Prints PSNR (dB) and SSIM means and seconds per rebuilt frame on this CPU, as one JSON object.
Run: ``python benchmarks/interpolation.py`` (about ten seconds).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from skimage import data
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from videogen.edit.interpolate import between  # noqa: E402


def pan(photo: np.ndarray, count: int = 9) -> list[np.ndarray]:
    height, width = photo.shape[:2]
    frames = []
    for t in range(count):
        scale = 1 + 0.01 * t
        move = np.float32([[scale, 0, -6 * t], [0, scale, -3 * t]])
        frame = cv2.warpAffine(photo, move, (width, height), borderMode=cv2.BORDER_REFLECT)[40:height - 40, 40:width - 80]
        frames.append(cv2.resize(frame, (320, 240), interpolation=cv2.INTER_AREA))
    return frames


def main() -> None:
    scores: dict[str, dict[str, list[float]]] = {m: {"psnr": [], "ssim": []} for m in ("repeat", "blend", "dis-flow")}
    seconds = []
    for photo in (data.astronaut(), data.coffee(), data.chelsea(), data.rocket()):
        frames = pan(photo)
        for i in range(0, len(frames) - 2, 2):
            a, dropped, b = frames[i], frames[i + 1], frames[i + 2]
            start = time.perf_counter()
            rebuilt = between(a, b, [0.5])[0]
            seconds.append(time.perf_counter() - start)
            for method, guess in (("repeat", a), ("blend", ((a.astype(np.uint16) + b) // 2).astype(np.uint8)),
                                  ("dis-flow", rebuilt)):
                scores[method]["psnr"].append(peak_signal_noise_ratio(dropped, guess))
                scores[method]["ssim"].append(structural_similarity(dropped, guess, channel_axis=-1))
    report = {m: {k: round(float(np.mean(v)), 3 if k == "ssim" else 2) for k, v in s.items()} for m, s in scores.items()}
    report["dis-flow"]["s_per_frame"] = round(float(np.median(seconds)), 3)
    report["frames_rebuilt"] = len(seconds)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
