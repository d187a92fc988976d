"""The memory plan of a sound model (issue 19): where its components run, and whether it fits.

A sound model is sized as the generators are, from its published configs (``videogen/published/``,
the counts in :attr:`ModelSpec.components`), but its working set is its own: Stable Audio Open always
denoises its whole window (``sample_size`` latents: 1024, 47.55 s at 44.1 kHz) and cuts the asked
duration out of the decoded waveform (``StableAudioPipeline.__call__``), so that the plan does not
depend on the duration asked for. What it counts:

* the weights, each component at its run dtype (:func:`videogen.sizing.components.component_sizes`);
* the DiT's widest point: ``sample_size + 1`` tokens (the latents and the duration token), the
  conditional and unconditional passes as one batch of 2, ``6 x hidden + 2 x feed-forward`` values a
  token (the generators' rule, :func:`videogen.sizing.memory.activation_bytes`);
* the VAE decoding the whole window: :data:`VAE_BYTES_PER_SAMPLE` a stereo output sample, measured on
  the full-size Oobleck decoder with random weights on a CPU (peak RSS over the weights: 542 MB at
  131,072 samples, 872 MB at 262,144 in float32, 820 MB in bfloat16; the marginal 2.5 KB a sample is
  taken, rounded up), plus the waveform as float32.

Placements, the fastest that fits first: ``resident`` (everything on the GPU), ``model_offload``
(``enable_model_cpu_offload``: one component on the GPU at a time), and on a CPU host ``cpu``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from videogen.registry import ModelSpec
from videogen.sizing.components import DTYPE_BYTES, ComponentSize, component_sizes, published
from videogen.sizing.memory import GPU_RESERVED, GPU_USABLE, RAM_BASE, MemoryPlan, MemoryRequest, PlacedComponent
from videogen.units import GIB

VAE_BYTES_PER_SAMPLE = 2_600  # the Oobleck decoder's working set a stereo output sample (see the module docstring)
TEXT_TOKENS = 128  # StableAudioPipeline pads the prompt to the T5 tokenizer's model_max_length (128)
SOUND_STRATEGIES = ("resident", "model_offload")


def sound_configs(spec: ModelSpec) -> dict[str, dict[str, Any]] | None:
    """The transformer's and the VAE's published configs (``{"transformer": ..., "vae": ...}``), or None for
    a repo without published configs (an unlisted one: read its folder's, :func:`folder_configs`)."""
    try:
        components = published(spec.repo_id)["components"]
    except FileNotFoundError:
        return None
    return {name: components[name]["config"] for name in ("transformer", "vae")}


def folder_configs(folder: Path) -> dict[str, dict[str, Any]]:
    """The transformer's and the VAE's ``config.json`` in a downloaded pipeline folder."""
    return {name: json.loads((folder / name / "config.json").read_text()) for name in ("transformer", "vae")}


def sound_shape(spec: ModelSpec, configs: dict[str, dict[str, Any]] | None = None) -> dict[str, int]:
    """The numbers the plan is counted from, in the published configs (or ``configs``): ``latents``
    (the DiT's window), ``hidden``, ``ffn``, ``hop`` (waveform samples a latent), ``rate`` (Hz), ``channels``."""
    configs = configs or sound_configs(spec)
    if configs is None:
        raise FileNotFoundError(f"no published configs for {spec.repo_id}: pass its folder's (folder_configs)")
    dit, vae = configs["transformer"], configs["vae"]
    hidden = dit["num_attention_heads"] * dit["attention_head_dim"]
    hop = 1
    for ratio in vae["downsampling_ratios"]:
        hop *= int(ratio)
    return {"latents": int(dit["sample_size"]), "hidden": hidden, "ffn": 4 * hidden, "hop": hop,
            "rate": int(vae["sampling_rate"]), "channels": int(vae["audio_channels"])}


def longest_s(spec: ModelSpec, configs: dict[str, dict[str, Any]] | None = None) -> float:
    """The longest sound the model makes in one run: its window, in seconds (Stable Audio Open: 47.55)."""
    shape = sound_shape(spec, configs)
    return shape["latents"] * shape["hop"] / shape["rate"]


def sound_activations(spec: ModelSpec, sizes: list[ComponentSize],
                      configs: dict[str, dict[str, Any]] | None = None) -> dict[str, int]:
    """Working-set bytes of each stage (text encoder, transformer, VAE) beside the weights, and
    ``output``: the decoded waveform as float32 (counted in the VAE's stage, and on the host after)."""
    shape = sound_shape(spec, configs)
    by_name = {c.name: c for c in sizes}
    element = DTYPE_BYTES[by_name["transformer"].dtype] if "transformer" in by_name else 2
    batch = 2 if spec.family_info.cfg_batched else 1
    tokens = shape["latents"] + 1
    samples = shape["latents"] * shape["hop"]
    output = shape["channels"] * samples * 4  # the waveform, float32
    text_hidden = 768 * element
    return {
        "text_encoder": TEXT_TOKENS * batch * 14 * text_hidden,  # T5's block: 6 x 768 + 2 x 3072 = 14 x 768
        "projection_model": 0,
        "transformer": tokens * batch * (6 * shape["hidden"] + 2 * shape["ffn"]) * element,
        "vae": VAE_BYTES_PER_SAMPLE * samples + output,
        "output": output,
    }


def sound_memory_plan(spec: ModelSpec, request: MemoryRequest, sizes: list[ComponentSize] | None = None,
                      configs: dict[str, dict[str, Any]] | None = None) -> MemoryPlan:
    """The fastest placement of the sound model ``spec`` that fits ``request``'s machine (its
    ``frames``, ``height`` and ``width`` are not read), or why none does. On a CPU host everything
    runs in RAM, in float32 where the CPU has no fast bfloat16 (``request.cpu_compute``). ``sizes``
    and ``configs``: an unlisted model's, from its folder (default: the registry's and the published)."""
    cuda = request.device == "cuda"
    dtype = request.dtype if cuda else request.cpu_compute
    sizes = sizes or component_sizes(spec, dtype)
    act = sound_activations(spec, sizes, configs)
    weights = sum(c.bytes for c in sizes)
    largest_stage = max(v for k, v in act.items() if k != "output")
    if not cuda:
        ram = RAM_BASE + weights + largest_stage
        fits = ram <= request.ram_bytes
        reason = (f"peak ~{ram / GIB:.1f} of {request.ram_bytes / GIB:.0f} GiB RAM" if fits else
                  f"{spec.id} needs ~{ram / GIB:.1f} GiB of RAM on the CPU ({weights / GIB:.1f} GiB of weights in {dtype}), "
                  f"the machine has {request.ram_bytes / GIB:.0f} GiB.")
        return _plan(spec, replace(request, dtype=dtype), sizes, "cpu", 0, ram, fits, reason)
    budget = int(request.gpu_bytes * GPU_USABLE)
    ram_loading = RAM_BASE + weights  # from_pretrained reads every component into RAM first
    tried = []
    for strategy in SOUND_STRATEGIES:
        if strategy == "resident":
            gpu = GPU_RESERVED + weights + largest_stage
        else:  # one component on the GPU at a time, with its stage's working set
            gpu = GPU_RESERVED + max(c.bytes + act.get(c.name, 0) for c in sizes)
        ram = ram_loading + act["output"]  # the waveform back on the host
        tried.append((strategy, gpu, ram))
        if gpu <= budget and ram <= request.ram_bytes:
            return _plan(spec, request, sizes, strategy, gpu, ram, True,
                         f"peak ~{gpu / GIB:.1f} of {request.gpu_bytes / GIB:.0f} GiB GPU, ~{ram / GIB:.1f} of "
                         f"{request.ram_bytes / GIB:.0f} GiB RAM")
    strategy, gpu, ram = tried[-1]
    short = []
    if gpu > budget:
        short.append(f"needs ~{gpu / GIB:.1f} GiB of GPU memory even moving one component at a time onto it, the GPU "
                     f"has {request.gpu_bytes / GIB:.0f} GiB")
    if ram > request.ram_bytes:
        short.append(f"needs ~{ram / GIB:.1f} GiB of RAM, the machine has {request.ram_bytes / GIB:.0f} GiB")
    plan = _plan(spec, request, sizes, strategy, gpu, ram, False, f"{spec.id}: " + "; ".join(short) + ".")
    plan.suggestions = ["Run it on the CPU (--device cpu): it needs no GPU memory, only RAM, and is slower."]
    return plan


def _plan(spec: ModelSpec, request: MemoryRequest, sizes: list[ComponentSize], strategy: str, gpu: int, ram: int,
          fits: bool, reason: str) -> MemoryPlan:
    placement = {"resident": "gpu", "model_offload": "offload", "cpu": "cpu"}[strategy]
    return MemoryPlan(
        model=spec.id, device=request.device, dtype=request.dtype, strategy=strategy, fits=fits, reason=reason,
        peak_gpu_bytes=gpu if request.device == "cuda" else 0, peak_ram_bytes=ram,
        components=[PlacedComponent(c.name, c.params, c.bytes, c.dtype, placement) for c in sizes],  # type: ignore[arg-type]
    )
