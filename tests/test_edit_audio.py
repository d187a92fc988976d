"""Sound kept through every edit (issue 18): AAC in the MP4, in step with the picture after trim,
speed, reverse, loop, join and interpolation, on real speech (espeak-ng) and clicks over a tone."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from videogen.bench.footage import pan_zoom
from videogen.edit import sound, timing
from videogen.edit.recipe import EditOptions, run_edit
from videogen.errors import InvalidInputError
from videogen.media import Audio, read_audio, write_video
from videogen.ui.playable import browser_playable

FPS = 25
TONE_HZ = 440.0  # the "music" under the clicks
CLICK_HZ = 3000.0


def pan(count: int, size: tuple[int, int] = (160, 120)) -> np.ndarray:
    """A pan with a slow zoom over skimage's astronaut: real texture, real motion."""
    return pan_zoom(pytest.importorskip("skimage.data").astronaut(), count, size, shift=(2, 1), zoom=0.004,
                    crop=(60, 60, 40, 40))


def clicks(times: list[float], duration: float, rate: int = 48000, channels: int = 2) -> Audio:
    """A quiet 440 Hz tone with short loud 3 kHz clicks centred at ``times`` (Hann-windowed, 4 ms)."""
    t = np.arange(round(duration * rate)) / rate
    signal = 0.08 * np.sin(2 * np.pi * TONE_HZ * t)
    width = round(0.004 * rate)
    burst = 0.8 * np.hanning(width) * np.sin(2 * np.pi * CLICK_HZ * np.arange(width) / rate)
    for when in times:
        start = round(when * rate) - width // 2
        signal[start:start + width] += burst
    return Audio(np.repeat(signal[None], channels, axis=0).astype(np.float32), rate)


def found_clicks(audio: Audio) -> list[float]:
    """Where the clicks are (s): peaks of the smoothed high-passed envelope (the tone filtered out)."""
    x = audio.samples.mean(axis=0)
    high = np.abs(np.diff(x, prepend=x[0]))  # the 440 Hz tone is 7x weaker than a 3 kHz click here
    smooth = np.convolve(high, np.ones(round(0.002 * audio.rate)) / round(0.002 * audio.rate), mode="same")
    limit, gap = 0.4 * smooth.max(), round(0.05 * audio.rate)
    peaks: list[int] = []
    for i in np.flatnonzero(smooth > limit):
        if peaks and i - peaks[-1] < gap:
            if smooth[i] > smooth[peaks[-1]]:
                peaks[-1] = i
            continue
        peaks.append(int(i))
    return [p / audio.rate for p in peaks]


def assert_clicks(audio: Audio, expected: list[float], tolerance_s: float = 0.003) -> None:
    got = found_clicks(audio)
    assert len(got) == len(expected), (got, expected)
    errors = [abs(g - e) for g, e in zip(got, expected)]
    assert max(errors) <= tolerance_s, (got, expected)


def speech(tmp_path: Path) -> Audio:
    """A sentence spoken by espeak-ng (22.05 kHz mono)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed: no speech to test with (apt-get install espeak-ng)")
    soundfile = pytest.importorskip("soundfile")
    wav = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "The quick brown fox jumps over the lazy dog"], check=True, timeout=60)
    samples, rate = soundfile.read(wav, dtype="float32", always_2d=True)
    return Audio(samples.T, rate)


def edit(tmp_path: Path, inputs: list[Path], name: str = "out.mp4", **options: object):
    return run_edit(inputs, EditOptions(**options), tmp_path / name)


def streams(path: Path) -> dict[str, object]:
    """The output's streams as a browser sees them, and whether its index (moov) is first."""
    with av.open(str(path)) as opened:
        video = opened.streams.video[0]
        info: dict[str, object] = {"video": (video.codec_context.name, video.codec_context.pix_fmt),
                                   "video_s": float(video.duration * video.time_base)}
        if opened.streams.audio:
            audio = opened.streams.audio[0]
            info.update(audio=(audio.codec_context.name, audio.rate, audio.channels),
                        audio_s=float(audio.duration * audio.time_base))
    head = path.read_bytes()
    info["faststart"] = 0 <= head.find(b"moov") < head.find(b"mdat")
    return info


def test_write_video_puts_aac_beside_the_picture_as_long_as_it(tmp_path: Path) -> None:
    frames = pan(50)  # 2 s
    cases = [(clicks([0.5, 1.5], 2.6), 48000, 2),  # longer than the picture: cut
             (clicks([0.5, 1.5], 1.7, rate=22050, channels=1), 22050, 1),  # shorter: padded with silence
             (clicks([0.5, 1.5], 2.0, rate=37800), 48000, 2)]  # a rate AAC lacks: 48 kHz
    for i, (audio, rate, channels) in enumerate(cases):
        path = write_video(frames, tmp_path / f"{i}.mp4", fps=FPS, audio=audio)
        info = streams(path)
        assert info["video"] == ("h264", "yuv420p") and info["audio"] == ("aac", rate, channels) and info["faststart"]
        assert info["audio_s"] == pytest.approx(2.0, abs=1e-3) and info["video_s"] == pytest.approx(2.0, abs=1e-3)
        assert browser_playable(path)
        back = read_audio(path)
        assert (back.rate, back.channels) == (rate, channels) and back.duration_s == pytest.approx(2.0, abs=1e-3)
        assert_clicks(back, [0.5, 1.5], 0.002)
        if i == 1:
            assert np.abs(back.samples[:, round(1.75 * rate):]).max() < 0.01, "padded with silence"
    silent = write_video(frames, tmp_path / "silent.mp4", fps=FPS)
    assert "audio" not in streams(silent) and read_audio(silent) is None
    with pytest.raises(InvalidInputError, match="1 or 2 channels"):
        write_video(frames, tmp_path / "six.mp4", fps=FPS, audio=Audio(np.zeros((6, 4800)), 48000))
    assert not (tmp_path / "six.mp4").exists()


def test_read_audio_takes_other_codecs_and_skips_damage(tmp_path: Path) -> None:
    frames = pan(50)
    audio = clicks([0.5, 1.2, 1.7], 2.0, rate=44100)
    path = tmp_path / "clip.mkv"
    with av.open(str(path), "w", format="matroska") as out:
        video = out.add_stream("mpeg4", rate=FPS)
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        track = out.add_stream("flac", rate=44100, layout="stereo")
        pcm = (audio.samples.T * 32767).astype(np.int16)
        for i, image in enumerate(frames):
            for packet in video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
            chunk = pcm[round(i * 44100 / FPS):round((i + 1) * 44100 / FPS)]
            packed = np.ascontiguousarray(chunk.reshape(1, -1))  # s16 interleaved: (1, n * channels)
            frame = av.AudioFrame.from_ndarray(packed, format="s16", layout="stereo")
            frame.rate, frame.pts, frame.time_base = 44100, round(i * 44100 / FPS), Fraction(1, 44100)
            for packet in track.encode(frame):
                out.mux(packet)
        for stream in (video, track):
            for packet in stream.encode():
                out.mux(packet)
    back = read_audio(path)
    assert (back.rate, back.channels) == (44100, 2) and back.duration_s == pytest.approx(2.0, abs=0.03)
    assert_clicks(back, [0.5, 1.2, 1.7], 0.001)
    # damage: garbage over a stretch in the middle of the file; what decodes stays where it was
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 3000] = np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes()
    (tmp_path / "damaged.mkv").write_bytes(bytes(data))
    damaged = read_audio(tmp_path / "damaged.mkv")
    assert damaged is not None and damaged.duration_s == pytest.approx(2.0, abs=0.1)
    assert found_clicks(damaged)[-1] == pytest.approx(1.7, abs=0.002), "the sound after the damage stays in step"


def test_trim_keeps_the_part_between_the_frames_kept(tmp_path: Path) -> None:
    clip = write_video(pan(75), tmp_path / "in.mp4", fps=FPS, audio=clicks([0.5, 1.3, 2.2, 2.6], 3.0))
    result = edit(tmp_path, [clip], trim="0.99:2.31")  # frames 25..57 (1.0 s to 2.32 s): the frames' times, not 0.99
    assert result.frames == 33 and result.audio == {"codec": "aac", "channels": 2, "rate": 48000, "duration_s": 1.32}
    info = streams(Path(result.path))
    assert info["audio"] == ("aac", 48000, 2) and info["audio_s"] == pytest.approx(info["video_s"], abs=1 / FPS)
    assert_clicks(read_audio(result.path), [0.3, 1.2])
    assert result.to_json()["audio"] == result.audio


def test_speed_moves_the_clicks_and_keeps_the_pitch(tmp_path: Path) -> None:
    clip = write_video(pan(75), tmp_path / "in.mp4", fps=FPS, audio=clicks([0.6, 1.4, 2.4], 3.0))
    fast = edit(tmp_path, [clip], "fast.mp4", speed=2.0)
    audio = read_audio(fast.path)
    assert fast.frames == 38 and audio.duration_s == pytest.approx(38 / FPS, abs=1e-3)
    assert_clicks(audio, [0.3, 0.7, 1.2], 0.010)  # the phase vocoder smears a click over its 43 ms window
    spectrum = np.abs(np.fft.rfft(audio.samples[0]))
    freqs = np.fft.rfftfreq(audio.samples.shape[1], 1 / audio.rate)
    assert freqs[np.argmax(spectrum * (freqs < 2000))] == pytest.approx(TONE_HZ, abs=3), "the tone stays at 440 Hz"
    slow = edit(tmp_path, [clip], "slow.mp4", speed=0.5)
    assert slow.frames == 150 and read_audio(slow.path).duration_s == pytest.approx(6.0, abs=1e-3)
    assert_clicks(read_audio(slow.path), [1.2, 2.8, 4.8], 0.012)


def test_speech_sped_up_keeps_its_voice(tmp_path: Path) -> None:
    librosa = pytest.importorskip("librosa")
    voice = speech(tmp_path)
    count = int(voice.duration_s * FPS)
    clip = write_video(pan(count), tmp_path / "talk.mp4", fps=FPS, audio=voice)
    fast = edit(tmp_path, [clip], "fast.mp4", speed=2.0)
    before, after = read_audio(clip), read_audio(fast.path)
    assert after.duration_s == pytest.approx(fast.frames / FPS, abs=1e-3)
    assert after.duration_s == pytest.approx(before.duration_s / 2, abs=1 / FPS)

    def pitch(audio: Audio) -> float:
        y = audio.samples[0]
        f0 = librosa.yin(y, fmin=60, fmax=400, sr=audio.rate, frame_length=1024)
        loud = librosa.feature.rms(y=y, frame_length=1024, hop_length=256)[0] > 0.05
        return float(np.median(f0[loud[:len(f0)]]))

    assert pitch(after) == pytest.approx(pitch(before), rel=0.08), "the same voice, not an octave up"


def test_reverse_and_loop_keep_the_clicks_with_their_frames(tmp_path: Path) -> None:
    clip = write_video(pan(50), tmp_path / "in.mp4", fps=FPS, audio=clicks([0.5, 1.3], 2.0))
    back = edit(tmp_path, [clip], "back.mp4", reverse=True)
    assert_clicks(read_audio(back.path), [2.0 - 1.3, 2.0 - 0.5])
    looped = edit(tmp_path, [clip], "loop.mp4", loop=2)
    frames = 2 * (2 * 50 - 2) + 1
    audio = read_audio(looped.path)
    assert looped.frames == frames and audio.duration_s == pytest.approx(frames / FPS, abs=1e-3)
    cycle, turn = (2 * 50 - 2) / FPS, 2.0 + 49 / FPS  # back from frame 48 (ends at 49/fps) starts at 2 s
    there_and_back = [0.5, 1.3, turn - 1.3, turn - 0.5]
    assert_clicks(audio, there_and_back + [t + cycle for t in there_and_back])
    assert streams(Path(looped.path))["audio_s"] == pytest.approx(frames / FPS, abs=1 / FPS)


def test_join_fills_a_silent_clip_with_silence_and_fits_rates(tmp_path: Path) -> None:
    first = write_video(pan(50), tmp_path / "a.mp4", fps=FPS, audio=clicks([0.5, 1.5], 2.0))
    mute = write_video(pan(10, (120, 120)), tmp_path / "b.mp4", fps=10)  # 1 s, another size and rate, no sound
    low = write_video(pan(15, (96, 64)), tmp_path / "c.mp4", fps=12.5,  # 1.2 s at 22.05 kHz mono
                      audio=clicks([0.4], 1.2, rate=22050, channels=1))
    result = edit(tmp_path, [first, mute, low])
    assert result.frames == 50 + 25 + 30 and result.audio["rate"] == 48000 and result.audio["channels"] == 2
    audio = read_audio(result.path)
    assert audio.duration_s == pytest.approx(4.2, abs=1e-3)
    assert np.abs(audio.samples[:, round(2.02 * 48000):round(2.98 * 48000)]).max() < 0.01, "silence for the mute clip"
    assert np.abs(audio.samples[:, round(3.05 * 48000):]).max() > 0.05, "the third clip's sound"
    assert_clicks(audio, [0.5, 1.5, 3.0 + 0.4])
    silent = edit(tmp_path, [mute, mute], "silent.mp4")
    assert silent.audio is None and silent.to_json()["audio"] is None and "audio" not in streams(Path(silent.path))


def test_interpolation_keeps_the_sound(tmp_path: Path) -> None:
    clip = write_video(pan(12, (96, 64)), tmp_path / "in.mp4", fps=8, audio=clicks([0.4, 1.1], 1.5, rate=44100))
    result = edit(tmp_path, [clip], interpolate=2)
    assert result.fps == 16 and result.frames == 23
    audio = read_audio(result.path)
    assert audio.rate == 44100 and audio.duration_s == pytest.approx(23 / 16, abs=1e-3)
    assert_clicks(audio, [0.4, 1.1])
    info = streams(Path(result.path))
    assert info["faststart"] and browser_playable(result.path) and info["audio"][0] == "aac"


def test_the_sound_functions_follow_the_frames() -> None:
    rng = np.random.default_rng(1)
    frames = np.zeros((40, 1, 1, 3), np.uint8)
    audio = Audio(rng.standard_normal((2, 40 * 1920)).astype(np.float32) * 0.1, 48000)  # 40 frames at 25 fps
    for _ in range(50):  # trim: the frames' rounding, to the sample
        start = float(rng.uniform(0, 1.5))
        end = start + float(rng.uniform(0.01, 1.0))
        first, stop = sound.frame_span(40, FPS, start, end)
        kept = timing.trim(frames, FPS, start, end)
        assert stop - first == len(kept)
        assert sound.trim(audio, first / FPS, stop / FPS).samples.shape[1] == len(kept) * 1920
    for count in (1, 2, 3, 10):  # loop: as long as the boomerang's frames
        clip = Audio(audio.samples[:, :count * 1920], 48000)
        for times in (1, 3):
            assert sound.loop(clip, times, FPS).samples.shape[1] == len(timing.loop(frames[:count], times)) * 1920
    assert np.array_equal(sound.reverse(audio).samples[:, 0], audio.samples[:, -1])
    assert sound.speed(audio, 2.0).samples.shape[1] == 20 * 1920
    assert sound.join([None, None], [1.0, 2.0]) is None
    joined = sound.join([None, Audio(np.ones((1, 22050), np.float32) * 0.5, 22050)], [0.5, 1.0])
    assert (joined.rate, joined.channels, joined.samples.shape[1]) == (22050, 1, round(1.5 * 22050))
    assert sound.fit(audio, 0.5).samples.shape[1] == 24000 and sound.fit(audio, 2.0).samples.shape[1] == 96000
    for call, message in [(lambda: sound.speed(audio, 5), "between 0.25 and 4"),
                          (lambda: sound.loop(audio, 0, FPS), "1 to 20"),
                          (lambda: sound.join([audio], [1.0, 2.0]), "one duration per clip"),
                          (lambda: Audio(np.zeros((2, 3, 4)), 48000), "shape"),
                          (lambda: Audio(np.zeros(4), 0), "rate")]:
        with pytest.raises(InvalidInputError, match=message):
            call()
