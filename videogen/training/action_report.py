"""The action classifier's evaluation (predictions, accuracy per class, the mistakes) and its model
card (``cards/shapes-action.md``)."""

from __future__ import annotations

import torch

from videogen.embedded.action import ShapesActionModel, normalise
from videogen.shapes import MOTIONS
from videogen.training.action_data import WIDE_ROTATION_RANGE, TrainConfig
from videogen.training.runs import fill_card, percent


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


def table(reports: dict[str, dict[str, object]]) -> str:
    """The card's accuracy table: one column per report, one row per motion, then all clips."""
    names = list(reports)
    lines = ["| motion | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for motion in MOTIONS:
        cells = [percent(reports[n]["per_class"][motion]) for n in names]  # type: ignore[index]
        lines.append(f"| {motion} | " + " | ".join(cells) + " |")
    cells = [f"**{percent(reports[n]['top1'])}** ({reports[n]['clips']} clips)" for n in names]
    lines.append("| **all** | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def mistakes(report: dict[str, object]) -> str:
    """A report's confusions as ``true -> predicted x count; ...`` (``none`` without any)."""
    pairs = [
        f"{true} -> {predicted} x {count}"
        for true, row in report["confusions"].items()  # type: ignore[union-attr]
        for predicted, count in row.items()
    ]
    return "; ".join(pairs) if pairs else "none"


def model_card(cfg: TrainConfig, metrics: dict[str, object]) -> str:
    """The weights folder's README.md, from the run's settings and metrics."""
    m = cfg.model
    reports = {"validation, clean renders": metrics["validation"], "H.264 round trip": metrics["h264"],
               "circles with other marks, H.264": metrics["marked_circles"]}
    return fill_card(
        "shapes-action", command=metrics["command"], table=table(reports),  # type: ignore[arg-type]
        early=" (stopped early by the time cap)" if metrics["stopped_early"] else "",
        motions=", ".join(MOTIONS), num_frames=m.num_frames, image_size=m.image_size, mean=m.mean, std=m.std,
        temporal_mean_off="" if m.subtract_temporal_mean else " (off)", stem_width=m.stem_width,
        first_width=m.widths[0], blocks=m.blocks, widths=m.widths, dropout=m.dropout,
        parameters=f"{metrics['parameters']:,}", megabytes=f"{metrics['weights_bytes'] / 2**20:.2f}",  # type: ignore[operator]
        seed=cfg.seed, steps=metrics["steps"], batch_size=cfg.batch_size, clips_seen=f"{metrics['clips_seen']:,}",
        lr=cfg.lr, weight_decay=cfg.weight_decay, warmup_steps=cfg.warmup_steps, min_lr=cfg.min_lr,
        label_smoothing=cfg.label_smoothing, grad_clip=cfg.grad_clip, wall_minutes=metrics["wall_minutes"],
        train_minutes=metrics["train_minutes"], threads=cfg.threads, torch=metrics["torch"],
        marks_percent=f"{100 * cfg.other_marks:.0f}", wide_percent=f"{100 * cfg.wide_rotation:.0f}",
        slowest=WIDE_ROTATION_RANGE[0], fastest=WIDE_ROTATION_RANGE[1], bn_batches=cfg.bn_batches,
        clean_clips=metrics["validation"]["clips"], h264_clips=metrics["h264"]["clips"],  # type: ignore[index]
        marked_clips=metrics["marked_circles"]["clips"],  # type: ignore[index]
        clean_mistakes=mistakes(metrics["validation"]), h264_mistakes=mistakes(metrics["h264"]),  # type: ignore[arg-type]
        marked_mistakes=mistakes(metrics["marked_circles"]),  # type: ignore[arg-type]
    )
