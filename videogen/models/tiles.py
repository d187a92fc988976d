"""Run an image network over a large picture in overlapping tiles, so that a 1080p frame fits in memory.

Super-resolution networks (ours in ``weights/``, Real-ESRGAN through spandrel) take a whole
image, and their activations grow with its area: a 1920×1080 frame through Real-ESRGAN ×4 needs
several GiB. :func:`tiled` cuts the input into ``tile``-sized squares that overlap by ``overlap``
pixels, runs the network on each, and keeps only each output tile's centre (the overlap is where a
network sees a tile's edge and is wrong), so the stitched result matches the untiled one away from
the borders. spandrel leaves tiling to its callers; this is ours.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

TILE = 256  # input pixels per side of a tile
OVERLAP = 16  # input pixels each tile shares with its neighbours


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    """Where tiles of ``tile`` pixels, overlapping by ``overlap``, start along one side of ``length``."""
    if length <= tile:
        return [0]
    step = tile - 2 * overlap
    starts = list(range(0, length - tile, step))
    return [*starts, length - tile]  # the last tile ends at the border


def tiled(
    run: Callable[[torch.Tensor], torch.Tensor], image: torch.Tensor, scale: int, *, tile: int = TILE,
    overlap: int = OVERLAP,
) -> torch.Tensor:
    """``run`` over ``image`` (N, C, H, W) in overlapping tiles; its output (N, C', H*scale, W*scale).

    Each tile's output keeps the part nearest its own centre: from the middle of the overlap on
    each side where there is a neighbour, to the border where there is none."""
    if tile <= 2 * overlap:
        raise ValueError(f"tile ({tile}) must be larger than twice the overlap ({overlap})")
    _, _, height, width = image.shape
    if height <= tile and width <= tile:
        return run(image)
    rows, cols = _starts(height, tile, overlap), _starts(width, tile, overlap)
    out: torch.Tensor | None = None
    for i, top in enumerate(rows):
        for j, left in enumerate(cols):
            piece = run(image[:, :, top:top + tile, left:left + tile])  # (N, C', t*s, t*s)
            if out is None:
                out = piece.new_zeros((*piece.shape[:2], height * scale, width * scale))
            # the rows and columns this tile is trusted for, in input pixels
            y0 = 0 if i == 0 else (top + rows[i - 1] + tile) // 2
            y1 = height if i == len(rows) - 1 else (rows[i + 1] + top + tile) // 2
            x0 = 0 if j == 0 else (left + cols[j - 1] + tile) // 2
            x1 = width if j == len(cols) - 1 else (cols[j + 1] + left + tile) // 2
            out[:, :, y0 * scale:y1 * scale, x0 * scale:x1 * scale] = \
                piece[:, :, (y0 - top) * scale:(y1 - top) * scale, (x0 - left) * scale:(x1 - left) * scale]
    assert out is not None  # at least one tile ran
    return out
