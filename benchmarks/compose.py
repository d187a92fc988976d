"""Compositions: the sound in step with the picture, cuts on the beat, and the speed on this CPU.

Inputs: scikit-image's photographs (astronaut, coffee, chelsea, rocket, camera, cat) and music
synthesised here with known beats (a kick on every beat, a hi-hat between, a chord under them) at
three tempos. Three measurements, printed as one JSON object:

* **sync**: for each output kind (a composition with music; with music and narration ducked under
  it; a generated clip given sound afterwards), the container's start of each stream, the end of
  the sound against the end of the picture, and where the music's kicks are heard in the decoded
  output (the first frame is time 0) against where they are in the music: the median offset, and
  the drift from the first kicks to the last (kicks under the narration left out; the detector's
  own offset on the source music is given beside them).
* **beats**: :func:`videogen.compose.beats.beat_times` against the known beats (median and worst
  error of the beats it found within 70 ms of one, and how many it found), and each beat-synced
  cut against the nearest true beat, in milliseconds and frames.
* **speed**: a 12-second 1280x720 24 fps composition of the six photos (pan and zoom, crossfades,
  beat sync) against the naive baseline of encoding the same number of still frames (no motion,
  no sound), both in this run: seconds per composed second and the ratio.

Run: ``python benchmarks/compose.py`` (about a minute on 2 cores).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import wave
from pathlib import Path

import av
import numpy as np
from PIL import Image
from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from videogen.compose import ComposeOptions, run_compose  # noqa: E402
from videogen.compose.add_sound import SoundOptions, add_sound  # noqa: E402
from videogen.compose.beats import beat_times  # noqa: E402
from videogen.media import read_audio  # noqa: E402
from videogen.media.audio import Audio  # noqa: E402
from videogen.media.encode import VideoWriter  # noqa: E402

RATE = 44100
FIRST_BEAT_S = 0.25


def music(path: Path, duration_s: float, bpm: float) -> tuple[Path, np.ndarray]:
    """A WAV with a kick on every beat, a hi-hat half-way between and a chord; and the beat times."""
    beat = 60.0 / bpm
    t = np.arange(round(duration_s * RATE)) / RATE
    y = 0.05 * (np.sin(2 * np.pi * 220 * t) + np.sin(2 * np.pi * 277.2 * t) + np.sin(2 * np.pi * 329.6 * t))
    beats = np.arange(FIRST_BEAT_S, duration_s - 0.1, beat)
    kick = round(0.08 * RATE)
    k = np.arange(kick) / RATE
    kick_wave = 0.8 * np.exp(-k / 0.02) * np.sin(2 * np.pi * (120 - 400 * k) * k)
    hat = round(0.03 * RATE)
    hat_wave = 0.15 * np.exp(-np.arange(hat) / (0.004 * RATE)) * np.random.default_rng(0).standard_normal(hat)
    for b in beats:
        s = round(b * RATE)
        y[s:s + kick] += kick_wave[:len(y) - s]
        h = round((b + beat / 2) * RATE)
        if h + hat < len(y):
            y[h:h + hat] += hat_wave
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(RATE)
        out.writeframes((np.clip(y, -1, 1) * 32767).astype("<i2").tobytes())
    return path, beats


def kicks_heard(audio: Audio, expected: np.ndarray) -> np.ndarray:
    """Where each expected kick starts in ``audio``: the first sample within 40 ms either side whose
    low-passed level rises past half the kick's peak (NaN where none is found)."""
    import librosa

    mono = audio.samples.mean(axis=0)
    if audio.rate != RATE:
        mono = librosa.resample(mono, orig_sr=audio.rate, target_sr=RATE)
    low = np.convolve(np.abs(mono), np.ones(32) / 32, mode="same")
    found = []
    for b in expected:
        a, z = max(0, round((b - 0.04) * RATE)), min(len(low), round((b + 0.04) * RATE))
        window = low[a:z]
        if not len(window) or window.max() < 0.1:
            found.append(np.nan)
            continue
        found.append((a + int(np.argmax(window > window.max() / 2))) / RATE)
    return np.asarray(found)


def stream_times(path: Path) -> dict[str, float]:
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        return {"video_start_s": float(v.start_time * v.time_base), "audio_start_s": float(a.start_time * a.time_base),
                "video_end_s": float((v.start_time + v.duration) * v.time_base),
                "audio_end_s": float((a.start_time + a.duration) * a.time_base)}


def sync_of(path: Path, beats: np.ndarray, speech: list[tuple[float, float]] = ()) -> dict[str, float]:
    """The stream bounds and the kicks' offset (ms) and drift (ms, last quarter minus first) in
    ``path``; kicks under ``speech`` (start, end) are left out (the voice hides their attack)."""
    times = stream_times(path)
    expected = np.asarray([b for b in beats if b < times["video_end_s"] - 0.1
                           and not any(a - 0.05 <= b <= z + 0.05 for a, z in speech)])
    # the kick's own attack: where it is found in the source music (the same detector, no encoding)
    offsets = (kicks_heard(read_audio(path), expected) - expected) * 1000
    offsets = offsets[np.isfinite(offsets)]
    quarter = max(1, len(offsets) // 4)
    return {**{k: round(v, 4) for k, v in times.items()},
            "end_difference_ms": round((times["audio_end_s"] - times["video_end_s"]) * 1000, 2),
            "kicks": int(len(offsets)), "offset_median_ms": round(float(np.median(offsets)), 2),
            "offset_worst_ms": round(float(np.abs(offsets).max()), 2),
            "drift_ms": round(float(np.median(offsets[-quarter:]) - np.median(offsets[:quarter])), 2)}


def photos(folder: Path) -> list[Path]:
    shots = {"astronaut": data.astronaut(), "coffee": data.coffee(), "chelsea": data.chelsea(), "rocket": data.rocket(),
             "camera": data.camera(), "cat": data.cat()}
    paths = []
    for name, pixels in shots.items():
        path = folder / f"{name}.jpg"
        Image.fromarray(pixels).convert("RGB").save(path, quality=92)
        paths.append(path)
    return paths


def main() -> None:
    report: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pics = photos(folder)

        # 1. Sync: three kinds of output, each with music whose kicks are known.
        song, beats = music(folder / "song.wav", 12.0, 120)
        own_kicks = kicks_heard(Audio(read_wav(song), RATE), beats) - beats  # the detector on the music itself
        sync: dict[str, object] = {"detector_on_the_source_ms": round(float(np.median(own_kicks)) * 1000, 2)}
        made = run_compose(pics[:4], ComposeOptions(audio=str(song), fps=24, width=640, height=360), folder / "m.mp4")
        sync["compose_music"] = sync_of(Path(made.path), beats)
        made = run_compose(pics[:4], ComposeOptions(audio=str(song), narration="A walk through six photographs. "
                                                    "Every cut is on the beat.", beat_sync=True, fps=25, width=640,
                                                    height=360), folder / "n.mp4")
        spoken = [(c["start_s"], c["end_s"]) for c in made.subtitles["cues"]]
        sync["compose_music_narration_beat_sync"] = sync_of(Path(made.path), beats, spoken)
        clip = folder / "clip.mp4"
        frames = np.zeros((72, 240, 320, 3), np.uint8)
        with VideoWriter(clip, 24, len(frames), 240, 320) as out:
            for f in frames:
                out.write(f)
        add_sound(clip, SoundOptions(audio=str(song)))
        sync["clip_with_sound_added"] = sync_of(clip, beats)
        report["sync"] = sync

        # 2. Beats: the tracker against known beats at three tempos; beat-synced cuts against them.
        tracking = {}
        for bpm in (96, 120, 140):
            path, truth = music(folder / f"b{bpm}.wav", 15.0, bpm)
            found = beat_times(Audio(read_wav(path), RATE))
            errors = np.abs(found[:, None] - truth[None, :]).min(axis=1) * 1000
            hits = errors[errors <= 70]
            tracking[f"{bpm}_bpm"] = {"true": int(len(truth)), "found": int(len(found)), "within_70ms": int(len(hits)),
                                      "median_error_ms": round(float(np.median(hits)), 2),
                                      "worst_error_ms": round(float(hits.max()), 2)}
        report["beat_tracking"] = tracking
        cut_errors = []
        for bpm, fps in ((96, 24), (120, 25), (140, 30)):
            path, truth = music(folder / f"c{bpm}.wav", 12.0, bpm)
            made = run_compose(pics, ComposeOptions(audio=str(path), beat_sync=True, fps=fps, width=320, height=180),
                               folder / f"c{bpm}.mp4")
            for segment in made.segments[1:]:
                cut_errors.append((segment["start_s"] - truth[np.argmin(np.abs(truth - segment["start_s"]))], fps))
        ms = np.array([abs(e) * 1000 for e, _ in cut_errors])
        in_frames = np.array([abs(e) * fps for e, fps in cut_errors])
        report["beat_cuts"] = {"cuts": len(cut_errors), "median_ms": round(float(np.median(ms)), 2),
                               "worst_ms": round(float(ms.max()), 2), "worst_frames": round(float(in_frames.max()), 3)}

        # 3. Speed: the whole composition against encoding still frames, in the same run.
        song, _ = music(folder / "speed.wav", 12.0, 120)
        start = time.perf_counter()
        made = run_compose(pics, ComposeOptions(audio=str(song), beat_sync=True, transition="crossfade", fps=24,
                                                width=1280, height=720), folder / "speed.mp4")
        composed = time.perf_counter() - start
        still = np.asarray(Image.open(pics[0]).convert("RGB").resize((1280, 720)))
        start = time.perf_counter()
        with VideoWriter(folder / "still.mp4", 24, made.frames, 720, 1280) as out:
            for _ in range(made.frames):
                out.write(still)
        encoded = time.perf_counter() - start
        report["speed"] = {"frames": made.frames, "duration_s": made.duration_s, "compose_s": round(composed, 2),
                           "encode_stills_s": round(encoded, 2),
                           "compose_s_per_video_s": round(composed / made.duration_s, 3),
                           "encode_s_per_video_s": round(encoded / made.duration_s, 3),
                           "ratio_to_encoding": round(composed / encoded, 2), "timings": made.timings}
    print(json.dumps(report, indent=2))


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return (np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768)[None]


if __name__ == "__main__":
    main()
