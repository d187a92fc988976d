"""The plain cuts: trim, speed, reverse, loop (boomerang) and join, on (T, H, W, 3) uint8 frames.

Each takes frames and their frame rate and gives back frames at the same rate (speed keeps the rate
and changes how many frames there are: 2x plays in half the time). Small functions over arrays, one
job each; :mod:`videogen.edit` chains them.
"""

from __future__ import annotations

import numpy as np

from videogen.errors import InvalidInputError

SPEED_RANGE = (0.25, 4.0)


def parse_span(text: str) -> tuple[float | None, float | None]:
    """``"1.5:4"`` -> (1.5, 4.0); either side may be left out (``":3"``, ``"2:"``)."""
    start, sep, end = str(text).partition(":")
    if not sep:
        raise InvalidInputError(f"trim must be START:END in seconds (e.g. 1.5:4, or :3), got {text!r}")
    try:
        return (float(start) if start.strip() else None, float(end) if end.strip() else None)
    except ValueError:
        raise InvalidInputError(f"trim must be START:END in seconds (e.g. 1.5:4, or :3), got {text!r}") from None


def trim(frames: np.ndarray, fps: float, start: float | None, end: float | None) -> np.ndarray:
    """The frames on screen from ``start`` to ``end`` seconds (None: the video's start or end)."""
    duration = len(frames) / fps
    start = 0.0 if start is None else start
    end = duration if end is None else end
    if start >= duration:
        raise InvalidInputError(f"trim starts at {start:g} s, but the video lasts {duration:.2f} s")
    if not 0 <= start < end:
        raise InvalidInputError(f"trim must start at 0 s or later and end after it starts, got {start:g}:{end:g}")
    first, last = int(round(start * fps)), int(round(min(end, duration) * fps))
    return frames[first:max(last, first + 1)]


def speed(frames: np.ndarray, factor: float) -> np.ndarray:
    """Play ``factor`` times as fast at the same frame rate: frames picked (or repeated) by time."""
    low, high = SPEED_RANGE
    if not low <= factor <= high:
        raise InvalidInputError(f"speed must be between {low:g} and {high:g}, got {factor:g}")
    count = max(1, int(round(len(frames) / factor)))
    picks = np.minimum((np.arange(count) * factor).astype(int), len(frames) - 1)
    return frames[picks]


def reverse(frames: np.ndarray) -> np.ndarray:
    return frames[::-1].copy()


def loop(frames: np.ndarray, times: int) -> np.ndarray:
    """A boomerang ``times`` times over: forward, then back (the turning frames not doubled)."""
    if not isinstance(times, int) or not 1 <= times <= 20:
        raise InvalidInputError(f"loop must be a whole number from 1 to 20, got {times!r}")
    there_and_back = np.concatenate([frames, frames[-2:0:-1]]) if len(frames) > 2 else frames
    return np.concatenate([there_and_back] * times + [frames[:1]])


def join(clips: list[np.ndarray]) -> np.ndarray:
    """The clips one after another, each fitted to the first one's size (scaled to cover, centre-cropped)."""
    import cv2

    height, width = clips[0].shape[1:3]
    fitted = [clips[0]]
    for clip in clips[1:]:
        h, w = clip.shape[1:3]
        if (h, w) != (height, width):
            scale = max(width / w, height / h)
            size = (max(width, round(w * scale)), max(height, round(h * scale)))
            top, left = (size[1] - height) // 2, (size[0] - width) // 2
            clip = np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA)[top:top + height, left:left + width]
                             for f in clip])
        fitted.append(clip)
    return np.concatenate(fitted)
