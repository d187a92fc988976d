"""ZeroGPU on Hugging Face Spaces: the GPU handlers run through ``spaces.GPU``, with a duration
estimated from each request.

On a Space (``SPACE_ID`` is set) that has the ``spaces`` package (Gradio Spaces install it with
Gradio), :func:`on_gpu` wraps a handler in ``spaces.GPU(duration=...)``. The duration callable gets
the handler's own arguments and returns the seconds to reserve: a shapes-world clip asks for less
than a long Wan clip (ZeroGPU schedules short requests sooner and stops a call that runs past its
duration). On a Space without ZeroGPU, ``spaces.GPU`` returns the handler itself; anywhere else this
module returns it unchanged and ``spaces`` is never imported.

The handlers are generators that stream progress; ``spaces.GPU`` runs them in its GPU worker and
forwards what they yield and their ``gr.Progress`` calls.

Import this module before anything initialises CUDA: ZeroGPU requires ``spaces`` to come first.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

from videogen.registry import ModelSpec, Task, find, models_for

logger = logging.getLogger(__name__)

# Seconds for loading the model into the GPU worker, encoding the prompt and writing the MP4.
BASE_SECONDS = 30
# Decoding and encoding the frames: seconds per million output pixels (frames x height x width).
DECODE_SECONDS_PER_MPIXEL = 0.5
# Sustained transformer throughput on a ZeroGPU slice (half an H200), in FLOP/s: it puts Wan 2.1
# 1.3B's default clip (81 x 480 x 832, 50 steps with guidance) at about 160 s of denoising.
FLOPS_PER_SECOND = 180e12
# Recognising one clip: loading X-CLIP or VideoMAE and one forward pass over a few frames.
CLASSIFY_SECONDS = 30
# An edit: a learned interpolator or upscaler over a few seconds of video (the offline operations need no GPU).
EDIT_SECONDS = 120


def spaces_module() -> ModuleType | None:
    """The ``spaces`` package on a Hugging Face Space that has it; None anywhere else."""
    if not os.environ.get("SPACE_ID"):
        return None
    try:
        import spaces
    except ImportError:
        logger.info("on a Space without the `spaces` package: GPU handlers run undecorated")
        return None
    return spaces


spaces_module()  # on a Space: import `spaces` now, before torch initialises CUDA


def on_gpu(handler: Callable[..., Any], task: Task | str) -> Callable[..., Any]:
    """``handler`` wrapped in ``spaces.GPU`` with a per-request duration on a Space; else itself."""
    spaces = spaces_module()
    if spaces is None:
        return handler
    return spaces.GPU(handler, duration=request_seconds(handler, task))


def request_seconds(handler: Callable[..., Any], task: Task | str) -> Callable[..., int]:
    """A callable taking ``handler``'s arguments and returning the seconds its request needs.

    Arguments are read by name (``model``, ``frames``, ``height``, ``width``, ``steps``,
    ``guidance``); a missing or zero value counts as the model's default.
    """
    signature = inspect.signature(handler)

    def seconds(*args: Any, **kwargs: Any) -> int:
        if task == "classify":
            return CLASSIFY_SECONDS
        if task in ("edit", "compose"):  # compose's story mode runs the generator once per scene: a long job
            return EDIT_SECONDS
        named = signature.bind_partial(*args, **kwargs).arguments
        return generation_seconds(
            task, named.get("model"), frames=named.get("frames"), height=named.get("height"),
            width=named.get("width"), steps=named.get("steps"), guidance=named.get("guidance"),
        )

    return seconds


def generation_seconds(
    task: Task, model: str | None, *, frames: float | None = None, height: float | None = None,
    width: float | None = None, steps: float | None = None, guidance: float | None = None,
) -> int:
    """Seconds to reserve for one clip: the transformer's FLOPs at this size and step count, plus
    loading, decoding and encoding."""
    spec = _sizing_spec(task, model)
    d = spec.defaults
    frames, height, width = int(frames or d.frames), int(height or d.height), int(width or d.width)
    steps = int(steps or d.steps)
    guidance = d.guidance if guidance is None else float(guidance)
    decode = DECODE_SECONDS_PER_MPIXEL * frames * height * width / 1e6
    if spec.local:  # the shapes-world models: a few milliseconds a frame
        return max(BASE_SECONDS, round(BASE_SECONDS + decode))
    passes = 2 if guidance > 1 else 1  # classifier-free guidance runs the transformer twice a step
    flops = steps * passes * _transformer_flops(spec, frames, height, width)
    return max(BASE_SECONDS, round(BASE_SECONDS + decode + flops / FLOPS_PER_SECOND))  # bad sizes fail in the handler


def _sizing_spec(task: Task, model: str | None) -> ModelSpec:
    """The registry entry to size the request by: the model itself, else the task's first Hub model
    (a repo or folder outside the registry is sized like it)."""
    spec = find(str(model).strip(), task) if model else None
    return spec or next(m for m in models_for(task) if not m.local)


def _transformer_flops(spec: ModelSpec, frames: int, height: int, width: int) -> float:
    """One transformer pass: 2 FLOPs per parameter per token, plus attention's 4 x layers x tokens^2 x width."""
    from videogen.sizing.components import published
    from videogen.sizing.tokens import latent_tokens

    tokens = latent_tokens(spec, frames, height, width)
    params = dict(spec.components).get("transformer", 0)
    try:
        config = published(spec.repo_id)["components"]["transformer"]["config"]
        hidden, layers = config["num_attention_heads"] * config["attention_head_dim"], config["num_layers"]
    except (FileNotFoundError, KeyError):
        hidden, layers = 2048, 30
    return 2 * params * tokens + 4 * layers * tokens**2 * hidden
