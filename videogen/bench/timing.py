"""The benchmark suite's shared measuring tools: one result row, the best of a few runs, a GPU
sync, FLOP counting and the dense-matmul rate that the *matmul floor* baselines are drawn from."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

GIB = 1024**3


def row(section: str, item: str, measure: str, seconds: float, baseline: str, baseline_s: float, **extra: Any) -> dict[str, Any]:
    """One figure: its seconds, the baseline's, and their ratio (seconds / baseline seconds)."""
    return {
        "section": section, "item": item, "measure": measure, "seconds": round(seconds, 6), "baseline": baseline,
        "baseline_s": round(baseline_s, 6), "ratio": float(f"{seconds / baseline_s:.4g}") if baseline_s > 0 else None, **extra,
    }


def skipped(section: str, item: str, measure: str, why: str) -> dict[str, Any]:
    """A figure that could not be measured here, and why."""
    return {"section": section, "item": item, "measure": measure, "skipped": why}


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """The fewest seconds of ``repeats`` calls of ``fn``, and the last call's result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def sync(device: str) -> None:
    """Wait for the GPU's queued work (nothing on the CPU), so that a timer reads the work done."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def matmul_rate(dtype: str = "float32", device: str = "cpu") -> float:
    """Dense matmul FLOP/s here (the best of a few 2048x2048 products): the floor's rate."""
    import torch

    n = 2048 if device == "cpu" else 8192
    a = torch.randn(n, n, dtype=getattr(torch, dtype), device=device)
    b = torch.randn(n, n, dtype=getattr(torch, dtype), device=device)
    best = float("inf")
    for _ in range(4):
        sync(device)
        start = time.perf_counter()
        a @ b
        sync(device)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


def count_flops(fn: Callable[[], Any]) -> tuple[int, Any]:
    """FLOPs of one call (matmuls, convolutions, attention), and its result."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        result = fn()
    return counter.get_total_flops(), result
