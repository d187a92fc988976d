"""Sampling real containers: every codec and container the encoders here offer, each against a plain
decode of the whole file.

The footage is a slow pan over a photograph (skimage's astronaut), so that the encoders make real
motion-compensated B-frames. The files:

- MPEG-4 Part 2 with B-frames in AVI, unpacked (FFmpeg's way) and *packed* (DivX's and Xvid's way:
  a P-frame and the B-frame before it in one chunk, then an empty placeholder), with an MP3 track;
- MPEG-4 Part 2 with B-frames in MKV (whose demuxer makes decode times up, differently after a seek);
- H.264 with B-frames and open GOPs in MP4, MKV and MOV, with key frames every 12 frames (the planner
  seeks);
- VP9 in WebM, MJPEG in AVI.

The truth is a plain walk through the file (``container.decode``): the frames in the order the
decoder gives them back, which is presentation order, on screen from the sorted timestamps.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from videogen.media import iter_frames_at, read_frames

W, H = 320, 240


def pan(count: int, width: int = W, height: int = H) -> list[np.ndarray]:
    """A pan across a photograph, two pixels a frame: real texture, real motion."""
    from skimage import data

    photo = data.astronaut()  # (512, 512, 3)
    return [np.ascontiguousarray(photo[100:100 + height, 2 * i:2 * i + width]) for i in range(count)]


def encode(path: Path, codec: str, fmt: str, count: int, *, fps: int = 25, b_frames: int | None = None,
           gop: int | None = None, options: dict[str, str] | None = None, pix_fmt: str = "yuv420p",
           size: tuple[int, int] = (W, H)) -> Path:
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], pix_fmt
        if b_frames is not None:
            stream.codec_context.max_b_frames = b_frames
        if gop is not None:
            stream.codec_context.gop_size = gop
        if options:
            stream.options = options
        for image in pan(count, *size):
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def packed_avi(path: Path, count: int, fps: int = 25) -> Path:
    """MPEG-4 Part 2 in AVI with DivX-style packed B-frames and an MP3 track.

    FFmpeg's encoder writes one VOP a packet (decode order I0 P2 B1 P4 B3 ...); DivX writes each B
    into the chunk of the P-frame before it and fills the gap with an N-VOP (a frame "not coded"), and
    says so in its user data ("DivX503b1393p": the trailing p), which is how FFmpeg's decoder knows.
    """
    codec = av.CodecContext.create("mpeg4", "w")
    codec.width, codec.height, codec.pix_fmt = W, H, "yuv420p"
    codec.time_base, codec.framerate = Fraction(1, fps), Fraction(fps)
    codec.max_b_frames, codec.gop_size = 1, 50
    packets = []
    for i, image in enumerate(pan(count)):
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = i
        packets += [(bytes(p), p.pts, p.is_keyframe) for p in codec.encode(frame)]
    packets += [(bytes(p), p.pts, p.is_keyframe) for p in codec.encode(None)]
    chunks: list[tuple[bytes, bool]] = []
    i = 0
    while i < len(packets):
        data, pts, key = packets[i]
        if i + 1 < len(packets) and packets[i + 1][1] < pts:  # a B-frame follows its later reference
            chunks += [(data + packets[i + 1][0], key), (b"\x00\x00\x01\xb6\x50\x00\x00\x00", False)]  # P+B, N-VOP
            i += 2
        else:
            chunks.append((data, key))
            i += 1
    first, flag = chunks[0]
    vop = first.find(b"\x00\x00\x01\xb6")
    chunks[0] = (first[:vop] + b"\x00\x00\x01\xb2DivX503b1393p" + first[vop:], flag)
    assert len(chunks) == count

    with av.open(str(path), "w", format="avi") as container:
        video = container.add_stream("mpeg4", rate=fps)
        video.width, video.height, video.pix_fmt = W, H, "yuv420p"
        video.codec_context.extradata = codec.extradata
        audio = container.add_stream("libmp3lame", rate=44100)
        audio.layout = "stereo"
        seconds = count / fps
        tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(int(44100 * seconds)) / 44100)).astype(np.float32)
        samples = iter(range(0, len(tone), 1152))
        for k, (data, key) in enumerate(chunks):
            packet = av.Packet(data)
            packet.stream, packet.pts, packet.dts, packet.time_base = video, k, k, Fraction(1, fps)
            packet.is_keyframe = key
            container.mux(packet)
            while (at := next(samples, None)) is not None:  # the audio up to this frame, interleaved
                block = np.stack([tone[at:at + 1152]] * 2)
                sound = av.AudioFrame.from_ndarray(np.ascontiguousarray(block), format="fltp", layout="stereo")
                sound.sample_rate = 44100
                for encoded in audio.encode(sound):
                    container.mux(encoded)
                if at / 44100 > (k + 1) / fps:
                    break
        for encoded in audio.encode():
            container.mux(encoded)
    return path


X264_OPEN_GOP = {"x264-params": "keyint=12:min-keyint=12:scenecut=0:open-gop=1:bframes=3", "preset": "fast"}
FILES = {
    "mpeg4-bframes.avi": lambda p: encode(p, "mpeg4", "avi", 164, b_frames=2, gop=50),
    "mpeg4-packed.avi": lambda p: packed_avi(p, 164),
    "mpeg4-bframes.mkv": lambda p: encode(p, "mpeg4", "matroska", 164, b_frames=2, gop=50),
    "h264-open-gop.mp4": lambda p: encode(p, "libx264", "mp4", 150, options=X264_OPEN_GOP, size=(192, 144)),
    "h264-open-gop.mkv": lambda p: encode(p, "libx264", "matroska", 150, options=X264_OPEN_GOP, size=(192, 144)),
    "h264-open-gop.mov": lambda p: encode(p, "libx264", "mov", 150, options=X264_OPEN_GOP, size=(192, 144)),
    "vp9.webm": lambda p: encode(p, "libvpx-vp9", "webm", 100, options={"deadline": "realtime", "cpu-used": "8"},
                                 size=(160, 120)),
    "mjpeg.avi": lambda p: encode(p, "mjpeg", "avi", 100, pix_fmt="yuvj420p", size=(160, 120)),
}


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("containers")
    return {name: make(folder / name) for name, make in FILES.items()}


def plain_decode(path: Path) -> tuple[list[float], list[np.ndarray]]:
    """Every frame in the order the decoder gives them back, on screen from the sorted timestamps."""
    with av.open(str(path)) as container:
        frames = [(float(f.time), f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]
    return sorted(t for t, _ in frames), [image for _, image in frames]


def on_screen(times: list[float], target: float) -> int:
    return max(sum(t <= target + 1e-6 for t in times) - 1, 0)


@pytest.mark.parametrize("name", list(FILES))
def test_exact_sampling_matches_a_plain_decode_frame_for_frame(videos: dict[str, Path], name: str) -> None:
    times, frames = plain_decode(videos[name])
    assert len(frames) >= 100  # every frame decodes in a plain walk
    sampled = read_frames(videos[name], 16, exact=True)

    expected = [on_screen(times, t) for t in sampled.targets]
    assert len(set(expected)) == 16  # 16 different frames, spread over the clip
    assert sampled.exact == [True] * 16 and sampled.warnings == []
    for i, index in enumerate(expected):
        assert np.array_equal(sampled.frames[i], frames[index]), f"{name}: sample {i} is not frame {index}"
    assert sampled.times == pytest.approx([times[i] for i in expected])


@pytest.mark.parametrize("name", list(FILES))
def test_fast_sampling_takes_exact_frames_or_key_frames_near_them(videos: dict[str, Path], name: str) -> None:
    times, frames = plain_decode(videos[name])
    sampled = read_frames(videos[name], 16)
    slice_s = (sampled.targets[1] - sampled.targets[0])
    assert sampled.warnings == []
    for i, target in enumerate(sampled.targets):
        index = on_screen(times, target) if sampled.exact[i] else times.index(min(times, key=lambda t: abs(t - sampled.times[i])))
        assert np.array_equal(sampled.frames[i], frames[index])
        assert abs(sampled.times[i] - target) <= slice_s / 2 + 1e-6


@pytest.mark.parametrize("name", ["mpeg4-packed.avi", "h264-open-gop.mkv", "mpeg4-bframes.mkv"])
def test_one_pass_for_many_targets_matches_a_plain_decode(videos: dict[str, Path], name: str) -> None:
    times, frames = plain_decode(videos[name])
    with av.open(str(videos[name])) as container:  # targets count from the stream's start
        stream = container.streams.video[0]
        origin = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
    targets = [0.13 * k for k in range(40) if 0.13 * k < times[-1] - origin]
    for i, image, when in iter_frames_at(videos[name], targets):
        index = on_screen(times, origin + targets[i])
        assert np.array_equal(image, frames[index]) and when == pytest.approx(times[index] - origin)


def test_packed_b_frames_need_their_frames_timed_by_order(videos: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """With the timestamps trusted as the AVI demuxer invents them, the planned frames do not all come
    back (or come back swapped): the check that finds them out is what makes the file sample right."""
    import videogen.media.decode as decode

    times, frames = plain_decode(videos["mpeg4-packed.avi"])
    monkeypatch.setattr(decode, "stamps_in_order", lambda *args: True)
    trusted = read_frames(videos["mpeg4-packed.avi"], 16, exact=True)
    right = [np.array_equal(trusted.frames[i], frames[on_screen(times, t)]) for i, t in enumerate(trusted.targets)]
    assert not all(right)


def test_frames_that_cannot_be_read_are_said_in_the_result(tmp_path: Path) -> None:
    from videogen.media import write_video

    whole = write_video(np.stack(pan(100, 160, 120)), tmp_path / "whole.mp4", fps=25)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])  # the index first (+faststart), half the frames
    sampled = read_frames(cut, 16, exact=True)
    assert len(sampled.frames) == 16
    assert len(sampled.warnings) == 1 and "cut short" in sampled.warnings[0] and "cut.mp4" in sampled.warnings[0]
    assert read_frames(whole, 16, exact=True).warnings == []


def test_the_cli_says_which_frames_it_could_not_read(tmp_path: Path) -> None:
    """A clip cut short is still classified, and ``--json``'s warnings say what stood in for the lost frames."""
    import json
    import subprocess
    import sys

    from videogen.media import write_video

    whole = write_video(np.stack(pan(96, 128, 128)), tmp_path / "whole.mp4", fps=8)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    done = subprocess.run([sys.executable, "-m", "videogen", "classify", str(cut), "--model", "shapes-action", "--json"],
                          cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    [result] = json.loads(done.stdout)
    assert any("cut short" in warning and "cut.mp4" in warning for warning in result["warnings"])
