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
from videogen.media.audio import Audio, fit, resample, silence

__all__ = ["fit", "frame_span", "join", "loop", "reverse", "speed", "trim"]

SEAM_S = 0.003  # loop and join: a jump in the waveform is faded out and in over this long (no click)
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


def join(clips: list[Audio | None], durations: list[float]) -> Audio | None:
    """The clips' sound one after another, each ``durations[i]`` long (its frames' duration): at the
    first sound's rate and channels, silence for a clip without sound. None when none has sound."""
    if len(clips) != len(durations):
        raise InvalidInputError(f"join needs one duration per clip, got {len(durations)} for {len(clips)} clips")
    given = [clip for clip in clips if clip is not None]
    if not given:
        return None
    rate, channels = given[0].rate, given[0].channels
    ends = np.round(np.cumsum([0.0, *durations]) * rate).astype(int)  # boundaries on one grid: no drift
    parts = []
    for clip, begin, end in zip(clips, ends[:-1], ends[1:]):
        clip = silence(0, rate, channels) if clip is None else with_channels(resample(clip, rate), channels)
        parts.append(fit(clip, (end - begin) / rate).samples)
    return Audio(seamed(parts, rate), rate)


def with_channels(audio: Audio, channels: int) -> Audio:
    """Mono copied to both sides, or several channels mixed down to one (their mean)."""
    if audio.channels == channels:
        return audio
    if channels == 1:
        return Audio(audio.samples.mean(axis=0, keepdims=True), audio.rate)
    mono = audio.samples.mean(axis=0, keepdims=True)
    return Audio(np.repeat(mono, channels, axis=0), audio.rate)


def seamed(parts: list[np.ndarray], rate: int) -> np.ndarray:
    """The parts end to end, each faded in and out over :data:`SEAM_S` where it meets another."""
    ramp = np.sin(np.linspace(0, np.pi / 2, max(1, round(SEAM_S * rate)), dtype=np.float32)) ** 2
    out = []
    for i, part in enumerate(parts):
        part = part.copy()
        size = min(len(ramp), part.shape[1] // 2)
        if i > 0 and size:
            part[:, :size] *= ramp[:size]
        if i < len(parts) - 1 and size:
            part[:, part.shape[1] - size:] *= ramp[:size][::-1]
        out.append(part)
    return np.concatenate(out, axis=1)
