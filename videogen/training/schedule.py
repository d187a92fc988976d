"""The learning-rate schedule the embedded models' training scripts share: linear warm-up, then cosine decay."""

from __future__ import annotations

import math
from typing import Protocol


class ScheduleConfig(Protocol):
    steps: int  # the last step of the schedule
    warmup_steps: int
    lr: float  # peak, reached at the end of the warm-up
    min_lr: float  # reached at the last step


def learning_rate(cfg: ScheduleConfig, step: int) -> float:
    """Linear warm-up to ``lr``, then cosine decay to ``min_lr`` at the last step (``min_lr`` after it)."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = min((step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps), 1.0)
    return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (cfg.lr - cfg.min_lr)
