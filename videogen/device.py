"""Which device and precision to run on, and how to fit a pipeline into the GPU's memory.

* CUDA when present: bfloat16 where the GPU supports it, else float16. Otherwise the CPU in float32.
* On the CPU a Hub generator's weights are kept in bfloat16 (half the RAM), and computed in
  bfloat16 where the CPU multiplies it fast (AMX, AVX-512 BF16), else in float32
  (:func:`cpu_compute_dtype`): an AVX2-only CPU emulates bfloat16 matmuls some 70 times slower than
  float32 ones (1.3 vs 90 GFLOP/s on 2 AMD EPYC cores).
* ``--device`` / ``VIDEOGEN_DEVICE`` override the choice (``cpu``, ``cuda``, ``cuda:1``).
* How a generator is placed on the GPU is the memory plan's job (:mod:`videogen.sizing.memory`); this
  module only reports the GPU's and the machine's memory.

torch is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from dataclasses import dataclass
from typing import Any

from videogen.errors import InvalidInputError

logger = logging.getLogger(__name__)

GIB = 1024**3
FAST_BFLOAT16 = 0.5  # bfloat16 is this CPU's compute dtype when it multiplies at least this share of float32's rate

_RATES_LOCK = threading.Lock()  # two requests at once measure once, and get the same rates
_rates: dict[str, float] = {}


def cpu_matmul_rates() -> dict[str, float]:
    """Dense matmul FLOP/s of this CPU's cores in bfloat16 and float32, measured once per process.

    Each product is timed by the CPU seconds it took per torch thread (CPU time, not the clock, so
    that other programs running now do not count). bfloat16 is timed on a 512x512 product first: a
    CPU that emulates it (AVX2 only, ~1 GFLOP/s) is not asked for more; a fast one is timed on
    larger products (2048, then 4096), as a big model's matmuls are. float32 on 1024x1024.
    """
    with _RATES_LOCK:
        if not _rates:
            _rates.update(_measure_rates())
        return dict(_rates)


def _measure_rates() -> dict[str, float]:
    import torch

    threads = torch.get_num_threads()

    def median_rate(n: int, dtype: Any, repeats: int, warm_up: bool) -> float:
        a = torch.randn(n, n, dtype=dtype)
        b = torch.randn(n, n, dtype=dtype)
        seconds = []
        with torch.inference_mode():
            if warm_up:  # the first product pays for the kernels' setup
                a @ b
            for _ in range(repeats):
                start = time.process_time()
                a @ b
                seconds.append((time.process_time() - start) / threads)
        return 2 * n**3 / max(statistics.median(seconds), 1e-9)

    bf16 = median_rate(512, torch.bfloat16, 1, warm_up=True)  # 0.27 GFLOP: a fraction of a second even emulated
    if 2 * 512**3 / bf16 <= 0.05:  # fast bfloat16: time it as a large model's matmuls run
        small = median_rate(2048, torch.bfloat16, 1, warm_up=True)
        bf16 = median_rate(4096, torch.bfloat16, 2, warm_up=False) if 2 * 2048**3 / small < 0.1 else small
    fp32 = median_rate(1024, torch.float32, 3, warm_up=True)
    logger.info("CPU matmul rates: bfloat16 %.1f GFLOP/s, float32 %.1f GFLOP/s", bf16 / 1e9, fp32 / 1e9)
    return {"bfloat16": bf16, "float32": fp32}


CPU_COMPUTE_VARIABLE = "VIDEOGEN_CPU_COMPUTE"  # bfloat16 or float32: the choice below, made by hand


def cpu_compute_dtype() -> str:
    """The dtype a Hub generator computes in on this CPU: "bfloat16" where the CPU multiplies it at
    least half as fast as float32, else "float32" (its weights may still be stored in bfloat16).
    ``VIDEOGEN_CPU_COMPUTE`` chooses instead of the measurement."""
    import os

    chosen = os.environ.get(CPU_COMPUTE_VARIABLE, "").strip().lower()
    if chosen in ("bfloat16", "float32"):
        return chosen
    if chosen:
        raise InvalidInputError(f"{CPU_COMPUTE_VARIABLE} must be bfloat16 or float32, got {chosen!r}")
    rates = cpu_matmul_rates()
    return "bfloat16" if rates["bfloat16"] >= FAST_BFLOAT16 * rates["float32"] else "float32"


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
