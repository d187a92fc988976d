"""Which device and precision to run on, and how to fit a pipeline into the GPU's memory.

* CUDA when present: bfloat16 where the GPU supports it, else float16. Otherwise the CPU in float32.
* ``--device`` / ``VIDEOGEN_DEVICE`` override the choice (``cpu``, ``cuda``, ``cuda:1``).
* A memory strategy is picked from the free VRAM against the model's estimate, using diffusers' own
  switches: everything on the GPU; model CPU offload (one component on the GPU at a time) plus VAE
  tiling; or sequential CPU offload (layer by layer: slow, but fits almost anywhere).

torch is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from videogen.errors import InvalidInputError

logger = logging.getLogger(__name__)

MemoryStrategy = Literal["cpu", "gpu", "model_offload", "sequential_offload"]
GIB = 1024**3


@dataclass(frozen=True)
class DevicePlan:
    device: str  # "cpu" or "cuda:N"
    dtype_name: str  # "float32", "bfloat16", "float16"

    @property
    def is_cuda(self) -> bool:
        return self.device.startswith("cuda")

    @property
    def dtype(self) -> Any:
        import torch

        return getattr(torch, self.dtype_name)


def pick_device(requested: str = "auto") -> DevicePlan:
    """The device to run on: ``auto`` takes CUDA when available, else the CPU."""
    import torch

    requested = (requested or "auto").strip().lower()
    if requested == "auto":
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cpu":
        return DevicePlan("cpu", "float32")
    if not requested.startswith("cuda"):
        raise InvalidInputError(f"device must be auto, cpu, cuda or cuda:N, got {requested!r}")
    if not torch.cuda.is_available():
        raise InvalidInputError(
            f"device={requested!r} but no CUDA GPU is available to torch here; use --device cpu."
        )
    index = int(requested.split(":", 1)[1]) if ":" in requested else torch.cuda.current_device()
    if index >= torch.cuda.device_count():
        raise InvalidInputError(f"device={requested!r}: only {torch.cuda.device_count()} CUDA device(s) exist.")
    dtype = "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    return DevicePlan(f"cuda:{index}", dtype)


def free_vram_gb(plan: DevicePlan) -> float:
    """Free memory on the plan's GPU, in GiB (0 on the CPU)."""
    if not plan.is_cuda:
        return 0.0
    import torch

    free, _total = torch.cuda.mem_get_info(torch.device(plan.device))
    return free / GIB


def choose_strategy(plan: DevicePlan, need_gb: float, free_gb: float | None = None) -> MemoryStrategy:
    """Pick how to place a pipeline that needs about ``need_gb`` of GPU memory."""
    if not plan.is_cuda:
        return "cpu"
    free_gb = free_vram_gb(plan) if free_gb is None else free_gb
    if free_gb >= need_gb * 1.15:
        return "gpu"
    if free_gb >= need_gb * 0.45:
        return "model_offload"
    return "sequential_offload"


def place_pipeline(pipe: Any, plan: DevicePlan, need_gb: float) -> MemoryStrategy:
    """Move a diffusers pipeline onto the device with the strategy that fits; return the strategy."""
    strategy = choose_strategy(plan, need_gb)
    logger.info("Placing pipeline on %s (%s, need ~%.1f GB, strategy %s)", plan.device, plan.dtype_name, need_gb, strategy)
    if strategy in ("cpu", "gpu"):
        pipe.to(plan.device)
    elif strategy == "model_offload":
        pipe.enable_model_cpu_offload(device=plan.device)
    else:
        pipe.enable_sequential_cpu_offload(device=plan.device)
    vae = getattr(pipe, "vae", None)
    if strategy in ("model_offload", "sequential_offload") and vae is not None:
        for switch in ("enable_tiling", "enable_slicing"):
            if hasattr(vae, switch):
                getattr(vae, switch)()
    return strategy


def release_memory() -> None:
    """Give freed tensors back: Python's garbage, then CUDA's cache."""
    import gc

    gc.collect()
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.ipc_collect()
