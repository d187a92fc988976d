"""bfloat16 against float32 compute on this CPU, for one block of each big component at full size.

On a CPU without fast bfloat16 (AVX2 only) torch emulates bfloat16 matmuls. videogen then keeps a
generator's text encoder in bfloat16 and runs each of its blocks in float32
(:func:`videogen.models.diffusers_generator.compute_blocks_in_float32`: weights cast up before the
block, back after), and loads the transformer and VAE in float32. This times, with random weights
from the published configs (``videogen/published/``):

* one Wan 2.1 1.3B transformer block (dim 1536, ffn 8960, 12 heads) over a quarter of the CPU
  preset's latent tokens (17 frames at 384x256 are 5 x 16 x 24 = 1920; 480 here, so that the
  emulated bfloat16 run takes half a minute, not minutes) and 128 text tokens: bfloat16 (the naive
  baseline) and float32;
* one UMT5-XXL encoder block (d_model 4096, d_ff 10240, 64 heads) over 128 tokens: bfloat16,
  float32 weights, and bfloat16 weights computed in float32 by the hooks (the cast included).

Run: ``python benchmarks/cpu_float32_compute.py`` (about two minutes on 2 AVX2 cores; the bfloat16
runs are the slow ones, timed once). Prints one JSON object; the ratios are within one run.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from videogen.device import cpu_compute_dtype, cpu_matmul_rates  # noqa: E402
from videogen.models.diffusers_generator import compute_blocks_in_float32  # noqa: E402

TOKENS, TEXT = 5 * 8 * 12, 128


def timed(run, repeats: int = 2, warm_up: bool = True) -> float:
    if warm_up:
        run()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def wan_block(dtype: torch.dtype) -> float:
    from diffusers.models.transformers.transformer_wan import WanTransformerBlock

    torch.manual_seed(0)
    block = WanTransformerBlock(dim=1536, ffn_dim=8960, num_heads=12, qk_norm="rms_norm_across_heads",
                                cross_attn_norm=True, eps=1e-6).to(dtype).eval()
    hidden = torch.randn(1, TOKENS, 1536, dtype=dtype)
    text = torch.randn(1, TEXT, 1536, dtype=dtype)
    temb = torch.randn(1, 6, 1536, dtype=dtype)
    rotary = (torch.ones(1, TOKENS, 1, 128, dtype=torch.float32), torch.zeros(1, TOKENS, 1, 128, dtype=torch.float32))
    slow = dtype == torch.bfloat16 and cpu_compute_dtype() == "float32"  # emulated: once is enough
    with torch.inference_mode():
        return timed(lambda: block(hidden, text, temb, rotary), repeats=1 if slow else 2, warm_up=not slow)


def umt5_block(mode: str) -> float:
    from transformers import UMT5Config, UMT5EncoderModel

    config = UMT5Config(vocab_size=256, d_model=4096, d_kv=64, d_ff=10240, num_layers=1, num_heads=64,
                        feed_forward_proj="gated-gelu")
    torch.manual_seed(0)
    model = UMT5EncoderModel(config).to(torch.float32 if mode == "float32" else torch.bfloat16).eval()
    if mode == "bfloat16, computed in float32":
        compute_blocks_in_float32(model)
    ids = torch.randint(0, 256, (1, TEXT))
    slow = mode == "bfloat16" and cpu_compute_dtype() == "float32"
    with torch.inference_mode():
        return timed(lambda: model(input_ids=ids), repeats=1, warm_up=not slow)


def main() -> None:
    rates = cpu_matmul_rates()
    report = {
        "torch_threads": torch.get_num_threads(),
        "matmul_gflops": {k: round(v / 1e9, 1) for k, v in rates.items()},
        "compute_dtype_chosen": cpu_compute_dtype(),
        "wan_block_s": {name: round(wan_block(dtype), 2) for name, dtype in
                        (("float32", torch.float32), ("bfloat16", torch.bfloat16))},
        "umt5_block_s": {mode: round(umt5_block(mode), 2) for mode in
                         ("float32", "bfloat16, computed in float32", "bfloat16")},
    }
    wan, umt5 = report["wan_block_s"], report["umt5_block_s"]
    report["speedup_over_bfloat16"] = {
        "wan_block_float32": round(wan["bfloat16"] / wan["float32"], 1),
        "umt5_block_upcast": round(umt5["bfloat16"] / umt5["bfloat16, computed in float32"], 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
