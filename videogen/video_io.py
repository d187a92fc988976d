"""Reading and writing video with PyAV (FFmpeg inside the wheel, libx264 included).

Reading (:func:`read_frames`) samples N frames uniformly *by time*, seeking to each target rather
than decoding the whole file, so a long upload costs about N short decodes. Timestamps (not frame
indices) make variable-frame-rate phone videos sample evenly. Rotation metadata is applied to the
pixels (PyAV reports it but does not rotate). Corrupt, audio-only and frameless files raise
:class:`~videogen.errors.InvalidVideoError`.

:func:`iter_frames_at` is the other way, for many targets (a timeline of a long video): one pass in
order through the file, converting only the frames on screen at the targets, at a reduced size.

Writing (:func:`write_video`) produces what every browser plays: H.264 in MP4, yuv420p, even
dimensions, ``+faststart`` (index first, so playback starts before the download ends), at the
requested fps, with the generation parameters as JSON in the MP4 ``comment`` tag.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from videogen.errors import InvalidInputError, InvalidVideoError

logger = logging.getLogger(__name__)

METADATA_KEY = "comment"  # a tag the MP4 muxer always writes
SEEK_GAP_S = 1.0  # iter_frames_at seeks over gaps between targets longer than this (and than a GOP)


@dataclass(frozen=True)
class VideoInfo:
    width: int  # after rotation
    height: int
    fps: float  # average frame rate
    duration: float  # seconds
    frame_count: int  # from the header; an estimate for some files
    codec: str
    rotation: int  # degrees counter-clockwise, as stored in the display matrix


@dataclass(frozen=True)
class SampledFrames:
    frames: np.ndarray  # (N, H, W, 3) uint8 RGB
    times: list[float]  # presentation time of each frame, seconds
    info: VideoInfo


def _open(path: str | Path) -> Any:
    import av

    path = Path(path)
    if not path.is_file():
        raise InvalidVideoError(f"video file not found: {path}")
    if path.stat().st_size == 0:
        raise InvalidVideoError(f"{path.name} is empty (0 bytes).")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise InvalidVideoError(f"{path.name} is not a readable video ({exc}). Upload an MP4, WebM or MOV file.") from exc
    if not container.streams.video:
        container.close()
        raise InvalidVideoError(f"{path.name} has no video stream (audio-only or not a video).")
    return container


def _info(container: Any, stream: Any) -> VideoInfo:
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


def _rotate(image: np.ndarray, degrees_ccw: float) -> np.ndarray:
    """Apply display-matrix rotation so the frame looks as a player shows it."""
    turns = int(round(degrees_ccw / 90)) % 4
    return np.ascontiguousarray(np.rot90(image, k=turns)) if turns else image


def read_frames(path: str | Path, num_frames: int) -> SampledFrames:
    """Sample ``num_frames`` frames spread evenly over the video's duration.

    Targets are the centres of ``num_frames`` equal time slices. For each target the decoder seeks
    to the preceding key frame (only when the target is more than a second past the current
    position) and decodes forward to the frame on screen at that time. If the video has fewer frames
    than asked for, frames repeat, so the result always has ``num_frames`` frames.
    """
    import av

    if num_frames < 1:
        raise InvalidInputError(f"num_frames must be at least 1, got {num_frames}")
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        info = _info(container, stream)
        start, duration = _span(container, stream, info)
        targets = [start + (i + 0.5) * duration / num_frames for i in range(num_frames)] if duration > 0 else []

        frames: list[np.ndarray] = []
        times: list[float] = []
        rotation = 0.0
        try:
            if not targets:  # unknown duration: decode the start of the stream
                for frame in container.decode(stream):
                    frames.append(frame.to_ndarray(format="rgb24"))
                    times.append(float(frame.time or 0.0))
                    rotation = float(getattr(frame, "rotation", 0) or 0)
                    if len(frames) == num_frames:
                        break
            else:
                frames, times, rotation = _decode_at(container, stream, targets)
        except av.error.FFmpegError as exc:
            if not frames:
                raise InvalidVideoError(f"{Path(path).name} could not be decoded ({exc}); the file may be corrupt.") from exc
            logger.warning("Decoding %s stopped early (%s); using the %d frames read", path, exc, len(frames))

    if not frames:
        raise InvalidVideoError(f"{Path(path).name} has a video stream but no decodable frames.")
    while len(frames) < num_frames:  # short or truncated video: repeat evenly
        index = len(frames) * len(frames) // num_frames
        frames.append(frames[min(index, len(frames) - 1)])
        times.append(times[min(index, len(times) - 1)])
    if rotation:
        frames = [_rotate(f, rotation) for f in frames]
        info = VideoInfo(frames[0].shape[1], frames[0].shape[0], info.fps, info.duration, info.frame_count, info.codec, int(rotation))
    return SampledFrames(np.stack(frames[:num_frames]), times[:num_frames], info)


def probe(path: str | Path) -> VideoInfo:
    """The video's size, frame rate and duration, without decoding more than its last GOP.

    ``duration`` runs from the first frame to the end of the last one (as :func:`read_frames` and
    :func:`iter_frames_at` measure time), which corrects headers that misstate it.
    """
    with _open(path) as container:
        stream = container.streams.video[0]
        info = _info(container, stream)
        _, duration = _span(container, stream, info)
    return VideoInfo(info.width, info.height, info.fps, duration, info.frame_count, info.codec, info.rotation)


def _start_time(stream: Any) -> float:
    return float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0


def _span(container: Any, stream: Any, info: VideoInfo) -> tuple[float, float]:
    """(time of the first frame, duration) in seconds; leaves the container at its end."""
    start = _start_time(stream)
    return start, max(info.duration, _end_time(container, stream) - start)


def _end_time(container: Any, stream: Any) -> float:
    """When the last frame ends, from decoding the last GOP (headers misstate some VFR files)."""
    import av

    last = 0.0
    try:
        container.seek(2**62, stream=stream, backward=True, any_frame=False)
        for frame in container.decode(stream):
            if frame.time is not None:
                last = max(last, float(frame.time))
    except av.error.FFmpegError:
        return 0.0
    rate = float(stream.average_rate or stream.guessed_rate or 0)
    return last + (1.0 / rate if rate else 0.0)


def _decode_at(container: Any, stream: Any, targets: list[float]) -> tuple[list[np.ndarray], list[float], float]:
    """Decode the frame on screen at each target time (targets ascending): the last frame that
    starts at or before it (the first frame, for a target before the stream starts)."""
    frames: list[np.ndarray] = []
    times: list[float] = []
    rotation = 0.0
    decoder: Any = None
    position = -1.0  # time of the last decoded frame
    shown = None  # the last decoded frame at or before the current target
    ahead = None  # a decoded frame past the previous target, not yet consumed
    for target in targets:
        if decoder is None or target - position > 1.0:
            container.seek(int(max(target - 0.001, 0) / stream.time_base), stream=stream, backward=True, any_frame=False)
            decoder, shown, ahead = container.decode(stream), None, None
        while True:
            frame, ahead = (ahead, None) if ahead is not None else (next(decoder, None), None)
            if frame is None:  # end of stream: the last frame stays on screen
                break
            if frame.time is None:
                continue
            position = float(frame.time)
            if position <= target + 1e-6:
                shown = frame
            else:
                ahead = frame
                break
        chosen = shown if shown is not None else ahead
        if chosen is None:
            break
        frames.append(chosen.to_ndarray(format="rgb24"))
        times.append(float(chosen.time))
        rotation = float(getattr(chosen, "rotation", 0) or 0)
    return frames, times, rotation


@dataclass
class DecodeStats:
    """What one pass of :func:`iter_frames_at` cost."""

    decoded: int = 0  # frames the decoder produced (each frame of the file at most once, unless a seek went back)
    converted: int = 0  # frames converted to RGB (at the reduced size)
    seeks: int = 0  # jumps forward over gaps between targets


def iter_frames_at(
    path: str | Path, targets: Sequence[float], *, short_side: int | None = None, stats: DecodeStats | None = None,
) -> Iterator[tuple[int, np.ndarray, float]]:
    """One in-order pass over the file: ``(i, frame, time)`` for each target time, in order.

    ``targets`` are seconds from the first frame, ascending; the frame for each is the one on screen
    then (the last frame starting at or before it), as :func:`read_frames` picks. Only those frames
    are converted to RGB, with the shortest side reduced to ``short_side`` (never enlarged), so a
    long video costs its decoding, not full-size copies of its frames. Frames come back rotated as a
    player shows them; consecutive targets on the same frame share one array.

    The decoder runs straight on through the file; it seeks forward only over a gap between targets
    longer than :data:`SEEK_GAP_S` and 1.5 times the longest key-frame interval seen so far, so that
    the seek lands past what was already decoded (a seek that lands earlier teaches a longer
    interval). Targets after the last frame get the last frame.
    """
    import av

    if any(b < a for a, b in zip(targets, targets[1:])):
        raise InvalidInputError("targets must be in ascending order")
    if short_side is not None and short_side < 1:
        raise InvalidInputError(f"short_side must be at least 1 pixel, got {short_side}")
    stats = stats if stats is not None else DecodeStats()
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        start = _start_time(stream)
        decoder = container.decode(stream)
        gop = 0.0  # the longest key-frame interval seen, seconds
        key = None  # time of the last key frame decoded since the last seek
        position = start  # time of the last decoded frame (the decoder starts at the start)
        shown = ahead = None  # the frame on screen at the current target; the first one after it
        last: tuple[Any, np.ndarray] | None = None  # the last frame converted, and its array
        reformatter = av.video.reformatter.VideoReformatter()  # one scaler for the pass, not one per frame
        try:
            for i, target in enumerate(targets):
                absolute = start + target
                before = None  # after a seek: where the decoder was
                if absolute - position > max(SEEK_GAP_S, 1.5 * gop):
                    container.seek(int(max(absolute - 0.001, 0) / stream.time_base), stream=stream, backward=True,
                                   any_frame=False)
                    decoder, shown, ahead, key, before = container.decode(stream), None, None, None, position
                    stats.seeks += 1
                while True:
                    if ahead is not None:
                        frame, ahead = ahead, None
                    else:
                        frame = next(decoder, None)
                        stats.decoded += frame is not None
                    if frame is None:  # end of stream: the last frame stays on screen
                        break
                    if frame.time is None:
                        continue
                    position = float(frame.time)
                    if before is not None:  # the first frame after a seek: the key frame it landed on
                        if position < before - 1e-6:  # landed before where it was: the GOP is longer than that
                            gop = max(gop, absolute - position)
                            logger.debug("%s: a seek went back to %.2f s; GOP now %.2f s", path, position, gop)
                        before = None
                    if frame.key_frame:
                        if key is not None and position > key:
                            gop = max(gop, position - key)
                        key = position
                    if position <= absolute + 1e-6:
                        shown = frame
                    else:
                        ahead = frame
                        break
                chosen = shown if shown is not None else ahead
                if chosen is None and last is None:
                    raise InvalidVideoError(f"{Path(path).name} has a video stream but no decodable frames.")
                if chosen is None:  # a seek past the end: the last frame stays on screen
                    chosen = last[0]
                elif last is None or last[0] is not chosen:
                    last = (chosen, _reduced(chosen, short_side, reformatter))
                    stats.converted += 1
                yield i, last[1], float(chosen.time) - start
        except av.error.FFmpegError as exc:
            raise InvalidVideoError(f"{Path(path).name} could not be decoded ({exc}); the file may be corrupt.") from exc


def _reduced(frame: Any, short_side: int | None, reformatter: Any) -> np.ndarray:
    """A decoded frame as (H, W, 3) uint8 RGB, its shortest side at most ``short_side``, rotated for display."""
    width, height = frame.width, frame.height
    scale = short_side / min(width, height) if short_side and min(width, height) > short_side else 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale))) if scale < 1.0 else (width, height)
    image = reformatter.reformat(frame, width=size[0], height=size[1], format="rgb24", interpolation="AREA").to_ndarray()
    rotation = float(getattr(frame, "rotation", 0) or 0)
    return _rotate(image, rotation) if rotation else image


def write_video(
    frames: np.ndarray,
    path: str | Path,
    fps: float,
    metadata: dict[str, Any] | None = None,
    crf: int = 18,
    on_frame: Callable[[int, int], None] | None = None,
) -> Path:
    """Encode (T, H, W, 3) uint8 RGB frames as a browser-playable H.264 MP4.

    ``on_frame(index, total)`` is called before each frame is encoded (progress; it may raise to stop).
    """
    import av

    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise InvalidInputError(f"frames must have shape (T, H, W, 3) with T > 0, got {frames.shape}")
    if frames.dtype != np.uint8:
        raise InvalidInputError(f"frames must be uint8, got {frames.dtype}")
    if not fps or fps <= 0:
        raise InvalidInputError(f"fps must be positive, got {fps}")
    frames = _even_size(frames)
    _, height, width, _ = frames.shape

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rate = Fraction(fps).limit_denominator(1001)
    # written under a temporary name and renamed when complete: no half-written file is ever seen
    partial = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.part.mp4")
    try:
        with av.open(str(partial), mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
            if metadata:
                container.metadata[METADATA_KEY] = json.dumps(metadata, ensure_ascii=False, sort_keys=True)
            stream = container.add_stream("libx264", rate=rate)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.options = {"crf": str(crf), "preset": "medium"}
            for index, image in enumerate(frames):
                if on_frame is not None:
                    on_frame(index, len(frames))  # may raise (Cancel): the partial file is removed
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _even_size(frames: np.ndarray) -> np.ndarray:
    """Pad odd heights/widths by one edge pixel: yuv420p needs even dimensions."""
    _, height, width, _ = frames.shape
    pad_h, pad_w = height % 2, width % 2
    if not (pad_h or pad_w):
        return frames
    return np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The generation parameters stored by :func:`write_video` ({} when absent)."""
    with _open(path) as container:
        raw = container.metadata.get(METADATA_KEY)
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return {}
