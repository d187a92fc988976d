"""One pass in order through a video for many target times (a timeline of a long video).

:func:`iter_frames_at` decodes straight on, seeking forward only over long gaps between targets,
and converts only the frames on screen at the targets, at a reduced size. Where
:func:`videogen.media.decode.read_frames` plans N samples over a whole file, this is for hundreds
of targets whose windows overlap.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from videogen.errors import InvalidInputError, InvalidVideoError
from videogen.media.decode import DecodeStats, reduced
from videogen.media.probe import error_reason, open_video, start_time
from videogen.media.timing import stamps_in_order, timed_frames

logger = logging.getLogger(__name__)

SEEK_GAP_S = 1.0  # iter_frames_at seeks over gaps between targets longer than this (and than a GOP)


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
        start = start_time(stream)
        retime = not stamps_in_order(container, stream, stats)  # packed B-frames in AVI: time frames by their order
        decoder = timed_frames(container, stream, stats, retime=retime)
        gop = 0.0  # the longest key-frame interval seen, seconds
        key = None  # time of the last key frame decoded since the last seek
        position = start  # time of the last decoded frame (the decoder starts at the start)
        shown = ahead = None  # (frame, seconds) on screen at the current target; the first one after it
        last: tuple[Any, np.ndarray] | None = None  # the last frame converted, and its array
        reformatter = av.video.reformatter.VideoReformatter()  # one scaler for the pass, not one per frame
        try:
            for i, target in enumerate(targets):
                absolute = start + target
                before = None  # after a seek: where the decoder was
                if absolute - position > max(SEEK_GAP_S, 1.5 * gop):
                    container.seek(int(max(absolute - 0.001, 0) / stream.time_base), stream=stream, backward=True,
                                   any_frame=False)
                    decoder = timed_frames(container, stream, stats, retime=retime)
                    shown, ahead, key, before = None, None, None, position
                    stats.seeks += 1
                while True:
                    if ahead is not None:
                        timed, ahead = ahead, None
                    else:
                        timed = next(decoder, None)
                    if timed is None:  # end of stream: the last frame stays on screen
                        break
                    frame, position = timed
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
                        shown = timed
                    else:
                        ahead = timed
                        break
                chosen = shown if shown is not None else ahead
                if chosen is None and last is None:
                    raise InvalidVideoError(f"{Path(path).name} has a video stream but no decodable frames.")
                if chosen is None:  # a seek past the end: the last frame stays on screen
                    chosen = last[0]
                elif last is None or last[0] is not chosen:
                    last = (chosen, reduced(chosen[0], short_side, reformatter))
                    stats.converted += 1
                yield i, last[1], chosen[1] - start
        except av.error.FFmpegError as exc:
            raise InvalidVideoError(f"{Path(path).name} could not be decoded ({error_reason(exc)}); the file may be corrupt.") from exc
