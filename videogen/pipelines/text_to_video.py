"""Text to video: a prompt in, an H.264 clip out."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from videogen.hub import Progress, ProgressFn
from videogen.models import ModelCache
from videogen.pipelines.common import (
    GenerationParams,
    VideoResult,
    check_inputs,
    memory_guard,
    output_path,
    step_reporter,
)
from videogen.registry import ModelSpec
from videogen.shapes.world import prompt_warnings
from videogen.video_io import write_video


def run_text_to_video(
    models: ModelCache,
    spec: ModelSpec,
    params: GenerationParams,
    *,
    output: str | Path | None,
    output_dir: Path,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> VideoResult:
    # 1. Check the parameters before anything is downloaded or loaded; say so when a shapes-world
    #    model is asked for something outside its world.
    check_inputs(spec, params, need_prompt=True)
    path = output_path(output, output_dir, "t2v", params.seed)
    warnings = prompt_warnings(spec, params.prompt)

    # 2. Download (first use only) and load (kept for the next request).
    start = time.perf_counter()
    with memory_guard(spec, params, "while loading it for"):
        generator = models.generator(spec, progress, params)
    loaded = time.perf_counter()

    # 3. Denoise, reporting each step; Cancel stops at the next step.
    with memory_guard(spec, params, "generating"):
        frames, understood = generator.generate(params, None, step_reporter(progress, cancel))
    generated = time.perf_counter()

    # 4. Encode, with the recipe in the file's metadata.
    if progress:
        progress(Progress("encode", 0, 1, "", "Encoding H.264"))
    write_video(frames, path, params.fps, metadata=recipe(spec, params), on_frame=encode_reporter(progress))
    encoded = time.perf_counter()
    return VideoResult(
        prompt=params.prompt, path=str(path), frames=int(frames.shape[0]), height=int(frames.shape[1]),
        width=int(frames.shape[2]), fps=params.fps, seed=params.seed, model=spec.id,
        negative_prompt=params.negative_prompt, steps=params.steps, guidance=params.guidance,
        timings=timings(start, loaded, generated, encoded),
        understood=understood, warnings=warnings,
    )


def recipe(spec: ModelSpec, params: GenerationParams, **extra: object) -> dict:
    """How a clip was made, for the MP4 metadata."""
    from videogen import __version__, hub

    # The model by id, or a folder by its name: the file leaves this machine, its paths don't.
    source = {} if spec.local else {
        "repo": spec.repo_id,
        "revision": hub.snapshot_commit(spec) or spec.revision,  # the commit, when the files came from the Hub
    }
    return {
        "generator": f"videogen {__version__}", "task": spec.task, "model": spec.public_id, **source,
        "prompt": params.prompt, "negative_prompt": params.negative_prompt,
        "seed": params.seed, "steps": params.steps, "guidance": params.guidance, "frames": params.frames,
        "height": params.height, "width": params.width, "fps": params.fps, **extra,
    }


def encode_reporter(progress: ProgressFn | None, every: int = 8) -> Callable[[int, int], None] | None:
    """``write_video``'s per-frame callback: an "encode" report every few frames (where Cancel stops)."""
    if progress is None:
        return None

    def on_frame(index: int, total: int) -> None:
        if index % every == 0:
            progress(Progress("encode", index, total, "frame", f"Encoding H.264: frame {index}/{total}"))

    return on_frame


def timings(start: float, loaded: float, generated: float, encoded: float) -> dict[str, float]:
    return {
        "load_s": round(loaded - start, 3),
        "generate_s": round(generated - loaded, 3),
        "encode_s": round(encoded - generated, 3),
    }
