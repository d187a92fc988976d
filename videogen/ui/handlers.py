"""The functions behind the app's buttons: UI values in, API calls, UI values out.

:class:`Handlers` owns the :class:`~videogen.api.Engine` (created at the first request, so the page
is up before torch is even imported) and the per-session cancel flags. Each ``*_stream`` method is a
Gradio generator: it runs the job in a worker, moves the progress bar, and yields status text until
the result is ready. Errors the user can act on become ``gr.Error`` with the error's own message.
"""

from __future__ import annotations

import logging
import random
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from videogen import hub
from videogen.errors import GenerationCancelled, VideogenError
from videogen.pipelines.common import MAX_SEED
from videogen.registry import ModelSpec, Task, find, models_for
from videogen.ui.worker import CancelBoard, describe, run_streaming

logger = logging.getLogger(__name__)


def cuda_likely(device: str) -> bool:
    """Whether the engine will pick CUDA, guessed without importing torch (for the UI's defaults)."""
    if device not in ("", "auto"):
        return device.startswith("cuda")
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def model_choices(task: Task) -> list[tuple[str, str]]:
    """Dropdown entries: a label with size, VRAM and download state; the registry id as value."""
    choices = []
    for spec in models_for(task):
        state = "downloaded" if hub.is_downloaded(spec) else f"{spec.download_gb:g} GB download"
        weights = sum(n for _, n in spec.components) / 1e9
        size = f", {weights:.1f}B params" if weights else ""
        choices.append((f"{spec.id} ({state}{size})", spec.id))
    return choices


def model_card(model: str, task: Task) -> str:
    """Markdown shown under the model dropdown: what it is and its license."""
    spec = find(model, task)
    if spec is None:
        return f"**{model}**: a Hub repo or folder; its family is read from its config when you run it. Check its license on its model card."
    note = " **Non-commercial use only.**" if spec.non_commercial else ""
    if spec.local:
        return (
            f"{spec.description}. Ships with the app (works offline, no GPU). **A small demo model of the "
            "shapes world** — one circle, square or triangle moving on a plain background — not real footage: "
            f"for that, pick a Hub model from the list (generators need a GPU; X-CLIP runs on CPU too). License: `{spec.license}`."
        )
    where = f"[{spec.repo_id}](https://huggingface.co/{spec.repo_id})"
    return f"{spec.description}. Source: {where}. License: `{spec.license}`.{note}"


class Handlers:
    """Everything the tabs call. One instance per app."""

    def __init__(self, device: str = "auto") -> None:
        self.device = device
        self.cancels = CancelBoard()
        self._engine: Any = None
        self._engine_lock = threading.Lock()

    @property
    def engine(self) -> Any:
        with self._engine_lock:
            if self._engine is None:
                from videogen.api import Engine

                self._engine = Engine(device=self.device)
            return self._engine

    def default_model(self, task: Task) -> str:
        from videogen.models import default_model

        from videogen.config import load_settings

        return default_model(task, cuda=cuda_likely(self.device), offline=load_settings().offline).id

    # -- shared ----------------------------------------------------------------------------------

    def _stream(self, job: Any, progress: gr.Progress, session: str | None) -> Iterator[tuple[str, Any]]:
        """Run ``job(report, cancel)``; yield ("status", text) while it runs, then ("result", value)."""
        cancel = self.cancels.start(session or "")
        try:
            for item in run_streaming(lambda report: job(report, cancel)):
                if hasattr(item, "stage"):
                    progress((item.done, item.total) if item.total else None, desc=describe(item),
                             unit="bytes" if item.unit == "B" else (item.unit or "steps"))
                    yield "status", describe(item)
                else:
                    yield "result", item.value
        except GenerationCancelled:
            yield "cancelled", "Cancelled."
        except VideogenError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc
        finally:
            self.cancels.finish(session or "", cancel)

    def cancel(self, request: gr.Request) -> str:
        stopped = self.cancels.cancel(request.session_hash or "")
        return "Cancelling at the next step…" if stopped else "Nothing to cancel."

    # -- generation ------------------------------------------------------------------------------

    def text_to_video(
        self, prompt: str, model: str, negative_prompt: str, seed: float, randomize_seed: bool, steps: float,
        guidance: float, frames: float, height: float, width: float, fps: float,
        request: gr.Request, progress: gr.Progress = gr.Progress(),
    ) -> Iterator[tuple[Any, str, int]]:
        seed = _seed(seed, randomize_seed)

        def job(report: Any, cancel: threading.Event) -> Any:
            return self.engine.text_to_video(
                prompt, model=model or None, negative_prompt=negative_prompt, seed=seed, steps=int(steps),
                guidance=float(guidance), frames=int(frames), height=int(height), width=int(width), fps=float(fps),
                progress=report, cancel=cancel,
            )

        yield from self._video_outputs(self._stream(job, progress, request.session_hash), seed)

    def image_to_video(
        self, image: Any, prompt: str, model: str, negative_prompt: str, seed: float, randomize_seed: bool,
        steps: float, guidance: float, frames: float, height: float, width: float, fps: float,
        request: gr.Request, progress: gr.Progress = gr.Progress(),
    ) -> Iterator[tuple[Any, str, int]]:
        if image is None:
            raise gr.Error("Upload an image first.", print_exception=False)
        seed = _seed(seed, randomize_seed)

        def job(report: Any, cancel: threading.Event) -> Any:
            return self.engine.image_to_video(
                image, prompt, model=model or None, negative_prompt=negative_prompt, seed=seed, steps=int(steps),
                guidance=float(guidance), frames=int(frames), height=int(height) or None, width=int(width) or None,
                fps=float(fps), progress=report, cancel=cancel,
            )

        yield from self._video_outputs(self._stream(job, progress, request.session_hash), seed)

    @staticmethod
    def _video_outputs(events: Iterator[tuple[str, Any]], seed: int) -> Iterator[tuple[Any, str, int]]:
        for kind, value in events:
            if kind == "result":
                t = value.timings
                lines = [f"Done: {value.frames} frames, {value.width}×{value.height} at {value.fps:g} fps, seed {value.seed}.",
                         f"Load {t['load_s']:.1f} s · generate {t['generate_s']:.1f} s · encode {t['encode_s']:.1f} s."]
                if value.understood:
                    lines.insert(0, value.understood)
                yield value.path, "\n\n".join(_warning_lines(value) + lines), seed
            else:
                yield gr.skip(), value, seed

    # -- classification --------------------------------------------------------------------------

    def classify(
        self, video: str | None, model: str, labels: str, request: gr.Request, progress: gr.Progress = gr.Progress(),
    ) -> Iterator[tuple[Any, Any, str]]:
        if not video:
            raise gr.Error("Upload or record a video first.", print_exception=False)

        def job(report: Any, cancel: threading.Event) -> Any:
            return self.engine.classify(video, model=model or None, labels=labels or None, top_k=5, progress=report)

        for kind, value in self._stream(job, progress, request.session_hash):
            if kind == "result":
                scores = {p["label"]: p["score"] for p in value.predictions}
                strip = [(frame, f"frame {i + 1}") for i, frame in enumerate(value.frames)]
                done = f"{value.model}: {len(strip)} frames sampled, classified in {value.timings['classify_s']:.2f} s."
                yield scores, strip, "\n\n".join([*_warning_lines(value), done])
            else:
                yield gr.skip(), gr.skip(), value

    # -- model changes ---------------------------------------------------------------------------

    def plan_line(self, model: str, task: Task, frames: float, height: float, width: float) -> str:
        """Before Generate: where a Hub generator would run on this machine, and whether it fits."""
        spec = find(model, task)
        if spec is None or spec.library != "diffusers":
            return ""
        from videogen.api import plan

        try:
            result = plan(spec.id, task=task, device=self.engine.plan.device.split(":")[0],
                          frames=int(frames) or None, height=int(height) or None, width=int(width) or None)
        except VideogenError as exc:
            return f"**Memory plan:** {exc}"
        from videogen.device import gpu_memory_bytes

        gpu = gpu_memory_bytes(self.engine.plan)
        icon = "✅" if result.fits else "⛔"
        return f"{icon} **Memory plan:** {result.summary(gpu)}"

    def describe_model(self, model: str, task: Task, frames: float, height: float, width: float) -> str:
        """The model card plus the memory plan for the current settings."""
        line = self.plan_line(model, task, frames, height, width)
        return model_card(model, task) + (f"\n\n{line}" if line else "")

    def model_changed(self, model: str, task: Task) -> tuple[Any, ...]:
        """New defaults, slider steps and the card for the chosen model."""
        spec: ModelSpec | None = find(model, task)
        if spec is None:
            return (model_card(model, task),) + (gr.skip(),) * 6
        d, family = spec.defaults, spec.family_info
        return (
            self.describe_model(model, task, d.frames, d.height, d.width),
            gr.update(value=d.frames, step=family.frame_step, minimum=family.frame_step + 1 if family.frame_step > 1 else 1),
            gr.update(value=d.height, step=spec.size_step, minimum=spec.size_step),
            gr.update(value=d.width, step=spec.size_step, minimum=spec.size_step),
            gr.update(value=d.fps),
            gr.update(value=d.steps),
            gr.update(value=d.guidance),
        )


def _warning_lines(result: Any) -> list[str]:
    """A result's warnings as status lines ("⚠️ ..."), each also shown as a toast."""
    lines = []
    for warning in getattr(result, "warnings", None) or []:
        gr.Warning(warning)
        lines.append(f"⚠️ {warning}")
    return lines


def _seed(seed: float | None, randomize: bool) -> int:
    if randomize or seed is None or seed < 0:
        return random.SystemRandom().randint(0, MAX_SEED)
    return int(seed)

