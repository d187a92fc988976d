"""Sounds put together: one after another (:func:`join`), channels matched (:func:`with_channels`),
seams faded so a jump in the waveform does not click (:func:`seamed`). Small functions over
:class:`~videogen.media.audio.Audio`, shared by the edit and compose rooms.
"""

from __future__ import annotations

import numpy as np

from videogen.errors import InvalidInputError
from videogen.media.audio import Audio, fit, resample, silence

SEAM_S = 0.003  # a jump in the waveform is faded out and in over this long (no click)


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
