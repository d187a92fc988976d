"""Subtitles burned into the picture: each cue's text drawn once (white, a dark outline, wrapped to
the frame's width, near the bottom) and laid over the frames it is on screen for.

The font is the system's sans-serif that covers the text (``fc-match``: Noto Sans CJK for Chinese
where installed, as Debian's ``fonts-noto-cjk`` installs it), else Pillow's own.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from functools import lru_cache
from typing import Any

import numpy as np

from videogen.media.subtitles import Cue

logger = logging.getLogger(__name__)

_CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]")


@lru_cache(maxsize=4)
def font_file(chinese: bool) -> str | None:
    """A font file for the text (None: none found; Pillow's default font is used)."""
    if shutil.which("fc-match") is None:
        return None
    pattern = "sans-serif:lang=zh-cn" if chinese else "sans-serif"
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip() or None


def _font(size: int, chinese: bool) -> Any:
    from PIL import ImageFont

    path = font_file(chinese)
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            logger.debug("font %s could not be opened; using Pillow's", path)
    return ImageFont.load_default(size)


def _wrapped(text: str, font: Any, width: int, draw: Any) -> list[str]:
    """``text`` in lines no wider than ``width`` pixels (Chinese breaks between any two characters)."""
    units = list(text) if _CJK.search(text) else text.split()
    joiner = "" if _CJK.search(text) else " "
    lines, line = [], ""
    for unit in units:
        trial = f"{line}{joiner}{unit}" if line else unit
        if line and draw.textlength(trial, font=font) > width:
            lines.append(line)
            line = unit
        else:
            line = trial
    return [*lines, line] if line else lines


def overlay(text: str, height: int, width: int) -> np.ndarray:
    """(height, width, 4) float32 RGBA in [0, 1]: ``text`` as a caption of a frame that size."""
    from PIL import Image, ImageDraw

    chinese = bool(_CJK.search(text))
    size = max(12, round(height * 0.055))
    font = _font(size, chinese)
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    lines = _wrapped(text, font, int(width * 0.9), draw)[-3:]  # at most three lines (the last ones)
    stroke = max(1, size // 12)
    line_height = round(size * 1.25)
    y = height - round(height * 0.06) - line_height * len(lines)
    for line in lines:
        x = (width - draw.textlength(line, font=font)) / 2
        draw.text((x, y), line, font=font, fill=(255, 255, 255, 255), stroke_width=stroke, stroke_fill=(0, 0, 0, 230))
        y += line_height
    return np.asarray(canvas, np.float32) / 255.0


class Burner:
    """Draws the cue on screen at a time over a frame; each cue's caption is drawn once."""

    def __init__(self, cues: list[Cue], height: int, width: int) -> None:
        self.cues, self.size = sorted(cues, key=lambda c: c.start_s), (height, width)
        self.drawn: dict[int, np.ndarray] = {}

    def __call__(self, frame: np.ndarray, seconds: float) -> np.ndarray:
        for index, cue in enumerate(self.cues):
            if cue.start_s <= seconds < cue.end_s:
                if index not in self.drawn:
                    self.drawn = {index: overlay(cue.text, *self.size)}  # only the cue on screen is kept
                layer = self.drawn[index]
                alpha = layer[..., 3:]
                mixed = frame.astype(np.float32) * (1 - alpha) + layer[..., :3] * 255.0 * alpha
                return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
        return frame
