"""Where the cuts fall: evenly, or on the music's beats.

:func:`beat_times` tracks the beats of a sound (librosa's onset-strength beat tracker, on a mono
copy at 22.05 kHz). :func:`cut_times` moves each planned cut between two shots to the beat nearest
to it, keeping every shot at least :data:`MIN_SHOT_S` long. The cuts are then put on the frame grid (:func:`on_frames`): a cut on a
beat is on the frame whose start is nearest to the beat, within half a frame.
"""

from __future__ import annotations

import numpy as np

from videogen.media.audio import Audio, resample

TRACKING_RATE = 22050
MIN_SHOT_S = 0.5
FINE_HOP = 128  # samples between onset-strength frames when beats are refined (5.8 ms)
SNAP_S = 0.06  # a beat moves to a note's start this close to it
LOW_HZ = 200.0  # the kick drum's and the bass's band


def beat_times(audio: Audio) -> np.ndarray:
    """The beats of ``audio``, in seconds from its start (empty for silence or a sound too short).

    librosa's tracker finds the beats on a 23 ms grid, on the kicks' phase (:func:`on_the_kick`);
    each is then moved to the start of the note
    nearest to it (an onset found on a 6 ms grid and backtracked to where its energy rises) when
    one is within :data:`SNAP_S`: a cut then falls where the beat is heard, not up to 25 ms after.
    """
    import librosa

    mono = resample(Audio(audio.samples.mean(axis=0, keepdims=True), audio.rate), TRACKING_RATE)
    if mono.samples.shape[1] < TRACKING_RATE or float(np.abs(mono.samples).max(initial=0)) < 1e-4:
        return np.zeros(0)
    y = mono.samples[0]
    _, frames = librosa.beat.beat_track(y=y, sr=TRACKING_RATE, units="frames", trim=False)
    beats = on_the_kick(y, librosa.frames_to_time(np.asarray(frames), sr=TRACKING_RATE))
    onsets = librosa.onset.onset_detect(y=y, sr=TRACKING_RATE, hop_length=FINE_HOP, backtrack=True, units="time")
    if len(onsets) and len(beats):
        nearest = onsets[np.argmin(np.abs(onsets[None, :] - beats[:, None]), axis=1)]
        beats = np.where(np.abs(nearest - beats) <= SNAP_S, nearest, beats)
    return beats


def on_the_kick(y: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """``beats``, or the points half-way between them when the low band (kick drum, bass, under
    :data:`LOW_HZ`) starts notes there harder. The tracker follows the strongest onsets, and a
    hi-hat between the kicks often is one: it then finds the right tempo on the off-beat."""
    import librosa

    if len(beats) < 4:
        return beats
    low = librosa.onset.onset_strength(y=y, sr=TRACKING_RATE, hop_length=FINE_HOP, n_mels=16, fmax=LOW_HZ)
    times = librosa.frames_to_time(np.arange(len(low)), sr=TRACKING_RATE, hop_length=FINE_HOP)

    def strength(at: np.ndarray) -> float:
        near = np.abs(times[None, :] - at[:, None]) <= 0.03
        return float(np.mean([low[row].max(initial=0) for row in near]))

    halves = (beats[:-1] + beats[1:]) / 2
    if strength(halves) <= 1.5 * strength(beats[1:-1]):
        return beats
    period = float(np.median(np.diff(beats)))
    before = [halves[0] - period] if halves[0] - period >= 0 else []
    after = [halves[-1] + period] if halves[-1] + period <= times[-1] else []
    return np.asarray([*before, *halves, *after])


def cut_times(targets: np.ndarray, duration_s: float, beats: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """(cuts, how many are on a beat): each cut of ``targets`` (in order, inside ``duration_s``)
    moved to the beat nearest to it when ``beats`` are given and one is free (at least
    :data:`MIN_SHOT_S` after the cut before, and leaving that much for each shot after it)."""
    targets = np.asarray(targets, dtype=float)
    if beats is None or not len(beats):
        return targets, 0
    cuts, on_beat, previous = [], 0, 0.0
    for index, target in enumerate(targets):
        latest = duration_s - (len(targets) - index) * MIN_SHOT_S
        free = beats[(beats >= previous + MIN_SHOT_S) & (beats <= latest)]
        if len(free):
            cut = float(free[np.argmin(np.abs(free - target))])
            on_beat += 1
        else:  # no beat where this cut may go: its own place, kept inside the bounds
            cut = float(min(max(target, previous + MIN_SHOT_S), max(latest, previous)))
        cuts.append(cut)
        previous = cut
    return np.asarray(cuts), on_beat


def on_frames(cuts: np.ndarray, fps: float) -> np.ndarray:
    """Each cut as the index of the first frame after it (the frame starting nearest to it)."""
    return np.round(np.asarray(cuts) * fps).astype(int)
