"""When each decoded frame is on screen: the frames' own timestamps, or, where a container got
them wrong, the order the decoder gives the frames back in.

A decoder hands frames back in presentation order. Most containers store each frame's
presentation time, and the frame carries it. AVI stores none: the demuxer invents them from the
packets' order, which is right for streams without B-frames and for MPEG-4 Part 2 with its B-frames
unpacked, but not for DivX's and Xvid's *packed* B-frames (a P-frame and the B-frame before it in
one chunk, then an empty placeholder chunk): there the frames come back in the right order with
timestamps that swap pairwise (1, 3, 2, 5, 4, ...). A sampler that trusts them picks the wrong
frame, or never finds the one it planned for.

:func:`stamps_in_order` tells the two apart on the first frames of the file, and
:func:`timed_frames` then gives every frame its time: its own, or with ``retime`` the smallest
timestamp of the packets fed but not yet given back (the k-th frame out is on screen from the k-th
smallest timestamp: each packet is one frame).
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterator
from typing import Any, Protocol

logger = logging.getLogger(__name__)

CHECK_FRAMES = 24  # stamps_in_order decodes this many frames at most (a packed file swaps its first B-frame's)
MAX_ERRORS = 100  # timed_frames gives up on a file after this many frames that do not decode
UNSTAMPED_FORMATS = frozenset({"avi"})  # containers that store no presentation times (the demuxer invents them)


class Counts(Protocol):
    decoded: int


def stamps_in_order(container: Any, stream: Any, counts: Counts) -> bool:
    """False when the container stores no presentation times and the first frames' come out of order.

    Decodes up to :data:`CHECK_FRAMES` frames of an AVI (nothing of other containers) and leaves
    the container at its start.
    """
    import av

    if container.format.name not in UNSTAMPED_FORMATS:
        return True
    container.seek(0, stream=stream, backward=True, any_frame=False)
    last = None
    in_order = True
    try:
        for n, frame in enumerate(container.decode(stream)):
            counts.decoded += 1
            if frame.pts is not None:
                if last is not None and frame.pts <= last:
                    in_order = False
                    break
                last = frame.pts
            if n + 1 >= CHECK_FRAMES:
                break
    except av.error.FFmpegError:
        pass  # a damaged start: the sampler's own decoding says so
    container.seek(0, stream=stream, backward=True, any_frame=False)
    if not in_order:
        logger.info("%s: the frames' timestamps come out of order (packed B-frames); timing them by their order",
                    getattr(container, "name", "video"))
    return in_order


def timed_frames(container: Any, stream: Any, counts: Counts, *, retime: bool) -> Iterator[tuple[Any, float]]:
    """Decode ``stream`` from where the container is: ``(frame, seconds)`` in presentation order.

    Frames without a time are dropped. With ``retime`` a frame's time is the smallest timestamp of
    the packets decoded but not yet given back as frames, instead of its own. Where the file is
    damaged or cut short, the frames before the damage still come out (the decoder is drained:
    with threads it holds several) and the rest is left out, with a warning in the log.
    """
    import av

    time_base = float(stream.time_base)
    pending: list[int] = []  # a min-heap of the timestamps fed and not yet given back
    packets = container.demux(stream)
    codec = stream.codec_context

    def timed(frames: list[Any]) -> Iterator[tuple[Any, float]]:
        for frame in frames:
            counts.decoded += 1
            stamp = (heapq.heappop(pending) if pending else frame.pts) if retime else frame.pts
            if stamp is not None:
                yield frame, stamp * time_base

    errors = 0
    while errors < MAX_ERRORS:
        try:
            packet = next(packets, None)
        except av.error.FFmpegError as exc:  # the file itself ends or breaks here
            logger.warning("Reading stopped at damaged data (%s); using the frames before it", exc)
            break
        if packet is None:
            return
        if retime and packet.size and packet.pts is not None:
            heapq.heappush(pending, packet.pts)
        try:
            frames = codec.decode(packet if packet.size else None)
        except av.error.FFmpegError as exc:  # one damaged frame: the decoder goes on with the next
            errors += 1
            logger.warning("A damaged frame could not be decoded (%s)", exc)
            continue
        yield from timed(frames)
    try:
        frames = codec.decode(None)  # what the decoder's threads still hold
    except av.error.FFmpegError:
        frames = []
    yield from timed(frames)
