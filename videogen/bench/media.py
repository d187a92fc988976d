"""The ``decode`` section of ``python -m videogen bench``: the long H.264 test files it builds, and
sampling 16 frames from them with videogen's reader against decoding every frame with PyAV, next to
torchcodec, decord and OpenCV seeks where they are installed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from videogen.bench.timing import best_of, row, skipped

SAMPLES = 16  # frames sampled per video in the decode section, as recognition reads them


@dataclass(frozen=True)
class VideoSpec:
    name: str
    width: int
    height: int
    seconds: int
    gop: int  # frames between key frames
    fps: int = 30

    @property
    def frames(self) -> int:
        return self.seconds * self.fps


FULL_FILES = (
    VideoSpec("3 min 720p, key frame every 250", 1280, 720, 180, 250),
    VideoSpec("60 s 1080p, key frame every 600", 1920, 1080, 60, 600),
    VideoSpec("10 min 360p, key frame every 250", 640, 360, 600, 250),
)
QUICK_FILES = (
    VideoSpec("20 s 720p, key frame every 250", 1280, 720, 20, 250),
    VideoSpec("60 s 360p, key frame every 250", 640, 360, 60, 250),
)


def make_video(spec: VideoSpec, folder: Path) -> Path:
    """The test file (kept in ``folder`` for the next run). One group of pictures is encoded with
    libx264 (veryfast, CRF 23, B-frames; a textured background scrolling under a moving box) and
    its packets repeated with shifted timestamps: decoding costs what a long encode would, the
    build takes seconds."""
    import av

    path = folder / f"{spec.width}x{spec.height}-{spec.seconds}s-gop{spec.gop}.mp4"
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    repeats, tail = divmod(spec.frames, spec.gop)
    pieces = [(_encode_piece(spec, spec.gop, folder / "piece.mp4"), repeats)]
    if tail:
        pieces.append((_encode_piece(spec, tail, folder / "tail.mp4"), 1))
    partial = path.with_suffix(".part.mp4")
    with av.open(str(partial), "w") as out:
        stream = None
        offset = 0.0  # seconds
        for piece, count in pieces:
            for _ in range(count):
                with av.open(str(piece)) as source:
                    template = source.streams.video[0]
                    if stream is None:
                        stream = out.add_stream_from_template(template)
                    length = 0.0
                    for packet in source.demux(template):
                        if not packet.size:
                            continue
                        shift = round(offset / packet.time_base)
                        length = max(length, float((packet.pts + packet.duration) * packet.time_base))
                        packet.pts += shift
                        packet.dts += shift
                        packet.stream = stream
                        out.mux(packet)
                offset += length
    partial.rename(path)
    for piece, _ in pieces:
        piece.unlink()
    return path


def _encode_piece(spec: VideoSpec, frames: int, path: Path) -> Path:
    import av

    rng = np.random.default_rng(0)
    texture = np.kron(rng.integers(0, 256, (spec.height // 8 + 2, spec.width // 8 + 2, 3), dtype=np.uint8),
                      np.ones((8, 8, 1), np.uint8))
    box = spec.height // 4
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=spec.fps)
        stream.width, stream.height, stream.pix_fmt = spec.width, spec.height, "yuv420p"
        stream.options = {"g": str(spec.gop), "keyint_min": str(spec.gop), "sc_threshold": "0", "preset": "veryfast", "crf": "23"}
        for i in range(frames):
            dx, dy = (i * 2) % 8, (i // 3) % 8
            image = texture[dy:dy + spec.height, dx:dx + spec.width].copy()
            x = (i * 5) % (spec.width - box)
            image[spec.height // 3:spec.height // 3 + box, x:x + box] = (255, i % 256, 0)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def sample_times(path: Path, count: int = SAMPLES) -> tuple[list[float], float]:
    """The centres of ``count`` equal slices of the video (what read_frames targets), and its fps."""
    from videogen.media import probe

    info = probe(path)
    return [(i + 0.5) * info.duration / count for i in range(count)], info.fps


def full_decode(path: Path, targets: list[float]) -> int:
    """Decode every frame (PyAV, threads on) and convert the one on screen at each target."""
    import av

    chosen = []
    shown = None
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            while len(chosen) < len(targets) and frame.time > targets[len(chosen)] + 1e-6:
                chosen.append(shown or frame)
            shown = frame
    chosen += [shown] * (len(targets) - len(chosen))
    arrays = {id(f): f.to_ndarray(format="rgb24") for f in chosen}
    return len(arrays)


def torchcodec_sampler(mode: str) -> Callable[[Path, list[float], float], Any] | None:
    try:
        from torchcodec.decoders import VideoDecoder
    except Exception:  # not installed, or no FFmpeg libraries for it (ImportError, OSError, RuntimeError)
        return None

    def sample(path: Path, targets: list[float], fps: float) -> Any:
        decoder = VideoDecoder(str(path), seek_mode=mode, num_ffmpeg_threads=0)
        return decoder.get_frames_played_at(seconds=targets).data

    return sample


def decord_sampler() -> Callable[[Path, list[float], float], Any] | None:
    try:
        import decord
    except Exception:
        return None

    def sample(path: Path, targets: list[float], fps: float) -> Any:
        reader = decord.VideoReader(str(path), ctx=decord.cpu(0), num_threads=0)
        last = len(reader) - 1
        return reader.get_batch([min(int(t * fps + 1e-6), last) for t in targets]).asnumpy()

    return sample


def opencv_sampler() -> Callable[[Path, list[float], float], Any] | None:
    try:
        import cv2
    except Exception:
        return None

    def sample(path: Path, targets: list[float], fps: float) -> Any:
        capture = cv2.VideoCapture(str(path))
        try:
            frames = []
            for t in targets:
                capture.set(cv2.CAP_PROP_POS_FRAMES, int(t * fps + 1e-6))
                ok, image = capture.read()
                if ok:
                    frames.append(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
            return frames
        finally:
            capture.release()

    return sample


def bench_decode(workdir: Path, quick: bool) -> list[dict[str, Any]]:
    from videogen.media import read_frames

    peers = {
        "torchcodec (exact seeks)": torchcodec_sampler("exact"),
        "torchcodec (approximate seeks)": torchcodec_sampler("approximate"),
        "decord": decord_sampler(),
        "OpenCV seeks": opencv_sampler(),
    }
    repeats = 2 if quick else 1
    rows = []
    for spec in QUICK_FILES if quick else FULL_FILES:
        path = make_video(spec, workdir / "videos")
        targets, fps = sample_times(path)
        about = {"frames_in_file": spec.frames, "size_mb": round(path.stat().st_size / 1e6, 1)}
        base_s, _ = best_of(lambda: full_decode(path, targets), repeats)
        baseline = "full decode (PyAV)"
        rows.append(row("decode", spec.name, baseline, base_s, baseline, base_s, frames_decoded=spec.frames, **about))
        peer_s = {}
        for name, sampler in peers.items():
            if sampler is None:
                rows.append(skipped("decode", spec.name, name, "not installed"))
                continue
            try:
                seconds, _ = best_of(lambda: sampler(path, targets, fps), repeats)
            except Exception as exc:  # a peer that fails on a file is reported, not fatal
                rows.append(skipped("decode", spec.name, name, f"failed: {exc}"[:200]))
                continue
            peer_s[name] = seconds
            rows.append(row("decode", spec.name, name, seconds, baseline, base_s, **about))
        fastest = min(peer_s, key=peer_s.get) if peer_s else None
        for exact in (False, True):
            seconds, sampled = best_of(lambda: read_frames(path, SAMPLES, exact=exact), repeats)
            extra = {"frames_decoded": sampled.stats.decoded, "packets_skipped": sampled.stats.skipped,
                     "seeks": sampled.stats.seeks, "exact_frames": sum(sampled.exact),
                     "max_offset_s": round(max(abs(a - b) for a, b in zip(sampled.times, sampled.targets)), 3)}
            if fastest:
                extra.update(fastest_peer=fastest, ratio_to_fastest_peer=round(seconds / peer_s[fastest], 4))
            measure = f"videogen read_frames({'exact=True' if exact else 'default'})"
            rows.append(row("decode", spec.name, measure, seconds, baseline, base_s, **about, **extra))
    return rows
