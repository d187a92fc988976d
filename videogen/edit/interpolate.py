"""Frame interpolation offline: new frames between each pair, from optical flow in both directions.

For frames ``a`` and ``b`` and a time ``t`` between them (0 < t < 1):

1. DIS optical flow (OpenCV's ``DISOpticalFlow``, medium preset) both ways, on grey copies:
   ``f_ab`` (where each pixel of ``a`` goes in ``b``) and ``f_ba``.
2. The flow at time ``t`` seen from the new frame, approximated as ``-t * f_ab`` towards ``a`` and
   ``-(1 - t) * f_ba`` towards ``b`` (the linear-motion assumption every flow interpolator starts from).
3. Both frames warped to time ``t`` (``cv2.remap``, bilinear).
4. Occlusion-aware blending: each warped pixel is weighted by how well its flow is confirmed by
   the flow the other way (forward-backward consistency) and by its nearness in time, so that a
   pixel uncovered in one frame is taken from the other.

Everything works on (T, H, W, 3) uint8 RGB arrays; :func:`interpolate` adds ``factor - 1`` frames
between each pair: ``(T - 1) * factor + 1`` frames at ``fps * factor``, the same duration.
:func:`optical_flow`, :func:`warp` and :func:`inconsistency` are shared with :mod:`~videogen.edit.restyle`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from videogen.errors import InvalidInputError

FACTORS = (2, 4)
CONSISTENCY_PX = 1.0  # a forward-backward disagreement of this many pixels halves a pixel's weight


def optical_flow(dis, a_grey: np.ndarray, b_grey: np.ndarray) -> np.ndarray:
    """DIS flow from grey ``a`` to grey ``b`` with the ``cv2.DISOpticalFlow`` ``dis``."""
    return dis.calc(a_grey, b_grey, None)  # (H, W, 2) float32: where each pixel of a is in b


def warp(image: np.ndarray, flow: np.ndarray, cubic: bool = False) -> np.ndarray:
    """Sample ``image`` at ``grid + flow`` (backward warping): (H, W, 3) float32. Bilinear, or bicubic
    with ``cubic`` (sharper where an image is warped again and again)."""
    import cv2

    h, w = flow.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    mode = cv2.INTER_CUBIC if cubic else cv2.INTER_LINEAR
    return cv2.remap(image, grid_x + flow[..., 0], grid_y + flow[..., 1], mode, borderMode=cv2.BORDER_REPLICATE)


def inconsistency(flow: np.ndarray, other: np.ndarray) -> np.ndarray:
    """How far ``flow`` and the flow back (``other``, sampled where ``flow`` lands) fail to cancel: (H, W)."""
    back = warp(other, flow)
    return np.linalg.norm(flow + back, axis=-1)


def between(a: np.ndarray, b: np.ndarray, times: list[float], flows: tuple[np.ndarray, np.ndarray] | None = None,
            ) -> list[np.ndarray]:
    """The frames at ``times`` (each in (0, 1)) between uint8 RGB frames ``a`` and ``b``."""
    import cv2

    if flows is None:
        dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        a_grey, b_grey = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY), cv2.cvtColor(b, cv2.COLOR_RGB2GRAY)
        flows = (optical_flow(dis, a_grey, b_grey), optical_flow(dis, b_grey, a_grey))
    f_ab, f_ba = flows
    # confidence of each frame's pixels: its flow agrees with the flow back
    conf_a = 1.0 / (1.0 + (inconsistency(f_ab, f_ba) / CONSISTENCY_PX) ** 2)
    conf_b = 1.0 / (1.0 + (inconsistency(f_ba, f_ab) / CONSISTENCY_PX) ** 2)
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    out = []
    for t in times:
        # 2. the flow from the new frame to each side, at the new frame's pixels
        to_a = warp(-t * f_ab, -t * f_ab)  # f_ab sampled along the way it points, scaled back to time t
        to_b = warp(-(1 - t) * f_ba, -(1 - t) * f_ba)
        # 3. both frames brought to time t, with how much each is believed there
        from_a, from_b = warp(a32, to_a), warp(b32, to_b)
        w_a = (1 - t) * warp(conf_a[..., None].repeat(2, -1), to_a)[..., :1] + 1e-4
        w_b = t * warp(conf_b[..., None].repeat(2, -1), to_b)[..., :1] + 1e-4
        # 4. blended by those weights
        frame = (w_a * from_a + w_b * from_b) / (w_a + w_b)
        out.append(np.clip(frame + 0.5, 0, 255).astype(np.uint8))
    return out


def interpolate(frames: np.ndarray, factor: int, on_pair: Callable[[int, int], None] | None = None) -> np.ndarray:
    """``factor - 1`` new frames between each pair of (T, H, W, 3) uint8 ``frames``:
    ``(T - 1) * factor + 1`` frames. ``on_pair(done, total)`` after each pair (progress; may raise to stop)."""
    frames = np.asarray(frames)
    if factor not in FACTORS:
        raise InvalidInputError(f"interpolate must be one of {', '.join(map(str, FACTORS))}, got {factor!r}")
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise InvalidInputError(f"frames must be (T, H, W, 3) uint8, got {frames.shape} {frames.dtype}")
    if len(frames) < 2:
        return frames.copy()
    times = [k / factor for k in range(1, factor)]
    out = [frames[0]]
    for i in range(len(frames) - 1):
        out += [*between(frames[i], frames[i + 1], times), frames[i + 1]]
        if on_pair is not None:
            on_pair(i + 1, len(frames) - 1)
    return np.stack(out)


class FlowInterpolator:
    """The offline interpolator as an edit model (``name`` in the edit's operations): no weights, no download."""

    name = "dis-flow"

    def interpolate(self, frames: np.ndarray, factor: int, on_pair: Callable[[int, int], None] | None = None) -> np.ndarray:
        return interpolate(frames, factor, on_pair)
