"""The visible "AI-generated" label: small white text on a dark box in the bottom-right corner of
every frame, drawn before encoding (off unless asked for: ``--label``, the page's checkbox).

The label is drawn once per frame size (Pillow's own font, so every machine draws the same pixels)
and laid over each frame: only the pixels of its box change.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

TEXT = "AI-generated"


@lru_cache(maxsize=8)
def _overlay(height: int, width: int) -> tuple[int, int, np.ndarray]:
    """(top, left, (h, w, 4) float32 RGBA in [0, 1]): the label's box and where it goes on a frame that size."""
    from PIL import Image, ImageDraw, ImageFont

    size = max(8, min(height, width) // 22)
    font = ImageFont.load_default(size)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left_, top_, right_, bottom_ = probe.textbbox((0, 0), TEXT, font=font)
    pad = max(2, size // 4)
    box_w, box_h = min(width, right_ - left_ + 2 * pad), min(height, bottom_ - top_ + 2 * pad)
    canvas = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 150))
    ImageDraw.Draw(canvas).text((pad - left_, pad - top_), TEXT, font=font, fill=(255, 255, 255, 255))
    margin = max(2, size // 3)
    top, left = max(0, height - box_h - margin), max(0, width - box_w - margin)
    return top, left, np.asarray(canvas, dtype=np.float32) / 255.0


def box(height: int, width: int) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the pixels the label covers on a frame of that size."""
    top, left, rgba = _overlay(height, width)
    return top, left, top + rgba.shape[0], left + rgba.shape[1]


def labelled(frame: np.ndarray) -> np.ndarray:
    """``frame`` ((H, W, 3) uint8) with the label over its bottom-right corner (a new array)."""
    top, left, rgba = _overlay(int(frame.shape[0]), int(frame.shape[1]))
    out = frame.copy()
    h, w = rgba.shape[:2]
    region = out[top:top + h, left:left + w].astype(np.float32)
    alpha = rgba[..., 3:4]
    out[top:top + h, left:left + w] = np.clip(region * (1 - alpha) + rgba[..., :3] * 255.0 * alpha + 0.5, 0, 255
                                              ).astype(np.uint8)
    return out


def label_frames(frames: np.ndarray) -> np.ndarray:
    """Every frame of ``frames`` ((T, H, W, 3) uint8) labelled."""
    return np.stack([labelled(f) for f in frames]) if len(frames) else frames
