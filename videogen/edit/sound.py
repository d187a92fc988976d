"""The cuts of :mod:`videogen.edit.timing`, done to the sound: trim, speed, reverse, loop, join, fit.

Each takes an :class:`~videogen.media.Audio` that lasts as long as the frames it goes with
(``T / fps``) and gives back one that lasts as long as the frames :mod:`~videogen.edit.timing`
gives back, to the sample: the times are the frames' own (trim cuts at frame boundaries, loop
leaves the turning frames out), not the seconds asked for. Small functions, one job each;
:mod:`videogen.edit.recipe` calls them beside the frame operations.

Speed stretches time and keeps the pitch (librosa's phase vocoder): a voice at 2x sounds like the
same person talking fast, not a cartoon, and music stays in its key, which is what a video editor's
speed control does by default. The phase vocoder (a 43 ms window, a quarter of it between frames)
smears a sharp click, which lands within about 10 ms of where the picture puts it.
"""

from __future__ import annotations

import numpy as np

from videogen.edit.timing import SPEED_RANGE
from videogen.errors import InvalidInputError
from videogen.media.audio import Audio, fit
from videogen.media.mixing import SEAM_S, join, seamed, with_channels

__all__ = ["SEAM_S", "fit", "frame_span", "join", "loop", "reverse", "speed", "trim", "with_channels"]

STRETCH_WINDOW_S = 0.043  # the phase vocoder's window (2048 samples at 48 kHz); a click lands within a quarter of it


def frame_span(count: int, fps: float, start: float | None, end: float | None) -> tuple[int, int]:
    """The frames :func:`videogen.edit.timing.trim` keeps of ``count``, as (first, stop): its rounding."""
    duration = count / fps
    start = 0.0 if start is None else start
    end = duration if end is None else end
    first, last = int(round(start * fps)), int(round(min(end, duration) * fps))
    return first, max(last, first + 1)


def trim(audio: Audio, start_s: float, end_s: float) -> Audio:
    """The sound from ``start_s`` to ``end_s`` seconds (padded with silence where ``end_s`` is past its end)."""
    if not 0 <= start_s < end_s:
        raise InvalidInputError(f"trim must start at 0 s or later and end after it starts, got {start_s:g}:{end_s:g}")
    first = round(start_s * audio.rate)
    return fit(Audio(audio.samples[:, first:], audio.rate), end_s - first / audio.rate)


def speed(audio: Audio, factor: float) -> Audio:
    """Play ``factor`` times as fast, the pitch kept: ``duration / factor`` long (to the sample)."""
    low, high = SPEED_RANGE
    if not low <= factor <= high:
        raise InvalidInputError(f"speed must be between {low:g} and {high:g}, got {factor:g}")
    count = audio.samples.shape[1]
    if factor == 1:
        return audio
    window = stretch_window(audio.rate)
    if count < window:  # too short for a window: picked by time, as the frames are
        picks = np.minimum((np.arange(round(count / factor)) * factor).astype(int), max(count - 1, 0))
        return Audio(audio.samples[:, picks], audio.rate)
    import librosa

    stretched = librosa.effects.time_stretch(audio.samples, rate=factor, n_fft=window, hop_length=window // 4)
    return fit(Audio(np.clip(stretched, -1, 1), audio.rate), round(count / factor) / audio.rate)


def stretch_window(rate: int) -> int:
    """The phase vocoder's window at ``rate``: the power of two nearest :data:`STRETCH_WINDOW_S`."""
    return int(2 ** max(8, round(np.log2(rate * STRETCH_WINDOW_S))))


def reverse(audio: Audio) -> Audio:
    return Audio(audio.samples[:, ::-1].copy(), audio.rate)


def loop(audio: Audio, times: int, fps: float) -> Audio:
    """The boomerang of :func:`videogen.edit.timing.loop`: forward, then back without the turning
    frames, ``times`` over, and the first frame's sound to end on. ``audio`` lasts as long as the
    frames (``T / fps``); the result lasts as long as the boomerang's frames."""
    if not isinstance(times, int) or not 1 <= times <= 20:
        raise InvalidInputError(f"loop must be a whole number from 1 to 20, got {times!r}")
    count = round(audio.duration_s * fps)
    forward = audio.samples
    if count > 2:  # back from frame T-2 to frame 1: the sound of frames 1..T-2, reversed
        back = audio.samples[:, round(audio.rate / fps):round((count - 1) * audio.rate / fps)][:, ::-1]
        parts = [forward, back] * times
    else:
        parts = [forward] * times
    parts.append(audio.samples[:, :round(audio.rate / fps)])
    return Audio(seamed(parts, audio.rate), audio.rate)
