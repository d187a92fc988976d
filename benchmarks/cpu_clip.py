"""A real clip on this CPU: a registry generator at full size, random weights, run as the app runs it.

    python benchmarks/cpu_clip.py [--model anyflow-wan2.1-t2v-1.3b] [--frames 17 --height 256 --width 384]
                                  [--steps N] [--ram GIB] [--json out.json]

The pipeline is built from the model's published configs (``videogen/published/``) in bfloat16 with
random weights (nothing is downloaded: time and memory do not depend on the weight values), with the
tests' tiny tokenizer (the prompt is padded to the model's full text length all the same). A memory
plan is made for a machine with ``--ram`` GiB (default 16: the CPU target of issue 11) and the clip is
generated through :class:`videogen.models.diffusers_generator.DiffusersGenerator` with the plan's settings: the text
encoder freed after encoding when the plan says so, VAE tiling as planned. Prints the seconds of each
stage next to the estimate the app shows before Generate (:mod:`videogen.sizing.estimate`), and the peak RAM
of the process (``ru_maxrss``). Building the components is not timed (about 100 s here, mostly the
text encoder); loading real weights from disk is not measured either.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GIB = 1024**3


def run(model: str, frames: int, height: int, width: int, steps: int | None, ram_gib: float) -> dict:
    import torch

    from tests.tiny_models import build_tiny_tokenizer
    from videogen.sizing.components import build_pipeline
    from videogen.models.diffusers_generator import DiffusersGenerator
    from videogen.sizing.memory import MemoryRequest
    from videogen.sizing.plan import plan_memory
    from videogen.generate.common import GenerationRequest, resolve_params
    from videogen.registry import find

    spec = find(model, "t2v")
    params = resolve_params(spec, GenerationRequest("a red panda eating bamboo in a forest", frames=frames, height=height,
                                                    width=width, steps=steps, seed=0))
    plan = plan_memory(spec, MemoryRequest("cpu", 0, int(ram_gib * GIB), params.frames, params.height, params.width,
                                           steps=params.steps, guidance=params.guidance))
    started = time.perf_counter()
    pipe = build_pipeline(spec, "bfloat16", "cpu")
    pipe.tokenizer = build_tiny_tokenizer(Path(tempfile.mkdtemp()) / "tokenizer")
    built_s = time.perf_counter() - started
    if plan.vae_tiling:
        pipe.vae.enable_tiling()
    generator = DiffusersGenerator(spec, pipe, "cpu", plan)
    marks: dict[str, float] = {}
    spent = {"encode": 0.0, "previews": 0.0, "encode_cpu": 0.0, "previews_cpu": 0.0}
    # CPU seconds of this process at each mark: on a shared machine the wall clock says how busy the
    # others were, CPU seconds per thread what the clip costs
    cpu: dict[str, float] = {}

    def timed(name: str, method):
        def call(*args, **kwargs):
            start, start_cpu = time.perf_counter(), _cpu_s()
            try:
                return method(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start
                spent[f"{name}_cpu"] += _cpu_s() - start_cpu
        return call

    generator.preview = timed("previews", generator.preview)
    pipe.encode_prompt = timed("encode", pipe.encode_prompt)  # the pipeline's own call too, when the encoder is kept

    def on_step(done: int, total: int, stage: str = "denoise", preview=None) -> None:
        marks.setdefault(f"{stage}_first", time.perf_counter())
        marks[f"{stage}_last"] = time.perf_counter()
        cpu.setdefault(f"{stage}_first", _cpu_s())

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started, cpu_started = time.perf_counter(), _cpu_s()
    with torch.inference_mode():
        video, _ = generator.generate(params, None, on_step)
    total_s, cpu_total = time.perf_counter() - started, _cpu_s() - cpu_started
    threads = torch.get_num_threads()
    return {
        "model": spec.id, "frames": params.frames, "height": params.height, "width": params.width, "steps": params.steps,
        "guidance": params.guidance, "threads": torch.get_num_threads(), "load_average": os.getloadavg(),
        "plan": plan.summary(), "free_text_encoder": plan.free_text_encoder, "vae_tiling": plan.vae_tiling,
        "plan_peak_ram_gib": round(plan.peak_ram_bytes / GIB, 2), "estimate": plan.estimate,
        "measured": {
            "total_s": round(total_s, 1),
            "text_s": round(spent["encode"], 1),  # encoding the prompt
            "denoise_s": round(marks["denoise_last"] - started - spent["encode"] - spent["previews"], 1),
            "step_s": round((marks["denoise_last"] - started - spent["encode"] - spent["previews"]) / params.steps, 1),
            "previews_s": round(spent["previews"], 1),  # the app's previews while denoising (fitted once)
            "decode_s": round(started + total_s - marks["decode_first"], 1),  # decoding and the conversion to uint8
        },
        "cpu_s_per_thread": {  # the same stages in CPU seconds of this process / threads
            "total_s": round(cpu_total / threads, 1),
            "text_s": round(spent["encode_cpu"] / threads, 1),
            "denoise_s": round((cpu["decode_first"] - cpu_started - spent["encode_cpu"] - spent["previews_cpu"]) / threads, 1),
            "previews_s": round(spent["previews_cpu"] / threads, 1),
            "decode_s": round((cpu_started + cpu_total - cpu["decode_first"]) / threads, 1),
        },
        "peak_ram_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB, 2),
        "peak_ram_before_generate_gib": round(rss_before / GIB, 2),
        "text_encoder_freed": pipe.text_encoder is None, "build_s": round(built_s, 1), "clip": list(video.shape),
    }


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="anyflow-wan2.1-t2v-1.3b")
    parser.add_argument("--frames", type=int, default=17)
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--width", type=int, default=384)
    parser.add_argument("--steps", type=int, help="default: the model's")
    parser.add_argument("--ram", type=float, default=16.0, help="GiB of RAM to plan for (default 16)")
    parser.add_argument("--json", help="also write the result here")
    args = parser.parse_args()
    result = run(args.model, args.frames, args.height, args.width, args.steps, args.ram)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
