"""Video I/O: H.264 output browsers play, time-uniform sampling, rotation, bad files."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from videogen.errors import InvalidInputError, InvalidVideoError
from videogen.video_io import read_frames, read_metadata, write_video


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
    decoded = 0
    original = av.container.InputContainer.decode

    def counting_decode(self, *args, **kwargs):
        nonlocal decoded
        for frame in original(self, *args, **kwargs):
            decoded += 1
            yield frame

    av.container.InputContainer.decode = counting_decode
    try:
        sampled = read_frames(path, 4)
    finally:
        av.container.InputContainer.decode = original
    assert sampled.times == pytest.approx([7.5, 22.5, 37.5, 52.5], abs=0.05)
    assert decoded < 200, f"decoded {decoded} of 1500 frames: it should seek, not decode everything"


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
