"""Train the offline upscaler ``videogen-sr`` (``weights/upscale-x2/``) from scratch.

    python -m videogen.training.train_upscaler --factor 2 --out weights/upscale-x2 --seed 0 --steps 1800

The app's ×4 runs the ×2 network twice, which measured better than a ×4 network of its own;
``--factor 4`` trains one, for that comparison (``benchmarks/upscaling.py --x4 FOLDER``):

    python -m videogen.training.train_upscaler --factor 4 --out /tmp/upscale-x4 --steps 2400 --channels 40 --layers 10

Data (:mod:`videogen.training.upscaler_data`): patches of the photographs scikit-image and
scikit-learn ship, each with a low-resolution copy made as a lower-resolution video is (area shrink,
sometimes antialiased bicubic, sometimes a light JPEG); the held-out photographs are never cut into
a patch. The network (:mod:`videogen.embedded.upscaler`) predicts what bicubic interpolation
misses; the loss is the L1 distance to the high-resolution patch.

Optimisation: Adam, linear warm-up then cosine decay, gradient clipping at 1. ``--steps`` sets the
schedule; ``--minutes`` caps the training wall time (a run that hits it stops early and says so).

At the end: PSNR (RGB) and SSIM on the held-out photographs for bicubic, Lanczos and the network,
written to ``metrics.json`` and the model card (``README.md``) next to the weights; for ×4, also the
×2 network of ``--x2`` run twice, when there is one, so that the card says which is better.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from videogen.embedded.upscaler import FOLDERS, NAME, OfflineUpscaler, UpscalerConfig, build, forward
from videogen.training.runs import command_line, fill_card, write_results
from videogen.training.schedule import learning_rate
from videogen.training.upscaler_data import (
    COLOUR_PHOTOS, GREY_PHOTOS, HELD_OUT, INIT_STREAM, TrainConfig, held_out_scores, make_batch,
)

logger = logging.getLogger("videogen.training.train_upscaler")
X4_NOTES = {
    2: "The app's ×4 runs this network twice. That measured better, on the held-out photographs and on the "
       "benchmark's footage, than a ×4 network of its own trained by the same script (`--factor 4 --channels 40 "
       "--layers 10`; `python benchmarks/upscaling.py --x4 FOLDER` compares the two).",
    4: "A ×4 network of its own, to compare with the ×2 network run twice (the app's ×4, the row above when "
       "`--x2` has a network).",
}


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """(B, H, W, 3) uint8 -> (B, 3, H, W) float32 in [0, 1]."""
    return torch.from_numpy(images).permute(0, 3, 1, 2).float().div_(255.0)


def predictor(network: torch.nn.Module, factor: int):
    """A ``(frames, factor) -> frames`` function of the network being trained (whole frames, no tiling)."""

    @torch.no_grad()
    def upscale(frames: np.ndarray, _factor: int) -> np.ndarray:
        network.eval()
        y = forward(network, to_tensor(frames), factor).clamp(0, 1).mul(255).round()  # (T, 3, fH, fW)
        network.train()
        return y.permute(0, 2, 3, 1).to(torch.uint8).numpy()

    return upscale


def save(network: torch.nn.Module, config: UpscalerConfig, out: Path) -> Path:
    """``config.json`` and ``model.safetensors`` in ``out`` (created only now); returns the weights."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(config.to_json())
    weights = out / "model.safetensors"
    state = {k: v.detach().contiguous() for k, v in network.state_dict().items()}
    save_file(state, str(weights), metadata={"format": "pt", "model": NAME, "factor": str(config.factor)})
    weights.chmod(0o644)
    return weights


def train(cfg: TrainConfig, command: str, x2: Path | None = None) -> dict[str, object]:
    torch.set_num_threads(cfg.threads)
    wall_start = time.perf_counter()
    factor = cfg.model.factor
    torch.manual_seed(int(np.random.default_rng([cfg.seed, INIT_STREAM]).integers(2**31)))
    network = build(cfg.model).train()
    parameters = sum(p.numel() for p in network.parameters())
    logger.info("%s x%d: %d parameters (%.2f MB float32)", NAME, factor, parameters, parameters * 4 / 2**20)
    optimizer = torch.optim.Adam(network.parameters(), lr=cfg.lr, betas=(0.9, 0.99))
    upscale = predictor(network, factor)

    train_start = time.perf_counter()
    deadline = train_start + 60.0 * cfg.minutes
    history: list[dict[str, float]] = []
    running, seen, steps_done, stopped_early = 0.0, 0, 0, False
    for step in range(cfg.steps):
        lows, highs = make_batch(cfg, step)  # (B, P/f, P/f, 3), (B, P, P, 3) uint8
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(cfg, step)
        guess = forward(network, to_tensor(lows), factor)  # (B, 3, P, P)
        loss = F.l1_loss(guess, to_tensor(highs))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(network.parameters(), cfg.grad_clip)
        optimizer.step()
        steps_done, running, seen = step + 1, running + loss.item(), seen + 1
        if steps_done % cfg.log_every == 0:
            elapsed = time.perf_counter() - train_start
            logger.info("step %d/%d  L1 %.5f  lr %.2e  %.2f s/step  %.1f min", steps_done, cfg.steps, running / seen,
                        learning_rate(cfg, step), elapsed / steps_done, elapsed / 60)
            history.append({"step": steps_done, "l1": round(running / seen, 6)})
            running, seen = 0.0, 0
        if steps_done % cfg.eval_every == 0 and steps_done < cfg.steps:
            scores = held_out_scores(upscale, factor)
            gain = scores["mean/ours"]["psnr"] - scores["mean/bicubic"]["psnr"]
            logger.info("step %d  held out: %.3f dB (bicubic + %.3f)", steps_done, scores["mean/ours"]["psnr"], gain)
            history.append({"step": steps_done, "held_out_psnr": scores["mean/ours"]["psnr"],
                            "gain_db": round(gain, 3)})
        if time.perf_counter() > deadline and steps_done < cfg.steps:
            logger.warning("time cap of %.1f min reached at step %d/%d: stopping early", cfg.minutes, steps_done,
                           cfg.steps)
            stopped_early = True
            break
    train_seconds = time.perf_counter() - train_start

    network.eval()
    scores = held_out_scores(upscale, factor)
    if factor == 4 and x2 is not None and (x2 / "model.safetensors").is_file():
        twice = OfflineUpscaler({2: x2})
        scores.update({f"{k.split('/')[0]}/x2_twice": v for k, v in
                       held_out_scores(twice.upscale, 4).items()
                       if k.endswith("/ours")})
    for key, value in scores.items():
        logger.info("held out %-24s PSNR %.3f dB  SSIM %.4f", key, value["psnr"], value["ssim"])
    weights = save(network, cfg.model, cfg.out)
    wall_seconds = time.perf_counter() - wall_start
    metrics = {
        "command": command, "seed": cfg.seed, "factor": factor, "steps": steps_done, "planned_steps": cfg.steps,
        "stopped_early": stopped_early, "batch_size": cfg.batch_size, "patches_seen": steps_done * cfg.batch_size,
        "train_minutes": round(train_seconds / 60, 2), "wall_minutes": round(wall_seconds / 60, 2),
        "threads": cfg.threads, "parameters": parameters, "weights_bytes": weights.stat().st_size,
        "torch": torch.__version__, "training_photos": list(COLOUR_PHOTOS + GREY_PHOTOS), "held_out": list(HELD_OUT),
        "metric": "PSNR over RGB, SSIM mean over the RGB channels; whole photograph, area-shrunk by the factor",
        "hyperparameters": {k: v for k, v in asdict(cfg).items() if k not in ("out", "model")},
        "model": asdict(cfg.model), "held_out_scores": scores, "history": history,
    }
    write_results(cfg.out, metrics, model_card(cfg, metrics))
    logger.info("saved %s (%.2f MB) in %.1f min", cfg.out, weights.stat().st_size / 2**20, wall_seconds / 60)
    return metrics


def scores_table(scores: dict[str, dict[str, float]]) -> str:
    """The card's table: one row per method, PSNR / SSIM per held-out photograph and their mean."""
    methods = [m for m in ("bicubic", "lanczos", "x2_twice", "ours") if f"mean/{m}" in scores]
    names = [*HELD_OUT, "mean"]
    lines = ["| method | " + " | ".join(f"{n}: PSNR (dB) / SSIM" for n in names) + " |",
             "|---|" + "---|" * len(names)]
    labels = {"bicubic": "bicubic (OpenCV)", "lanczos": "Lanczos (OpenCV, 8x8)", "x2_twice": "the ×2 network twice",
              "ours": f"**{NAME}** (this network)"}
    for method in methods:
        cells = [f"{scores[f'{n}/{method}']['psnr']:.2f} / {scores[f'{n}/{method}']['ssim']:.4f}"
                 if f"{n}/{method}" in scores else "-" for n in names]
        lines.append(f"| {labels[method]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def model_card(cfg: TrainConfig, metrics: dict[str, object]) -> str:
    scores: dict[str, dict[str, float]] = metrics["held_out_scores"]  # type: ignore[assignment]
    gain = scores["mean/ours"]["psnr"] - scores["mean/bicubic"]["psnr"]
    return fill_card(
        "upscaler", factor=cfg.model.factor, channels=cfg.model.channels, layers=cfg.model.layers,
        body=cfg.model.layers - 2, out_channels=3 * cfg.model.factor**2, parameters=f"{metrics['parameters']:,}",
        kilobytes=f"{int(metrics['weights_bytes']) / 1024:.0f}", command=metrics["command"], seed=cfg.seed,
        steps=metrics["steps"], early=" (stopped early by the time cap)" if metrics["stopped_early"] else "",
        batch_size=cfg.batch_size, patch=cfg.patch, low=cfg.patch // cfg.model.factor, lr=cfg.lr, min_lr=cfg.min_lr,
        warmup_steps=cfg.warmup_steps, grad_clip=cfg.grad_clip, wall_minutes=metrics["wall_minutes"],
        train_minutes=metrics["train_minutes"], threads=cfg.threads, torch=torch.__version__,
        colour=", ".join(COLOUR_PHOTOS), grey=", ".join(GREY_PHOTOS), held_out=", ".join(HELD_OUT),
        colour_percent=round(100 * cfg.colour_share), keep_flat=round(100 * cfg.keep_flat),
        bicubic_percent=round(100 * cfg.bicubic_share), jpeg_percent=round(100 * cfg.jpeg_share),
        table=scores_table(scores), gain=f"{gain:+.2f}", x4_note=X4_NOTES[cfg.model.factor],
        **{f"{name}_gain": f"{scores[f'{name}/ours']['psnr'] - scores[f'{name}/bicubic']['psnr']:+.2f}"
           for name in HELD_OUT},
    )


def parse_args(argv: list[str] | None = None) -> tuple[TrainConfig, Path | None]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    defaults = TrainConfig()
    parser.add_argument("--factor", type=int, choices=(2, 4), default=2)
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default weights/upscale-x2; x4: ./upscale-x4)")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--steps", type=int, default=defaults.steps, help="optimisation steps (sets the schedule)")
    parser.add_argument("--minutes", type=float, default=defaults.minutes, help="safety cap on training wall time")
    parser.add_argument("--threads", type=int, default=defaults.threads, help="torch CPU threads")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--patch", type=int, default=None, help="high-resolution patch side (default 24 x factor + 48)")
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--channels", type=int, default=defaults.model.channels)
    parser.add_argument("--layers", type=int, default=defaults.model.layers)
    parser.add_argument("--x2", type=Path, default=FOLDERS[2],
                        help="for --factor 4: the x2 network to compare, run twice")
    args = parser.parse_args(argv)
    patch = args.patch or 24 * args.factor + 48
    if patch % args.factor:
        parser.error(f"--patch must be a multiple of --factor, got {patch}")
    cfg = TrainConfig(
        out=args.out or Path("weights/upscale-x2" if args.factor == 2 else "upscale-x4"), seed=args.seed,
        steps=args.steps, minutes=args.minutes, threads=args.threads, batch_size=args.batch_size, patch=patch, lr=args.lr,
        warmup_steps=min(defaults.warmup_steps, max(1, args.steps // 10)), eval_every=max(1, min(500, args.steps // 4)),
        model=UpscalerConfig(factor=args.factor, channels=args.channels, layers=args.layers),
    )
    return cfg, args.x2 if args.factor == 4 else None


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
    raw = sys.argv[1:] if argv is None else argv
    cfg, x2 = parse_args(raw)
    train(cfg, command_line("train_upscaler", raw), x2)


if __name__ == "__main__":
    main()
