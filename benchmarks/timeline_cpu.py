"""Seconds for the timeline of a 3-minute video: the one decoding pass, and classification per window.

    python benchmarks/timeline_cpu.py                      # the tests' shapes video (3 min, 64x64, 8 fps), shapes-action
    python benchmarks/timeline_cpu.py --video long.mp4     # also the decoding pass over your video
    python benchmarks/timeline_cpu.py --xclip              # also X-CLIP base/32 per window, batches of 1 and 8

The decoding pass is :func:`videogen.media.iter_frames_at` over every frame the windows need
(X-CLIP's plan: 8 frames per 4-s window at 224 px; shapes-action's: 16 per 2-s window at 48 px),
next to a bare decode of every frame (no conversion) as the floor. X-CLIP is built from the
published base/32 configuration with random weights (the timing does not depend on them), as
``benchmarks/xclip_cpu.py`` does; nothing is downloaded. Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from videogen.recognize.timeline import plan_windows  # noqa: E402
from videogen.media import DecodeStats, iter_frames_at, probe  # noqa: E402

logger = logging.getLogger("timeline_cpu")
PLANS = {"xclip": (4.0, 8, 224), "shapes-action": (2.0, 16, 48)}  # window s, frames per window, short side px


def shapes_video(folder: Path) -> Path:
    """3 minutes at 8 fps, 64x64: a shape moving right, rotating, then growing, a minute each."""
    from videogen.shapes import SceneSpec, render_clip, sample_params
    from videogen.media import write_video

    rng = np.random.default_rng(11)
    parts = []
    for motion in ("moving right", "rotating clockwise", "growing"):
        parts += [render_clip(sample_params(SceneSpec("square", "red", "black", motion), rng, num_frames=16)) for _ in range(30)]
    return write_video(np.concatenate(parts), folder / "three-minutes.mp4", fps=8)


def decoding_pass(video: Path, plan: str) -> dict:
    window, frames, side = PLANS[plan]
    duration = probe(video).duration
    starts, window, _, _ = plan_windows(duration, window, window)
    targets = sorted(min(s + (j + 0.5) * window / frames, duration) for s in starts for j in range(frames))
    stats = DecodeStats()
    tick = time.perf_counter()
    for _ in iter_frames_at(video, targets, short_side=side, stats=stats):
        pass
    return {"measure": "decoding pass", "video": video.name, "plan": plan, "windows": len(starts),
            "seconds": round(time.perf_counter() - tick, 2), "frames_decoded": stats.decoded,
            "frames_converted": stats.converted, "frames_in_file": probe(video).frame_count}


def bare_decode(video: Path) -> dict:
    import av

    tick = time.perf_counter()
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        count = sum(1 for _ in container.decode(stream))
    return {"measure": "decode every frame, no conversion", "video": video.name, "frames": count,
            "seconds": round(time.perf_counter() - tick, 2)}


def shapes_timeline(video: Path) -> dict:
    from videogen.api import Engine

    engine = Engine(device="cpu")
    engine.timeline(video, model="shapes-action")  # load, warm up
    result = engine.timeline(video, model="shapes-action")
    return {"measure": "shapes-action timeline", "video": video.name, **result.timings, "windows": result.stats["windows"]}


def xclip_per_window(batches: tuple[int, ...] = (1, 8), repeats: int = 2) -> list[dict]:
    import torch
    from transformers import XCLIPConfig, XCLIPModel

    from videogen.models.classifiers import xclip_logits, xclip_video_features

    config = XCLIPConfig(vision_config={"patch_size": 32, "num_frames": 8, "image_size": 224})
    torch.manual_seed(0)
    model = XCLIPModel(config).eval()
    text = torch.randn(400, config.projection_dim)  # cached features of the 400 Kinetics labels
    rows = []
    with torch.inference_mode():
        for batch in batches:
            pixels = torch.randn(batch, 8, 3, 224, 224)
            xclip_logits(model, text, *xclip_video_features(model, pixels))  # warm up
            times = []
            for _ in range(repeats):
                tick = time.perf_counter()
                xclip_logits(model, text, *xclip_video_features(model, pixels))
                times.append(time.perf_counter() - tick)
            rows.append({"measure": "xclip-base-32 per window", "batch": batch, "threads": torch.get_num_threads(),
                         "ms_per_window": round(1000 * min(times) / batch), "runs": repeats})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--video", type=Path, help="a long video for the decoding pass (default: only the shapes video)")
    parser.add_argument("--xclip", action="store_true", help="also X-CLIP base/32 per window (random weights)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        shapes = shapes_video(Path(tmp))
        rows = [decoding_pass(shapes, "shapes-action"), bare_decode(shapes), shapes_timeline(shapes)]
        if args.video:
            rows += [decoding_pass(args.video, "xclip"), decoding_pass(args.video, "shapes-action"), bare_decode(args.video)]
        if args.xclip:
            rows += xclip_per_window()
    for row in rows:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
