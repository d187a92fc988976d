"""Train the embedded shapes-world action classifier (``weights/shapes-action/``) from scratch.

    python -m videogen.training.train_action --out weights/shapes-action --seed 0

Data (:mod:`videogen.training.action_data`, :mod:`videogen.training.action_augment`): clips drawn on
the fly by the shapes-world renderer (:mod:`videogen.shapes.render`) with ``randomize=True``: random
shape, colour, background, size and speed modifiers, balanced over the nine motions; 64-128 px
(sometimes 48-192 px, sometimes not square) and 16-24 frames (sometimes 8-48); 40 % of the clips in
random object and background colours instead of the world's palette (without them the model ties
motions to the palette: a cv2-drawn clip in other colours scored under 50 %); half of the circles
marked in other ways than the world's notch (:func:`~videogen.training.action_augment.mark_circle`:
another renderer's turning circle, which the model otherwise reads as still) and 40 % of the
rotations at speeds outside the world's range. Each clip is then degraded so that the model also
reads clips from other renderers that went through a video codec: colour gain/offset, a background
tint gradient, brightness flicker, then one of per-frame JPEG (quality 30-90), an MPEG-4 video round
trip (quantizer 2-10; see :func:`~videogen.training.action_augment.mpeg4` for why not H.264), a mild
blur (optionally followed by JPEG) or nothing; then the temporal sampling of
:func:`videogen.embedded.action.preprocess` with a random shift of -0.5..+1 frame
(:func:`videogen.media.read_frames` picks the first frame at or after each target time, one frame
later than the nominal one), the area resize, and a little Gaussian noise. Every batch is a pure
function of ``(seed, step)``, so a run is reproducible.

Validation: 100 clean clips per motion rendered from a separately seeded stream (never seen in
training), and a robustness set of 300 clips written as H.264 MP4 with
:func:`videogen.media.write_video` and read back with :func:`videogen.media.read_frames`,
exactly as the app does. Both are reported overall and per class in ``metrics.json`` and the model
card (``README.md``, :mod:`videogen.training.action_report`) written next to the weights.

Optimisation: AdamW (weight decay on conv/linear weights only), linear warm-up then cosine decay,
gradient clipping at 1, label smoothing; at the end the BatchNorm statistics are re-estimated on
fresh batches with the final weights. ``--steps`` sets the schedule; ``--minutes`` is a safety
cap on the training wall time (a run that hits it stops early and says so).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from videogen.embedded.action import ShapesActionConfig, ShapesActionModel, normalise
from videogen.training.action_data import INIT_STREAM, Batches, TrainConfig, h264_set, init_worker, make_batch, validation_set
from videogen.training.action_report import accuracy_report, model_card, predict
from videogen.training.runs import command_line, save_model, write_results
from videogen.training.schedule import learning_rate

logger = logging.getLogger("videogen.training.train_action")


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
        Batches(cfg), batch_size=None, num_workers=cfg.workers, worker_init_fn=init_worker,
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

    weights = save_model(model, cfg.out)
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
    write_results(cfg.out, metrics, model_card(cfg, metrics))
    logger.info("saved %s (%.2f MB) in %.1f min", cfg.out, weights.stat().st_size / 2**20, wall_seconds / 60)
    return metrics


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
    train(cfg, command_line("train_action", raw))


if __name__ == "__main__":
    main()
