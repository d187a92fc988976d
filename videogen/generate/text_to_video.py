"""Text to video: a prompt in, an H.264 clip out (with an AAC track when the model makes the sound too: LTX-2)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from videogen.hub import Progress, ProgressFn
from videogen.models import ModelCache
from videogen.generate.common import (
    GenerationParams,
    VideoResult,
    check_inputs,
    memory_guard,
    output_path,
    run_generator,
    step_reporter,
)
from videogen.models.joint_av import sound_summary
from videogen.registry import ModelSpec
from videogen.media import write_video
from videogen.provenance.label import label_frames


def run_text_to_video(
    models: ModelCache,
    spec: ModelSpec,
    params: GenerationParams,
    *,
    output: str | Path | None,
    output_dir: Path,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    label: bool = False,
) -> VideoResult:
    # 1. Check the parameters before anything is downloaded or loaded.
    check_inputs(spec, params, need_prompt=True)
    path = output_path(output, output_dir, "t2v", params.seed)

    # 2. Download (first use only) and load (kept for the next request); the model says when it is
    #    asked for something outside what it knows (a shapes-world model given "a cat").
    start = time.perf_counter()
    with memory_guard(spec, params, "while loading it for"):
        generator = models.generator(spec, progress, params)
    warnings = generator.input_warnings(params.prompt, None)
    loaded = time.perf_counter()

    # 3. Denoise, reporting each step; Cancel stops at the next step. A joint model makes the sound too.
    with memory_guard(spec, params, "generating"):
        on_step = step_reporter(progress, cancel, getattr(generator, "progress_stage", "denoise"))  # steps, or frame batches
        frames, understood, sound = run_generator(generator, params, None, on_step)
    generated = time.perf_counter()

    # 4. Encode (the sound as AAC beside the picture), with the recipe in the file's metadata; the
    #    "AI-generated" label drawn in first when asked for (its Content Credentials come after: the API signs).
    if label:
        frames = label_frames(frames)
    if progress:
        progress(Progress("encode", 0, 1, "", "Encoding H.264"))
    audio = sound_summary(spec, sound) if sound is not None else None
    write_video(frames, path, params.fps, metadata=recipe(spec, params, **sound_recipe(audio)),
                on_frame=encode_reporter(progress), audio=sound)
    encoded = time.perf_counter()
    return VideoResult.of(params, path=str(path), model=spec.id, frames=frames, audio=audio,
                          timings=timings(start, loaded, generated, encoded), understood=understood, warnings=warnings)


def sound_recipe(audio: dict | None) -> dict:
    """The metadata's ``audio`` entry (where the clip's sound came from, as "Add sound" writes it), or nothing."""
    return {"audio": audio["source"]} if audio else {}


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
        **asdict(params), **extra,  # prompt and every setting of the table
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
