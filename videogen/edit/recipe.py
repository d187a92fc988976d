"""One edit: read the inputs, apply the operations in a fixed order, write a browser-playable MP4.

The order, whatever order the options were given in: join (several inputs, fitted to the first
one's size and frame rate), trim, speed, reverse, loop, interpolate. The result says every
operation and what came out (frames, size, rate, duration), as the CLI's ``--json`` prints it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from videogen.edit import interpolate as flow
from videogen.edit import timing
from videogen.errors import GenerationCancelled, InvalidInputError
from videogen.hub import Progress, ProgressFn
from videogen.media import probe, read_video, write_video

MAX_FRAME_PIXELS = 400_000_000  # frames x height x width held at once when no policy says (1.2 GB of RGB)


@dataclass
class EditResult:
    """The CLI's ``--json`` object for one edit."""

    input: list[str]
    path: str
    frames: int
    height: int
    width: int
    fps: float
    operations: list[dict[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return round(self.frames / self.fps, 3) if self.fps else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"input": self.input, "path": self.path, "frames": self.frames, "height": self.height,
                "width": self.width, "fps": self.fps, "duration_s": self.duration_s, "operations": self.operations,
                "timings": self.timings, "warnings": self.warnings}


@dataclass(frozen=True)
class EditOptions:
    """What to do, each None (or False) when not asked for."""

    interpolate: int | None = None  # 2 or 4
    trim: str | None = None  # "START:END", seconds
    speed: float | None = None  # 0.25-4
    reverse: bool = False
    loop: int | None = None  # boomerang this many times

    def check(self) -> None:
        if self.interpolate is not None and self.interpolate not in flow.FACTORS:
            raise InvalidInputError(f"interpolate must be 2 or 4, got {self.interpolate!r}")
        if self.trim is not None:
            timing.parse_span(self.trim)
        if self.speed is not None:
            low, high = timing.SPEED_RANGE
            if not low <= self.speed <= high:
                raise InvalidInputError(f"speed must be between {low:g} and {high:g}, got {self.speed:g}")
        if self.loop is not None and not (isinstance(self.loop, int) and 1 <= self.loop <= 20):
            raise InvalidInputError(f"loop must be a whole number from 1 to 20, got {self.loop!r}")


def _at_rate(frames: np.ndarray, fps: float, target: float) -> np.ndarray:
    """``frames`` shown at ``fps`` as frames at ``target`` fps (picked by time)."""
    if abs(fps - target) < 1e-6:
        return frames
    count = max(1, int(round(len(frames) * target / fps)))
    return frames[np.minimum((np.arange(count) * fps / target).astype(int), len(frames) - 1)]


def run_edit(
    inputs: list[str | Path], options: EditOptions, output: str | Path, *, max_frame_pixels: int | None = None,
    progress: ProgressFn | None = None, cancel: threading.Event | None = None,
) -> EditResult:
    # 1. Check the options and the inputs (their size from the header: nothing over the cap is decoded).
    options.check()
    if not inputs:
        raise InvalidInputError("give at least one video to edit")
    budget = max_frame_pixels or MAX_FRAME_PIXELS
    start = time.perf_counter()
    videos = []
    for path in inputs:
        info = probe(path)
        videos.append(read_video(path, max(1, budget // max(info.width * info.height, 1))))
    read = time.perf_counter()

    # 2. Join, fitted to the first input's size and rate.
    fps = videos[0].fps
    frames = timing.join([_at_rate(v.frames, v.fps, fps) for v in videos])
    operations: list[dict[str, Any]] = []
    warnings: list[str] = []
    if len(videos) > 1:
        operations.append({"name": "join", "model": None, "inputs": len(videos)})

    # 3. The cuts, in order.
    if options.trim is not None:
        begin, end = timing.parse_span(options.trim)
        frames = timing.trim(frames, fps, begin, end)
        operations.append({"name": "trim", "model": None, "start_s": begin, "end_s": end})
    if options.speed is not None:
        frames = timing.speed(frames, options.speed)
        operations.append({"name": "speed", "model": None, "factor": options.speed})
    if options.reverse:
        frames = timing.reverse(frames)
        operations.append({"name": "reverse", "model": None})
    if options.loop is not None:
        frames = timing.loop(frames, options.loop)
        operations.append({"name": "loop", "model": None, "times": options.loop})

    # 4. Interpolation: (T - 1) * N + 1 frames at N times the rate, the same duration.
    if options.interpolate is not None:
        if len(frames) < 2:
            warnings.append("There is one frame only: nothing to interpolate between.")
        elif bool(np.all(frames == frames[:1])):
            warnings.append("Every frame is the same (a still): interpolating adds copies of it.")
        total = (len(frames) - 1) * options.interpolate + 1
        if total * frames.shape[1] * frames.shape[2] > budget:
            raise InvalidInputError(
                f"interpolating ×{options.interpolate} would make {total} frames of {frames.shape[2]}×{frames.shape[1]}, "
                f"over the {budget:,} pixels an edit may hold: trim the video first, or interpolate ×2.")

        def on_pair(done: int, pairs: int) -> None:
            if cancel is not None and cancel.is_set():
                raise GenerationCancelled("Edit cancelled.")
            if progress is not None:
                progress(Progress("interpolate", done, pairs, "pair", f"Interpolating: pair {done}/{pairs}"))

        frames = flow.interpolate(frames, options.interpolate, on_pair)
        fps *= options.interpolate
        operations.append({"name": "interpolate", "model": "dis-flow", "factor": options.interpolate})
    edited = time.perf_counter()

    # 5. Encode (H.264, faststart), the operations in the file's metadata.
    if progress is not None:
        progress(Progress("encode", 0, 1, "", "Encoding H.264"))
    path = write_video(frames, output, fps, metadata={"edit": operations, "inputs": [Path(p).name for p in inputs]})
    done = time.perf_counter()
    height, width = frames.shape[1] + frames.shape[1] % 2, frames.shape[2] + frames.shape[2] % 2  # as encoded
    return EditResult([str(p) for p in inputs], str(path), len(frames), height, width, fps, operations,
                      {"read_s": round(read - start, 3), "edit_s": round(edited - read, 3), "encode_s": round(done - edited, 3)},
                      warnings)
