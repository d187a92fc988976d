"""The image-to-video training run's settings (:class:`TrainConfig`) and the clips it learns from.

Data: the world's renderer (``random_spec`` -> ``sample_params(randomize=True)`` -> ``render_clip``),
balanced over the nine motions; half of the clips *re-placed* (:func:`place_anywhere`), since a
user's image may show the object anywhere. Every batch is a pure function of ``(seed, step)``
(:func:`make_batch`); every random draw comes from ``np.random.default_rng([seed, STREAM, ...])``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from videogen.embedded.image_to_video import (
    SPEED_WORDS,
    ShapesImageToVideoConfig,
    enclosing_circle,
    geometry_features,
    object_alpha,
    premultiply,
    segment,
)
from videogen.shapes import (
    MOTIONS,
    RenderParams,
    SceneSpec,
    random_spec,
    render_clip,
    sample_params,
    vocab,
)

TRAIN_STREAM, VAL_STREAM, ANYWHERE_STREAM, TIMING_STREAM, INIT_STREAM = 0, 1, 2, 3, 4


@dataclass
class TrainConfig:
    out: Path = Path("weights/shapes-i2v")
    seed: int = 0
    steps: int = 2000
    minutes: float = 40.0  # safety cap on training wall time
    threads: int = 1  # torch threads: tiny tensors; 2 threads were 20x slower beside another training job
    batch_size: int = 18
    lr: float = 3e-3
    min_lr: float = 3e-5
    warmup_steps: int = 50
    weight_decay: float = 1e-4
    grad_clip: float = 1.0
    anywhere: float = 0.5  # share of re-placed clips
    frames_per_clip: int = 6  # frames of each clip the loss looks at
    moment_weight: float = 1.0
    step_weight: float = 10.0  # one-frame errors are a few pixels: small L1 values
    log_every: int = 50
    eval_every: int = 300  # quick check on a quarter of the world set, without H.264
    val_per_motion: int = 40  # world set; the anywhere set has half as many
    timing_images: int = 18  # per size (64 and 128 px)
    h264: bool = True
    model: ShapesImageToVideoConfig = field(default_factory=ShapesImageToVideoConfig)


# --- data ------------------------------------------------------------------------------------------


def place_anywhere(params: RenderParams, rng: np.random.Generator) -> RenderParams:
    """The same scene with a random start size and position; moves and growth shortened to fit."""
    height, width, steps = params.height, params.width, max(params.num_frames - 1, 1)
    dim = min(height, width)
    margin = max(2.0, 0.04 * dim)
    size = min(float(rng.uniform(0.08, 0.30)) * dim, dim / 2 - margin - 1.0)
    cx = float(rng.uniform(size + margin, width - size - margin))
    cy = float(rng.uniform(size + margin, height - size - margin))
    speed = params.speed
    if params.motion in vocab.MOVES:
        dx, dy = vocab.MOVES[params.motion]
        pos, extent = (cx, width) if dx else (cy, height)
        room = extent - margin - size - pos if dx + dy > 0 else pos - size - margin
        speed = min(params.speed * steps, max(room, 0.0)) / steps
    elif params.motion == "growing":
        room = min(cx, width - cx, cy, height - cy) - margin
        speed = min(params.speed**steps, max(room / size, 1.0)) ** (1.0 / steps)
    return replace(params, cx=cx, cy=cy, size=size, speed=speed)


def scene_clip(rng: np.random.Generator, motion: str, height: int, width: int, num_frames: int,
               anywhere: bool) -> tuple[np.ndarray, str | None]:
    """A random scene doing ``motion``: uint8 (T, H, W, 3) and its speed word (or None)."""
    scene = random_spec(rng)
    scene = SceneSpec(scene.shape, scene.color, scene.background, motion, scene.size, scene.speed)
    params = sample_params(scene, rng, num_frames=num_frames, height=height, width=width, randomize=True)
    return render_clip(place_anywhere(params, rng) if anywhere else params), scene.speed


@dataclass
class Batch:
    """``K`` chosen frames ``t`` of each of ``B`` clips, with the true frames ``t - 1`` for the step loss."""

    motion: torch.Tensor  # (B,) ids
    speed: torch.Tensor  # (B,) ids
    geometry: torch.Tensor  # (B, G)
    pivot: torch.Tensor  # (B, 2) pixels, of frame 0's object
    layer: torch.Tensor  # (B, 4, H, W) frame 0's premultiplied layer: the model's input
    backdrop: torch.Tensor  # (B, 3, H, W)
    tau: torch.Tensor  # (B, K) times of the frames t
    tau_before: torch.Tensor  # (B, K) times of the frames t - 1
    frames: torch.Tensor  # (B, K, 3, H, W) true frames t in [0, 1]
    alphas: torch.Tensor  # (B, K, H, W) their segmented alpha
    before: torch.Tensor  # (B, K, 4, H, W) true frames t - 1 as premultiplied layers
    before_pivot: torch.Tensor  # (B, K, 2) pixels, measured on the frames t - 1


def make_batch(cfg: TrainConfig, step: int) -> Batch:
    """The batch of ``step``: a pure function of ``(cfg.seed, step)``, balanced over the motions."""
    rng = np.random.default_rng([cfg.seed, TRAIN_STREAM, step])
    height = width = int(rng.integers(32, 41)) * 2  # 64-80 px
    if rng.random() < 0.5:  # not square: aspect ratio 1-2, either way
        long = int(round(height * rng.uniform(1.0, 2.0) / 2)) * 2
        height, width = (height, long) if rng.random() < 0.5 else (long, width)
    num_frames = int(rng.integers(8, 29))
    labels = rng.permutation((step * cfg.batch_size + np.arange(cfg.batch_size)) % len(MOTIONS))
    items: dict[str, list] = {k: [] for k in Batch.__dataclass_fields__ if k != "tau_before"}
    for y in labels:
        clip, speed = scene_clip(rng, MOTIONS[int(y)], height, width, num_frames, rng.random() < cfg.anywhere)
        fg = segment(clip[0])
        chosen = np.sort(rng.choice(np.arange(1, num_frames), size=cfg.frames_per_clip, replace=False))  # (K,)
        pixels = {t: clip[t].astype(np.float32) for t in sorted(set(chosen) | set(chosen - 1))}
        alpha = {t: object_alpha(p, fg.background * 255.0, fg.contrast) if t else fg.alpha for t, p in pixels.items()}
        circles = {t: enclosing_circle(alpha[t]) for t in chosen - 1}
        for key, value in (
            ("motion", int(y)), ("speed", SPEED_WORDS.index(speed or SPEED_WORDS[0])),
            ("geometry", geometry_features(fg.pivot, fg.radius, height, width, num_frames)), ("pivot", fg.pivot),
            ("layer", np.dstack([fg.color, fg.alpha])), ("backdrop", fg.backdrop), ("tau", chosen / (num_frames - 1)),
            ("frames", np.stack([pixels[t] / 255.0 for t in chosen])), ("alphas", np.stack([alpha[t] for t in chosen])),
            ("before", np.stack([premultiply(pixels[t - 1] / 255.0, alpha[t - 1], fg.background) for t in chosen])),
            ("before_pivot", [circles[t - 1][0] if circles[t - 1][2] >= 3 else fg.pivot for t in chosen]),
        ):
            items[key].append(value)

    def stack(key: str, *order: int) -> torch.Tensor:
        array = torch.from_numpy(np.stack(items[key]).astype(np.float32))
        return array.permute(*order).contiguous() if order else array

    tau = stack("tau")
    return Batch(
        motion=torch.tensor(items["motion"]), speed=torch.tensor(items["speed"]), geometry=stack("geometry"),
        pivot=stack("pivot"), layer=stack("layer", 0, 3, 1, 2), backdrop=stack("backdrop", 0, 3, 1, 2),
        tau=tau, tau_before=(tau - 1.0 / (num_frames - 1)).clamp(min=0.0), frames=stack("frames", 0, 1, 4, 2, 3),
        alphas=stack("alphas"), before=stack("before", 0, 1, 4, 2, 3), before_pivot=stack("before_pivot"),
    )
