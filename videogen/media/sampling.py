"""The sampling planner: which packets to decode to get the frames on screen at N target times.

:func:`scan_packets` lists the video's packets (demuxing reads the file but decodes nothing);
:func:`plan_samples` then picks, for each target, the frame on screen then and the runs of packets
that reach it: from the key frame before it, or from where the decoder already is. Targets in one
group of pictures are reached by decoding forward, and the runs never overlap, so the cost is at
most one decode of the file whatever its key-frame spacing. With a budget, a target whose exact
frame would cost too much takes the nearest key frame instead. Pure functions over lists: the
decoding itself is :mod:`videogen.media.decode`'s.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

logger = logging.getLogger(__name__)


@dataclass
class Packets:
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
        """When the last frame ends (as :func:`end_time` measures it)."""
        return float(max(self.pts) * self.time_base) + (1.0 / fps if fps else 0.0)


def scan_packets(container: Any, stream: Any) -> Packets | None:
    """Every packet's timestamps and key-frame flag, by demuxing (reading) the file once.

    None when the packets cannot guide a plan (no timestamps, or two packets with the same one);
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
    if not pts or None in pts or len(set(pts)) < len(pts):
        return None
    return Packets(pts, dts, key, stream.time_base)


@dataclass(frozen=True)
class Pick:
    packet: int  # the frame used for one target: its packet's index, in decode order
    exact: bool  # it is the frame on screen at the target


def plan_samples(
    times: list[float], key: list[bool], targets: list[float], *, exact: bool, budget: int, reach: float,
) -> tuple[list[Pick], list[tuple[int, int]]]:
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

    picks: list[Pick] = []
    runs: list[tuple[int, int]] = []
    fed = -1  # the last packet the plan decodes so far
    for target in targets:
        shown = order[max(bisect_right(sorted_times, target + 1e-6) - 1, 0)]
        restart = last_key[shown]
        while restart > 0 and times[restart] > times[shown] + 1e-9:  # a leading frame: it needs the GOP before
            restart = last_key[restart - 1]
        first = fed + 1 if restart <= fed else max(restart, 0)
        cost = shown - first + 1 if shown > fed else 0
        pick, last = Pick(shown, True), shown
        if not exact and cost > budget:
            at = bisect_right(key_times, target + 1e-6)
            near = [keys[n] for n in (at - 1, at) if 0 <= n < len(keys) and abs(key_times[n] - target) <= reach + 1e-9]
            if near:
                nearest = min(near, key=lambda i: abs(times[i] - target))
                pick, first, last = Pick(nearest, nearest == shown), nearest, nearest
        picks.append(pick)
        if last > fed:
            first = max(first, fed + 1)
            if runs and runs[-1][1] == first - 1:
                runs[-1] = (runs[-1][0], last)
            else:
                runs.append((first, last))
            fed = last
    return picks, runs
