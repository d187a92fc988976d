"""Reading N frames spread evenly over a video (:func:`read_frames`), never decoding a frame twice.

The frames are the ones on screen at the centres of N equal time slices. The packets are listed
and planned by :mod:`videogen.media.sampling`; this module decodes the planned runs in one forward
walk. Frames that neither a target nor a later frame needs (non-reference B-frames) are skipped. By
default a target whose exact frame would cost more than :data:`EXACT_BUDGET` frames of decoding
takes the nearest key frame instead when one lies within half a sample's slice of it
(``exact=True`` always decodes the exact frame); the result says which frames are exact.
Timestamps (not frame indices) make variable-frame-rate phone videos sample evenly. Rotation
metadata is applied to the pixels (PyAV reports it but does not rotate). Corrupt, audio-only and
frameless files raise :class:`~videogen.errors.InvalidVideoError`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from videogen.errors import InvalidInputError, InvalidVideoError
from videogen.media.probe import VideoInfo, end_time, error_reason, open_video, start_time, stream_info
from videogen.media.sampling import Packets, plan_samples, scan_packets
from videogen.media.timing import stamps_in_order, timed_frames

logger = logging.getLogger(__name__)

EXACT_BUDGET = 30  # read_frames (default): frames it decodes to reach one exact frame before taking a key frame near it

SEEK_MIN_PACKETS = 64  # read_frames seeks over a gap of more packets than this; shorter gaps are read through, not decoded


@dataclass
class DecodeStats:
    """What one :func:`read_frames` or :func:`iter_frames_at` call cost."""

    decoded: int = 0  # frames the decoder produced (each frame of the file at most once, unless a seek went back)
    converted: int = 0  # frames converted to RGB (at the reduced size)
    seeks: int = 0  # jumps forward over gaps between targets
    skipped: int = 0  # read_frames: packets the decoder dropped undecoded (non-reference frames no target needs)
    replanned: int = 0  # read_frames: 1 when the planned frames did not all come back and it decoded from the start


@dataclass(frozen=True)
class SampledFrames:
    frames: np.ndarray  # (N, H, W, 3) uint8 RGB
    times: list[float]  # presentation time of each frame, seconds: the timestamps actually used
    info: VideoInfo
    targets: list[float] = field(default_factory=list)  # the times asked for, seconds (centres of N equal slices)
    exact: list[bool] = field(default_factory=list)  # frames[i] is the frame on screen at targets[i]
    stats: DecodeStats = field(default_factory=DecodeStats)
    warnings: list[str] = field(default_factory=list)  # frames that could not be read (the nearest ones repeat)


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
        info = stream_info(container, stream)
        table = scan_packets(container, stream)
        start = start_time(stream)
        end = table.end_time(info.fps) if table is not None else end_time(container, stream)
        duration = max(info.duration, end - start)
        targets = [start + (i + 0.5) * duration / num_frames for i in range(num_frames)] if duration > 0 else []
        chosen: list[tuple[Any, float] | None] | None = None
        try:
            # 1. Timestamps the decoder gives back as they were listed? (Not so for packed B-frames in AVI.)
            stamped = stamps_in_order(container, stream, stats)
            # 2. Plan the packets to decode and walk them once.
            if table is not None and targets and stamped:
                picks, ranges = plan_samples(table.times, table.key, targets, exact=exact, budget=EXACT_BUDGET,
                                             reach=0.5 * duration / num_frames)
                found = walk(path, container, stream, table, ranges, {table.pts[p.packet] for p in picks}, stats)
                frames = [found.get(table.pts[p.packet]) for p in picks]
                if None not in frames:
                    chosen = [(frame, float(frame.pts * table.time_base)) for frame in frames]
                    exactness = [p.exact for p in picks]
                else:  # the decoder did not give back what was planned: never guess, decode it all
                    logger.info("%s: %d planned frames did not come back; decoding from the start", path,
                                frames.count(None))
                    stats.replanned = 1
            # 3. Otherwise (no timestamps to plan with, an unknown duration, a plan gone wrong): decode from the start, once.
            if chosen is None:
                chosen = decode_through(container, stream, targets, num_frames, stats, retime=not stamped)
                exactness = [bool(targets)] * len(chosen)
        except av.error.FFmpegError as exc:
            raise InvalidVideoError(f"{name} could not be decoded ({error_reason(exc)}); the file may be corrupt.") from exc

    # 4. Frames that could not be read repeat the nearest ones read, and the result says so.
    read = [pair for pair in chosen if pair is not None]
    if not read:
        raise InvalidVideoError(f"{name} has a video stream but no decodable frames.")
    warnings = []
    if len(chosen) < num_frames or len(read) < len(chosen):
        warnings.append(f"Only {len(read)} of the {num_frames} sampled frames of {name} could be decoded (the file may "
                        "be damaged or cut short); the nearest frames stand in for the others.")
        logger.warning("%s: %d of %d frames could be read; repeating the nearest ones", path, len(read), num_frames)
        chosen, exactness = fill(chosen, exactness, num_frames)
    frame_s = 1.0 / info.fps if info.fps else 0.1
    last = max(seconds for _, seconds in read)
    late = [target for target in targets if target > last + 1.5 * frame_s]
    if late:  # the frames stop before the video's duration: the last one read stands in for the rest
        warnings.append(f"{name} could be decoded only up to {last - start:.1f} s of its {duration:.1f} s (the file "
                        f"may be damaged or cut short); its last frame stands in for the {len(late)} samples after that.")
        logger.warning("%s: frames end at %.2f s of %.2f s", path, last - start, duration)
    # 5. Convert each frame used once (at the reduced size), rotated as a player shows it.
    arrays: dict[int, np.ndarray] = {}
    reformatter = av.video.reformatter.VideoReformatter() if short_side else None
    for frame, _ in chosen:
        if id(frame) not in arrays:
            arrays[id(frame)] = scaled(frame, short_side, reformatter) if short_side else frame.to_ndarray(format="rgb24")
            stats.converted += 1
    rotation = float(getattr(chosen[0][0], "rotation", 0) or 0)
    images = [arrays[id(frame)] for frame, _ in chosen]
    times = [seconds for _, seconds in chosen]
    if rotation:
        images = [rotate(f, rotation) for f in images]
        info = VideoInfo(images[0].shape[1], images[0].shape[0], info.fps, info.duration, info.frame_count, info.codec, int(rotation))
    return SampledFrames(np.stack(images), times, info, targets or [], exactness, stats, warnings)


def fill(chosen: list[Any], exactness: list[bool], count: int) -> tuple[list[Any], list[bool]]:
    """``count`` frames: missing ones (decode errors, a short video) repeat the nearest frame read."""
    chosen = chosen + [None] * (count - len(chosen))
    read = [i for i, frame in enumerate(chosen) if frame is not None]
    filled = [chosen[i] if chosen[i] is not None else chosen[min(read, key=lambda r: (abs(r - i), r))] for i in range(count)]
    return filled, [exactness[i] if i < len(exactness) and chosen[i] is not None else False for i in range(count)]


class PacketReader:
    """Reads the packets :func:`scan_packets` listed, by index, seeking forward over long gaps."""

    def __init__(self, container: Any, stream: Any, table: Packets, stats: DecodeStats) -> None:
        self.container, self.stream, self.table, self.stats = container, stream, table, stats
        # by pts, unique among the listed packets: a demuxer that makes decode times up (MKV, WebM) may make
        # other ones after a seek
        self.index = {p: i for i, p in enumerate(table.pts)}
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
            got = self.index.get(packet.pts)
            if got is None:
                continue
            self.next = got + 1
            if got == i:
                return packet
            if got > i:
                if not fallbacks:
                    return None
                self._seek(fallbacks.pop(0))


def walk(path: str | Path, container: Any, stream: Any, table: Packets, runs: list[tuple[int, int]],
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

    reader = PacketReader(container, stream, table, stats)
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
        except (av.error.FFmpegError, EOFError) as exc:  # damaged or cut short: the caller decodes what it can
            logger.warning("Decoding %s stopped early (%s); %d of the %d frames planned were read", path,
                           error_reason(exc), len(found), len(wanted))
    stats.decoded += decoded
    stats.skipped += max(sent - decoded, 0)
    return found


def decode_through(container: Any, stream: Any, targets: list[float], count: int, stats: DecodeStats, *,
                   retime: bool = False) -> list[tuple[Any, float]]:
    """Decode from the start, once: ``(frame, seconds)`` on screen at each target (ascending), or
    with no targets (an unknown duration) the first ``count`` frames. ``retime``: time the frames by
    the order they come back in (:func:`videogen.media.timing.timed_frames`)."""
    import av

    container.seek(0, stream=stream, backward=True, any_frame=False)
    chosen: list[tuple[Any, float]] = []
    shown = None  # the last frame at or before the current target, and its time
    try:
        for frame, seconds in timed_frames(container, stream, stats, retime=retime):
            if not targets:
                chosen.append((frame, seconds))
                if len(chosen) == count:
                    break
                continue
            while len(chosen) < len(targets) and seconds > targets[len(chosen)] + 1e-6:
                chosen.append(shown if shown is not None else (frame, seconds))
            if len(chosen) == len(targets):
                break
            shown = (frame, seconds)
    except av.error.FFmpegError as exc:
        if shown is None and not chosen:
            raise
        logger.warning("Decoding stopped early (%s); using the frames read", exc)
    while targets and len(chosen) < len(targets) and shown is not None:  # the last frame stays on screen
        chosen.append(shown)
    return chosen


def rotate(image: np.ndarray, degrees_ccw: float) -> np.ndarray:
    """Apply display-matrix rotation so the frame looks as a player shows it."""
    turns = int(round(degrees_ccw / 90)) % 4
    return np.ascontiguousarray(np.rot90(image, k=turns)) if turns else image


def reduced(frame: Any, short_side: int | None, reformatter: Any) -> np.ndarray:
    """A decoded frame as (H, W, 3) uint8 RGB, its shortest side at most ``short_side``, rotated for display."""
    image = scaled(frame, short_side, reformatter)
    rotation = float(getattr(frame, "rotation", 0) or 0)
    return rotate(image, rotation) if rotation else image


def scaled(frame: Any, short_side: int | None, reformatter: Any) -> np.ndarray:
    """A decoded frame as (H, W, 3) uint8 RGB, its shortest side at most ``short_side`` (not rotated)."""
    width, height = frame.width, frame.height
    scale = short_side / min(width, height) if short_side and min(width, height) > short_side else 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale))) if scale < 1.0 else (width, height)
    return reformatter.reformat(frame, width=size[0], height=size[1], format="rgb24", interpolation="AREA").to_ndarray()


@dataclass(frozen=True)
class Video:
    """Every frame of a video, decoded: what the edit operations take and give back."""

    frames: np.ndarray  # (T, H, W, 3) uint8 RGB, rotated as a player shows them
    fps: float
    info: VideoInfo

    @property
    def duration_s(self) -> float:
        return len(self.frames) / self.fps if self.fps else 0.0


def read_video(path: str | Path, max_frames: int) -> Video:
    """All frames of ``path`` in order (at most ``max_frames``, else refused: say how to shorten it)."""
    import av

    name = Path(path).name
    with open_video(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        info = stream_info(container, stream)
        stats = DecodeStats()
        retime = not stamps_in_order(container, stream, stats)
        container.seek(0, stream=stream, backward=True, any_frame=False)
        frames: list[np.ndarray] = []
        try:
            for frame, _ in timed_frames(container, stream, stats, retime=retime):
                if len(frames) == max_frames:
                    raise InvalidInputError(
                        f"{name} has more than {max_frames} frames, more than an edit takes here: trim it first "
                        f"(--trim START:END, or a shorter upload).")
                rotation = float(getattr(frame, "rotation", 0) or 0)
                image = frame.to_ndarray(format="rgb24")
                frames.append(rotate(image, rotation) if rotation else image)
        except av.error.FFmpegError as exc:
            if not frames:
                raise InvalidVideoError(f"{name} could not be decoded ({error_reason(exc)}); the file may be corrupt.") from exc
    if not frames:
        raise InvalidVideoError(f"{name} has a video stream but no decodable frames.")
    fps = info.fps or 8.0
    return Video(np.stack(frames), fps, info)
