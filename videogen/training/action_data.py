"""The action classifier's training run: its settings (:class:`TrainConfig`), the training batches
and the validation sets.

Every batch is a pure function of ``(seed, step)`` (:func:`make_batch`); every random draw comes
from ``np.random.default_rng([seed, STREAM, index])``, one stream per set.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
import torch

from videogen.embedded.action import ShapesActionConfig, resample_frames
from videogen.shapes import MOTIONS, SceneSpec, random_spec, render_clip, sample_params
from videogen.shapes.vocab import ROTATIONS
from videogen.training.action_augment import contrasting_color, degrade, mark_circle

# Stream keys: every random draw comes from np.random.default_rng([seed, STREAM, index]).
TRAIN_STREAM, VAL_STREAM, H264_STREAM, INIT_STREAM, MARKS_STREAM = 0, 1, 2, 3, 4
OFF_PALETTE = 0.4  # share of training clips drawn in random colours instead of the world's palette
WIDE_ROTATION_RANGE = (2.5, 15.0)  # degrees per frame (at most 10 for clips longer than 24 frames)


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


def init_worker(_: int) -> None:
    """A data worker's threads: one for torch and one for OpenCV."""
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
    from videogen.media import read_frames, write_video

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
