"""Clip augmentations for the action classifier's training data: other renderers' marks on a turning
circle (:func:`mark_circle`), colours kept clear of the background, and the losses of a video's
life (:func:`degrade`: colour changes, per-frame JPEG, an MPEG-4 round trip, blur). NumPy and OpenCV
on (T, H, W, 3) uint8 clips; every random draw from the ``rng`` given.
"""

from __future__ import annotations

import io
import math

import cv2
import numpy as np

from videogen.shapes import RenderParams

MARK_KINDS = ("dot", "spoke", "stripe", "wedge", "half")  # other renderers' ways to show a circle turning
MIN_OFF_PALETTE_CONTRAST = 80.0  # RGB distance between a random object colour and its background


def contrasting_color(rng: np.random.Generator, other: np.ndarray) -> np.ndarray:
    """A random RGB colour (3,) at least ``MIN_OFF_PALETTE_CONTRAST`` from ``other`` (or the 20th draw
    if none of 20 is: with 0-255 channels that practically never happens)."""
    for _ in range(20):
        color = rng.integers(0, 256, size=3)
        if np.linalg.norm(color - other) >= MIN_OFF_PALETTE_CONTRAST:
            break
    return color


def _mark_polygon(kind: str, cx: float, cy: float, r: float, phi: float, size: float, width: float) -> np.ndarray:
    """Vertices (N, 2) in pixels of a mark pointing along ``phi`` (radians, clockwise on screen)."""
    u, v = np.array([math.cos(phi), math.sin(phi)]), np.array([-math.sin(phi), math.cos(phi)])
    centre = np.array([cx, cy])
    if kind in ("spoke", "stripe"):  # a bar from the centre (spoke) or across the disc (stripe) to past the rim
        back = -1.2 * r if kind == "stripe" else 0.0
        ends = [back, 1.2 * r]
        return np.array([centre + a * u + b * width * r * v for a, b in
                         ((ends[0], -0.5), (ends[1], -0.5), (ends[1], 0.5), (ends[0], 0.5))])
    half_angle = math.radians(size) / 2 if kind == "wedge" else math.pi / 2  # "half": a half disc
    arc = phi + np.linspace(-half_angle, half_angle, 17)
    rim = centre + 1.2 * r * np.stack([np.cos(arc), np.sin(arc)], axis=1)
    return np.concatenate([centre[None], rim])


def mark_circle(
    frames: np.ndarray, params: RenderParams, rng: np.random.Generator, kind: str | None = None
) -> np.ndarray:
    """Mark the circle of ``frames`` (drawn without the notch) as other renderers might, so that its
    turning shows: an off-centre dot, a spoke, a stripe across, a wedge of another width or a half in
    another colour, cut out in the background colour or painted in a contrasting one. The mark moves,
    scales and turns with the circle (``params.state``); (T, H, W, 3) uint8 in and out. ``kind``: one
    of ``MARK_KINDS`` (default: drawn from ``rng``)."""
    drawn = MARK_KINDS[int(rng.integers(len(MARK_KINDS)))]
    kind = kind or drawn
    phi0 = float(rng.uniform(0.0, 2 * math.pi))
    dot_at, dot_size = float(rng.uniform(0.4, 0.65)), float(rng.uniform(0.14, 0.3))
    bar_width, wedge_degrees = float(rng.uniform(0.1, 0.3)), float(rng.uniform(25.0, 100.0))
    color = np.array(params.background, np.float32)  # a cut-out
    if rng.random() < 0.5:  # or a painted mark, clearly unlike the object
        color = contrasting_color(rng, np.array(params.color)).astype(np.float32)
    s, one = 4, 16  # 4x supersampling, 4 fixed-point bits for OpenCV
    num_frames, height, width, _ = frames.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32) + 0.5  # pixel centres
    out = frames.astype(np.float32)
    for t in range(num_frames):
        cx, cy, r, angle = params.state(t)
        phi = phi0 + math.radians(angle)
        canvas = np.zeros((height * s, width * s), np.uint8)
        if kind == "dot":
            centre = np.array([cx + dot_at * r * math.cos(phi), cy + dot_at * r * math.sin(phi)])
            x, y = np.round((centre * s - 0.5) * one).astype(int)
            cv2.circle(canvas, (int(x), int(y)), int(round(dot_size * r * s * one)), 255, -1, cv2.LINE_AA, 4)
        else:
            polygon = _mark_polygon(kind, cx, cy, r, phi, wedge_degrees, bar_width)
            cv2.fillPoly(canvas, [np.round((polygon * s - 0.5) * one).astype(np.int32)], 255, cv2.LINE_AA, 4)
        mark = cv2.resize(canvas, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
        disc = np.clip(r - np.hypot(xs - cx, ys - cy) + 0.5, 0.0, 1.0)  # (H, W) the circle's coverage
        cover = (mark * disc)[..., None]  # (H, W, 1)
        out[t] += cover * (color - out[t])
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def jpeg(frames: np.ndarray, quality: int) -> np.ndarray:
    """Per-frame JPEG round trip of RGB frames (4:2:0 chroma, 8x8 blocks)."""
    out = np.empty_like(frames)
    for t, image in enumerate(frames):
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)  # OpenCV encodes BGR
        ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
        out[t] = cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB) if ok else image
    return out


def mpeg4(frames: np.ndarray, quantizer: int) -> np.ndarray:
    """Video codec round trip in memory: FFmpeg's own MPEG-4 part 2 encoder (8x8 DCT blocks, motion
    compensation, B-frames, 4:2:0 chroma), at a fixed quantizer (2: fine .. 10: coarse).

    It stands in for H.264 because it is bit-reproducible; libx264 is not (about 1 encode in 50
    differs slightly from run to run, even single-threaded), and the H.264 check at the end of
    training then measures a codec the model has not seen."""
    import av

    num_frames, height, width, _ = frames.shape
    padded = np.pad(frames, ((0, 0), (0, height % 2), (0, width % 2), (0, 0)), mode="edge")  # even sides
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=8)
        stream.width, stream.height, stream.pix_fmt = padded.shape[2], padded.shape[1], "yuv420p"
        stream.codec_context.thread_count = 1
        stream.codec_context.qmin = stream.codec_context.qmax = int(quantizer)
        stream.options = {"g": "12", "bf": "2", "mbd": "2"}
        for image in padded:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    buffer.seek(0)
    with av.open(buffer) as container:
        decoded = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    if len(decoded) != num_frames:  # never seen; keep the clean clip rather than a misaligned one
        return frames
    return np.stack(decoded)[:, :height, :width]


def degrade(frames: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Colour changes and compression/blur at the clip's own resolution: (T, H, W, 3) uint8."""
    num_frames, height, width, _ = frames.shape
    x = frames.astype(np.float32)  # (T, H, W, 3)
    if rng.random() < 0.8:  # colour gain and offset, constant over the clip
        x = x * rng.uniform(0.85, 1.15, size=3).astype(np.float32) + rng.uniform(-15, 15, size=3).astype(np.float32)
    if rng.random() < 0.3:  # a slight tint gradient across the frame (background no longer flat)
        angle = rng.uniform(0, 2 * np.pi)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        ramp = (np.cos(angle) * xs / width + np.sin(angle) * ys / height) - 0.5  # (H, W) in about [-1, 1]
        x = x + ramp[None, :, :, None] * rng.uniform(-20, 20, size=3).astype(np.float32)
    if rng.random() < 0.3:  # brightness flicker
        x = x + rng.normal(0.0, 2.0, size=(num_frames, 1, 1, 1)).astype(np.float32)
    clip = np.clip(np.round(x), 0, 255).astype(np.uint8)

    choice = rng.random()
    if choice < 0.3:
        clip = jpeg(clip, int(rng.integers(30, 91)))
    elif choice < 0.55:
        clip = mpeg4(clip, int(rng.integers(2, 11)))
    elif choice < 0.75:
        sigma = float(rng.uniform(0.4, 1.2))
        clip = np.stack([cv2.GaussianBlur(image, (0, 0), sigma) for image in clip])
        if rng.random() < 0.5:
            clip = jpeg(clip, int(rng.integers(40, 91)))
    return clip
