"""Opening a video file and reading its header: size, frame rate, duration, codec.

:func:`open_video` turns every way a file can be wrong (missing, empty, a folder, not a video,
audio only) into an :class:`~videogen.errors.InvalidVideoError` that says what to upload instead.
:func:`probe` reads no frame; the duration it reports runs from the first frame to the end of the
last one, measured on the last group of pictures' packets, which corrects headers that misstate it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videogen.errors import InvalidVideoError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoInfo:
    width: int  # after rotation
    height: int
    fps: float  # average frame rate
    duration: float  # seconds
    frame_count: int  # from the header; an estimate for some files
    codec: str
    rotation: int  # degrees counter-clockwise, as stored in the display matrix


def exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def open_video(path: str | Path) -> Any:
    import av

    path = Path(path)
    try:
        size = path.stat().st_size if path.is_file() else None
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        size = None
    if size is None and exists(path):
        raise InvalidVideoError(f"{str(path)[:200]} is not a video file (a folder, a device or a pipe): give a video file.")
    if size is None:
        raise InvalidVideoError(f"video file not found: {str(path)[:200]}")
    if size == 0:
        raise InvalidVideoError(f"{path.name} is empty (0 bytes). Upload the video again, or another file.")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, UnicodeError) as exc:
        raise InvalidVideoError(
            f"{path.name} is not a readable video ({error_reason(exc)}): damaged, cut short, or another kind of file. "
            "Upload an MP4, WebM, MOV, MKV or AVI video."
        ) from exc
    if not container.streams.video:
        container.close()
        raise InvalidVideoError(f"{path.name} has no video stream (audio only, or not a video). Upload a video file.")
    return container


def error_reason(exc: BaseException) -> str:
    """A library error in words, without FFmpeg's error number or the server's path to the file."""
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def stream_info(container: Any, stream: Any) -> VideoInfo:
    ctx = stream.codec_context
    rate = stream.average_rate or stream.guessed_rate or 0
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / 1_000_000
    else:
        duration = 0.0
    # PyAV reports rotation per decoded frame; read_frames() fills it in (and swaps the sides).
    return VideoInfo(ctx.width, ctx.height, float(rate), duration, int(stream.frames or 0), ctx.name, 0)


def probe(path: str | Path) -> VideoInfo:
    """The video's size, frame rate and duration, without decoding a frame.

    ``duration`` runs from the first frame to the end of the last one (as :func:`read_frames` and
    :func:`iter_frames_at` measure time), which corrects headers that misstate it.
    """
    with open_video(path) as container:
        stream = container.streams.video[0]
        info = stream_info(container, stream)
        _, duration = span(container, stream, info)
    return VideoInfo(info.width, info.height, info.fps, duration, info.frame_count, info.codec, info.rotation)


def start_time(stream: Any) -> float:
    return float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0


def span(container: Any, stream: Any, info: VideoInfo) -> tuple[float, float]:
    """(time of the first frame, duration) in seconds; leaves the container at its end."""
    start = start_time(stream)
    return start, max(info.duration, end_time(container, stream) - start)


def end_time(container: Any, stream: Any) -> float:
    """When the last frame ends, from the packets of the last GOP (headers misstate some VFR files)."""
    import av

    last = None
    try:
        container.seek(2**62, stream=stream, backward=True, any_frame=False)
        for packet in container.demux(stream):
            if packet.size and packet.pts is not None:
                last = packet.pts if last is None else max(last, packet.pts)
    except av.error.FFmpegError:
        pass
    if last is None:
        return 0.0
    rate = float(stream.average_rate or stream.guessed_rate or 0)
    return float(last * stream.time_base) + (1.0 / rate if rate else 0.0)
