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

import numpy as np
from skimage import data
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from videogen.bench.footage import pan_zoom  # noqa: E402
from videogen.edit.interpolate import between  # noqa: E402


def pan(photo: np.ndarray, count: int = 9) -> np.ndarray:
    return pan_zoom(photo, count, (320, 240))


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
