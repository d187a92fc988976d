"""The ``generators`` section of ``python -m videogen bench``: LTX-Video and Wan 2.1 1.3B components
at full size with random weights, built from the published configs, each timed in its own
subprocess (``python -m videogen.bench --component JSON`` runs :func:`run_component`): a
transformer forward (one denoising step), the VAE decode and the text encoder forward, with the peak
memory, against the matmul floor."""

from __future__ import annotations

import json
import logging
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from videogen.bench.timing import GIB, count_flops, matmul_rate, row, skipped, sync

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ComponentJob:
    model: str  # registry id
    part: str  # "transformer", "vae", "text_encoder"
    frames: int
    height: int
    width: int
    tokens: int  # text length

    @property
    def label(self) -> str:
        what = {"transformer": "transformer forward (one step)", "vae": "VAE decode", "text_encoder": "text encoder forward"}[self.part]
        size = f"{self.tokens} tokens" if self.part == "text_encoder" else f"{self.frames} frames {self.width}x{self.height}"
        return f"{what}, {size}"


def generator_jobs(quick: bool) -> list[ComponentJob]:
    if quick:  # reduced sizes, no text encoders (building them takes longer than the rest together)
        return [ComponentJob("ltx-video", p, 9, 128, 192, 128) for p in ("transformer", "vae")] + \
               [ComponentJob("wan2.1-t2v-1.3b", p, 5, 128, 224, 512) for p in ("transformer", "vae")]
    return [ComponentJob("ltx-video", p, 25, 256, 384, 128) for p in ("transformer", "vae", "text_encoder")] + \
           [ComponentJob("wan2.1-t2v-1.3b", p, 17, 256, 448, 512) for p in ("transformer", "vae", "text_encoder")]


def _component_inputs(spec: Any, job: ComponentJob, module: Any, device: str, dtype: Any) -> Callable[[], Any]:
    """A call of the component on random inputs of the job's size."""
    import torch

    generator = torch.Generator("cpu").manual_seed(0)

    def randn(*shape: int) -> Any:
        return torch.randn(*shape, generator=generator).to(device=device, dtype=dtype)

    if job.part == "text_encoder":
        ids = torch.randint(0, module.config.vocab_size, (1, job.tokens), generator=generator).to(device)
        mask = torch.ones_like(ids)
        return lambda: module(input_ids=ids, attention_mask=mask).last_hidden_state
    if spec.family == "ltx":
        t, h, w = (job.frames - 1) // 8 + 1, job.height // 32, job.width // 32
        if job.part == "vae":
            z = randn(1, module.config.latent_channels, t, h, w)
            return lambda: module.decode(z, return_dict=False)[0]
        cfg = module.config
        hidden = randn(1, t * h * w, cfg.in_channels)
        text = randn(1, job.tokens, cfg.caption_channels)
        mask = torch.ones(1, job.tokens, dtype=torch.long, device=device)
        step = torch.tensor([500.0], device=device)
        scale = (8 / 25, 32, 32)  # the pipeline's rope interpolation at 25 fps
        return lambda: module(hidden_states=hidden, encoder_hidden_states=text, timestep=step, encoder_attention_mask=mask,
                              num_frames=t, height=h, width=w, rope_interpolation_scale=scale, return_dict=False)[0]
    t, h, w = (job.frames - 1) // 4 + 1, job.height // 8, job.width // 8  # Wan
    if job.part == "vae":
        z = randn(1, module.config.z_dim, t, h, w)
        return lambda: module.decode(z, return_dict=False)[0]
    hidden = randn(1, module.config.in_channels, t, h, w)
    text = randn(1, job.tokens, module.config.text_dim)
    step = torch.tensor([500.0], device=device)
    return lambda: module(hidden_states=hidden, timestep=step, encoder_hidden_states=text, return_dict=False)[0]


def run_component(job: ComponentJob, device: str, dtype_name: str) -> dict[str, Any]:
    """In this process: build one component (random weights), count its FLOPs on the meta device,
    time one call, and report the peak memory. The parent runs each in a fresh process."""
    import torch

    from videogen.sizing.components import build_component, published
    from videogen.registry import find

    spec = find(job.model, "t2v")
    entry = published(spec.repo_id)["components"][job.part]
    dtype = getattr(torch, dtype_name)
    with torch.inference_mode():
        meta = build_component(entry, device="meta", dtype=dtype)
        try:
            flops, _ = count_flops(_component_inputs(spec, job, meta, "meta", dtype))
        except Exception as exc:  # an operation without a meta kernel: count during the timed call instead
            logger.info("counting on meta failed (%s); counting the timed call", exc)
            flops = None
        del meta
        start = time.perf_counter()
        module = build_component(entry, device=device, dtype=dtype)
        built_s = time.perf_counter() - start
        call = _component_inputs(spec, job, module, device, dtype)
        if device.startswith("cuda"):
            call()  # warm-up: kernels, cuDNN plans
            torch.cuda.reset_peak_memory_stats()
        sync(device)
        start = time.perf_counter()
        if flops is None:
            flops, _ = count_flops(call)
        else:
            call()
        sync(device)
        seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() if device.startswith("cuda") else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": seconds, "build_s": built_s, "gflop": flops / 1e9, "params": sum(p.numel() for p in module.parameters()),
            "peak_gib": peak / GIB, "matmul_flops": matmul_rate(dtype_name, device)}


def _component_dtype(spec: Any, job: ComponentJob, device: str) -> tuple[str | None, str]:
    """The dtype the app would run the component in, if it fits in memory here (bfloat16 for a text
    encoder whose float32 copy does not fit in RAM); None and why, when nothing fits."""
    import psutil

    from videogen.sizing.components import DTYPE_BYTES, run_dtypes
    from videogen.device import pick_device

    wanted = run_dtypes(spec, pick_device(device).dtype_name)[job.part]
    params = dict(spec.components).get(job.part, 0)
    room = psutil.virtual_memory().available * 0.8 if device == "cpu" else float("inf")
    for dtype in (wanted, "bfloat16"):
        if params * DTYPE_BYTES[dtype] * 1.15 < room:
            return dtype, "" if dtype == wanted else f"{wanted} needs {params * DTYPE_BYTES[wanted] / GIB:.0f} GiB of RAM"
    return None, f"needs {params * 2 / GIB:.0f} GiB in bfloat16; {room / GIB:.0f} GiB free"


def bench_generators(quick: bool, devices: list[str], timeout: float = 1800.0) -> list[dict[str, Any]]:
    from videogen.registry import find

    rows = []
    for device in devices:
        for job in generator_jobs(quick):
            spec = find(job.model, "t2v")
            item = f"{job.model} {job.part} ({device})"
            dtype, why = _component_dtype(spec, job, device)
            if dtype is None:
                rows.append(skipped("generators", item, job.label, why))
                continue
            command = [sys.executable, "-m", "videogen.bench", "--component", json.dumps([job.__dict__, device, dtype])]
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
                result = json.loads(done.stdout.strip().splitlines()[-1])
            except (subprocess.SubprocessError, ValueError, IndexError) as exc:
                detail = getattr(exc, "stderr", "") or ""
                rows.append(skipped("generators", item, job.label,
                                    f"failed: {exc} {detail.strip().splitlines()[-1] if detail.strip() else ''}"[:300]))
                continue
            floor_s = result["gflop"] * 1e9 / result["matmul_flops"]
            rows.append(row("generators", item, job.label, result["seconds"], "matmul floor (its FLOPs at this run's matmul rate)",
                            floor_s, device=device, dtype=dtype, params=result["params"], gflop=round(result["gflop"], 1),
                            build_s=round(result["build_s"], 1), peak_gib=round(result["peak_gib"], 2),
                            matmul_gflops=round(result["matmul_flops"] / 1e9, 1), **({"note": why} if why else {})))
            print(f"  {item}: {result['seconds']:.2f} s", file=sys.stderr, flush=True)
    return rows
