"""Which device and precision to run on, and how to fit a pipeline into the GPU's memory.

* CUDA when present: bfloat16 where the GPU supports it, else float16. Otherwise the CPU in float32.
* ``--device`` / ``VIDEOGEN_DEVICE`` override the choice (``cpu``, ``cuda``, ``cuda:1``).
* How a generator is placed on the GPU is the memory plan's job (:mod:`videogen.sizing.memory`); this
  module only reports the GPU's and the machine's memory.

torch is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from videogen.errors import InvalidInputError

logger = logging.getLogger(__name__)

GIB = 1024**3


@dataclass(frozen=True)
class DeviceChoice:
    """The device a process runs its models on, and the precision they run in there."""

    device: str  # "cpu" or "cuda:N"
    dtype_name: str  # "float32", "bfloat16", "float16"

    @property
    def is_cuda(self) -> bool:
        return self.device.startswith("cuda")

    @property
    def dtype(self) -> Any:
        import torch

        return getattr(torch, self.dtype_name)


def pick_device(requested: str = "auto") -> DeviceChoice:
    """The device to run on: ``auto`` takes CUDA when available, else the CPU."""
    import torch

    requested = (requested or "auto").strip().lower()
    if requested == "auto":
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cpu":
        return DeviceChoice("cpu", "float32")
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
    return DeviceChoice(f"cuda:{index}", dtype)


def gpu_memory_bytes(choice: DeviceChoice, *, free: bool = False) -> int:
    """Total (or currently free) memory of the chosen GPU in bytes; 0 on the CPU."""
    if not choice.is_cuda:
        return 0
    import torch

    device = torch.device(choice.device)
    if free:
        return int(torch.cuda.mem_get_info(device)[0])
    return int(torch.cuda.get_device_properties(device).total_memory)


def ram_bytes(*, available: bool = False) -> int:
    """This machine's RAM (or what is available now) in bytes."""
    import psutil

    memory = psutil.virtual_memory()
    return int(memory.available if available else memory.total)


def release_memory() -> None:
    """Give freed tensors back: Python's garbage, then CUDA's cache."""
    import gc

    gc.collect()
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.ipc_collect()
