"""The functions behind the app's buttons: UI values in, API calls, UI values out.

:class:`Handlers` owns the :class:`~videogen.api.Engine` (created at the first request, so the page
is up before torch is even imported) and the per-session cancel flags. Each handler is a Gradio
generator: it runs the job in a worker (:meth:`Handlers.stream_job`), moves the progress bar, and
yields status text until the result is ready. Errors the user can act on become ``gr.Error`` with the error's own message.
"""

from __future__ import annotations

import logging
import secrets
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from videogen import hub, params
from videogen.errors import GenerationCancelled, VideogenError
from videogen.generate.common import GenerationRequest
from videogen.serving.caps import Policy
from videogen.serving.files import check_upload, scrub_paths, session_folder
from videogen.registry import ModelSpec, Task, find
from videogen.ui.credentials import sampled_stills
from videogen.ui.history import Clip, add_clip
from videogen.ui.i18n import Locale, locale_of, tr, tr_understood
from videogen.ui.endpoints import endpoint
from videogen.ui.model_info import cuda_likely, long_job_question, model_card, plan_line, preset_label
from videogen.ui.settings import mark_values, request_values, settings_updates, sound_values
from videogen.ui.warning_texts import warning_lines
from videogen.ui.worker import CancelBoard, ReaderWatch, TimeLeft, describe, gradio_pending, run_streaming

logger = logging.getLogger(__name__)


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

    def stream_job(self, job: Any, progress: gr.Progress, session: str | None, locale: Locale = "en",
                   cancel: threading.Event | None = None) -> Iterator[tuple[str, Any]]:
        """Run ``job(report, cancel)``; yield ("status", text) while it runs, then ("result", value).

        The job stops at its next report when Cancel is pressed or when this generator is closed
        (the tab closed, the API client cancelled): see :mod:`videogen.ui.worker`. ``cancel``: the
        flag of a longer run the job is part of (a batch: Cancel between its clips stops it too).
        """
        own, cancel = cancel is None, cancel or self.cancels.start(session or "")
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
            if own:
                self.cancels.finish(session or "", cancel)

    def cancel(self, request: gr.Request) -> str:
        stopped = self.cancels.cancel(request.session_hash or "")
        return tr("Cancelling at the next step…" if stopped else "Nothing to cancel.", locale_of(request))

    # -- generation ------------------------------------------------------------------------------
    # text_to_video, image_to_video and classify are built from the settings table (videogen.params)
    # by videogen.ui.endpoints: their parameters are the HTTP API's (named as the CLI's options), and
    # each setting left out (None) takes the chosen model's default. Each builds one request.

    @property
    def text_to_video(self) -> Callable[..., Iterator[tuple[Any, ...]]]:
        return endpoint(params.TEXT_TO_VIDEO, self._text_to_video, history=True)

    @property
    def image_to_video(self) -> Callable[..., Iterator[tuple[Any, ...]]]:
        return endpoint(params.IMAGE_TO_VIDEO, self._image_to_video, history=True)

    @property
    def classify(self) -> Callable[..., Iterator[tuple[Any, ...]]]:
        return endpoint(params.CLASSIFY, self._classify, history=False)

    @property
    def edit(self) -> Callable[..., Iterator[tuple[Any, ...]]]:
        return endpoint(params.EDIT, self._edit, history=False)

    @property
    def compose(self) -> Callable[..., Iterator[tuple[Any, ...]]]:
        return endpoint(params.COMPOSE, self._compose, history=False)

    @property
    def batch(self) -> Callable[..., Iterator[tuple[Any, ...]]]:  # Text to Video's Batch button (videogen.ui.batch)
        from videogen.ui.batch import BATCH, batch_run

        return endpoint(BATCH, lambda values, **kw: batch_run(values, **kw, handlers=self, path_of=uploaded_path), history=True)

    def _text_to_video(
        self, values: dict[str, Any], history: list[Clip] | None, request: gr.Request | None, progress: gr.Progress,
    ) -> Iterator[tuple[Any, ...]]:
        asked = GenerationRequest(prompt=values["prompt"], **request_values("t2v", values))
        sound = {**sound_values(values, self.own_upload, uploaded_path), **mark_values(values)}

        def job(report: Any, cancel: threading.Event) -> Any:
            return self.engine.text_to_video(asked, output_dir=self.output_dir(request), progress=report, cancel=cancel,
                                             **sound)

        yield from self._generate(job, history, None, progress, request)

    def _image_to_video(
        self, values: dict[str, Any], history: list[Clip] | None, request: gr.Request | None, progress: gr.Progress,
    ) -> Iterator[tuple[Any, ...]]:
        asked = GenerationRequest(prompt=values["prompt"] or "", **request_values("i2v", values))
        sound = {**sound_values(values, self.own_upload, uploaded_path), **mark_values(values)}
        path = uploaded_path(values["image"])
        if path is None:
            locale = locale_of(request)
            yield from _failed(tr("Upload an image first: image to video starts from it.", locale), locale)
            return

        def job(report: Any, cancel: threading.Event) -> Any:
            return self.engine.image_to_video(self.own_upload(path), asked, output_dir=self.output_dir(request),
                                              progress=report, cancel=cancel, **sound)  # says if it is no image

        yield from self._generate(job, history, path, progress, request)

    def _generate(
        self, job: Any, history: list[Clip] | None, image: str | None, progress: gr.Progress, request: gr.Request | None,
    ) -> Iterator[tuple[Any, ...]]:
        """(clip, status, seed, history, preview) while the job runs: the preview (a gr.State, so not an
        API output) holds the clip so far on slow runs (:mod:`videogen.models.previews`), None otherwise. Every
        failure ends with its message in the
        status and as an error toast, never with a stale status or a message-less "Error"."""
        locale = locale_of(request)
        try:
            for kind, value in self.stream_job(job, progress, request.session_hash if request else None, locale):
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

    def _classify(self, values: dict[str, Any], request: gr.Request | None, progress: gr.Progress) -> Iterator[tuple[Any, ...]]:
        """Top 5, sampled frames, status; for a video longer than one window also its timeline
        (see :func:`videogen.ui.action_recognition.result_outputs`). A new run first clears the last
        one's results; a failure leaves them cleared, with its reason in the status line."""
        from videogen.ui.action_recognition import cleared_outputs, result_outputs, status_outputs

        locale = locale_of(request)
        video = values["video"]
        if not video:
            message = tr("Upload or record a video first.", locale)
            yield cleared_outputs(f"⛔ {message}")
            raise gr.Error(message, print_exception=False, title=tr("Error", locale))

        def job(report: Any, cancel: threading.Event) -> Any:
            result = self.engine.classify(self.own_upload(video), model=values["model"] or None,
                                          labels=values["labels"] or None, top_k=5, timeline=True,
                                          answer=values.get("answer") or params.ANSWER.default, progress=report, cancel=cancel)
            return result, sampled_stills(result.frames, video, self.output_dir(request))  # the strip's downloads

        yield from self._panel(job, progress, request, locale, cleared_outputs,
                               lambda kind, value: result_outputs(value[0], warning_lines(value[0], locale), locale,
                                                                  value[1]) if kind == "result" else status_outputs(value),
                               "Recognition failed unexpectedly ({error}). Try another video or model; the server log "
                               "has the details.")

    def _panel(
        self, job: Any, progress: gr.Progress, request: gr.Request | None, locale: Locale,
        cleared: Callable[[str], tuple[Any, ...]], shown: Callable[[str, Any], tuple[Any, ...]], failed: str,
    ) -> Iterator[tuple[Any, ...]]:
        """Run ``job`` for a tab whose results are one panel (Action Recognition, Edit): the last run's
        results are ``cleared`` first; each item the job streams is ``shown(kind, value)``; a failure
        clears them again, with its reason (``failed``: the template for an unexpected one) in the
        status line and a toast."""
        yield cleared(tr("Starting…", locale))
        try:
            for kind, value in self.stream_job(job, progress, request.session_hash if request else None, locale):
                yield shown(kind, value)
        except gr.Error as exc:
            yield cleared(f"⛔ {exc.message}")
            raise
        except Exception as exc:  # a bug or a library failure: still a message, and the log has the traceback
            logger.exception("job failed")
            message = self.say(tr(failed, locale, error=f"{type(exc).__name__}: {exc}"))
            yield cleared(f"⛔ {message}")
            raise gr.Error(message, print_exception=False, title=tr("Error", locale)) from exc

    # -- editing ---------------------------------------------------------------------------------

    def _edit(self, values: dict[str, Any], request: gr.Request | None, progress: gr.Progress) -> Iterator[tuple[Any, ...]]:
        """Edited clip, status, what was done (JSON), the before/after pair (see :mod:`videogen.ui.edit`)."""
        from videogen.ui.edit import cleared_outputs, edit_options, result_outputs, status_outputs
        from videogen.ui.playable import original_of

        locale = locale_of(request)
        video = uploaded_path(values["video"])
        if not video:
            message = tr("Upload a video first, or pick a clip in another tab's history and press Edit this clip.", locale)
            yield cleared_outputs(f"⛔ {message}")
            raise gr.Error(message, print_exception=False, title=tr("Error", locale))
        paths = [original_of(video), *(uploaded_path(f) for f in values.get("join") or [])]  # an AVI's copy: the page's only

        def job(report: Any, cancel: threading.Event) -> Any:
            return self.engine.edit([self.own_upload(path) for path in paths if path], output_dir=self.output_dir(request),
                                    **edit_options(values), progress=report, cancel=cancel)  # checked there, by name

        yield from self._panel(job, progress, request, locale, cleared_outputs,
                               lambda kind, value: result_outputs(value, locale) if kind == "result" else status_outputs(value),
                               "The edit failed unexpectedly ({error}). Try other operations or a shorter video; the "
                               "server log has the details.")

    def _compose(self, values: dict[str, Any], request: gr.Request | None, progress: gr.Progress) -> Iterator[tuple[Any, ...]]:
        """The composition, status, what was made (JSON) (see :mod:`videogen.ui.compose`)."""
        from videogen.ui.compose import cleared_outputs, compose_values, result_outputs, status_outputs

        locale = locale_of(request)
        paths = [uploaded_path(f) for f in values.get("inputs") or []]
        options = compose_values(values, self.own_upload, uploaded_path)
        if not any(paths) and not options["story"]:
            message = tr("Upload photos or clips first, or write a story (one line per scene).", locale)
            yield cleared_outputs(f"⛔ {message}")
            raise gr.Error(message, print_exception=False, title=tr("Error", locale))

        def job(report: Any, cancel: threading.Event) -> Any:
            return self.engine.compose([self.own_upload(p) for p in paths if p], output_dir=self.output_dir(request),
                                       **options, progress=report, cancel=cancel)

        yield from self._panel(job, progress, request, locale, cleared_outputs,
                               lambda kind, value: result_outputs(value, locale) if kind == "result" else status_outputs(value),
                               "The composition failed unexpectedly ({error}). Try other photos or settings; the server "
                               "log has the details.")

    # -- model changes ---------------------------------------------------------------------------

    def plan_line(
        self, model: str, task: Task, frames: float | None, height: float | None, width: float | None, locale: Locale = "en",
        steps: float | None = None,
    ) -> str:
        """The memory plan (and on a CPU the time) line for these settings: :func:`~videogen.ui.model_info.plan_line`."""
        return plan_line(lambda: self.engine, model, task, frames, height, width, locale, steps)

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
        if values is None and spec is not None and spec.cpu_preset is not None and not cuda_likely(self.device):
            values = spec.cpu_preset  # on a CPU a Hub generator starts at its preset: minutes, not hours
        size = (values.frames, values.height, values.width) if values else (None, None, None)
        steps = values.steps if values else None
        card = self.describe_model(model, task, *size, locale, steps=steps) if spec else model_card(model, task, locale)
        return (card, *settings_updates(spec, task, values, locale))

    def photo_sizes(self, model: str, image: str | None, locale: Locale = "en") -> Any:
        """The Size choices for ``image`` with ``model``: its aspect ratio at the model's pixel count
        up to the photo's own size (within public mode's cap); hidden without an image."""
        from PIL import Image, UnidentifiedImageError

        from videogen.generate.common import photo_sizes

        spec = find(model, "i2v")
        path = uploaded_path(image)
        if spec is None or not path:
            return gr.update(choices=[], value=None, visible=False)
        try:
            with Image.open(path) as picture:
                size = picture.size
        except (OSError, UnidentifiedImageError):  # Generate says what is wrong with the file
            return gr.update(choices=[], value=None, visible=False)
        options = photo_sizes(spec, size, self.policy.max_side)
        names = {0: tr("{width}×{height} (the model's size)", locale, width=options[0][1], height=options[0][0]),
                 len(options) - 1: tr("{width}×{height} (the photo's)", locale, width=options[-1][1], height=options[-1][0])}
        choices = [(names.get(i, f"{w}×{h}"), f"{h}x{w}") for i, (h, w) in enumerate(options)]
        return gr.update(choices=choices, value=choices[0][1], visible=True,
                         info=tr("The clip keeps the photo's {width}×{height} shape; larger is slower.", locale,
                                 width=size[0], height=size[1]))

    def cpu_preset(self, model: str, task: Task, locale: Locale = "en") -> tuple[Any, ...]:
        """The card and the settings boxes filled with the model's CPU preset (the preset button)."""
        spec = find(model, task)
        return self.model_changed(model, task, spec.cpu_preset if spec else None, locale)

    def preset_label(self, model: str, task: Task, locale: Locale = "en") -> str | None:
        """The CPU preset button's text with its estimate here; None: no button (a GPU, no preset)."""
        if cuda_likely(self.device):
            return None
        return preset_label(lambda: self.engine, model, task, locale)

    def long_job_question(
        self, model: str, task: Task, frames: float | None, height: float | None, width: float | None,
        steps: float | None = None, locale: Locale = "en",
    ) -> str | None:
        """What to ask before a clip estimated at more than half an hour on this CPU; None: start it."""
        return long_job_question(lambda: self.engine, model, task, frames, height, width, steps, locale)


def uploaded_path(file: str | dict | None) -> str | None:
    """The path of an upload, given as a path or as Gradio's file data (an event without preprocessing;
    a video's is ``{"video": <file data>, "subtitles": ...}``)."""
    if isinstance(file, dict) and isinstance(file.get("video"), dict):
        file = file["video"]
    if isinstance(file, dict):
        file = file.get("path")
    return str(file) if file else None


def _done_text(result: Any, locale: Locale = "en") -> str:
    t = result.timings
    lines = [tr("Done: {frames} frames, {width}×{height} at {fps:g} fps, seed {seed}.", locale, frames=result.frames,
                width=result.width, height=result.height, fps=result.fps, seed=result.seed),
             tr("Load {load:.1f} s · generate {generate:.1f} s · encode {encode:.1f} s.", locale,
                load=t["load_s"], generate=t["generate_s"], encode=t["encode_s"])]
    if result.understood:
        lines.insert(0, tr_understood(result.understood, locale))
    if getattr(result, "audio", None):
        lines.append(tr("Sound: {sound}.", locale, sound=result.audio["source"]))
    return "\n\n".join(warning_lines(result, locale) + lines)


def _failed(message: str, locale: Locale = "en") -> Iterator[tuple[Any, ...]]:
    """End a generation with ``message``: in the status (replacing the last one) and as an error."""
    yield gr.skip(), f"⛔ {message}", gr.skip(), gr.skip(), None
    raise gr.Error(message, print_exception=False, title=tr("Error", locale))
