"""Video I/O: H.264 output browsers play, time-uniform sampling, rotation, bad files."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from videogen.errors import InvalidInputError, InvalidVideoError
from videogen.media import EXACT_BUDGET, read_frames, read_metadata, write_video


def numbered_clip(num_frames: int, height: int = 48, width: int = 64) -> np.ndarray:
    """Frame i is a flat grey of value 10*i (readable back after compression)."""
    return np.stack([np.full((height, width, 3), 10 * i, np.uint8) for i in range(num_frames)])


def test_write_video_is_browser_playable_h264(tmp_path: Path) -> None:
    path = write_video(numbered_clip(12), tmp_path / "out.mp4", fps=8, metadata={"prompt": "grey", "seed": 3})
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.codec_context.width, stream.codec_context.height) == (64, 48)
        assert stream.average_rate == Fraction(8)
        assert sum(1 for _ in container.decode(stream)) == 12
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat"), "+faststart puts the index first"
    assert read_metadata(path) == {"prompt": "grey", "seed": 3}


def test_write_video_pads_odd_sizes(tmp_path: Path) -> None:
    path = write_video(numbered_clip(3, 33, 45), tmp_path / "odd.mp4", fps=24)
    sampled = read_frames(path, 3)
    assert sampled.frames.shape == (3, 34, 46, 3)


@pytest.mark.parametrize("bad", [np.zeros((4, 8, 8), np.uint8), np.zeros((0, 8, 8, 3), np.uint8), np.zeros((2, 8, 8, 3), np.float32)])
def test_write_video_rejects_bad_frames(tmp_path: Path, bad: np.ndarray) -> None:
    with pytest.raises(InvalidInputError, match="frames"):
        write_video(bad, tmp_path / "x.mp4", fps=8)


def test_read_frames_samples_uniformly_by_time(tmp_path: Path) -> None:
    path = write_video(numbered_clip(20), tmp_path / "c.mp4", fps=10)
    sampled = read_frames(path, 5)
    assert sampled.frames.shape == (5, 48, 64, 3)
    # Centres of 5 slices of a 2 s clip: 0.2, 0.6, 1.0, 1.4, 1.8 s -> frames 2, 6, 10, 14, 18.
    values = sampled.frames.reshape(5, -1).mean(axis=1)
    assert np.allclose(values, [20, 60, 100, 140, 180], atol=4)
    assert sampled.times == pytest.approx([0.2, 0.6, 1.0, 1.4, 1.8], abs=0.051)


def test_read_frames_seeks_in_long_video(tmp_path: Path) -> None:
    """A 60 s clip with key frames every second: 4 samples must decode far fewer than all frames."""
    path = tmp_path / "long.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = {"g": "25", "preset": "ultrafast"}
        for i in range(1500):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), (i // 25) * 4 % 256, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    sampled = read_frames(path, 4, exact=True)
    assert sampled.times == pytest.approx([7.5, 22.5, 37.5, 52.5], abs=0.05)
    assert sampled.exact == [True] * 4
    decoded = sampled.stats.decoded + sampled.stats.skipped
    assert decoded < 200, f"decoded {decoded} of 1500 frames: it should seek, not decode everything"
    assert sampled.stats.seeks == 4  # forward, each to the key frame before a target


def test_read_frames_variable_frame_rate(tmp_path: Path) -> None:
    """Frames at irregular times: sampling follows timestamps, not frame indices."""
    path = tmp_path / "vfr.mp4"
    times_ms = [0, 10, 20, 30, 40, 50, 1000, 1010, 1020, 1030, 2000]  # dense, gap, dense, gap
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=100)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for t in times_ms:
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), min(255, t // 8), np.uint8), format="rgb24")
            frame.pts, frame.time_base = t, Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    sampled = read_frames(path, 4)
    # Targets 0.25, 0.75, 1.25, 1.75 s: the frames on screen then are those of 0.05 s and 1.03 s
    # (index-uniform sampling would pick frames 1, 4, 6 and 9: 0.01, 0.04, 1.0, 1.02 s).
    assert sampled.times == pytest.approx([0.05, 0.05, 1.03, 1.03])


def test_read_frames_returns_every_frame_when_asked_for_all(tmp_path: Path) -> None:
    """Asking for as many frames as the clip has returns each frame once, in order."""
    frames = np.zeros((16, 32, 32, 3), np.uint8)
    frames[:, :, :, 0] = (np.arange(16) * 15)[:, None, None]
    path = tmp_path / "ramp.mp4"
    write_video(frames, path, 8.0)
    sampled = read_frames(path, 16)
    assert sampled.times == pytest.approx([i / 8 for i in range(16)])
    assert np.abs(sampled.frames[:, 16, 16, 0].astype(int) - frames[:, 16, 16, 0]).max() <= 4


def test_read_frames_applies_rotation(tmp_path: Path) -> None:
    path = tmp_path / "rot.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = 64, 32, "yuv420p"
        stream.set_display_rotation(90)  # stored landscape, shown portrait (phone video)
        for _ in range(4):
            image = np.zeros((32, 64, 3), np.uint8)
            image[:, :16] = 255  # a white band on the stored frame's left edge
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    sampled = read_frames(path, 2)
    assert sampled.frames.shape == (2, 64, 32, 3)
    assert sampled.info.rotation == 90 and (sampled.info.width, sampled.info.height) == (32, 64)
    # 90 degrees counter-clockwise moves the left edge to the bottom.
    assert sampled.frames[0, -8:].mean() > 200 and sampled.frames[0, :8].mean() < 50


def test_bad_files_are_refused_clearly(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"this is not a video" * 100)
    audio = tmp_path / "audio.m4a"
    with av.open(str(audio), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=16000)
        for _ in range(10):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate = 16000
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    truncated = tmp_path / "truncated.mp4"
    good = write_video(numbered_clip(8), tmp_path / "good.mp4", fps=8).read_bytes()
    truncated.write_bytes(good[: len(good) // 3])

    for path, message in [(empty, "empty"), (garbage, "not a readable video"), (audio, "no video stream"),
                          (tmp_path / "missing.mp4", "not found"), (truncated, "corrupt|no decodable|not a readable")]:
        with pytest.raises(InvalidVideoError, match=message):
            read_frames(path, 4)


# --- frame-exact sampling that never decodes a frame twice (issue 11) ------------------------------

FPS = 30


def textured_video(path: Path, num_frames: int, gop: int | None, *, preset: str = "veryfast") -> Path:
    """64x36 at 30 fps, every frame different (a scrolling random texture and a moving bar);
    key frames every ``gop`` frames (None: only the first), B-frames as libx264 makes them."""
    rng = np.random.default_rng(7)
    texture = np.kron(rng.integers(0, 256, (12, 40, 3), dtype=np.uint8), np.ones((4, 4, 1), np.uint8))
    keyint = str(gop or num_frames + 1)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv420p"
        stream.options = {"g": keyint, "keyint_min": keyint, "sc_threshold": "0", "preset": preset, "crf": "28"}
        for i in range(num_frames):
            dy, dx = (i // 5) % 12, i % 96
            image = texture[dy:dy + 36, dx:dx + 64].copy()
            image[:, (i * 3) % 64] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def decode_everything(path: Path) -> tuple[list[float], list[np.ndarray], list[bool]]:
    """Every frame, by a plain decode from the start: times, pixels, key-frame flags."""
    times, images, keys = [], [], []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            times.append(float(frame.time))
            images.append(frame.to_ndarray(format="rgb24"))
            keys.append(bool(frame.key_frame))
    return times, images, keys


class CountingDecoder:
    """Records the pts of every packet read_frames gives a decoder."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[int] = []
        original = av.video.codeccontext.VideoCodecContext.decode

        def decode(context, packet=None):
            if packet is not None:
                self.sent.append(packet.pts)
            return original(context, packet)

        monkeypatch.setattr(av.video.codeccontext.VideoCodecContext, "decode", decode)


def shown_at(times: list[float], target: float) -> int:
    """Index of the frame on screen at ``target``: the last one starting at or before it."""
    return max(i for i, t in enumerate(times) if t <= target + 1e-6)


@pytest.mark.parametrize("gop", [1, 12, 250, None], ids=["every-frame", "gop-12", "gop-250", "one-key-frame"])
def test_exact_sampling_decodes_each_frame_at_most_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gop: int | None) -> None:
    frames_in_file = 900  # 30 s
    path = textured_video(tmp_path / "v.mp4", frames_in_file, gop)
    times, images, keys = decode_everything(path)
    assert len(times) == frames_in_file and sum(keys) == (1 if gop is None else -(-frames_in_file // gop))

    decoder = CountingDecoder(monkeypatch)
    sampled = read_frames(path, 16, exact=True)

    # never a packet twice, never more than one decode of the file
    assert len(decoder.sent) == len(set(decoder.sent)) <= frames_in_file
    assert sampled.stats.decoded + sampled.stats.skipped == len(decoder.sent)
    # the frame on screen at each target, pixel for pixel what a full decode gives
    assert sampled.exact == [True] * 16
    for target, time, image in zip(sampled.targets, sampled.times, sampled.frames):
        index = shown_at(times, target)
        assert time == pytest.approx(times[index])
        assert np.array_equal(image, images[index])


def test_exact_sampling_reaches_targets_in_one_gop_by_decoding_forward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """All 16 targets inside one 30-s group of pictures: one run from the key frame, no seek back."""
    path = textured_video(tmp_path / "one-gop.mp4", 900, None)
    decoder = CountingDecoder(monkeypatch)
    sampled = read_frames(path, 16, exact=True)
    last_target_frame = shown_at([i / FPS for i in range(900)], sampled.targets[-1])
    assert sampled.stats.seeks == 0
    assert len(decoder.sent) <= last_target_frame + 1 + 3  # up to the last target (and its B-frame neighbours)


@pytest.fixture(scope="module")
def three_minutes_gop_250(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 minutes at 30 fps (5,400 frames), a key frame every 250: tiny, so only the counts matter."""
    return textured_video(tmp_path_factory.mktemp("sampling") / "three-minutes.mp4", 180 * FPS, 250, preset="ultrafast")


def test_default_sampling_takes_nearby_key_frames_on_a_long_video(three_minutes_gop_250: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    decoder = CountingDecoder(monkeypatch)
    sampled = read_frames(three_minutes_gop_250, 16)

    # at most the budget per target: 16 key frames and a few short runs, not 16 runs of ~125 frames
    assert len(decoder.sent) <= 16 * (EXACT_BUDGET + 1) and len(decoder.sent) * 10 <= 5400
    assert sampled.stats.decoded <= len(decoder.sent)
    assert sampled.stats.seeks <= 16
    slice_s = 180 / 16
    assert all(abs(time - target) <= slice_s / 2 + 1e-6 for time, target in zip(sampled.times, sampled.targets))
    assert sampled.times == sorted(sampled.times) and len(set(sampled.times)) == 16
    assert not all(sampled.exact)  # most targets are 100+ frames past their key frame

    times, images, keys = decode_everything(three_minutes_gop_250)
    for target, time, image, exact in zip(sampled.targets, sampled.times, sampled.frames, sampled.exact):
        index = times.index(time)
        assert np.array_equal(image, images[index])
        assert keys[index] or exact  # a frame that is not the exact one is a key frame
        assert exact == (index == shown_at(times, target))


def test_default_sampling_of_a_single_key_frame_video_is_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No key frame near the targets: exact frames, decoding forward once (not once per sample)."""
    path = textured_video(tmp_path / "one-key.mp4", 1200, None)
    decoder = CountingDecoder(monkeypatch)
    sampled = read_frames(path, 16)
    assert len(decoder.sent) == len(set(decoder.sent)) <= 1200
    assert sampled.exact[1:] == [True] * 15 and sampled.stats.seeks == 0  # the first may take key frame 0


def test_default_sampling_of_a_short_clip_is_exact(tmp_path: Path) -> None:
    """Short clips (what the app generates and the embedded models were trained on) stay exact."""
    path = write_video(numbered_clip(24), tmp_path / "short.mp4", fps=8)
    default, exact = read_frames(path, 16), read_frames(path, 16, exact=True)
    assert default.exact == [True] * 16 and default.times == exact.times
    assert np.array_equal(default.frames, exact.frames)
