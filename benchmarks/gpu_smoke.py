"""GPU smoke test: every registry generator at full size, random weights, placed by its memory plan.

    python benchmarks/gpu_smoke.py [--gpu-memory GIB] [--steps 2] [--models wan2.1-t2v-1.3b ltx-video] [--json out.json]

For each generator the pipeline is built from its published configs (``videogen/published/``) with
random weights (no download: timing and memory do not depend on the weight values), placed with
:func:`videogen.models.diffusers_generator.apply_plan` exactly as the app places a downloaded model, and run for two
denoising steps and the VAE decode at the model's default size. ``--gpu-memory`` plans for a smaller
card than the one present and caps this process at that much memory
(``torch.cuda.set_per_process_memory_fraction``), so one big GPU checks the plans of small ones.

Prints one row per model: seconds per step, decode seconds, measured peak GPU memory next to the plan's
estimate, and whether the plan held.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GIB = 1024**3


def smoke(spec, gpu_gib: float, steps: int) -> dict:
    import torch

    from videogen.sizing.components import build_pipeline
    from videogen.device import ram_bytes
    from videogen.models.diffusers_generator import apply_plan
    from videogen.sizing.memory import MemoryRequest
    from videogen.sizing.plan import plan_memory

    d = spec.defaults
    request = MemoryRequest("cuda", int(gpu_gib * GIB), ram_bytes(), d.frames, d.height, d.width)
    plan = plan_memory(spec, request)
    row = {"model": spec.id, "gpu_gib": gpu_gib, "strategy": plan.strategy, "vae_tiling": plan.vae_tiling,
           "fits": plan.fits, "plan_peak_gpu_gib": round(plan.peak_gpu_bytes / GIB, 2),
           "frames": d.frames, "height": d.height, "width": d.width}
    if not plan.fits:
        return {**row, "skipped": plan.reason}
    if spec.family_info.joint_audio:  # LTX-2: Gemma's stacked hidden states through its connectors, not one embedding
        return {**row, "skipped": "picture-and-sound pipelines are not driven by this smoke test yet: generate a real "
                                  "clip with python -m videogen t2v --model " + spec.id}

    pipe = build_pipeline(spec, plan.dtype, "cuda")
    for c in plan.components:  # what the plan keeps off the GPU starts on the CPU, as after from_pretrained
        if c.placement != "gpu":
            getattr(pipe, c.name).to("cpu")
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    apply_plan(pipe, "cuda", plan)

    # random text embeddings of the right shape stand in for the tokenizer (not part of the timing)
    text_dim = pipe.text_encoder.config.d_model
    tokens = 512 if spec.family == "wan" else 128
    embeds = torch.randn(1, tokens, text_dim, dtype=getattr(torch, plan.dtype), device="cuda")
    extra = {}
    if spec.family == "ltx":
        mask = torch.ones(1, tokens, dtype=torch.long, device="cuda")
        extra = {"prompt_attention_mask": mask, "negative_prompt_attention_mask": mask}
    marks: list[float] = []

    def on_step(pipe, i, t, tensors):
        torch.cuda.synchronize()
        marks.append(time.perf_counter())
        return tensors

    torch.cuda.synchronize()
    start = time.perf_counter()
    with torch.inference_mode():
        pipe(prompt_embeds=embeds, negative_prompt_embeds=embeds, num_frames=d.frames, height=d.height, width=d.width,
             num_inference_steps=steps, guidance_scale=d.guidance, output_type="np", callback_on_step_end=on_step, **extra)
    torch.cuda.synchronize()
    end = time.perf_counter()
    peak = torch.cuda.max_memory_reserved()
    step_times = [b - a for a, b in zip([start, *marks[:-1]], marks)]
    row.update(
        first_step_s=round(step_times[0], 2), step_s=round(min(step_times), 2), decode_s=round(end - marks[-1], 2),
        peak_gpu_gib=round(peak / GIB, 2), plan_held=peak <= plan.peak_gpu_bytes * 1.05 and peak <= gpu_gib * GIB,
    )
    del pipe
    torch.cuda.empty_cache()
    return row


def main() -> None:
    import torch

    from videogen.registry import MODELS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gpu-memory", type=float, nargs="*", help="GiB budgets to plan and cap for (default: the GPU's)")
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--models", nargs="*", help="registry ids (default: every generator)")
    parser.add_argument("--json", help="write the rows here too")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("no CUDA GPU here: this smoke test needs one (python -m videogen plan works without).")
    total = torch.cuda.get_device_properties(0).total_memory
    print(f"GPU: {torch.cuda.get_device_name(0)}, {total / GIB:.0f} GiB; torch {torch.__version__}", flush=True)
    specs = {m.id: m for m in MODELS if m.task == "t2v" and m.library == "diffusers" and m.components}
    rows = []
    for gib in args.gpu_memory or [total / GIB]:
        torch.cuda.set_per_process_memory_fraction(min(1.0, gib * GIB / total))
        for model_id in args.models or list(specs):
            try:
                row = smoke(specs[model_id], gib, args.steps)
            except torch.OutOfMemoryError as exc:
                row = {"model": model_id, "gpu_gib": gib, "error": f"out of memory: {exc}"[:200]}
                torch.cuda.empty_cache()
            except Exception as exc:  # one model's failure is its row; the others still run
                row = {"model": model_id, "gpu_gib": gib, "error": f"{type(exc).__name__}: {exc}"[:300]}
                torch.cuda.empty_cache()
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
