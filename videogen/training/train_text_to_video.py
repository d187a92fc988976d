"""Train the embedded shapes-world text-to-video model (``weights/shapes-t2v/``) from scratch.

    python -m videogen.training.train_text_to_video --out weights/shapes-t2v --seed 0

Data: every scene the decoder can be asked for -- 3 shapes x 9 motions x 3 sizes x 3 speeds = 243
-- drawn by the shapes-world renderer in its canonical form (``randomize=False``: centred, middle
of each range) at 64 x 64 and 121 frames, as coverage maps (:func:`videogen.shapes.render_coverage`:
the object's and its outline's), stored as uint8. 121 frames put a training time tau on every
1/120, which includes every frame time of 16- and 31-frame clips and lies within 1/240 of any other;
rotations are slowed by 15/120 so the 121 frames span the same angle as the canonical 16-frame clip. Colours and backgrounds are not in the data: the model draws
coverage and the compositor paints it.

Optimisation: AdamW, linear warm-up then cosine decay, on the binary cross-entropy between the
decoder's logits and the coverage maps (the outline channel weighted 0.5), minibatches of random
(scene, frame) pairs drawn from ``np.random.default_rng([seed, step])``; ``torch.manual_seed(seed)``
for the initial weights; 2 CPU threads and deterministic algorithms, so a run is reproducible.

Validation, written to ``metrics.json`` and the model card:

* coverage error on the 16-frame clips (frame times seen in training) and on 24-frame clips
  (frame times between the training ones);
* every one of the 243 scenes, in a random colour and background, at 16 frames 64 px and at 24
  frames 128 px, judged from the pixels by :mod:`videogen.shapes.judge` (motion and colour);
* 108 prompts, half English and half Chinese (:func:`videogen.shapes.describe`), through the same
  path as the app (parse, draw, H.264 with :func:`videogen.media.write_video`, read back), judged
  the same way; with the median time to draw a clip.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from videogen.embedded.text_to_video import (
    PIPELINE_CLASS,
    SIZE_WORDS,
    SPEED_WORDS,
    ShapesTextToVideo,
    ShapesVideoDecoder,
    frame_times,
    scene_ids,
)
from videogen.shapes import (
    BACKGROUNDS,
    COLORS,
    MOTIONS,
    SHAPES,
    SceneSpec,
    analyse_clip,
    describe,
    judge_color,
    judge_motion,
    render_coverage,
    sample_params,
)
from videogen.shapes.vocab import ROTATIONS
from videogen.training.runs import command_line, fill_card, percent, write_results
from videogen.training.schedule import learning_rate

logger = logging.getLogger("videogen.training.train_text_to_video")

TRAIN_FRAMES = 121  # tau on every 1/120
CANONICAL_FRAMES = 16  # the canonical clip whose rotation angle the training clips span


@dataclass
class TrainConfig:
    out: Path = Path("weights/shapes-t2v")
    seed: int = 0
    steps: int = 3000
    minutes: float = 55.0  # safety cap on the training wall time
    threads: int = 1  # one thread: reproducible, and no oversubscription on a shared 2-core box
    batch_size: int = 64
    lr: float = 2e-3
    min_lr: float = 2e-5
    warmup_steps: int = 100
    weight_decay: float = 0.01
    outline_weight: float = 0.5
    log_every: int = 100
    image_size: int = 64
    eval_scenes: int = 243  # scenes judged at each of the two sizes (every k-th of the 243)
    eval_prompts: int = 108  # EN/ZH prompts judged through H.264
    train_frames: int = TRAIN_FRAMES  # frames rendered per scene: tau on every 1/(train_frames - 1)


def all_scenes() -> list[SceneSpec]:
    """The 243 (shape, motion, size, speed) scenes, in a fixed order (red on black: colours are not drawn)."""
    return [
        SceneSpec(shape=shape, motion=motion, size=size, speed=speed)
        for shape in SHAPES
        for motion in MOTIONS
        for size in SIZE_WORDS
        for speed in SPEED_WORDS
    ]


def canonical_coverage(spec: SceneSpec, num_frames: int, size: int) -> np.ndarray:
    """(num_frames, 2, size, size) float32 coverage of the canonical clip, spanning the motion of the
    canonical 16-frame clip whatever ``num_frames`` is."""
    params = sample_params(spec, num_frames=num_frames, height=size, width=size, randomize=False)
    if spec.motion in ROTATIONS and num_frames > 1:
        params.speed *= (CANONICAL_FRAMES - 1) / (num_frames - 1)  # same total angle
    alpha, edge = render_coverage(params)  # each (T, S, S)
    return np.stack([alpha, edge], axis=1)


def build_dataset(
    config: object, num_frames: int, size: int, scenes: list[SceneSpec] | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """ids (N, 4) int64, tau (N,) float32 and coverage (N, 2, S, S) uint8 (255 = covered) for every
    scene and frame."""
    ids, taus, maps = [], [], []
    times = frame_times(num_frames).astype(np.float32)
    for spec in all_scenes() if scenes is None else scenes:
        maps.append(np.round(canonical_coverage(spec, num_frames, size) * 255).astype(np.uint8))
        ids.append(np.tile(scene_ids(spec, config), (num_frames, 1)))
        taus.append(times)
    return (
        torch.from_numpy(np.concatenate(ids)).long(),
        torch.from_numpy(np.concatenate(taus)),
        torch.from_numpy(np.concatenate(maps)),
    )


def coverage_loss(logits: torch.Tensor, target: torch.Tensor, outline_weight: float) -> torch.Tensor:
    """BCE between logits (N, 2, S, S) and coverage (N, 2, S, S); the outline channel down-weighted."""
    per_channel = F.binary_cross_entropy_with_logits(logits, target, reduction="none").mean(dim=(0, 2, 3))  # (2,)
    return per_channel[0] + outline_weight * per_channel[1]


@torch.inference_mode()
def coverage_error(model: ShapesVideoDecoder, data: tuple[torch.Tensor, ...], batch: int = 256) -> dict[str, float]:
    """Mean absolute coverage error and mean IoU (coverage > 0.5) of the object channel."""
    ids, taus, maps = data
    errors, ious = [], []
    for i in range(0, len(ids), batch):
        b = ids[i : i + batch]
        pred = torch.sigmoid(model(b[:, 0], b[:, 1], b[:, 2], b[:, 3], taus[i : i + batch]))[:, 0]  # (n, S, S)
        true = maps[i : i + batch, 0].float() / 255
        errors.append((pred - true).abs().mean(dim=(1, 2)))
        inter = ((pred > 0.5) & (true > 0.5)).sum(dim=(1, 2)).float()
        union = ((pred > 0.5) | (true > 0.5)).sum(dim=(1, 2)).float().clamp(min=1)
        ious.append(inter / union)
    return {"mean_abs_error": float(torch.cat(errors).mean()), "mean_iou": float(torch.cat(ious).mean())}


def judged(frames: np.ndarray, spec: SceneSpec) -> tuple[bool, bool]:
    """(motion right, colour right), read from the pixels by the non-learned judge."""
    analysis = analyse_clip(frames)
    return judge_motion(analysis) == spec.motion, judge_color(analysis) == spec.color


def per_motion(records: list[tuple[str, bool, bool]]) -> dict[str, object]:
    """Accuracy overall and per motion from (motion, motion right, colour right) records."""
    both = [m and c for _, m, c in records]
    return {
        "clips": len(records),
        "motion_and_color": sum(both) / len(records),
        "motion": sum(m for _, m, _ in records) / len(records),
        "color": sum(c for _, _, c in records) / len(records),
        "per_motion": {
            motion: sum(m and c for name, m, c in records if name == motion) / max(1, sum(name == motion for name, _, _ in records))
            for motion in MOTIONS
        },
    }


def evaluate(
    generator: ShapesTextToVideo, seed: int, folder: Path, num_scenes: int = 243, num_prompts: int = 108
) -> dict[str, object]:
    """Judge the scenes at two sizes, then EN/ZH prompts through H.264 (see the module docstring)."""
    from videogen.shapes import parse_prompt
    from videogen.media import read_frames, write_video

    rng = np.random.default_rng([seed, 1])
    palette, backgrounds = list(COLORS), list(BACKGROUNDS)
    report: dict[str, object] = {}
    for name, frames_, size in (("scenes_16f_64px", 16, 64), ("scenes_24f_128px", 24, 128)):
        records = []
        scenes = all_scenes()
        for spec in scenes[:: max(1, len(scenes) // num_scenes)]:
            spec = SceneSpec(**{**asdict(spec), "color": str(rng.choice(palette)), "background": str(rng.choice(backgrounds))})
            records.append((spec.motion, *judged(generator.draw(spec, frames_, size, size), spec)))
        report[name] = per_motion(records)
    records, seconds, parsed_ok = [], [], 0
    for i in range(num_prompts):
        spec = SceneSpec(
            shape=str(rng.choice(SHAPES)), color=str(rng.choice(palette)), background=str(rng.choice(backgrounds)),
            motion=MOTIONS[i % len(MOTIONS)], size=SIZE_WORDS[int(rng.integers(3))], speed=SPEED_WORDS[int(rng.integers(3))],
        )
        prompt = describe(spec, "zh" if i % 2 else "en")
        start = time.perf_counter()
        parsed = parse_prompt(prompt).spec
        frames = generator.draw(parsed, 16, 128, 128)
        seconds.append(time.perf_counter() - start)
        parsed_ok += parsed == spec
        path = folder / f"prompt-{i}.mp4"
        write_video(frames, path, 8.0)
        records.append((spec.motion, *judged(read_frames(path, 16).frames, spec)))
    report["prompts_h264_128px"] = {**per_motion(records), "parsed_exactly": parsed_ok / num_prompts,
                                    "median_draw_s": statistics.median(seconds)}
    return report


def train(cfg: TrainConfig, command: str) -> dict[str, object]:
    torch.manual_seed(cfg.seed)
    began = time.perf_counter()
    model = ShapesVideoDecoder()
    logger.info("%d parameters; rendering the training set", sum(p.numel() for p in model.parameters()))
    ids, taus, maps = build_dataset(model.config, cfg.train_frames, cfg.image_size)
    logger.info("%d training frames (%d scenes x %d times)", len(ids), len(ids) // cfg.train_frames, cfg.train_frames)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.99))

    train_start, step, stopped_early, running = time.perf_counter(), 0, False, None
    model.train()
    while step < cfg.steps:
        if (time.perf_counter() - train_start) / 60 > cfg.minutes:
            stopped_early = True
            logger.warning("stopping at step %d: the %.0f-minute cap was reached", step, cfg.minutes)
            break
        rows = torch.from_numpy(np.random.default_rng([cfg.seed, step]).integers(0, len(ids), cfg.batch_size))
        b = ids[rows]  # (B, 4)
        logits = model(b[:, 0], b[:, 1], b[:, 2], b[:, 3], taus[rows])  # (B, 2, S, S)
        loss = coverage_loss(logits, maps[rows].float() / 255, cfg.outline_weight)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(cfg, step)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
        step += 1
        if step % cfg.log_every == 0:
            logger.info("step %d/%d  loss %.4f  lr %.2e  %.1f min", step, cfg.steps, running,
                        learning_rate(cfg, step), (time.perf_counter() - train_start) / 60)
    train_minutes = (time.perf_counter() - train_start) / 60

    model.eval()
    cfg.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(cfg.out / "decoder"), safe_serialization=True)
    (cfg.out / "model_index.json").write_text(json.dumps({
        "_class_name": PIPELINE_CLASS,
        "_videogen_version": "0.1.0",
        "decoder": ["videogen.embedded.text_to_video", "ShapesVideoDecoder"],
        "text_encoder": "rules: videogen.shapes.prompt.parse_prompt",
    }, indent=2) + "\n")

    logger.info("evaluating")
    generator = ShapesTextToVideo(spec=None, decoder=model)
    with tempfile.TemporaryDirectory() as tmp:
        judged_report = evaluate(generator, cfg.seed, Path(tmp), cfg.eval_scenes, cfg.eval_prompts)
    weights = cfg.out / "decoder" / "diffusion_pytorch_model.safetensors"
    scenes = all_scenes()[:: max(1, 243 // cfg.eval_scenes)]
    return {
        "command": command,
        "seed": cfg.seed,
        "steps": step,
        "stopped_early": stopped_early,
        "train_minutes": round(train_minutes, 2),
        "wall_minutes": round((time.perf_counter() - began) / 60, 2),
        "threads": cfg.threads,
        "final_loss": running,
        "parameters": sum(p.numel() for p in model.parameters()),
        "weights_bytes": weights.stat().st_size,
        "torch": torch.__version__,
        "hyperparameters": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(cfg).items()},
        **{
            f"coverage_{frames}_frames": coverage_error(model, build_dataset(model.config, frames, cfg.image_size, scenes))
            for frames in (16, 24)
        },
        **judged_report,
    }


def model_card(metrics: dict[str, object]) -> str:
    """The weights folder's README.md (``cards/shapes-t2v.md``), from the run's metrics."""
    rows = "\n".join(
        f"| {motion} | {percent(metrics['scenes_16f_64px']['per_motion'][motion])} "
        f"| {percent(metrics['scenes_24f_128px']['per_motion'][motion])} "
        f"| {percent(metrics['prompts_h264_128px']['per_motion'][motion])} |"
        for motion in MOTIONS
    )
    c16, c24, prompts = metrics["coverage_16_frames"], metrics["coverage_24_frames"], metrics["prompts_h264_128px"]
    hyper = metrics["hyperparameters"]
    return fill_card(
        "shapes-t2v", command=metrics["command"], rows=rows,
        parameters=f"{metrics['parameters']:,}", megabytes=f"{metrics['weights_bytes'] / 1e6:.2f}",
        seed=metrics["seed"], steps=metrics["steps"], batch_size=hyper["batch_size"], lr=hyper["lr"], min_lr=hyper["min_lr"],
        wall_minutes=metrics["wall_minutes"], train_minutes=metrics["train_minutes"], threads=metrics["threads"],
        torch=metrics["torch"], error_16=f"{c16['mean_abs_error']:.4f}", iou_16=f"{c16['mean_iou']:.3f}",
        error_24=f"{c24['mean_abs_error']:.4f}", iou_24=f"{c24['mean_iou']:.3f}",
        scenes=metrics["scenes_16f_64px"]["clips"], prompts=prompts["clips"],
        all_16=percent(metrics["scenes_16f_64px"]["motion_and_color"]),
        all_24=percent(metrics["scenes_24f_128px"]["motion_and_color"]),
        all_prompts=percent(prompts["motion_and_color"]), parsed=percent(prompts["parsed_exactly"]),
        draw_ms=f"{prompts['median_draw_s'] * 1000:.0f}",
    )


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = TrainConfig()
    for name, value in asdict(defaults).items():
        kind = type(value) if not isinstance(value, Path) else Path
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=value)
    return TrainConfig(**vars(parser.parse_args(argv)))


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    cfg = parse_args(argv)
    torch.set_num_threads(cfg.threads)
    torch.use_deterministic_algorithms(True)
    metrics = train(cfg, command_line("train_text_to_video", sys.argv[1:] if argv is None else argv))
    write_results(cfg.out, metrics, model_card(metrics))
    logger.info("wrote %s: prompts judged right %.1f %%", cfg.out, 100 * metrics["prompts_h264_128px"]["motion_and_color"])


if __name__ == "__main__":
    main()
