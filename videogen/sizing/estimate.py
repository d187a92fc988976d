"""How long a generation will take on this CPU, said before it runs.

A run is three stages, each timed here as its floating-point work at a rate measured on this machine:

* **text encoding**, once per prompt (twice with classifier-free guidance: the negative prompt too);
* **denoising**, ``steps`` transformer forwards (a batch of two with guidance);
* **VAE decoding** of the clip.

The work is counted from the published configs (:mod:`videogen.sizing.components`), not measured:

* text encoder: ``2 x (parameters - vocabulary embedding) x tokens`` plus its attention;
* transformer, one forward over ``L`` latent tokens and ``m`` text tokens, for each of its layers
  (hidden size ``d``, feed-forward ``f``): ``8 L d^2`` (self-attention projections) +
  ``4 L^2 d`` (self-attention itself) + ``4 L d^2 + 4 m d^2 + 4 L m d`` (cross-attention) +
  ``4 L d f`` (feed-forward): linear in the clip's size, plus a term quadratic in it;
* VAE decode: FLOPs per output pixel of each frame (:data:`VAE_FLOPS_PER_PIXEL`, counted with
  ``torch.utils.flop_counter`` on the full-size VAEs), times frames x height x width.

The machine's speed is the dense matmul rate in the dtype generators compute in here (bfloat16
where the CPU has it fast, else float32: :func:`videogen.device.cpu_compute_dtype`), measured once
per process (:func:`matmul_rate`: about a second). The seconds are for the machine as
it is when nothing else runs, so that the card, the settings line and ``plan`` say the same number
however busy the machine was a moment ago; the share of the cores other programs take now
(:func:`cpu_share`, from the load average) is kept beside them (``cpu_share``, ``busy_s``) and said
separately. Each stage runs at a
fraction of that rate (:data:`EFFICIENCY`), measured with ``benchmarks/cpu_clip.py`` (full-size
components, random weights, bfloat16) on the development machine: a quarter to two fifths of it
(attention, normalisation and convolutions are not one big matmul). Loading is estimated
separately: the download read from disk at :data:`DISK_BYTES_PER_S`.

Only CPU runs are estimated; on a GPU the plan gives memory only. The memory plan carries the estimate
(:func:`videogen.sizing.plan.plan_memory`); this module knows nothing of the plan.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from videogen.registry import ModelSpec
from videogen.sizing.components import component_sizes
from videogen.sizing.tokens import TEXT_TOKENS, latent_tokens, text_encoder_shape, transformer_width

# FLOPs of one VAE decode per output pixel of each frame (torch.utils.flop_counter on the full-size
# VAEs, meta device: 9 frames 128x128 and 17 frames 256x384 agree to 1.3 %). AnyFlow decodes with
# Wan 2.1's VAE; Wan 2.2's (16x spatial compression, a size step of 32) does 18.7 MFLOP.
VAE_FLOPS_PER_PIXEL = {"wan": 8.6e6, "anyflow": 8.6e6, "ltx": 0.92e6, "ltx2": 1.4e6}  # LTX-2: 1.44 / 1.35 MFLOP
WAN22_VAE_FLOPS_PER_PIXEL = 18.7e6
# Each stage's share of the bfloat16 matmul rate (seconds = FLOPs / (rate x efficiency)), measured on the
# development machine (2-core Xeon with AMX: 1,440 GFLOP/s): AnyFlow 1.3B at 17 frames of 384x256 in CPU
# seconds per thread (benchmarks/cpu_clip.py): UMT5-XXL over 512 tokens 8.9 s (4.8 TFLOP), 14.2 s a step
# (5.8 TFLOP), the VAE 38.2 s (14.4 TFLOP); T5-XXL over LTX's 128 tokens 4.8 s (1.2 TFLOP; bench).
EFFICIENCY = {"text_encoder": 0.38, "transformer": 0.28, "vae": 0.26}
TEXT_EFFICIENCY = {"ltx": 0.17}  # 128 tokens make small matrices
# A component its family runs in float32 (Wan 2.1's VAE): the README's float32 matmul rates are a third
# to a fifth of the bfloat16 ones here, and Wan's float32 VAE took 129 s where 45 s is estimated in bfloat16.
FLOAT32_SLOWDOWN = 3.0
BUSY_SHARE = 0.9  # below this share of the cores free, an estimate says the machine is busy (and slower)
DISK_BYTES_PER_S = 0.5e9  # safetensors read and cast to bfloat16: assumed for a local SSD, not measured


@dataclass(frozen=True)
class Estimate:
    """Seconds each stage of one run should take on this machine."""

    text_s: float  # encoding the prompt
    step_s: float  # one denoising step
    steps: int
    decode_s: float
    load_s: float  # reading the weights, the first time (not in total_s)
    matmul_gflops: float  # the measured rate everything is scaled from
    cpu_share: float = 1.0  # the share of it other programs left free (load average)

    @property
    def denoise_s(self) -> float:
        return self.step_s * self.steps

    @property
    def total_s(self) -> float:
        """On this machine with nothing else running (the number every surface shows)."""
        return self.text_s + self.denoise_s + self.decode_s

    @property
    def busy_s(self) -> float:
        """The same while other programs keep taking the share of the CPU they take now."""
        return self.total_s / max(self.cpu_share, 0.05)

    @classmethod
    def from_json(cls, data: dict) -> Estimate:
        """An estimate back from :meth:`to_json` (a plan's ``estimate``)."""
        return cls(**{k: v for k, v in data.items() if k not in ("denoise_s", "total_s")})

    def sentence(self) -> str:
        """The estimate in words, as the CLI's ``plan`` says it (the page says the same in its language)."""
        busy = (f"; other programs use {1 - self.cpu_share:.0%} of the CPU now: about {duration(self.busy_s)} while "
                "they do" if self.cpu_share < BUSY_SHARE else "")
        return (f"about {duration(self.total_s)} for this clip ({self.steps} steps: text {duration(self.text_s)}, "
                f"denoising {duration(self.denoise_s)}, decoding {duration(self.decode_s)}), and about "
                f"{duration(self.load_s)} to load the model first{busy}")

    def to_json(self) -> dict:
        return {**{k: round(v, 2) if isinstance(v, float) else v for k, v in asdict(self).items()},
                "denoise_s": round(self.denoise_s, 2), "total_s": round(self.total_s, 2)}


# ----------------------------------------------------------------------------------------------
# Work


def text_encoder_flops(spec: ModelSpec, params: int) -> float:
    """One forward of the text encoder over the family's padded prompt length."""
    tokens = TEXT_TOKENS.get(spec.family, 512)
    shape = text_encoder_shape(spec)
    embedding = shape["vocab"] * shape["hidden"]
    attention = 4 * tokens**2 * shape["hidden"] * shape["layers"]
    return 2.0 * max(params - embedding, 0) * tokens + attention


def transformer_flops(spec: ModelSpec, params: int, frames: int, height: int, width: int) -> float:
    """One forward of the denoising transformer for one sample (see the module docstring)."""
    d, f, layers = transformer_width(spec, params)
    tokens = latent_tokens(spec, frames, height, width)
    text = TEXT_TOKENS.get(spec.family, 512)
    per_layer = (8 * tokens * d * d + 4 * tokens**2 * d  # self-attention: projections, attention
                 + 4 * tokens * d * d + 4 * text * d * d + 4 * tokens * text * d  # cross-attention
                 + 4 * tokens * d * f)  # feed-forward
    return float(per_layer * layers)


def vae_flops(spec: ModelSpec, frames: int, height: int, width: int) -> float:
    per_pixel = VAE_FLOPS_PER_PIXEL.get(spec.family, VAE_FLOPS_PER_PIXEL["wan"])
    if spec.family == "wan" and spec.size_step == 32:
        per_pixel = WAN22_VAE_FLOPS_PER_PIXEL
    return per_pixel * frames * height * width


# ----------------------------------------------------------------------------------------------
# This machine


def matmul_rate() -> float:
    """Dense matmul FLOP/s of this CPU's cores in the dtype generators compute in here
    (:func:`videogen.device.cpu_compute_dtype`: bfloat16 where it is fast, else float32), measured
    once per process (:func:`videogen.device.cpu_matmul_rates`)."""
    from videogen.device import cpu_compute_dtype, cpu_matmul_rates

    return cpu_matmul_rates()[cpu_compute_dtype()]


def bfloat16_fast() -> bool:
    """Whether this CPU computes in bfloat16 (else every component runs in float32, at one rate)."""
    return machine_compute() == "bfloat16"


def machine_compute() -> str:
    from videogen.device import cpu_compute_dtype

    return cpu_compute_dtype()


def cpu_matmul_rates() -> dict[str, float]:
    from videogen.device import cpu_matmul_rates as measured

    return measured()


def cpu_share() -> float:
    """The share of this machine's cores other programs leave free now: cores / the 1-minute load
    average, at most 1 (a machine as busy as it has cores runs a clip at half speed)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # no load average on this platform
        return 1.0
    return min(1.0, cores / load) if load > 0 else 1.0


def estimate(
    spec: ModelSpec, frames: int, height: int, width: int, steps: int, guidance: float, *,
    params: dict[str, int] | None = None, rate: float | None = None, compute: str | None = None,
) -> Estimate:
    """Seconds for one run of ``spec`` on this CPU.

    ``params``: each component's parameter count (default: the registry's); ``rate``: FLOP/s
    (default: :func:`matmul_rate`, this machine idle; the load now is kept as ``cpu_share``).
    """
    share = 1.0 if rate else cpu_share()
    if rate is None:  # this CPU's rate in its compute dtype, or in ``compute`` when a plan fell back from it
        rate = matmul_rate() if compute in (None, machine_compute()) else cpu_matmul_rates()[compute]
    sizes = {c.name: c for c in component_sizes(spec, "bfloat16", params)}
    passes = 2 if guidance > 1.0 else 1  # guidance adds the negative prompt and the unconditional pass
    text = sum(text_encoder_flops(spec, c.params) for name, c in sizes.items() if name.startswith("text_encoder"))
    if "connectors" in sizes:  # LTX-2's text connectors run once a prompt too, over every text token
        text += 2.0 * sizes["connectors"].params * TEXT_TOKENS.get(spec.family, 512)
    step = transformer_flops(spec, sizes["transformer"].params, frames, height, width) if "transformer" in sizes else 0.0
    on_disk = spec.download_gb * 1e9 or sum(c.params * 4 for c in sizes.values())  # float32 files at most
    text_efficiency = TEXT_EFFICIENCY.get(spec.family, EFFICIENCY["text_encoder"])

    def slowdown(name: str) -> float:  # a float32 component where the rest computes in fast bfloat16
        return FLOAT32_SLOWDOWN if name in sizes and sizes[name].dtype == "float32" and bfloat16_fast() else 1.0

    return Estimate(
        text_s=passes * text / (rate * text_efficiency),
        step_s=passes * step / (rate * EFFICIENCY["transformer"]),
        steps=steps,
        decode_s=vae_flops(spec, frames, height, width) / (rate * EFFICIENCY["vae"]) * slowdown("vae"),
        load_s=on_disk / DISK_BYTES_PER_S,
        matmul_gflops=rate / 1e9,
        cpu_share=share,
    )


def duration(seconds: float) -> str:
    """``95`` -> ``"1 min 35 s"``; rounded to what an estimate can promise."""
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    if seconds < 3600:
        minutes, rest = divmod(round(seconds / 5) * 5, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"
