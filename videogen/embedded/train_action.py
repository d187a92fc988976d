"""Train the embedded shapes-world action classifier (``weights/shapes-action/``) from scratch.

    python -m videogen.embedded.train_action --out weights/shapes-action --seed 0

Data: clips drawn on the fly by the shapes-world renderer (:mod:`videogen.shapes.render`) with
``randomize=True``: random shape, colour, background, size and speed modifiers, balanced over the
nine motions; 64-128 px (sometimes 48-192 px, sometimes not square) and 16-24 frames (sometimes
8-48); 40 % of the clips in random object and background colours instead of the world's palette
(without them the model ties motions to the palette: a cv2-drawn clip in other colours scored
under 50 %); half of the circles marked in other ways than the world's notch (:func:`mark_circle`:
another renderer's turning circle, which the model otherwise reads as still) and 40 % of the rotations
at speeds outside the world's range. Each clip is then degraded so that the model also reads clips from other renderers that
went through a video codec: colour gain/offset, a background tint gradient, brightness flicker, then
one of per-frame JPEG (quality 30-90), an MPEG-4 video round trip (quantizer 2-10; see
:func:`mpeg4` for why not H.264), a mild blur (optionally followed by JPEG) or nothing; then the
temporal sampling of :func:`videogen.embedded.action.preprocess` with a random shift of -0.5..+1
frame (:func:`videogen.video_io.read_frames` picks the first frame at or after each target time,
one frame later than the nominal one), the area resize, and a little Gaussian noise. Every batch is a pure function of ``(seed, step)``, so a run is reproducible.

Validation: 100 clean clips per motion rendered from a separately seeded stream (never seen in
training), and a robustness set of 300 clips written as H.264 MP4 with
:func:`videogen.video_io.write_video` and read back with :func:`videogen.video_io.read_frames`,
exactly as the app does. Both are reported overall and per class in ``metrics.json`` and the model
card (``README.md``) written next to the weights.

Optimisation: AdamW (weight decay on conv/linear weights only), linear warm-up then cosine decay,
gradient clipping at 1, label smoothing; at the end the BatchNorm statistics are re-estimated on
fresh batches with the final weights. ``--steps`` sets the schedule; ``--minutes`` is a safety
cap on the training wall time (a run that hits it stops early and says so).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import shlex
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.nn import functional as F

from videogen.embedded.action import (
    ShapesActionConfig,
    ShapesActionModel,
    normalise,
    resample_frames,
)
from videogen.embedded.schedule import learning_rate
from videogen.shapes import (
    MOTIONS,
    RenderParams,
    SceneSpec,
    random_spec,
    render_clip,
    sample_params,
)
from videogen.shapes.vocab import ROTATIONS

logger = logging.getLogger("videogen.embedded.train_action")

# Stream keys: every random draw comes from np.random.default_rng([seed, STREAM, index]).
TRAIN_STREAM, VAL_STREAM, H264_STREAM, INIT_STREAM, MARKS_STREAM = 0, 1, 2, 3, 4
OFF_PALETTE = 0.4  # share of training clips drawn in random colours instead of the world's palette
MARK_KINDS = ("dot", "spoke", "stripe", "wedge", "half")  # other renderers' ways to show a circle turning
WIDE_ROTATION_RANGE = (2.5, 15.0)  # degrees per frame (at most 10 for clips longer than 24 frames)
MIN_OFF_PALETTE_CONTRAST = 80.0  # RGB distance between a random object colour and its background


@dataclass
class TrainConfig:
    out: Path = Path("weights/shapes-action")
    seed: int = 0
    steps: int = 1500  # optimisation steps (sets the schedule)
    minutes: float = 58.0  # safety cap on training wall time
    threads: int = 2  # torch intra-op threads
    workers: int = 1  # data-generating processes (0: in the training process)
    batch_size: int = 32
    lr: float = 2e-3
    min_lr: float = 2e-5
    warmup_steps: int = 60
    weight_decay: float = 0.05
    grad_clip: float = 1.0
    label_smoothing: float = 0.05
    log_every: int = 25
    eval_every: int = 300  # quick validation on a subset; the full sets run at the end
    val_per_class: int = 100
    other_marks: float = 0.5  # share of circles marked another way (mark_circle), whatever their motion
    wide_rotation: float = 0.4  # share of rotations at any speed in WIDE_ROTATION_RANGE
    h264_clips: int = 300
    marks_clips: int = 270  # circles with other renderers' rotation marks, balanced over the motions
    bn_batches: int = 50  # fresh batches that the final BatchNorm statistics are averaged over
    model: ShapesActionConfig = field(default_factory=ShapesActionConfig)


# --- data ------------------------------------------------------------------------------------------


def render_random_clip(
    rng: np.random.Generator, motion: str, *, train: bool, shape: str | None = None, marks: float = 0.0,
    wide_rotation: float = 0.0,
) -> np.ndarray:
    """A random scene doing ``motion``: (T, H, W, 3) uint8. Evaluation clips use the app's ranges
    (square, 64-128 px, 16-24 frames); training clips are sometimes wider-ranging. ``shape`` forces
    the shape; ``marks`` is the chance that a circle carries another mark than the world's notch,
    ``wide_rotation`` that a rotation turns at any speed in ``WIDE_ROTATION_RANGE``. (At 0 they draw
    no random number, so the stream is the same as without them.)"""
    scene = random_spec(rng)
    scene = SceneSpec(shape or scene.shape, scene.color, scene.background, motion, scene.size, scene.speed)
    if train and rng.random() < 0.1:
        height, width = (int(v) for v in rng.integers(48, 193, size=2))
    elif train and rng.random() < 0.35:
        height, width = (int(v) for v in rng.integers(64, 129, size=2))
    else:
        height = width = int(rng.integers(32, 65)) * 2
    if train and rng.random() < 0.3:  # shorter clips repeat frames, longer ones are subsampled
        num_frames = int(rng.integers(8, 49))
    else:
        num_frames = int(rng.integers(16, 25))
    params = sample_params(scene, rng, num_frames=num_frames, height=height, width=width, randomize=True)
    if wide_rotation and motion in ROTATIONS and rng.random() < wide_rotation:  # slower and faster turns
        low, high = WIDE_ROTATION_RANGE
        params = replace(params, speed=float(rng.uniform(low, high if num_frames <= 24 else 10.0)))
    if train and rng.random() < OFF_PALETTE:  # any colours, so that the motion is not tied to the palette
        background = rng.integers(0, 256, size=3)
        color = contrasting_color(rng, background)  # keep the object clearly visible
        params = replace(params, color=tuple(int(c) for c in color), background=tuple(int(c) for c in background))
    if marks and params.shape == "circle" and rng.random() < marks:
        return mark_circle(render_clip(replace(params, notch=False)), params, rng)
    return render_clip(params)


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


def training_clip(rng: np.random.Generator, motion: str, cfg: TrainConfig) -> np.ndarray:
    """One augmented training clip at the model's input size: (num_frames, S, S, 3) uint8."""
    clip = render_random_clip(rng, motion, train=True, marks=cfg.other_marks, wide_rotation=cfg.wide_rotation)
    clip = degrade(clip, rng)
    model = cfg.model
    clip = resample_frames(clip, model.num_frames, model.image_size, offset=float(rng.uniform(-0.5, 1.0)))
    if rng.random() < 0.5:  # sensor-like noise at the model's resolution
        noise = rng.normal(0.0, rng.uniform(1.0, 5.0), size=clip.shape)
        clip = np.clip(np.round(clip + noise), 0, 255).astype(np.uint8)
    return clip


def make_batch(cfg: TrainConfig, step: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The batch of ``step``, a pure function of ``(cfg.seed, step)``; exactly balanced over a run."""
    rng = np.random.default_rng([cfg.seed, TRAIN_STREAM, step])
    labels = rng.permutation((step * cfg.batch_size + np.arange(cfg.batch_size)) % len(MOTIONS))
    clips = np.stack([training_clip(rng, MOTIONS[int(y)], cfg) for y in labels])  # (B, T, S, S, 3)
    return torch.from_numpy(clips), torch.from_numpy(labels.astype(np.int64))


class Batches(torch.utils.data.IterableDataset):
    """Batches ``start..steps-1`` in order (one worker at most, so the order is kept)."""

    def __init__(self, cfg: TrainConfig, start: int = 0) -> None:
        self.cfg, self.start = cfg, start

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for step in range(self.start, self.cfg.steps):
            yield make_batch(self.cfg, step)


def _worker_init(_: int) -> None:
    torch.set_num_threads(1)
    cv2.setNumThreads(1)


def validation_set(cfg: TrainConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """Clean rendered clips (app ranges), ``val_per_class`` per motion, from their own seed stream."""
    clips, labels = [], []
    for y, motion in enumerate(MOTIONS):
        for i in range(cfg.val_per_class):
            rng = np.random.default_rng([cfg.seed, VAL_STREAM, y, i])
            clip = render_random_clip(rng, motion, train=False)
            clips.append(resample_frames(clip, cfg.model.num_frames, cfg.model.image_size))
            labels.append(y)
    return torch.from_numpy(np.stack(clips)), torch.tensor(labels)


def h264_set(cfg: TrainConfig, folder: Path, *, marked_circles: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Rendered clips (balanced) written by the app's writer and read back by its reader:
    ``h264_clips`` random scenes, or with ``marked_circles`` ``marks_clips`` circles that all carry
    another mark than the world's notch (:func:`mark_circle`), from a seed stream of their own."""
    from videogen.video_io import read_frames, write_video

    clips, labels = [], []
    count, stream = (cfg.marks_clips, MARKS_STREAM) if marked_circles else (cfg.h264_clips, H264_STREAM)
    for i in range(count):
        y = i % len(MOTIONS)
        rng = np.random.default_rng([cfg.seed, stream, i])
        if marked_circles:
            clip = render_random_clip(rng, MOTIONS[y], train=False, shape="circle", marks=1.0, wide_rotation=0.5)
        else:
            clip = render_random_clip(rng, MOTIONS[y], train=False)
        path = write_video(clip, folder / f"clip-{i}.mp4", fps=8)
        frames = read_frames(path, cfg.model.num_frames).frames  # (num_frames, H, W, 3), as the app reads
        clips.append(resample_frames(frames, cfg.model.num_frames, cfg.model.image_size))
        labels.append(y)
        path.unlink()
    return torch.from_numpy(np.stack(clips)), torch.tensor(labels)


# --- evaluation ------------------------------------------------------------------------------------


@torch.inference_mode()
def predict(model: ShapesActionModel, clips: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
    """uint8 (N, T, S, S, 3) -> predicted class (N,)."""
    was_training = model.training
    model.eval()
    predictions = []
    for i in range(0, len(clips), batch_size):
        x = normalise(clips[i : i + batch_size], model.config)  # (b, 3, T, S, S)
        predictions.append(model(pixel_values=x).logits.argmax(-1))  # (b,)
    model.train(was_training)
    return torch.cat(predictions)


def accuracy_report(predictions: torch.Tensor, labels: torch.Tensor) -> dict[str, object]:
    correct = predictions == labels
    per_class = {m: round(float(correct[labels == y].float().mean()), 4) for y, m in enumerate(MOTIONS)}
    confusions: dict[str, dict[str, int]] = {}
    for p, y in zip(predictions.tolist(), labels.tolist()):
        if p != y:
            row = confusions.setdefault(MOTIONS[y], {})
            row[MOTIONS[p]] = row.get(MOTIONS[p], 0) + 1
    return {"top1": round(float(correct.float().mean()), 4), "clips": len(labels), "per_class": per_class,
            "confusions": confusions}


# --- training --------------------------------------------------------------------------------------


@torch.no_grad()
def recalibrate_batchnorm(model: ShapesActionModel, cfg: TrainConfig) -> None:
    """Replace the BatchNorm running statistics (an exponential average over the last training
    steps, which one odd batch can skew) by their plain average over ``bn_batches`` fresh training
    batches (steps after the schedule's end: never trained on), computed with the final weights."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # None: cumulative average over the batches seen
    model.train()
    for i in range(cfg.bn_batches):
        clips, _ = make_batch(cfg, cfg.steps + i)  # (B, T, S, S, 3) uint8
        model(pixel_values=normalise(clips, cfg.model))  # updates running_mean / running_var only
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    model.eval()


def make_optimizer(model: ShapesActionModel, cfg: TrainConfig) -> torch.optim.AdamW:
    decay = [p for p in model.parameters() if p.dim() >= 2]  # conv and linear weights
    no_decay = [p for p in model.parameters() if p.dim() < 2]  # biases and norms
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(0.9, 0.99))


def train(cfg: TrainConfig, command: str) -> dict[str, object]:
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    try:
        torch.use_deterministic_algorithms(True)
    except RuntimeError as exc:  # pragma: no cover - depends on the torch build
        logger.warning("deterministic algorithms unavailable: %s", exc)
    wall_start = time.perf_counter()

    logger.info("building the validation set (%d clips per class)", cfg.val_per_class)
    val_clips, val_labels = validation_set(cfg)  # (N, T, S, S, 3) uint8, (N,)
    quick = torch.arange(0, len(val_labels), 3)  # a third of it for the periodic checks

    torch.manual_seed(int(np.random.default_rng([cfg.seed, INIT_STREAM]).integers(2**31)))
    model = ShapesActionModel(cfg.model)
    model.train()
    parameters = sum(p.numel() for p in model.parameters())
    logger.info("model: %d parameters (%.2f MB float32)", parameters, parameters * 4 / 2**20)
    optimizer = make_optimizer(model, cfg)

    loader = torch.utils.data.DataLoader(
        Batches(cfg), batch_size=None, num_workers=cfg.workers, worker_init_fn=_worker_init,
        prefetch_factor=4 if cfg.workers else None, persistent_workers=False,
    )
    train_start = time.perf_counter()
    deadline = train_start + 60.0 * cfg.minutes
    history: list[dict[str, float]] = []
    running_loss, running_correct, running_seen = 0.0, 0, 0
    steps_done, stopped_early = 0, False
    for step, (clips, labels) in enumerate(loader):
        lr = learning_rate(cfg, step)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x = normalise(clips, cfg.model)  # (B, 3, T, S, S)
        logits = model(pixel_values=x).logits  # (B, 9)
        loss = F.cross_entropy(logits, labels, label_smoothing=cfg.label_smoothing)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()

        steps_done = step + 1
        running_loss += loss.item() * len(labels)
        running_correct += int((logits.argmax(-1) == labels).sum())
        running_seen += len(labels)
        if steps_done % cfg.log_every == 0 or steps_done == cfg.steps:
            elapsed = time.perf_counter() - train_start
            logger.info(
                "step %d/%d  loss %.4f  train acc %.3f  lr %.2e  %.2f s/step  %.1f min",
                steps_done, cfg.steps, running_loss / running_seen, running_correct / running_seen, lr,
                elapsed / steps_done, elapsed / 60,
            )
            history.append({"step": steps_done, "loss": round(running_loss / running_seen, 4),
                            "train_acc": round(running_correct / running_seen, 4), "lr": lr})
            running_loss, running_correct, running_seen = 0.0, 0, 0
        if steps_done % cfg.eval_every == 0 and steps_done < cfg.steps:
            report = accuracy_report(predict(model, val_clips[quick]), val_labels[quick])
            logger.info("step %d  quick val top-1 %.4f  %s", steps_done, report["top1"], report["confusions"])
            history.append({"step": steps_done, "quick_val_top1": report["top1"]})
        if time.perf_counter() > deadline and steps_done < cfg.steps:
            logger.warning("time cap of %.1f min reached at step %d/%d: stopping early", cfg.minutes, steps_done, cfg.steps)
            stopped_early = True
            break
    train_seconds = time.perf_counter() - train_start
    before = accuracy_report(predict(model, val_clips[quick]), val_labels[quick])["top1"]
    recalibrate_batchnorm(model, cfg)
    after = accuracy_report(predict(model, val_clips[quick]), val_labels[quick])["top1"]
    logger.info("BatchNorm statistics averaged over %d batches: quick val top-1 %.4f -> %.4f", cfg.bn_batches, before, after)
    model.eval()

    val = accuracy_report(predict(model, val_clips), val_labels)
    logger.info("validation (clean renders): top-1 %.4f  per class %s", val["top1"], val["per_class"])
    with tempfile.TemporaryDirectory(prefix="shapes-action-h264-") as tmp:
        h264_clips, h264_labels = h264_set(cfg, Path(tmp))
        marked_clips, marked_labels = h264_set(cfg, Path(tmp), marked_circles=True)
    robust = accuracy_report(predict(model, h264_clips), h264_labels)
    logger.info("H.264 round trip: top-1 %.4f  per class %s", robust["top1"], robust["per_class"])
    marked = accuracy_report(predict(model, marked_clips), marked_labels)
    logger.info("marked circles, H.264: top-1 %.4f  per class %s", marked["top1"], marked["per_class"])

    cfg.out.mkdir(parents=True, exist_ok=True)  # only now: an empty folder would look like a shipped model
    model.save_pretrained(str(cfg.out))
    weights = cfg.out / "model.safetensors"
    weights.chmod(0o644)  # safetensors writes it owner-only
    wall_seconds = time.perf_counter() - wall_start
    metrics = {
        "command": command,
        "seed": cfg.seed,
        "steps": steps_done,
        "planned_steps": cfg.steps,
        "stopped_early": stopped_early,
        "batch_size": cfg.batch_size,
        "clips_seen": steps_done * cfg.batch_size,
        "train_minutes": round(train_seconds / 60, 2),
        "wall_minutes": round(wall_seconds / 60, 2),
        "threads": cfg.threads,
        "parameters": parameters,
        "weights_bytes": weights.stat().st_size,
        "torch": torch.__version__,
        "hyperparameters": {k: v for k, v in asdict(cfg).items() if k not in ("out", "model")},
        "validation": val,
        "h264": robust,
        "marked_circles": marked,
        "history": history,
    }
    (cfg.out / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str) + "\n")
    (cfg.out / "README.md").write_text(model_card(cfg, metrics))
    logger.info("saved %s (%.2f MB) in %.1f min", cfg.out, weights.stat().st_size / 2**20, wall_seconds / 60)
    return metrics


# --- model card ------------------------------------------------------------------------------------


def _table(reports: dict[str, dict[str, object]]) -> str:
    names = list(reports)
    lines = ["| motion | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for motion in MOTIONS:
        cells = [f"{100 * reports[n]['per_class'][motion]:.1f} %" for n in names]  # type: ignore[index]
        lines.append(f"| {motion} | " + " | ".join(cells) + " |")
    cells = [f"**{100 * reports[n]['top1']:.1f} %** ({reports[n]['clips']} clips)" for n in names]
    lines.append("| **all** | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _confusions(report: dict[str, object]) -> str:
    pairs = [
        f"{true} -> {predicted} x {count}"
        for true, row in report["confusions"].items()  # type: ignore[union-attr]
        for predicted, count in row.items()
    ]
    return "; ".join(pairs) if pairs else "none"


def model_card(cfg: TrainConfig, metrics: dict[str, object]) -> str:
    m = cfg.model
    early = " (stopped early by the time cap)" if metrics["stopped_early"] else ""
    table = _table({"validation, clean renders": metrics["validation"], "H.264 round trip": metrics["h264"],  # type: ignore[dict-item]
                    "circles with other marks, H.264": metrics["marked_circles"]})
    return f"""# shapes-action — the shapes world's action classifier

A small R(2+1)D video classifier (torchvision's `BasicBlock` + `Conv2Plus1D` building blocks with
narrow widths), trained from scratch by `videogen/embedded/train_action.py`. It answers which of
nine motions the one object of a shapes-world clip makes: {", ".join(MOTIONS)}.
Not zero-shot: it always scores exactly these nine labels.

- Code: `videogen/embedded/action.py` (`ShapesActionModel`, `ShapesActionConfig`, `preprocess`,
  `load_classifier`); loads with `ShapesActionModel.from_pretrained(folder)`.
- Input: {m.num_frames} frames sampled uniformly over the clip, resized to {m.image_size}x{m.image_size}
  (`cv2.INTER_AREA`, aspect ratio not kept), RGB scaled to [0, 1] and normalised with mean {m.mean} and
  std {m.std}; `pixel_values` shape (B, 3, {m.num_frames}, {m.image_size}, {m.image_size}).
- Architecture: the clip minus each pixel's mean over time (only what changes: the motion){"" if m.subtract_temporal_mean else " (off)"}, then a
  stem (1x3x3 conv, stride 2 in space, {m.stem_width} ch; 3x1x1 conv, {m.widths[0]} ch), four
  stages of {m.blocks} BasicBlocks with (2+1)D convolutions and widths {m.widths} (stages 2-4 halve time
  and space), global average pooling, dropout {m.dropout}, linear layer to 9 logits.
  {metrics["parameters"]:,} parameters, {metrics["weights_bytes"] / 2**20:.2f} MB (float32 safetensors).

## Training

```
{metrics["command"]}
```

- Seed {cfg.seed}; {metrics["steps"]} steps{early} of {cfg.batch_size} clips ({metrics["clips_seen"]:,} clips); AdamW (lr {cfg.lr}, weight decay {cfg.weight_decay}, betas 0.9/0.99), {cfg.warmup_steps} warm-up
  steps then cosine decay to {cfg.min_lr}; label smoothing {cfg.label_smoothing}; gradient clipping {cfg.grad_clip}.
- Wall time: {metrics["wall_minutes"]} min in all ({metrics["train_minutes"]} min training) on {cfg.threads} CPU threads,
  torch {metrics["torch"]}, deterministic algorithms; every batch is a pure function of (seed, step).
- Data: the shapes-world renderer (`videogen/shapes/render.py`, `randomize=True`) over all shapes,
  colours, backgrounds, size/speed modifiers, balanced over the nine motions, each clip rendered
  once: mostly square 64-128 px and 16-24 frames, with 10 % of clips 48-192 px, 35 % of the rest
  non-square, and 30 % of 8-48 frames; 40 % of clips in random object and background colours (RGB
  distance >= 80) instead of the world's palette. {100 * cfg.other_marks:.0f} % of the circles (whatever their motion)
  carry another mark than the world's notch, as another renderer might draw a turning circle: an
  off-centre dot, a spoke, a stripe across, a wedge of 25-100 degrees or a half disc, cut out or
  painted in a contrasting colour (`mark_circle`); {100 * cfg.wide_rotation:.0f} % of the rotations turn at any speed
  from {WIDE_ROTATION_RANGE[0]} to {WIDE_ROTATION_RANGE[1]} degrees per frame instead of the world's 4-12.
- Augmentation: colour gain 0.85-1.15 and offset +-15 per channel, a tint gradient (30 %),
  brightness flicker (30 %); then per-frame JPEG quality 30-90 (30 %), an in-memory MPEG-4 part 2
  round trip (FFmpeg's encoder, quantizer 2-10; 25 %), Gaussian blur sigma 0.4-1.2 optionally
  followed by JPEG (20 %), or nothing (25 %); temporal sampling as `preprocess` with a random shift
  of -0.5..+1 frame; Gaussian noise sigma 1-5 at the model's resolution (50 %).
- After the last step the BatchNorm running statistics are replaced by their average over
  {cfg.bn_batches} fresh training batches (the exponential average of the last steps can be skewed by
  one odd batch).

## Evaluation

All sets are drawn from their own seed streams (no clip is a training clip): square 64-128 px,
16-24 frames, random scenes, balanced over the motions. *Clean renders*: {metrics["validation"]["clips"]} clips, the
renderer's frames through `preprocess`. *H.264 round trip*: {metrics["h264"]["clips"]} clips written with
`videogen.video_io.write_video` (H.264, crf 18, yuv420p, 8 fps) and read back with
`videogen.video_io.read_frames(path, {m.num_frames})`, as the app does. No H.264 was used in training (libx264 is
not bit-reproducible, so the codec augmentation is MPEG-4 part 2): this set measures a codec the
model has not seen. *Circles with other marks*: {metrics["marked_circles"]["clips"]} circles, each with a random mark of
`mark_circle` instead of the notch, half of the rotations at {WIDE_ROTATION_RANGE[0]}-{WIDE_ROTATION_RANGE[1]} degrees per frame, through the
same H.264 round trip.

{table}

Mistakes (true -> predicted x count): clean renders: {_confusions(metrics["validation"])};
H.264 round trip: {_confusions(metrics["h264"])}; circles with other marks: {_confusions(metrics["marked_circles"])}.

## Limits

- Only the shapes world: one circle, square or triangle on a plain background, one motion at a time.
  On anything else (real videos, several objects, camera motion, combined motions) it still answers
  one of the nine motions, with no "none of these" option; its probabilities are not calibrated for
  such input.
- Trained on clips of 8-48 frames and 48-192 px; the app's range (16-24 frames, 64-128 px) is
  where it was measured. Longer videos are subsampled to {m.num_frames} frames, so a motion that reverses or
  happens only in part of the clip is judged on those frames only, and a fast rotation subsampled
  from many frames can alias (a square turning 30+ degrees between sampled frames may read as the
  other direction or as still).
- Circles show rotation only through a mark (the world's notch, or marks like those above); a plain
  rotating disc is "staying still".
- Motions slower than the training ranges (moves under ~20 % of the frame, size changes under
  ~1.6x, rotations under ~2.5 degrees per frame) are outside the training data.
"""


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    defaults = TrainConfig()
    parser.add_argument("--out", type=Path, default=defaults.out, help="output folder (config.json, model.safetensors, ...)")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--steps", type=int, default=defaults.steps, help="optimisation steps (sets the schedule)")
    parser.add_argument("--minutes", type=float, default=defaults.minutes, help="safety cap on training wall time")
    parser.add_argument("--threads", type=int, default=defaults.threads, help="torch CPU threads")
    parser.add_argument("--workers", type=int, default=defaults.workers, help="data-generating processes (0 or 1)")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--image-size", type=int, default=defaults.model.image_size)
    parser.add_argument("--val-per-class", type=int, default=defaults.val_per_class)
    parser.add_argument("--h264-clips", type=int, default=defaults.h264_clips)
    parser.add_argument("--marks-clips", type=int, default=defaults.marks_clips)
    args = parser.parse_args(argv)
    if args.workers not in (0, 1):
        parser.error("--workers must be 0 or 1 (one worker keeps the batch order)")
    return TrainConfig(
        out=args.out, seed=args.seed, steps=args.steps, minutes=args.minutes, threads=args.threads,
        workers=args.workers, batch_size=args.batch_size, lr=args.lr, val_per_class=args.val_per_class,
        h264_clips=args.h264_clips, marks_clips=args.marks_clips, warmup_steps=min(defaults.warmup_steps, max(1, args.steps // 10)),
        model=ShapesActionConfig(image_size=args.image_size),
    )


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
    raw = sys.argv[1:] if argv is None else argv
    cfg = parse_args(raw)
    command = "python -m videogen.embedded.train_action " + shlex.join(raw)
    train(cfg, command)


if __name__ == "__main__":
    main()
