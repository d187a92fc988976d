"""``videogen.plan``: the memory plan (and on a CPU the time) of a generator on a machine, for the
Python API and the ``plan`` command; re-exported by :mod:`videogen.api`."""

from __future__ import annotations

from videogen.device import pick_device
from videogen.errors import InvalidInputError
from videogen.models import resolve
from videogen.registry import MODELS, Task
from videogen.sizing.memory import MemoryPlan


def plan(
    model: str,
    *,
    task: Task | None = None,
    device: str | None = None,
    gpu_memory_gib: float | None = None,
    ram_gib: float | None = None,
    frames: int | None = None,
    height: int | None = None,
    width: int | None = None,
    steps: int | None = None,
) -> MemoryPlan:
    """Where each component of a generator would run on a machine, and whether it fits; on a CPU
    also how long the clip would take there (``steps``: the model's default unless given).

    Unset machine figures are read from this machine (its first GPU when ``device`` is cuda or
    unset and CUDA is present). Registry models need no network; others are sized from the Hub's
    file headers or their folder.
    """
    from videogen.device import GIB, cpu_compute_dtype, ram_bytes
    from videogen.sizing.memory import MemoryRequest
    from videogen.sizing.plan import plan_memory
    from videogen.models import ModelCache
    from videogen.values import positive

    frames, height, width, steps = (positive(name, value, is_whole=True) for name, value in
                                    (("frames", frames), ("height", height), ("width", width), ("steps", steps)))
    gpu_memory_gib, ram_gib = positive("gpu_memory_gib", gpu_memory_gib), positive("ram_gib", ram_gib)
    listed = [m for m in MODELS if m.id == model and m.task in ((task,) if task else ("t2v", "i2v"))]
    spec = listed[0] if listed else resolve(model, task or "t2v")
    if spec.library != "diffusers":
        raise InvalidInputError(f"plan is for diffusers generators; {spec.id} is a {spec.family} model that runs anywhere.")
    if device in (None, "auto") or (gpu_memory_gib is None and device != "cpu"):
        try:
            here = pick_device(device or "auto")
        except InvalidInputError as exc:
            raise InvalidInputError(f"{exc} To plan for another machine's GPU, give --gpu-memory GIB.") from exc
        device = "cuda" if here.is_cuda else "cpu"
        if gpu_memory_gib is None and here.is_cuda:
            from videogen.device import gpu_memory_bytes

            gpu_memory_gib = gpu_memory_bytes(here) / GIB
    cuda = device.startswith("cuda")
    d = spec.defaults
    request = MemoryRequest(
        device="cuda" if cuda else "cpu", gpu_bytes=int((gpu_memory_gib or 0) * GIB) if cuda else 0,
        ram_bytes=int(ram_gib * GIB) if ram_gib else ram_bytes(), frames=frames or d.frames,
        height=height or d.height, width=width or d.width, steps=steps or 0,
        cpu_compute="bfloat16" if cuda else cpu_compute_dtype(),  # this CPU's (another machine's is not known)
    )
    return plan_memory(spec, request, ModelCache.component_sizes(spec, request.dtype if cuda else "bfloat16"))
