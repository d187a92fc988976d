"""The functions behind the app's buttons: UI values in, API calls, UI values out.

:class:`Handlers` owns the :class:`~videogen.api.Engine` (created at the first request, so the page
is up before torch is even imported) and the per-session cancel flags. Each ``*_stream`` method is a
Gradio generator: it runs the job in a worker, moves the progress bar, and yields status text until
the result is ready. Errors the user can act on become ``gr.Error`` with the error's own message.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from videogen import hub
from videogen.errors import GenerationCancelled, VideogenError
from videogen.pipelines.common import GenerationRequest
from videogen.policy import Policy, check_upload, scrub_paths, session_folder
from videogen.registry import ModelSpec, Task, find, models_for
from videogen.ui.history import Clip, add_clip
from videogen.ui.i18n import Locale, locale_of, tr
from videogen.ui.settings import settings_hints, settings_updates
from videogen.ui.worker import CancelBoard, ReaderWatch, TimeLeft, describe, gradio_pending, run_streaming

logger = logging.getLogger(__name__)


def cuda_likely(device: str) -> bool:
    """Whether the engine will pick CUDA, guessed without importing torch (for the UI's defaults)."""
    if device not in ("", "auto"):
        return device.startswith("cuda")
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def model_choices(task: Task, locale: Locale = "en") -> list[tuple[str, str]]:
    """Dropdown entries: a label with size, VRAM and download state; the registry id as value."""
    choices = []
    for spec in models_for(task):
        state = tr("downloaded", locale) if hub.is_downloaded(spec) else tr("{gb:g} GB download", locale, gb=spec.download_gb)
        weights = sum(n for _, n in spec.components) / 1e9
        size = tr(", {billions:.1f}B params", locale, billions=weights) if weights else ""
        choices.append((tr("{model} ({state})", locale, model=spec.id, state=state + size), spec.id))
    return choices


def model_card(model: str, task: Task, locale: Locale = "en") -> str:
    """Markdown shown under the model dropdown: what it is and its license."""
    spec = find(model, task)
    if spec is None:
        return tr("**{model}**: a Hub repo or folder; its family is read from its config when you run it. Check its "
                  "license on its model card.", locale, model=model)
    description = tr(spec.description, locale)
    if spec.local:
        return tr("{description}. Ships with the app (works offline, no GPU). **A small demo model of the shapes world** "
                  "— one circle, square or triangle moving on a plain background — not real footage: for that, pick a Hub "
                  "model from the list (generators need a GPU; X-CLIP runs on CPU too). License: `{license}`.",
                  locale, description=description, license=spec.license)
    where = f"[{spec.repo_id}](https://huggingface.co/{spec.repo_id})"
    card = tr("{description}. Source: {source}. License: `{license}`.", locale,
              description=description, source=where, license=spec.license)
    return card + (" " + tr("**Non-commercial use only.**", locale) if spec.non_commercial else "")


def page_texts(model: str, task: Task, request: gr.Request | None) -> tuple[Any, ...]:
    """On page load, the texts built from data, in the browser's language (the page was built in
    English): the model dropdown's entries (with their download state as of now), the chosen
    model's card and, in the generation tabs, the hints of its settings boxes (values left alone)."""
    locale = locale_of(request)
    texts = (gr.update(choices=model_choices(task, locale)), model_card(model, task, locale))
    if task == "classify":
        return texts
    return (*texts, *settings_hints(find(model, task), task, locale))


class Handlers:
    """Everything the tabs call. One instance per app.

    ``policy`` (default :meth:`Policy.local`) is what every request is held to; in public mode
    (:meth:`Policy.public`) the handlers also take files only as uploads, write each session's
    clips into a folder of its own, and keep server paths out of the messages they send.
    """

    def __init__(self, device: str = "auto", policy: Policy | None = None) -> None:
        self.device = device
        self.policy = policy or Policy.local()
        self.cancels = CancelBoard()
        self._engine: Any = None
        self._engine_lock = threading.Lock()
        self._session_key = secrets.token_bytes(32)  # names the sessions' output folders (public mode)
        self.upload_folder: Path | None = None  # Gradio's, as the app was built with it (set by build_demo)
        self.blocks: Any = None  # the app, once build_demo has made it (its queue shows who reads what)

    @property
    def engine(self) -> Any:
        with self._engine_lock:
            if self._engine is None:
                from videogen.api import Engine

                self._engine = Engine(device=self.device, policy=self.policy)
            return self._engine

    def output_dir(self, request: gr.Request | None) -> Path | None:
        """Where this request's clip goes: public mode, the session's own folder; else the default."""
        if not self.policy.public:
            return None
        from videogen.config import load_settings

        return session_folder(load_settings().output_dir, getattr(request, "session_hash", None) or "", self._session_key)

    def own_upload(self, path: str) -> str:
        """Public mode: ``path`` must be a file uploaded to this app (never a path on the server)."""
        if self.policy.public:
            from gradio.utils import get_upload_folder

            check_upload(path, self.upload_folder or get_upload_folder())
        return path

    def say(self, text: str) -> str:
        """A message for the page: in public mode with the server's paths cut down to file names."""
        if not self.policy.public:
            return text
        from gradio.utils import get_upload_folder

        from videogen.config import load_settings
        from videogen.registry import WEIGHTS_DIR

        roots = [load_settings().output_dir, self.upload_folder or get_upload_folder(), tempfile.gettempdir(), WEIGHTS_DIR,
                 Path(__file__).resolve().parents[2], hub.cache_dir(), Path.home(), sys.prefix, Path.cwd()]
        return scrub_paths(text, roots)

    def default_model(self, task: Task) -> str:
        from videogen.models import default_model

        from videogen.config import load_settings

        return default_model(task, cuda=cuda_likely(self.device), offline=load_settings().offline).id

    # -- shared ----------------------------------------------------------------------------------

    def _stream(
        self, job: Any, progress: gr.Progress, session: str | None, locale: Locale = "en",
    ) -> Iterator[tuple[str, Any]]:
        """Run ``job(report, cancel)``; yield ("status", text) while it runs, then ("result", value).

        The job stops at its next report when Cancel is pressed or when this generator is closed
        (the tab closed, the API client cancelled): see :mod:`videogen.ui.worker`.
        """
        cancel = self.cancels.start(session or "")
        time_left = TimeLeft()
        watch = ReaderWatch(gradio_pending(self.blocks, session), self.policy.unread_timeout_s)
        try:
            for item in run_streaming(lambda report: job(report, cancel), cancel):
                if hasattr(item, "stage"):
                    line = describe(item, time_left.update(item), locale)
                    progress((item.done, item.total) if item.total else None, desc=line,
                             unit="bytes" if item.unit == "B" else (item.unit or "steps"))
                    yield "status", line
                    if watch.abandoned() and not cancel.is_set():
                        logger.info("Stopping a job whose progress nobody has read for %s s", self.policy.unread_timeout_s)
                        cancel.set()
                    if item.preview is not None:
                        yield "preview", item.preview
                else:
                    yield "result", item.value
        except GenerationCancelled:
            yield "cancelled", tr("Cancelled: nothing was written.", locale)
        except VideogenError as exc:
            raise gr.Error(self.say(str(exc)), print_exception=False, title=tr("Error", locale)) from exc
        finally:
            self.cancels.finish(session or "", cancel)

    def cancel(self, request: gr.Request) -> str:
        stopped = self.cancels.cancel(request.session_hash or "")
        return tr("Cancelling at the next step…" if stopped else "Nothing to cancel.", locale_of(request))

    # -- generation ------------------------------------------------------------------------------
    # The parameter names are the HTTP API's (and the CLI's options); each setting left out (None)
    # takes the chosen model's default. Each handler builds one GenerationRequest and hands it down.

    def text_to_video(
        self,
        prompt: str,
        model: str | None = None,
        negative_prompt: str | None = None,
        seed: int | None = None,
        steps: int | None = None,
        guidance: float | None = None,
        frames: int | None = None,
        height: int | None = None,
        width: int | None = None,
        fps: float | None = None,
        history: list[Clip] | None = None,
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),
    ) -> Iterator[tuple[Any, ...]]:
        """Generate a clip from a prompt.
        Settings left out take the chosen model's defaults, and a left-out seed is random.
        Returns the clip (H.264 MP4), a status text and the seed used.
        """
        asked = GenerationRequest(
            prompt=prompt, model=model or None, negative_prompt=negative_prompt, seed=seed,
            **_settings_from_boxes(steps=steps, guidance=guidance, frames=frames, height=height, width=width, fps=fps),
        )

        def job(report: Any, cancel: threading.Event) -> Any:
            return self.engine.text_to_video(asked, output_dir=self.output_dir(request), progress=report, cancel=cancel)

        yield from self._generate(job, history, None, progress, request)

    def image_to_video(
        self,
        image: str | dict | None,
        prompt: str,
        model: str | None = None,
        negative_prompt: str | None = None,
        seed: int | None = None,
        steps: int | None = None,
        guidance: float | None = None,
        frames: int | None = None,
        height: int | None = None,
        width: int | None = None,
        fps: float | None = None,
        history: list[Clip] | None = None,
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),
    ) -> Iterator[tuple[Any, ...]]:
        """Animate an image as the prompt says.
        Settings left out take the chosen model's defaults; without height and width the clip follows
        the image's aspect ratio, and a left-out seed is random.
        Returns the clip (H.264 MP4), a status text and the seed used.
        """
        asked = GenerationRequest(
            prompt=prompt or "", model=model or None, negative_prompt=negative_prompt, seed=seed,
            **_settings_from_boxes(steps=steps, guidance=guidance, frames=frames, height=height, width=width, fps=fps),
        )
        path = uploaded_path(image)
        if path is None:
            locale = locale_of(request)
            yield from _failed(tr("Upload an image first: image to video starts from it.", locale), locale)
            return

        def job(report: Any, cancel: threading.Event) -> Any:
            return self.engine.image_to_video(self.own_upload(path), asked, output_dir=self.output_dir(request),
                                              progress=report, cancel=cancel)  # says if it is no image

        yield from self._generate(job, history, path, progress, request)

    def _generate(
        self, job: Any, history: list[Clip] | None, image: str | None, progress: gr.Progress, request: gr.Request | None,
    ) -> Iterator[tuple[Any, ...]]:
        """(clip, status, seed, history, preview) while the job runs: the preview (a gr.State, so not an
        API output) holds the clip so far on slow runs (:mod:`videogen.previews`), None otherwise. Every
        failure ends with its message in the
        status and as an error toast, never with a stale status or a message-less "Error"."""
        locale = locale_of(request)
        try:
            for kind, value in self._stream(job, progress, request.session_hash if request else None, locale):
                if kind == "result":  # the clip replaces the preview
                    yield value.path, _done_text(value, locale), value.seed, add_clip(history, value, image), None
                elif kind == "preview":
                    yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), value
                else:  # a status line; a cancelled run's preview goes away with it
                    yield gr.skip(), value, gr.skip(), gr.skip(), None if kind == "cancelled" else gr.skip()
        except gr.Error as exc:
            yield gr.skip(), f"⛔ {exc.message}", gr.skip(), gr.skip(), None
            raise
        except Exception as exc:  # a bug or a library failure: still a message, and the log has the traceback
            logger.exception("generation failed")
            yield from _failed(self.say(tr(
                "Generation failed unexpectedly ({error}). Try other settings (fewer frames, a smaller size) or another "
                "model; the server log has the details.", locale, error=f"{type(exc).__name__}: {exc}",
            )), locale)

    # -- classification --------------------------------------------------------------------------

    def classify(
        self, video: str | None, model: str, labels: str, request: gr.Request, progress: gr.Progress = gr.Progress(),
    ) -> Iterator[tuple[Any, ...]]:
        """Top 5, sampled frames, status; for a video longer than one window also its timeline
        (see :func:`videogen.ui.action_recognition.result_outputs`)."""
        from videogen.ui.action_recognition import result_outputs, status_outputs

        locale = locale_of(request)
        if not video:
            raise gr.Error(tr("Upload or record a video first.", locale), print_exception=False, title=tr("Error", locale))

        def job(report: Any, cancel: threading.Event) -> Any:
            return self.engine.classify(self.own_upload(video), model=model or None, labels=labels or None, top_k=5,
                                        timeline=True, progress=report, cancel=cancel)

        try:
            for kind, value in self._stream(job, progress, request.session_hash, locale):
                if kind == "result":
                    yield result_outputs(value, _warning_lines(value, locale), locale)
                else:
                    yield status_outputs(value)
        except gr.Error:
            raise
        except Exception as exc:  # a bug or a library failure: still a message, and the log has the traceback
            logger.exception("recognition failed")
            message = tr("Recognition failed unexpectedly ({error}). Try another video or model; the server log has the "
                         "details.", locale, error=f"{type(exc).__name__}: {exc}")
            raise gr.Error(self.say(message), print_exception=False, title=tr("Error", locale)) from exc

    # -- model changes ---------------------------------------------------------------------------

    def plan_line(
        self, model: str, task: Task, frames: float | None, height: float | None, width: float | None, locale: Locale = "en",
        steps: float | None = None,
    ) -> str:
        """Before Generate: where a Hub generator would run on this machine, and whether it fits; on a
        CPU also how long the clip will take here and how much there is to download."""
        spec = find(model, task)
        if spec is None or spec.library != "diffusers":
            return ""
        from videogen.api import plan

        try:
            result = plan(spec.id, task=task, device=self.engine.plan.device.split(":")[0],
                          frames=_positive(frames), height=_positive(height), width=_positive(width))
        except VideogenError as exc:
            return tr("**Memory plan:** {plan}", locale, plan=exc)
        from videogen.device import gpu_memory_bytes

        gpu = gpu_memory_bytes(self.engine.plan)
        icon = "✅" if result.fits else "⛔"
        line = f"{icon} " + tr("**Memory plan:** {plan}", locale, plan=result.summary(gpu))
        if result.fits and result.estimate is not None:
            line += "\n\n⏱️ " + _time_line(spec, result, _positive(steps), locale)
        return line

    def describe_model(
        self, model: str, task: Task, frames: float | None, height: float | None, width: float | None, locale: Locale = "en",
        steps: float | None = None,
    ) -> str:
        """The model card plus the memory plan for the current settings (blank: the model's defaults)."""
        line = self.plan_line(model, task, frames, height, width, locale, steps)
        return model_card(model, task, locale) + (f"\n\n{line}" if line else "")

    def model_changed(
        self, model: str, task: Task, values: GenerationRequest | None = None, locale: Locale = "en",
    ) -> tuple[Any, ...]:
        """The card for the chosen model, and its settings boxes: blank, with the model's defaults as
        placeholders and its grid as the spinners' step (or filled with ``values``, a history clip's)."""
        spec: ModelSpec | None = find(model, task)
        size = (values.frames, values.height, values.width) if values else (None, None, None)
        card = self.describe_model(model, task, *size, locale) if spec else model_card(model, task, locale)
        return (card, *settings_updates(spec, task, values, locale))


def uploaded_path(file: str | dict | None) -> str | None:
    """The path of an upload, given as a path or as Gradio's file data (an event without preprocessing)."""
    if isinstance(file, dict):
        file = file.get("path")
    return str(file) if file else None


def _settings_from_boxes(**values: float | None) -> dict[str, float | None]:
    """The page's number boxes send 0 once they are shown, even when left blank (a Gradio Number
    with no value renders as 0): 0 means the model's default for every setting here, none of which
    runs at 0 (guidance 0 and 1 both turn classifier-free guidance off; type 1 for that)."""
    return {name: (value or None) for name, value in values.items()}


def _time_line(spec: ModelSpec, plan: Any, steps: int | None, locale: Locale = "en") -> str:
    """How long the clip will take on this CPU (a plan's estimate, for ``steps`` when given), the
    first load, and the download."""
    from videogen.estimate import Estimate, duration, estimate

    timing = Estimate(**{k: v for k, v in plan.estimate.items() if k not in ("denoise_s", "total_s")})
    if steps and steps != timing.steps:
        timing = estimate(spec, plan.frames, plan.height, plan.width, steps, spec.defaults.guidance,
                          params={c.name: c.params for c in plan.components})
    download = tr("downloaded", locale) if hub.is_downloaded(spec) else tr("{gb:g} GB download", locale, gb=spec.download_gb)
    return tr("**On this CPU:** about {total} for this clip ({steps} steps: text {text}, denoising {denoise}, "
              "decoding {decode}), and about {load} to load the model first; {download}.", locale,
              total=duration(timing.total_s), steps=timing.steps, text=duration(timing.text_s),
              denoise=duration(timing.denoise_s), decode=duration(timing.decode_s), load=duration(timing.load_s),
              download=download)


def _positive(value: float | None) -> int | None:
    """A size or frame count from a box: None when blank or 0 (the model's default)."""
    return int(value) if value else None


def _done_text(result: Any, locale: Locale = "en") -> str:
    t = result.timings
    lines = [tr("Done: {frames} frames, {width}×{height} at {fps:g} fps, seed {seed}.", locale, frames=result.frames,
                width=result.width, height=result.height, fps=result.fps, seed=result.seed),
             tr("Load {load:.1f} s · generate {generate:.1f} s · encode {encode:.1f} s.", locale,
                load=t["load_s"], generate=t["generate_s"], encode=t["encode_s"])]
    if result.understood:
        lines.insert(0, result.understood)
    return "\n\n".join(_warning_lines(result, locale) + lines)


def _failed(message: str, locale: Locale = "en") -> Iterator[tuple[Any, ...]]:
    """End a generation with ``message``: in the status (replacing the last one) and as an error."""
    yield gr.skip(), f"⛔ {message}", gr.skip(), gr.skip(), None
    raise gr.Error(message, print_exception=False, title=tr("Error", locale))


def _warning_lines(result: Any, locale: Locale = "en") -> list[str]:
    """A result's warnings as status lines ("⚠️ ..."), each also shown as a toast."""
    lines = []
    for warning in getattr(result, "warnings", None) or []:
        gr.Warning(warning, title=tr("Warning", locale))
        lines.append(f"⚠️ {warning}")
    return lines
