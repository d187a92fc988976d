"""Reading and writing video with PyAV (FFmpeg inside the wheel, libx264 included).

Reading (:func:`read_frames`) samples N frames uniformly *by time* and never decodes a frame twice.
It first lists the video's packets (demuxing reads the file but decodes nothing), then plans which
packets to decode: for each target the run from the key frame before it (or from where the decoder
already is) to the frame on screen then. Targets in one group of pictures are reached by decoding
forward; the decoder seeks only forward, to a key frame it has not decoded yet, so the cost is at
most one decode of the file whatever its key-frame spacing. Frames that neither a target nor a
later frame needs (non-reference B-frames) are skipped. By default a target whose exact frame would
cost more than :data:`EXACT_BUDGET` frames of decoding takes the nearest key frame instead when one
lies within half a sample's slice of it (``exact=True`` always decodes the exact frame); the result
says which frames are exact. Timestamps (not frame indices) make variable-frame-rate phone videos
sample evenly. Rotation metadata is applied to the pixels (PyAV reports it but does not rotate).
Corrupt, audio-only and frameless files raise :class:`~videogen.errors.InvalidVideoError`.

:func:`iter_frames_at` is the other way, for many targets (a timeline of a long video): one pass in
order through the file, converting only the frames on screen at the targets, at a reduced size.

Writing (:func:`write_video`) produces what every browser plays: H.264 in MP4, yuv420p, even
dimensions, ``+faststart`` (index first, so playback starts before the download ends), at the
requested fps, with the generation parameters as JSON in the MP4 ``comment`` tag.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator, Sequence
from bisect import bisect_right
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from videogen.errors import InvalidInputError, InvalidVideoError, OutputError

logger = logging.getLogger(__name__)

METADATA_KEY = "comment"  # a tag the MP4 muxer always writes
SEEK_GAP_S = 1.0  # iter_frames_at seeks over gaps between targets longer than this (and than a GOP)
EXACT_BUDGET = 30  # read_frames (default): frames it decodes to reach one exact frame before taking a key frame near it
SEEK_MIN_PACKETS = 64  # read_frames seeks over a gap of more packets than this; shorter gaps are read through, not decoded
PARTIAL_MAX_AGE_S = 600  # a temporary output nobody has written to for this long was left by a process that died


@dataclass(frozen=True)
class VideoInfo:
    width: int  # after rotation
    height: int
    fps: float  # average frame rate
    duration: float  # seconds
    frame_count: int  # from the header; an estimate for some files
    codec: str
    rotation: int  # degrees counter-clockwise, as stored in the display matrix


@dataclass
class DecodeStats:
    """What one :func:`read_frames` or :func:`iter_frames_at` call cost."""

    decoded: int = 0  # frames the decoder produced (each frame of the file at most once, unless a seek went back)
    converted: int = 0  # frames converted to RGB (at the reduced size)
    seeks: int = 0  # jumps forward over gaps between targets
    skipped: int = 0  # read_frames: packets the decoder dropped undecoded (non-reference frames no target needs)


@dataclass(frozen=True)
class SampledFrames:
    frames: np.ndarray  # (N, H, W, 3) uint8 RGB
    times: list[float]  # presentation time of each frame, seconds: the timestamps actually used
    info: VideoInfo
    targets: list[float] = field(default_factory=list)  # the times asked for, seconds (centres of N equal slices)
    exact: list[bool] = field(default_factory=list)  # frames[i] is the frame on screen at targets[i]
    stats: DecodeStats = field(default_factory=DecodeStats)


def _exists(path: Path) -> bool:
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
    if size is None and _exists(path):
        raise InvalidVideoError(f"{str(path)[:200]} is not a video file (a folder, a device or a pipe): give a video file.")
    if size is None:
        raise InvalidVideoError(f"video file not found: {str(path)[:200]}")
    if size == 0:
        raise InvalidVideoError(f"{path.name} is empty (0 bytes). Upload the video again, or another file.")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, UnicodeError) as exc:
        raise InvalidVideoError(
            f"{path.name} is not a readable video ({_reason(exc)}): damaged, cut short, or another kind of file. "
            "Upload an MP4, WebM, MOV, MKV or AVI video."
        ) from exc
    if not container.streams.video:
        container.close()
        raise InvalidVideoError(f"{path.name} has no video stream (audio only, or not a video). Upload a video file.")
    return container


def _reason(exc: BaseException) -> str:
    """A library error in words, without FFmpeg's error number or the server's path to the file."""
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


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


def rotate(image: np.ndarray, degrees_ccw: float) -> np.ndarray:
    """Apply display-matrix rotation so the frame looks as a player shows it."""
    turns = int(round(degrees_ccw / 90)) % 4
    return np.ascontiguousarray(np.rot90(image, k=turns)) if turns else image


def read_frames(path: str | Path, num_frames: int, *, exact: bool = False, short_side: int | None = None) -> SampledFrames:
    """Sample ``num_frames`` frames spread evenly over the video's duration.

    Targets are the centres of ``num_frames`` equal time slices; the frame for each is the one on
    screen then (the last frame starting at or before it). No frame is decoded twice, so the cost is
    at most one decode of the file. With ``exact=False`` (what recognition needs) a target whose
    frame would take more than :data:`EXACT_BUDGET` frames of decoding to reach gets the nearest
    key frame instead, if one lies within half a slice of it: on a long video with distant key
    frames this decodes about one frame per target. ``result.times`` are the times of the frames
    used and ``result.exact`` says which are the exact ones. If the video has fewer frames than
    asked for, frames repeat, so the result always has ``num_frames`` frames. With ``short_side``
    the frames are converted with their shortest side reduced to it (never enlarged), so that an 8K
    video costs its decoding, not full-size copies of its frames.
    """
    import av

    if num_frames < 1:
        raise InvalidInputError(f"num_frames must be at least 1, got {num_frames}")
    if short_side is not None and short_side < 1:
        raise InvalidInputError(f"short_side must be at least 1 pixel, got {short_side}")
    name = Path(path).name
    stats = DecodeStats()
    with open_video(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        time_base = stream.time_base
        info = _info(container, stream)
        table = _scan(container, stream)
        start = _start_time(stream)
        end = table.end_time(info.fps) if table is not None else _end_time(container, stream)
        duration = max(info.duration, end - start)
        targets = [start + (i + 0.5) * duration / num_frames for i in range(num_frames)] if duration > 0 else []
        try:
            if table is not None and targets:
                picks, ranges = _plan(table.times, table.key, targets, exact=exact, budget=EXACT_BUDGET,
                                      reach=0.5 * duration / num_frames)
                found = _walk(path, container, stream, table, ranges, {table.pts[p.packet] for p in picks}, stats)
                chosen = [found.get(table.pts[p.packet]) for p in picks]
                exactness = [p.exact for p in picks]
            else:  # no timestamps to plan with, or an unknown duration: decode from the start, once
                chosen = _decode_through(container, stream, targets, num_frames, stats)
                exactness = [bool(targets)] * len(chosen)
        except av.error.FFmpegError as exc:
            raise InvalidVideoError(f"{name} could not be decoded ({_reason(exc)}); the file may be corrupt.") from exc

    if not any(frame is not None for frame in chosen):
        raise InvalidVideoError(f"{name} has a video stream but no decodable frames.")
    if len(chosen) < num_frames or None in chosen:
        logger.warning("%s: %d of %d frames could be read; repeating the nearest ones",
                       path, sum(f is not None for f in chosen), num_frames)
        chosen, exactness = _fill(chosen, exactness, num_frames)
    arrays: dict[int, np.ndarray] = {}
    reformatter = av.video.reformatter.VideoReformatter() if short_side else None
    for frame in chosen:
        if id(frame) not in arrays:
            arrays[id(frame)] = _scaled(frame, short_side, reformatter) if short_side else frame.to_ndarray(format="rgb24")
            stats.converted += 1
    rotation = float(getattr(chosen[0], "rotation", 0) or 0)
    frames = [arrays[id(frame)] for frame in chosen]
    times = [float(frame.pts * time_base) for frame in chosen]  # frames drained from a decoder carry no time base
    if rotation:
        frames = [rotate(f, rotation) for f in frames]
        info = VideoInfo(frames[0].shape[1], frames[0].shape[0], info.fps, info.duration, info.frame_count, info.codec, int(rotation))
    return SampledFrames(np.stack(frames), times, info, targets or [], exactness, stats)


def _fill(chosen: list[Any], exactness: list[bool], count: int) -> tuple[list[Any], list[bool]]:
    """``count`` frames: missing ones (decode errors, a short video) repeat the nearest frame read."""
    chosen = chosen + [None] * (count - len(chosen))
    read = [i for i, frame in enumerate(chosen) if frame is not None]
    filled = [chosen[i] if chosen[i] is not None else chosen[min(read, key=lambda r: (abs(r - i), r))] for i in range(count)]
    return filled, [exactness[i] if i < len(exactness) and chosen[i] is not None else False for i in range(count)]


def probe(path: str | Path) -> VideoInfo:
    """The video's size, frame rate and duration, without decoding a frame.

    ``duration`` runs from the first frame to the end of the last one (as :func:`read_frames` and
    :func:`iter_frames_at` measure time), which corrects headers that misstate it.
    """
    with open_video(path) as container:
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


# ---------------------------------------------------------------------------------------------
# read_frames: list the packets, plan which to decode, decode them in one forward walk


@dataclass
class _Packets:
    """The video packets in decode order, as demuxing lists them (nothing decoded)."""

    pts: list[int]
    dts: list[int | None]
    key: list[bool]
    time_base: Fraction

    @property
    def times(self) -> list[float]:
        scale = float(self.time_base)  # not Fraction arithmetic: a long video has 100,000s of packets
        return [p * scale for p in self.pts]

    def end_time(self, fps: float) -> float:
        """When the last frame ends (as :func:`_end_time` measures it)."""
        return float(max(self.pts) * self.time_base) + (1.0 / fps if fps else 0.0)


def _scan(container: Any, stream: Any) -> _Packets | None:
    """Every packet's timestamps and key-frame flag, by demuxing (reading) the file once.

    None when the packets cannot guide a plan (no timestamps, or two packets with the same ones);
    the caller then decodes from the start. A file cut short lists the packets before the cut.
    """
    import av

    pts: list[int] = []
    dts: list[int | None] = []
    key: list[bool] = []
    try:
        for packet in container.demux(stream):
            if packet.size:
                pts.append(packet.pts)
                dts.append(packet.dts)
                key.append(bool(packet.is_keyframe))
    except av.error.FFmpegError as exc:
        logger.warning("Listing the packets stopped early (%s); using the %d read", exc, len(pts))
    if not pts or None in pts or len(set(zip(dts, pts))) < len(pts):
        return None
    return _Packets(pts, dts, key, stream.time_base)


@dataclass(frozen=True)
class _Pick:
    packet: int  # the frame used for one target: its packet's index, in decode order
    exact: bool  # it is the frame on screen at the target


def _plan(
    times: list[float], key: list[bool], targets: list[float], *, exact: bool, budget: int, reach: float,
) -> tuple[list[_Pick], list[tuple[int, int]]]:
    """Which frame to use for each target (ascending), and the runs of packets to decode for them.

    ``times`` are the packets' presentation times and ``key`` their key-frame flags, in decode
    order. The runs (first and last packet, inclusive) ascend and never overlap: each starts at a
    key frame, or right after the previous run. A target is reached from where the decoder already
    is, or from the key frame before it when that lies further on. With ``exact=False`` a target
    that would cost more than ``budget`` packets takes the nearest key frame within ``reach``
    seconds of it, if there is one.
    """
    count = len(times)
    order = sorted(range(count), key=lambda i: (times[i], i))
    sorted_times = [times[i] for i in order]
    keys = sorted((i for i in range(count) if key[i]), key=lambda i: (times[i], i))
    key_times = [times[i] for i in keys]
    last_key = []  # last_key[i]: the last key frame at or before packet i in decode order (-1: none)
    for i in range(count):
        last_key.append(i if key[i] else (last_key[-1] if i else -1))

    picks: list[_Pick] = []
    runs: list[tuple[int, int]] = []
    fed = -1  # the last packet the plan decodes so far
    for target in targets:
        shown = order[max(bisect_right(sorted_times, target + 1e-6) - 1, 0)]
        restart = last_key[shown]
        while restart > 0 and times[restart] > times[shown] + 1e-9:  # a leading frame: it needs the GOP before
            restart = last_key[restart - 1]
        first = fed + 1 if restart <= fed else max(restart, 0)
        cost = shown - first + 1 if shown > fed else 0
        pick, last = _Pick(shown, True), shown
        if not exact and cost > budget:
            at = bisect_right(key_times, target + 1e-6)
            near = [keys[n] for n in (at - 1, at) if 0 <= n < len(keys) and abs(key_times[n] - target) <= reach + 1e-9]
            if near:
                nearest = min(near, key=lambda i: abs(times[i] - target))
                pick, first, last = _Pick(nearest, nearest == shown), nearest, nearest
        picks.append(pick)
        if last > fed:
            first = max(first, fed + 1)
            if runs and runs[-1][1] == first - 1:
                runs[-1] = (runs[-1][0], last)
            else:
                runs.append((first, last))
            fed = last
    return picks, runs


class _Reader:
    """Reads the packets :func:`_scan` listed, by index, seeking forward over long gaps."""

    def __init__(self, container: Any, stream: Any, table: _Packets, stats: DecodeStats) -> None:
        self.container, self.stream, self.table, self.stats = container, stream, table, stats
        self.index = {(d, p): i for i, (d, p) in enumerate(zip(table.dts, table.pts))}
        self.packets: Iterator[Any] | None = None
        self.next: int | None = None  # the index of the packet the demuxer reads next (None: not known)

    def goto(self, i: int) -> None:
        """Make packet ``i`` come next: read on to it when it is near, otherwise seek to it."""
        if self.next is None or not 0 <= i - self.next <= SEEK_MIN_PACKETS:
            self._seek(self.table.pts[i])
            self.stats.seeks += self.next is not None or i > 0  # rewinding to the start after the scan is no jump

    def _seek(self, stamp: int) -> None:
        self.container.seek(stamp, stream=self.stream, backward=True, any_frame=False)
        self.packets, self.next = self.container.demux(self.stream), None

    def read(self, i: int) -> Any | None:
        """Packet ``i``, or None when the file ends before it.

        A seek lands on a key frame at or before the time asked for (packets before ``i`` are read
        and dropped, not decoded); should one land past it, the next tries its decode time, then
        the start of the file.
        """
        fallbacks = [stamp for stamp in (self.table.dts[i], self.table.dts[0]) if stamp is not None]
        while True:
            packet = next(self.packets, None) if self.packets is not None else None
            if packet is None or not packet.size:
                return None
            got = self.index.get((packet.dts, packet.pts))
            if got is None:
                continue
            self.next = got + 1
            if got == i:
                return packet
            if got > i:
                if not fallbacks:
                    return None
                self._seek(fallbacks.pop(0))


def _walk(path: str | Path, container: Any, stream: Any, table: _Packets, runs: list[tuple[int, int]],
          wanted: set[int], stats: DecodeStats) -> dict[int, Any]:
    """Decode the runs of packets in order; the frames whose pts are ``wanted``, by pts.

    The decoder belongs to a second opening of the file, so that seeking ``container`` does not
    reset it: frames from one run are still being decoded (threads) while the next one is read.
    Packets nobody wants are given to it with ``skip_frame="NONREF"``, so it decodes only those
    that are references for later frames.
    """
    import av

    found: dict[int, Any] = {}
    sent = decoded = 0

    def take(frames: list[Any]) -> None:
        nonlocal decoded
        for frame in frames:
            decoded += 1
            if frame.pts in wanted:
                found[frame.pts] = frame

    reader = _Reader(container, stream, table, stats)
    with av.open(str(path)) as decoding:
        ctx = decoding.streams.video[0].codec_context
        ctx.thread_type = "AUTO"
        try:
            for first, last in runs:
                reader.goto(first)
                for i in range(first, last + 1):
                    packet = reader.read(i)
                    if packet is None:
                        raise EOFError(f"the file ends before packet {i} of the {len(table.pts)} listed")
                    ctx.skip_frame = "DEFAULT" if table.pts[i] in wanted else "NONREF"
                    sent += 1
                    take(ctx.decode(packet))
            ctx.skip_frame = "DEFAULT"
            take(ctx.decode(None))
        except (av.error.FFmpegError, EOFError) as exc:
            if not found:
                if isinstance(exc, EOFError):
                    raise InvalidVideoError(f"{Path(path).name} could not be decoded ({_reason(exc)}); the file may be truncated.") from exc
                raise
            logger.warning("Decoding %s stopped early (%s); using the %d frames read", path, exc, len(found))
    stats.decoded += decoded
    stats.skipped += max(sent - decoded, 0)
    return found


def _decode_through(container: Any, stream: Any, targets: list[float], count: int, stats: DecodeStats) -> list[Any]:
    """Decode from the start, once: the frame on screen at each target (ascending), or with no
    targets (an unknown duration) the first ``count`` frames."""
    import av

    container.seek(0, stream=stream, backward=True, any_frame=False)
    chosen: list[Any] = []
    shown = None  # the last frame at or before the current target
    try:
        for frame in container.decode(stream):
            stats.decoded += 1
            if frame.time is None:
                continue
            if not targets:
                chosen.append(frame)
                if len(chosen) == count:
                    break
                continue
            while len(chosen) < len(targets) and float(frame.time) > targets[len(chosen)] + 1e-6:
                chosen.append(shown if shown is not None else frame)
            if len(chosen) == len(targets):
                break
            shown = frame
    except av.error.FFmpegError as exc:
        if shown is None and not chosen:
            raise
        logger.warning("Decoding stopped early (%s); using the frames read", exc)
    while targets and len(chosen) < len(targets) and shown is not None:  # the last frame stays on screen
        chosen.append(shown)
    return chosen


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
    with open_video(path) as container:
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
            raise InvalidVideoError(f"{Path(path).name} could not be decoded ({_reason(exc)}); the file may be corrupt.") from exc


def _reduced(frame: Any, short_side: int | None, reformatter: Any) -> np.ndarray:
    """A decoded frame as (H, W, 3) uint8 RGB, its shortest side at most ``short_side``, rotated for display."""
    image = _scaled(frame, short_side, reformatter)
    rotation = float(getattr(frame, "rotation", 0) or 0)
    return rotate(image, rotation) if rotation else image


def _scaled(frame: Any, short_side: int | None, reformatter: Any) -> np.ndarray:
    """A decoded frame as (H, W, 3) uint8 RGB, its shortest side at most ``short_side`` (not rotated)."""
    width, height = frame.width, frame.height
    scale = short_side / min(width, height) if short_side and min(width, height) > short_side else 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale))) if scale < 1.0 else (width, height)
    return reformatter.reformat(frame, width=size[0], height=size[1], format="rgb24", interpolation="AREA").to_ndarray()


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
    frames = even_size(frames)
    _, height, width, _ = frames.shape

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(exc, path) from exc
    remove_stale_partials(path.parent)
    rate = Fraction(fps).limit_denominator(1001)
    # written under a temporary name and renamed when complete: no half-written file is ever seen
    partial = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.part.mp4")
    try:
        with av.open(str(partial), mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
            if metadata:
                container.metadata[METADATA_KEY] = _metadata_text(metadata)
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
    except OSError as exc:  # PyAV's write errors are OSErrors too (av.error.OSError: [Errno 28] ...)
        raise _output_error(exc, path) from exc
    finally:
        partial.unlink(missing_ok=True)
    return path


def _metadata_text(metadata: dict[str, Any]) -> str:
    """The metadata as JSON, in UTF-8 where it can be (text that is not valid Unicode is escaped)."""
    text = json.dumps(metadata, ensure_ascii=False, sort_keys=True)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (in a folder's name, say): \udXXX escapes instead
        text = json.dumps(metadata, ensure_ascii=True, sort_keys=True)
    return text


def _output_error(exc: OSError, path: Path) -> OutputError:
    """What went wrong writing ``path``, and what to do about it."""
    folder = path.parent
    if exc.errno == errno.EFBIG:
        return OutputError(
            f"{path.name} grew past the largest file this system allows ({exc.strerror}). Ask for fewer frames or a "
            "smaller size. Nothing half-written was kept."
        )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        try:
            free = f"{shutil.disk_usage(folder).free / 1e6:,.1f} MB free"
        except OSError:
            free = "no free space"
        return OutputError(
            f"The disk is full: {path.name} could not be written to {folder} ({free}). Free some space there (old "
            "clips can go) or write somewhere else (VIDEOGEN_OUTPUT_DIR, or -o), then try again. Nothing half-written was kept."
        )
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):  # a file where a folder of the path should be
        return OutputError(f"{folder} is not a folder (a file has that name). Write somewhere else (VIDEOGEN_OUTPUT_DIR, or -o).")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(
            f"{folder} cannot be written to ({exc.strerror}). Write somewhere else (VIDEOGEN_OUTPUT_DIR, or -o)."
        )
    return OutputError(f"{path.name} could not be written to {folder} ({_reason(exc)}). Nothing half-written was kept.")


_PARTIAL = re.compile(r"\..+\.(?P<pid>\d+)\.\d+\.part\.mp4")  # write_video's: .{stem}.{pid}.{thread}.part.mp4


def remove_stale_partials(folder: str | Path, max_age_s: float = PARTIAL_MAX_AGE_S) -> int:
    """Delete the temporary outputs of :func:`write_video` (``.name.pid.thread.part.mp4``) that a
    killed process left in ``folder``: those of a process that is no longer running, and any nobody
    has written to for ``max_age_s`` seconds. Returns how many were deleted. Called before each write."""
    removed = 0
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        match = _PARTIAL.fullmatch(entry.name)
        if match is None:
            continue
        pid = int(match["pid"])
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            orphan = pid != os.getpid() and not _running(pid)
            if orphan or now - entry.stat(follow_symlinks=False).st_mtime > max_age_s:
                os.unlink(entry.path)
                removed += 1
                logger.info("Removed %s, a partial output left by a process that stopped", entry.path)
        except OSError:  # gone already (another process cleaned it), or not ours to delete
            continue
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as another user
        return True
    return True


def even_size(frames: np.ndarray) -> np.ndarray:
    """Pad odd heights/widths by one edge pixel: yuv420p needs even dimensions."""
    _, height, width, _ = frames.shape
    pad_h, pad_w = height % 2, width % 2
    if not (pad_h or pad_w):
        return frames
    return np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The generation parameters stored by :func:`write_video` ({} when absent)."""
    with open_video(path) as container:
        raw = container.metadata.get(METADATA_KEY)
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return {}
