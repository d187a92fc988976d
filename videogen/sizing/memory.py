"""A memory plan for a generator: where each component runs, and whether the whole fits.

From each component's size (:mod:`videogen.sizing.components`) and the requested clip (frames, height,
width), :func:`fit_memory` estimates the peak GPU and RAM bytes of a few placements, using
diffusers' and accelerate's own mechanisms, and picks the fastest one that fits:

====================  =====================================================================
strategy              placements
====================  =====================================================================
``resident``          everything on the GPU (fastest)
``model_offload``     each component moved whole to the GPU while it runs
                      (``enable_model_cpu_offload``: one component on the GPU at a time)
``text_encoder_cpu``  the text encoder runs on the CPU (Wan's ``--t5_cpu``); transformer and
                      VAE stay on the GPU
``group_offload``     text encoder on the CPU, transformer streamed to the GPU layer by layer
                      with CUDA streams (``enable_group_offload``: far faster than sequential
                      offload), VAE on the GPU
``cpu``               a CPU host: everything in RAM, bfloat16 where the CPU has it
====================  =====================================================================

VAE tiling (``vae.enable_tiling()``) is added to a strategy when the untiled decode would not fit.
On a CPU host, when even that is not enough, the text encoder (the largest component, needed once
per prompt) is freed after encoding (``free_text_encoder``). A CPU plan also says how long the run
should take on this machine (``estimate_s``): :func:`videogen.sizing.plan.plan_memory` adds it from
:mod:`videogen.sizing.estimate`; this module leaves those fields empty.
When nothing fits, the plan says ``fits: false``, why, and what would fit instead.

The activation estimates are deliberately simple (written out in :func:`activation_bytes`): the
transformer's per-token working set at the widest layer, and the VAE decoder's measured bytes per
output pixel (full-size VAEs with random weights, decoded on a CPU; see the coefficients below).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

from videogen.registry import ModelSpec
from videogen.sizing.components import DTYPE_BYTES, ComponentSize, component_sizes
from videogen.sizing.tokens import TEXT_TOKENS, latent_tokens, text_encoder_shape, transformer_width
from videogen.units import GIB, gib
Placement = Literal["gpu", "offload", "stream", "cpu"]
STRATEGIES = ("resident", "model_offload", "text_encoder_cpu", "group_offload")

GPU_RESERVED = int(0.8 * GIB)  # CUDA context, cuBLAS/cuDNN workspaces: used but not by tensors
GPU_USABLE = 0.92  # keep 8 % for the caching allocator's fragmentation
RAM_BASE = int(2.0 * GIB)  # Python, torch, gradio and friends before any model
# VAE decode working set, bytes per output pixel of one decoded chunk, at the VAE's dtype size 4.
# Measured on full-size VAEs with random weights (peak RSS, CPU, float32/bfloat16 scaled to 4 bytes):
# AnyFlow decodes with Wan 2.1's VAE and encodes with its UMT5-XXL.
# LTX-2's video VAE: not measured (no full-size run here), LTX's scaled by their decoders' FLOPs a pixel (1.4 / 0.92 MFLOP).
VAE_BYTES_PER_PIXEL = {"wan": 5_200, "anyflow": 5_200, "ltx": 450, "ltx2": 700}  # 480x832: Wan 8.4 GB (fp32), LTX 0.16-0.21 KB (bf16)
VAE_CHUNK_FRAMES = {"wan": 4, "anyflow": 4, "ltx": 0, "ltx2": 0}  # Wan decodes 4 frames at a time (causal cache); 0: all at once
VAE_TILE = {"wan": (256, 256, 0), "anyflow": (256, 256, 0), "ltx": (512, 512, 16), "ltx2": (512, 512, 16)}  # diffusers' default tile (h, w, frames)


@dataclass(frozen=True)
class MemoryRequest:
    """The machine and the clip a plan is for."""

    device: Literal["cuda", "cpu"]
    gpu_bytes: int  # total memory of the GPU (0 on a CPU host)
    ram_bytes: int
    frames: int
    height: int
    width: int
    dtype: str = "bfloat16"  # the pipeline's dtype on CUDA
    steps: int = 0  # for the time estimate; 0: the model's default
    guidance: float | None = None  # for the time estimate; None: the model's default
    cpu_compute: str = "bfloat16"  # a CPU host: the dtype it computes in (videogen.device.cpu_compute_dtype)


Ranker = Callable[[ModelSpec, MemoryRequest], float]  # seconds a model would take for a request (lower: sooner)


@dataclass(frozen=True)
class PlacedComponent:
    name: str
    params: int
    bytes: int
    dtype: str
    placement: Placement


@dataclass
class MemoryPlan:
    """The ``plan`` command's JSON object."""

    model: str
    device: str
    dtype: str
    strategy: str
    fits: bool
    reason: str
    peak_gpu_bytes: int
    peak_ram_bytes: int
    components: list[PlacedComponent]
    vae_tiling: bool = False
    frames: int = 0
    height: int = 0
    width: int = 0
    suggestions: list[str] = field(default_factory=list)
    free_text_encoder: bool = False  # CPU: the text encoder is freed after encoding (read again for a new prompt)
    upcast_text_encoder: bool = False  # CPU computing in float32: the text encoder kept in bfloat16, each block run in float32
    estimate_s: float | None = None  # CPU: seconds for the run on this machine (encode, denoise, decode)
    estimate: dict | None = None  # CPU: those seconds stage by stage (Estimate.to_json), and the load time
    # (both filled in by videogen.sizing.plan.plan_memory)

    def to_json(self) -> dict:
        return asdict(self)

    def placement(self, name: str) -> Placement | None:
        return next((c.placement for c in self.components if c.name == name), None)

    def summary(self, gpu_bytes: int = 0) -> str:
        """One line for the UI: what runs where and how much memory it takes."""
        ram = f"~{gib(self.peak_ram_bytes, 0)} RAM"
        if not self.fits:
            return f"Does not fit: {self.reason}" + (f" {self.suggestions[0]}" if self.suggestions else "")
        if self.device == "cpu":
            freed = " (the text encoder freed after encoding)" if self.free_text_encoder else ""
            if self.upcast_text_encoder:
                return (f"Runs on the CPU in float32, which this CPU multiplies far faster than bfloat16 (the text "
                        f"encoder kept in bfloat16, computed in float32 block by block); {ram}{freed}.")
            return f"Runs on the CPU in {self.dtype}; {ram}{freed}."
        where = f"your {gib(gpu_bytes, 0)} GPU" if gpu_bytes else "the GPU"
        how = {
            "resident": "with everything on the GPU",
            "model_offload": "moving one component at a time onto the GPU",
            "text_encoder_cpu": "with the text encoder on the CPU",
            "group_offload": "with the text encoder on the CPU and the transformer streamed layer by layer",
        }[self.strategy]
        tiling = ", VAE tiled" if self.vae_tiling else ""
        return f"Fits {where} {how}{tiling}: ~{gib(self.peak_gpu_bytes)} GPU, {ram}."


# ----------------------------------------------------------------------------------------------
# Activations


@dataclass(frozen=True)
class Activations:
    text_encoder: int
    transformer: int
    vae: int
    vae_tiled: int
    output: int  # the decoded clip as float32 on the CPU (the pipeline's "np" output)


def activation_bytes(spec: ModelSpec, sizes: list[ComponentSize], frames: int, height: int, width: int) -> Activations:
    by_name = {c.name: c for c in sizes}
    transformer = by_name.get("transformer")
    hidden, ffn, _layers = transformer_width(spec, transformer.params if transformer else 0)
    batch = 2 if spec.family_info.cfg_batched else 1  # Wan runs cond and uncond as two passes
    tokens = latent_tokens(spec, frames, height, width)
    # widest point of a block: input, normed copy, q, k, v, attention output (6 x hidden) and the
    # feed-forward's pre- and post-activation (2 x ffn), at the transformer's bytes (2; 4 computing in
    # float32), for each sample of the batch
    element = DTYPE_BYTES.get(transformer.dtype, 2) if transformer else 2
    transformer_act = tokens * batch * (6 * hidden + 2 * ffn) * element
    text = text_encoder_shape(spec)
    # LTX-2 keeps every layer's hidden state of its Gemma (49 x 3840 values a token), stacked for its connectors
    stacked = (text["layers"] + 1) * text["hidden"] if spec.family == "ltx2" else 0
    text_act = TEXT_TOKENS.get(spec.family, 512) * 2 * (6 * text["hidden"] + 2 * text["ffn"] + stacked) * element

    vae = by_name.get("vae")
    scale = (vae.bytes / vae.params) / 4 if vae else 1.0
    per_pixel = VAE_BYTES_PER_PIXEL.get(spec.family, 23_000) * scale
    chunk = VAE_CHUNK_FRAMES.get(spec.family, 0) or frames
    tile_h, tile_w, tile_f = VAE_TILE.get(spec.family, (256, 256, 0))
    vae_act = int(per_pixel * min(chunk, frames) * height * width)
    tiled_chunk = min(chunk, tile_f or chunk, frames)
    vae_tiled = int(per_pixel * tiled_chunk * min(height, tile_h) * min(width, tile_w))
    output = frames * height * width * 3 * 4
    return Activations(text_act, transformer_act, vae_act + output, vae_tiled + output, output)


# ----------------------------------------------------------------------------------------------
# Placements


def _placements(strategy: str, names: list[str]) -> dict[str, Placement]:
    table: dict[str, dict[str, Placement]] = {
        "resident": {},
        "model_offload": {"*": "offload"},
        "text_encoder_cpu": {"text_encoder": "cpu", "text_encoder_2": "cpu"},
        "group_offload": {"text_encoder": "cpu", "text_encoder_2": "cpu", "transformer": "stream",
                          "transformer_2": "stream"},
    }
    chosen = table[strategy]
    return {n: chosen.get(n, chosen.get("*", "gpu")) for n in names}


def _peaks(sizes: list[ComponentSize], where: dict[str, Placement], act: Activations, tiled: bool, layers: int) -> tuple[int, int]:
    """(peak GPU bytes, peak RAM bytes) of one placement."""
    vae_act = act.vae_tiled if tiled else act.vae
    stage_act = {"text_encoder": act.text_encoder, "text_encoder_2": act.text_encoder,
                 "image_encoder": act.text_encoder, "transformer": act.transformer,
                 "transformer_2": act.transformer, "vae": vae_act}
    resident = sum(c.bytes for c in sizes if where[c.name] == "gpu")
    gpu_stages = []
    for c in sizes:  # the pipeline runs one component at a time: encoders, transformer, VAE
        extra = {"gpu": 0, "offload": c.bytes, "stream": 2 * c.bytes // max(layers, 1), "cpu": 0}[where[c.name]]
        gpu_act = 0 if where[c.name] == "cpu" else stage_act.get(c.name, 0)
        gpu_stages.append(resident + extra + gpu_act)
    peak_gpu = GPU_RESERVED + max(gpu_stages, default=0)

    on_host = sum(c.bytes for c in sizes if where[c.name] != "gpu")
    cpu_act = max((stage_act.get(c.name, 0) for c in sizes if where[c.name] == "cpu"), default=0)
    loading = sum(c.bytes for c in sizes)  # from_pretrained reads every component into RAM first
    peak_ram = RAM_BASE + max(loading, on_host + cpu_act + act.output)
    return peak_gpu, peak_ram


def fit_memory(
    spec: ModelSpec, request: MemoryRequest, sizes: list[ComponentSize] | None = None, *, suggest: bool = True,
    rank: Ranker | None = None,
) -> MemoryPlan:
    """The fastest placement of ``spec`` that fits ``request``'s machine, or why none does (with
    ``suggest``: and what would fit instead, the soonest done first by ``rank``: see
    :func:`suggestions`). Memory only: no time estimate."""
    if request.device == "cpu":
        return _plan_cpu(spec, request, sizes, suggest, rank)
    sizes = sizes or component_sizes(spec, request.dtype)
    act = activation_bytes(spec, sizes, request.frames, request.height, request.width)
    layers = transformer_width(spec, next((c.params for c in sizes if c.name == "transformer"), 0))[2]
    budget = int(request.gpu_bytes * GPU_USABLE)
    names = [c.name for c in sizes]
    tried = []
    for strategy in STRATEGIES:
        where = _placements(strategy, names)
        for tiled in (False, True):
            gpu, ram = _peaks(sizes, where, act, tiled, layers)
            tried.append((gpu, ram, strategy, tiled, where))
            if gpu <= budget and ram <= request.ram_bytes:
                return _plan(spec, request, sizes, strategy, where, tiled, gpu, ram, True,
                             f"peak ~{gpu / GIB:.1f} of {request.gpu_bytes / GIB:.0f} GiB GPU, ~{ram / GIB:.1f} of "
                             f"{request.ram_bytes / GIB:.0f} GiB RAM")
    gpu, ram, strategy, tiled, where = min(tried, key=lambda t: (t[0] > budget) + (t[1] > request.ram_bytes) + t[0] / 1e15)
    short = []
    if gpu > budget:
        short.append(f"needs ~{gpu / GIB:.1f} GiB of GPU memory even with {strategy.replace('_', ' ')}, the GPU has {request.gpu_bytes / GIB:.0f} GiB")
    if ram > request.ram_bytes:
        short.append(f"needs ~{ram / GIB:.1f} GiB of RAM, the machine has {request.ram_bytes / GIB:.0f} GiB")
    plan = _plan(spec, request, sizes, strategy, where, tiled, gpu, ram, False, f"{spec.id}: " + "; ".join(short) + ".")
    plan.suggestions = suggestions(spec, request, rank) if suggest else []
    return plan


def _plan_cpu(spec: ModelSpec, request: MemoryRequest, sizes: list[ComponentSize] | None, suggest: bool,
              rank: Ranker | None) -> MemoryPlan:
    """A CPU host: everything in RAM, bfloat16 (float32 needs twice the RAM for no better result).

    The first that fits of: everything kept, VAE whole (fastest); VAE tiled (tiles overlap: at
    256x384 Wan's VAE does 1.5x the work); the text encoder freed after encoding, VAE whole, then
    tiled. Freeing costs reading the encoder again for the next prompt, so it comes last.
    """
    dtype = "bfloat16"
    sizes = sizes or component_sizes(spec, dtype)
    upcast = request.cpu_compute == "float32"
    if upcast:  # no fast bfloat16 here: all but the text encoder (the biggest, run once a prompt) in float32
        sizes = [c if c.name.startswith("text_encoder") else replace(c, dtype="float32") for c in sizes]
    act = activation_bytes(spec, sizes, request.frames, request.height, request.width)
    weights = sum(c.bytes for c in sizes)
    encoder = sum(c.bytes for c in sizes if c.name.startswith("text_encoder"))
    peaks = []
    for free in (False, True):
        for tiled in (False, True):
            denoise_decode = max(act.transformer + act.output, act.vae_tiled if tiled else act.vae)
            if free:  # loading and encoding hold every weight; denoising and decoding all but the encoder's
                ram = RAM_BASE + max(weights + act.text_encoder, weights - encoder + denoise_decode)
            else:
                ram = RAM_BASE + weights + max(act.text_encoder, denoise_decode)
            peaks.append((ram, free, tiled))
    fitting = [peak for peak in peaks if peak[0] <= request.ram_bytes]
    ram, free, tiled = fitting[0] if fitting else min(peaks)
    where: dict[str, Placement] = {c.name: "cpu" for c in sizes}
    fits = ram <= request.ram_bytes
    reason = (f"peak ~{ram / GIB:.1f} of {request.ram_bytes / GIB:.0f} GiB RAM" if fits else
              f"{spec.id} needs ~{ram / GIB:.1f} GiB of RAM on the CPU ({weights / GIB:.1f} GiB of weights in "
              f"{dtype}), the machine has {request.ram_bytes / GIB:.0f} GiB.")
    if upcast and not fits:  # float32 does not fit this machine: bfloat16 may, in half the RAM (slowly)
        return _plan_cpu(spec, replace(request, cpu_compute="bfloat16"), None, suggest, rank)
    plan = _plan(spec, replace(request, dtype=dtype), sizes, "cpu", where, tiled, 0, ram, fits, reason)
    plan.free_text_encoder = free and fits
    plan.upcast_text_encoder = upcast
    if not fits and suggest:
        plan.suggestions = suggestions(spec, request, rank)
    return plan


def _plan(spec: ModelSpec, request: MemoryRequest, sizes: list[ComponentSize], strategy: str,
          where: dict[str, Placement], tiled: bool, gpu: int, ram: int, fits: bool, reason: str) -> MemoryPlan:
    return MemoryPlan(
        model=spec.id, device=request.device, dtype=request.dtype, strategy=strategy, fits=fits, reason=reason,
        peak_gpu_bytes=gpu if request.device == "cuda" else 0, peak_ram_bytes=ram,
        components=[PlacedComponent(c.name, c.params, c.bytes, c.dtype, where[c.name]) for c in sizes],
        vae_tiling=tiled, frames=request.frames, height=request.height, width=request.width,
    )


def suggestions(spec: ModelSpec, request: MemoryRequest, rank: Ranker | None = None) -> list[str]:
    """What would fit instead: fewer frames, a smaller size, or the other model that fits and (by
    ``rank``: seconds to run, lower first; default: fewest parameters) finishes soonest. On a CPU the
    other models are tried at their CPU presets, elsewhere at their defaults."""
    out = []
    step = spec.family_info.frame_step
    frames = request.frames
    while frames > step + 1:
        frames = max(step + 1, ((frames - 1) // 2 // step) * step + 1)
        if fit_memory(spec, replace(request, frames=frames), suggest=False).fits:
            out.append(f"It fits with {frames} frames.")
            break
    s = spec.size_step
    half_h, half_w = max(s, request.height // 2 // s * s), max(s, request.width // 2 // s * s)
    if (half_h, half_w) != (request.height, request.width) and fit_memory(spec, replace(request, height=half_h, width=half_w), suggest=False).fits:
        out.append(f"It fits at {half_w}x{half_h}.")
    from videogen.registry import models_for

    fitting: list[tuple[float, ModelSpec, MemoryRequest, str]] = []
    for other in models_for(spec.task):
        if other.id == spec.id or other.local or not other.components:
            continue
        preset = other.cpu_preset if request.device == "cpu" and other.cpu_preset else None
        d = preset or other.defaults
        tried = replace(request, frames=d.frames, height=d.height, width=d.width, steps=d.steps, guidance=d.guidance)
        if fit_memory(other, tried, suggest=False).fits:
            seconds = rank(other, tried) if rank else float(sum(n for _, n in other.components))
            where = "its CPU preset" if preset else "its defaults"
            fitting.append((seconds, other, tried, f"{where} ({d.frames} frames, {d.width}x{d.height}, {d.steps} steps)"))
    if fitting:
        _, best, _, settings = min(fitting, key=lambda item: item[0])
        soonest = " and finishes soonest" if len(fitting) > 1 or rank else ""
        out.append(f"{best.id} fits{soonest} at {settings}.")
    if not out:
        out.append("Nothing listed fits this machine; a smaller shapes-world model runs anywhere.")
    return out


def dumps(plan: MemoryPlan) -> str:
    return json.dumps(plan.to_json(), indent=2)
