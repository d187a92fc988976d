"""Uploads the browser cannot play (AVI, MKV, 4:4:4 H.264) get a playable H.264 copy; others are left alone."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from videogen.ui import playable
from videogen.ui.playable import browser_playable, playable_copy, show_playable
from videogen.media import probe, read_frames, write_video


def moving_bar(frames: int = 48, size: tuple[int, int] = (120, 160)) -> np.ndarray:
    clip = np.zeros((frames, *size, 3), np.uint8)
    for i in range(frames):
        clip[i, :, 3 * i : 3 * i + 12] = (255, 40, 40)
    return clip


def write(path: Path, clip: np.ndarray, codec: str, container: str, pix_fmt: str = "yuv420p", fps: int = 24) -> Path:
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.height, stream.width, stream.pix_fmt = clip.shape[1], clip.shape[2], pix_fmt
        for image in clip:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@pytest.mark.parametrize("name,codec,container,pix_fmt", [
    ("clip.avi", "mpeg4", "avi", "yuv420p"),
    ("clip.avi", "mjpeg", "avi", "yuvj420p"),
    ("clip.mkv", "libx264", "matroska", "yuv420p"),
    ("clip.mp4", "libx264", "mp4", "yuv444p"),  # H.264 that browsers do not decode
])
def test_unplayable_uploads_get_an_h264_copy(tmp_path: Path, name: str, codec: str, container: str, pix_fmt: str) -> None:
    clip = moving_bar()
    upload = write(tmp_path / name, clip, codec, container, pix_fmt)
    assert not browser_playable(upload)
    copy = Path(show_playable(str(upload)))
    assert copy.parent == upload.parent and copy.suffix == ".mp4" and browser_playable(copy)
    with av.open(str(copy)) as opened:
        stream = opened.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
        assert sum(1 for _ in opened.decode(stream)) == len(clip), "every frame, at the same rate"
    assert probe(copy).duration == pytest.approx(probe(upload).duration, abs=0.05)
    original, copied = read_frames(upload, 8).frames, read_frames(copy, 8).frames
    assert np.abs(original.astype(int) - copied.astype(int)).mean() < 8, "the same pictures"


def test_playable_uploads_are_left_alone(tmp_path: Path) -> None:
    upload = write_video(moving_bar(), tmp_path / "clip.mp4", fps=24)
    assert browser_playable(upload)
    assert not isinstance(show_playable(str(upload)), str), "gr.skip(): the upload stays"
    assert list(tmp_path.iterdir()) == [upload]


def test_the_copy_is_smaller_and_capped_at_30_fps(tmp_path: Path) -> None:
    upload = write(tmp_path / "big.avi", moving_bar(frames=30, size=(480, 1280)), "mpeg4", "avi", fps=60)
    copy = playable_copy(upload)
    with av.open(str(copy)) as opened:
        stream = opened.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (640, 240)
        assert float(stream.average_rate) == 30 and sum(1 for _ in opened.decode(stream)) == 15
    assert probe(copy).duration == pytest.approx(0.5, abs=0.05)


def test_long_unplayable_uploads_are_kept_with_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    upload = write(tmp_path / "long.avi", moving_bar(), "mpeg4", "avi")
    monkeypatch.setattr(playable, "MAX_SECONDS", 1.0)
    assert not isinstance(show_playable(str(upload)), str)
    assert not list(tmp_path.glob("*.playable.mp4"))


def test_the_copy_keeps_the_uploads_sound_in_step(tmp_path: Path) -> None:
    """An AVI with a click at 1.0 s (MP3 sound): the copy has an AAC track whose click is at 1.0 s too."""
    from fractions import Fraction

    from videogen.media import read_audio

    rate, fps, frames = 44100, 24, 48
    sound = np.zeros(2 * rate, np.float32)
    sound[rate:rate + 200] = 0.8
    upload = tmp_path / "talk.avi"

    def chunk(start: int) -> av.AudioFrame:
        piece = av.AudioFrame.from_ndarray(sound[None, start:start + 1152].copy(), format="fltp", layout="mono")
        piece.rate, piece.pts, piece.time_base = rate, start, Fraction(1, rate)
        return piece

    with av.open(str(upload), "w", format="avi") as out:
        video = out.add_stream("mpeg4", rate=fps)
        video.height, video.width, video.pix_fmt = 120, 160, "yuv420p"
        audio = out.add_stream("mp3", rate=rate, layout="mono")
        pictures = [av.VideoFrame.from_ndarray(image, format="rgb24") for image in moving_bar(frames)]
        for stream, items in ((video, pictures), (audio, [chunk(s) for s in range(0, len(sound), 1152)])):
            for item in [*items, None]:  # None: the encoder's last packets
                out.mux(stream.encode(item))
    copy = playable_copy(upload)
    before, after = read_audio(upload), read_audio(copy)
    assert after is not None and browser_playable(copy)
    with av.open(str(copy)) as opened:
        assert opened.streams.audio[0].codec_context.name == "aac"
    click = [np.argmax(np.abs(a.samples.mean(axis=0)) > 0.3) / a.rate for a in (before, after)]
    assert abs(click[1] - click[0]) < 0.005 and abs(click[1] - 1.0) < 0.03, click
    assert abs(after.duration_s - probe(copy).duration) < 1 / fps
