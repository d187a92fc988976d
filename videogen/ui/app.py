"""Build the Blocks: a header and the three tabs, wired to one :class:`Handlers`, with the launch
settings that its :class:`~videogen.policy.Policy` asks for.

What reaches strangers (public mode) is decided here and in :mod:`videogen.policy`:

* Gradio keeps uploads and the copies of outputs it serves in the app's own temp folder
  (:func:`~videogen.policy.private_temp_dir`), never the ``<tmp>/gradio`` that every Gradio app on
  the machine shares. ``GET /gradio_api/file=<path>`` serves only that folder (and Gradio's examples
  cache); the source, ``weights/``, the Hub cache and the output folder are also blocked outright.
* Uploads are capped (``max_file_size``); uploads and outputs are deleted ``delete_after_s`` after
  they were made (Gradio's ``delete_cache``, and :class:`Sweeper` for what it misses). Each
  session's clips are written to a folder of its own, and served from Gradio's folder under a name
  no other session can derive (a hash of the file keyed with Gradio's secret seed).
* One queue: at most ``max_queue`` requests wait. When it is full, the page says "This application is
  currently busy. Please try again.", ``gradio_client`` raises ``QueueError("Queue is full! Please try
  again.")`` and raw HTTP gets 503 (Gradio's own texts: it has no setting for them).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

import gradio as gr
import httpx

from videogen import hub
from videogen.config import load_settings
from videogen.policy import Policy, private_temp_dir, sweep
from videogen.registry import WEIGHTS_DIR
from videogen.ui import action_recognition, image_to_video, text_to_video
from videogen.ui.examples import shapes_examples
from videogen.ui.handlers import Handlers, model_card, model_choices, page_texts
from videogen.ui.i18n import Blocks, Locale, locale_of, t, tr
from videogen.ui.worker import CancelBoard, cancel_folder
from videogen.ui.zerogpu import on_gpu, spaces_module

logger = logging.getLogger(__name__)

TITLE = "videogen"
INTRO = (
    "# videogen\nText to video, image to video and action recognition. Hub models download the first "
    "time you use them and need a GPU; the small models shipped with the app work anywhere, offline, "
    "on the *shapes world* (circles, squares and triangles that move, grow, shrink or spin)."
)
T2V_EXAMPLES = [
    "a red circle moving to the left on a white background",
    "一个蓝色的三角形顺时针旋转，黑色背景",
    "A cat walks on the grass, realistic style.",
]
REPO_ROOT = Path(__file__).resolve().parents[2]


class App(Blocks):
    """The app's Blocks: it launches with the settings of its policy (:func:`launch_options`; an
    argument given to ``launch`` wins), stops its :class:`Sweeper` when closed, and answers a
    request that Gradio itself refuses with a message (:func:`request_error`) instead of a bare
    ``{"error": null}``."""

    launch_defaults: dict[str, Any] = {}  # replaced, never changed in place
    sweeper: Sweeper | None = None

    def launch(self, *args: Any, **kwargs: Any) -> Any:
        for key, value in self.launch_defaults.items():
            kwargs.setdefault(key, value)
        return super().launch(*args, **kwargs)

    def close(self, *args: Any, **kwargs: Any) -> Any:
        if self.sweeper is not None:
            self.sweeper.stop()
        return super().close(*args, **kwargs)

    async def process_api(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return await super().process_api(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as exc:
            logger.warning("Request refused before or outside the handlers", exc_info=True)
            raise gr.Error(request_error(exc), print_exception=False) from exc


def request_error(exc: Exception) -> str:
    """What to tell the client when Gradio fails a request outside the handlers (which raise
    ``gr.Error`` themselves): a file input given a server path or a URL, a malformed file object,
    too few values. Says what to send instead and echoes nothing of the request."""
    from gradio.exceptions import InvalidPathError
    from pydantic import ValidationError

    upload = ("send the file itself with the request: the page's upload box, or handle_file(path) in "
              "gradio_client, which uploads it (raw HTTP: POST it to /gradio_api/upload and pass the path "
              "that returns)")
    if isinstance(exc, InvalidPathError):
        return f"A file input takes only files uploaded to this app, not paths on the server: {upload}."
    if isinstance(exc, ValidationError):
        return f"A file input got something that is not a file: {upload}."
    text = str(exc)
    if "failed validation" in text or isinstance(exc, httpx.HTTPError):
        return f"A file input got a URL this app does not fetch: {upload}."
    wanted = re.search(r"didn't receive enough input values \(needed: (\d+), got: (\d+)\)", text)
    if wanted:
        return (f"The request sent {wanted[2]} of the {wanted[1]} values this endpoint takes, in the order that "
                "/gradio_api/info (or view_api() in gradio_client) lists.")
    return (f"The request could not be processed ({type(exc).__name__}). Check its values against "
            "/gradio_api/info (or view_api() in gradio_client); the details are in the server's log.")


def build_demo(handlers: Handlers, *, max_queue: int = 16) -> App:
    """The whole app. Nothing is loaded here: models load on the first request.

    The page follows the browser's language, English or Chinese (:mod:`videogen.ui.i18n`): its
    fixed texts are translated in the browser, and each page load sends the texts made from data
    (model cards, the models' entries, the settings' hints, public mode's limits) in that language.
    """
    handlers.upload_folder = private_temp_dir()  # before any component exists: each reads GRADIO_TEMP_DIR then
    policy = handlers.policy
    examples = shapes_examples(load_settings().output_dir / "examples")
    delete_cache = (policy.delete_every_s, policy.delete_after_s) if policy.delete_after_s else None
    if spaces_module() is not None:  # ZeroGPU runs the jobs in its worker process: Cancel reaches them by file
        handlers.cancels = CancelBoard(folder=cancel_folder())
    with App(title=TITLE, delete_cache=delete_cache) as demo:
        gr.Markdown(t(INTRO))
        if policy.public:
            limits = gr.Markdown(caps_line(policy))

            def localized_limits(request: gr.Request) -> str:
                return caps_line(policy, locale_of(request))

            demo.load(localized_limits, outputs=limits, api_visibility="private", queue=False, show_progress="hidden")
        with gr.Tab(t("Text to Video")):
            default = handlers.default_model("t2v")
            text_to_video.build_tab(
                on_gpu(handlers.text_to_video, "t2v"), handlers.cancel, handlers.model_changed, handlers.describe_model, model_choices("t2v"),
                default, model_card(default, "t2v"), T2V_EXAMPLES, page_texts=page_texts, on_load=demo.load,
                custom_models=policy.allow_custom_models,
            )
        with gr.Tab(t("Image to Video")):
            default = handlers.default_model("i2v")
            image_to_video.build_tab(
                on_gpu(handlers.image_to_video, "i2v"), handlers.cancel, handlers.model_changed, handlers.describe_model, model_choices("i2v"),
                default, model_card(default, "i2v"), examples.images, page_texts=page_texts, on_load=demo.load,
                custom_models=policy.allow_custom_models,
            )
        with gr.Tab(t("Action Recognition")):
            action_recognition.build_tab(
                on_gpu(handlers.classify, "classify"), model_card, model_choices("classify"), handlers.default_model("classify"),
                examples.clips, cancel=handlers.cancel, page_texts=page_texts, on_load=demo.load,
                custom_models=policy.allow_custom_models,
            )
    # One GPU queue for all three tasks; api_open=False makes raw HTTP calls go through it too.
    demo.queue(max_size=max_queue, api_open=False, default_concurrency_limit=1)
    demo.launch_defaults = launch_options(policy)
    handlers.blocks = demo
    demo.sweeper = Sweeper.for_app(policy, demo, handlers.upload_folder) if policy.delete_after_s else None
    return demo


def launch_options(policy: Policy) -> dict[str, Any]:
    """``launch`` arguments for ``policy``: the upload cap, and which paths Gradio may serve.

    Gradio serves its own folder (uploads, and copies of what the handlers return) plus
    ``allowed_paths``. The output folder needs to be allowed only when it lies outside the temp
    folder and the working folder (Gradio copies returned files from those without it; once allowed,
    its files are served by path too, the sessions' under folder names no one can derive). The
    source, ``weights/`` and the Hub cache are blocked whatever else allows them (e.g.
    ``GRADIO_ALLOWED_PATHS``).
    """
    from gradio.utils import is_in_or_equal

    settings = load_settings()
    output_dir = settings.output_dir.resolve()
    outside = not any(is_in_or_equal(output_dir, place) for place in (tempfile.gettempdir(), Path.cwd()))
    hf_home = os.environ.get("HF_HOME") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "huggingface"
    blocked = [REPO_ROOT / "videogen", WEIGHTS_DIR, REPO_ROOT / "app.py", REPO_ROOT / "tests", REPO_ROOT / ".git",
               Path(hub.cache_dir()), Path(hf_home).expanduser()]
    keep = [output_dir, Path(private_temp_dir()).resolve()]  # never block what the app must serve
    blocked = [b for b in blocked if not any(is_in_or_equal(k, b) for k in keep)]
    options: dict[str, Any] = {
        "allowed_paths": [str(output_dir)] if outside else [],
        "blocked_paths": sorted({str(Path(b).resolve()) for b in blocked}),
    }
    if policy.max_file_size:
        options["max_file_size"] = policy.max_file_size
    return options


def caps_line(policy: Policy, locale: Locale = "en") -> str:
    """Public mode's limits in one line of the page, in ``locale``."""
    parts = []
    if policy.max_frames is not None:
        parts.append(tr("up to {frames} frames", locale, frames=policy.max_frames))
    if policy.max_side is not None:
        parts.append(tr("{side} pixels a side, {pixels} pixels a frame", locale, side=policy.max_side,
                        pixels=f"{policy.max_pixels or policy.max_side ** 2:,}"))
    if policy.max_steps is not None:
        parts.append(tr("{steps} steps", locale, steps=policy.max_steps))
    if policy.max_frame_pixels is not None:
        parts.append(tr("{millions:g} million pixels a clip (frames × height × width)", locale,
                        millions=policy.max_frame_pixels / 1e6))
    if policy.max_prompt_chars is not None:
        parts.append(tr("prompts of {chars} characters", locale, chars=f"{policy.max_prompt_chars:,}"))
    if policy.max_image_pixels is not None:
        parts.append(tr("images of {megapixels:g} megapixels", locale, megapixels=policy.max_image_pixels / 1e6))
    if policy.max_video_seconds is not None:
        parts.append(tr("videos of {minutes:g} min", locale, minutes=policy.max_video_seconds / 60))
    if policy.max_upload_mb is not None:
        parts.append(tr("uploads of {mb:g} MB", locale, mb=policy.max_upload_mb))
    line = tr("**Public mode.** Whatever the settings or the API ask: {limits}.", locale, limits=" · ".join(parts))
    if policy.delete_after_s:
        line += ("" if locale == "zh-CN" else " ") + tr("Your clips and uploads are deleted after {minutes:g} min.", locale,
                         minutes=policy.delete_after_s / 60)
    return line


class Sweeper:
    """Deletes expired files, every ``every_s`` seconds: the sessions' clips in the output folder,
    and everything in Gradio's folder but the examples (``keep_in_cache``).

    Gradio's ``delete_cache`` alone is not enough: it deletes only what its components registered,
    and a component that a handler updates (``gr.update``, ``gr.skip``) gets a copy per session whose
    files are registered nowhere (Gradio 6.31) — every generated clip and recognition strip here.
    Gradio's folder is swept only when it is not the ``<tmp>/gradio`` that other apps share.
    """

    def __init__(self, places: list[Path], every_s: float, age_s: float, keep: Any = frozenset) -> None:
        self.places, self.every_s, self.age_s, self.keep = places, every_s, age_s, keep
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="videogen-sweeper", daemon=True)
        self._thread.start()

    @classmethod
    def for_app(cls, policy: Policy, demo: gr.Blocks, gradio_folder: Path) -> Sweeper:
        places = [load_settings().output_dir / "sessions"]
        shared = Path(tempfile.gettempdir()) / "gradio"
        if gradio_folder.resolve() != shared.resolve():
            places.append(gradio_folder)
        else:
            logger.warning("GRADIO_TEMP_DIR is the shared %s: only Gradio's delete_cache cleans it", shared)

        def keep() -> frozenset[str]:  # the examples, as Gradio's own deletion spares them
            return frozenset(path for block in demo.blocks.values() for path in getattr(block, "keep_in_cache", ()))

        return cls(places, policy.delete_every_s or 60, policy.delete_after_s or 3600, keep)

    def sweep_now(self) -> int:
        keep = self.keep()
        return sum(sweep(folder, self.age_s, keep=keep) for folder in self.places)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                removed = self.sweep_now()
            except OSError as exc:  # a full or read-only disk: try again next time
                logger.warning("Deleting expired files failed: %s", exc)
                continue
            if removed:
                logger.info("Deleted %d expired file(s)", removed)

    def stop(self) -> None:
        self._stop.set()
