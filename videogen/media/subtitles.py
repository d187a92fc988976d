"""Subtitles: timed lines (:class:`Cue`) as WebVTT for the browser's ``<track>``, as SRT, and as a
``mov_text`` track inside the MP4 (the soft subtitles players such as VLC, QuickTime and mpv show).

Chromium does not show an MP4's own text track, so the page plays the WebVTT file beside the video;
the MP4 carries the same lines for players and for anyone who downloads it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from videogen.errors import InvalidInputError

TIME_BASE = Fraction(1, 1000)  # the text track's clock: milliseconds
# mov_text's encoder will not open without an ASS header; the MP4 stores none of it but the style
ASS_HEADER = (
    "[Script Info]\nScriptType: v4.00+\nPlayResX: 384\nPlayResY: 288\n\n[V4+ Styles]\n"
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
    "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, "
    "MarginV, Encoding\nStyle: Default,Sans,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0\n\n"
    "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
)


@dataclass(frozen=True)
class Cue:
    """One subtitle: ``text`` on screen from ``start_s`` to ``end_s``."""

    start_s: float
    end_s: float
    text: str

    def __post_init__(self) -> None:
        if not 0 <= self.start_s < self.end_s:
            raise InvalidInputError(f"a subtitle needs 0 <= start < end, got {self.start_s:g} to {self.end_s:g}")


def clock(seconds: float, separator: str = ".") -> str:
    """``HH:MM:SS.mmm`` (WebVTT) or, with ``separator=","``, SRT's ``HH:MM:SS,mmm``."""
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{separator}{ms % 1000:03d}"


def to_webvtt(cues: list[Cue]) -> str:
    blocks = [f"{clock(c.start_s)} --> {clock(c.end_s)}\n{c.text}" for c in cues]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def to_srt(cues: list[Cue]) -> str:
    blocks = [f"{i}\n{clock(c.start_s, ',')} --> {clock(c.end_s, ',')}\n{c.text}" for i, c in enumerate(cues, 1)]
    return "\n\n".join(blocks) + "\n"


def write_webvtt(cues: list[Cue], path: str | Path) -> Path:
    """The cues as a WebVTT file at ``path`` (written whole, then renamed into place)."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.part")
    partial.write_text(to_webvtt(cues), encoding="utf-8")
    partial.replace(path)
    return path


class MovTextTrack:
    """A ``mov_text`` stream in an open MP4 ``container``; :meth:`write` muxes every cue."""

    def __init__(self, container: Any, cues: list[Cue]) -> None:
        self.stream = container.add_stream("mov_text")
        self.stream.time_base = TIME_BASE
        self.stream.codec_context.subtitle_header = ASS_HEADER.encode()
        self.stream.metadata["language"] = "und"
        self.container, self.cues = container, sorted(cues, key=lambda c: c.start_s)

    def write(self) -> None:
        """Each cue as one sample: a 16-bit length, then the text in UTF-8 (3GPP timed text)."""
        import av

        for cue in self.cues:
            data = cue.text.encode("utf-8")[:65535]
            packet = av.Packet(struct.pack(">H", len(data)) + data)
            start, end = round(cue.start_s * 1000), round(cue.end_s * 1000)
            packet.stream, packet.time_base = self.stream, TIME_BASE
            packet.pts = packet.dts = start
            packet.duration = end - start
            self.container.mux(packet)


def read_mov_text(path: str | Path) -> list[Cue]:
    """The cues of an MP4's first text track ([] when it has none)."""
    import av

    cues = []
    with av.open(str(path)) as container:
        if not container.streams.subtitles:
            return []
        stream = container.streams.subtitles[0]
        for packet in container.demux(stream):
            data = bytes(packet)
            if packet.pts is None or len(data) < 2:
                continue
            size = struct.unpack(">H", data[:2])[0]
            if size:
                start = float(packet.pts * stream.time_base)
                cues.append(Cue(start, start + float(packet.duration * stream.time_base), data[2:2 + size].decode()))
    return cues
