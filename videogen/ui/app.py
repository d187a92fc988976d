"""Build the Blocks: a header and the four tabs, wired to one :class:`Handlers`, with the launch
settings that its :class:`~videogen.serving.caps.Policy` asks for.

What reaches strangers (public mode) is decided here and in :mod:`videogen.serving`:

* Gradio keeps uploads and the copies of outputs it serves in the app's own temp folder
  (:func:`~videogen.serving.files.private_temp_dir`), never the ``<tmp>/gradio`` that every Gradio
  app on the machine shares; what ``GET /gradio_api/file=<path>`` serves and what is blocked outright
  is :func:`~videogen.serving.gradio_app.launch_options`.
* Uploads are capped (``max_file_size``); uploads and outputs are deleted ``delete_after_s`` after
  they were made (Gradio's ``delete_cache``, and :class:`~videogen.serving.sweep.Sweeper` for what
  it misses). Each
  session's clips are written to a folder of its own, and served from Gradio's folder under a name
  no other session can derive (a hash of the file keyed with Gradio's secret seed).
* One queue: at most ``max_queue`` requests wait. When it is full, the page says "This application is
  currently busy. Please try again.", ``gradio_client`` raises ``QueueError("Queue is full! Please try
  again.")`` and raw HTTP gets 503 (Gradio's own texts: it has no setting for them).
"""

from __future__ import annotations

import logging

import gradio as gr

from videogen.config import load_settings
from videogen.serving.caps import Policy
from videogen.serving.files import private_temp_dir
from videogen.serving.gradio_app import ServedBlocks, launch_options
from videogen.serving.sweep import Sweeper
from videogen.ui import action_recognition, compose, edit, image_to_video, text_to_video
from videogen.ui.examples import shapes_examples
from videogen.ui.handlers import Handlers
from videogen.ui.model_info import model_card, model_choices, page_texts
from videogen.ui.history import HISTORY_CSS, send_to
from videogen.ui.settings import BLANK_ZEROS_JS
from videogen.ui.long_jobs import LongJobFunctions
from videogen.ui.i18n import Blocks, Locale, locale_of, t, tr
from videogen.ui.worker import CancelBoard, cancel_folder
from videogen.ui.zerogpu import on_gpu, spaces_module

logger = logging.getLogger(__name__)

TITLE = "videogen"
INTRO = (
    "# videogen\nText to video, image to video, action recognition, editing any clip (new frames, more pixels, "
    "a new look, cuts and joins, with its sound), and composing photos and clips with music and narration into one "
    "video. Hub models download the first "
    "time you use them and are best on a GPU (on a CPU a generator starts at a short CPU preset); the small "
    "models shipped with the app work anywhere, offline, on the *shapes world* (circles, squares and "
    "triangles that move, grow, shrink or spin)."
)
T2V_EXAMPLES = {  # the Try row: English and Chinese mixed, as users write; all Chinese for a Chinese browser
    "en": ["a red circle moving to the left on a white background", "一个蓝色的三角形顺时针旋转，黑色背景",
           "A cat walks on the grass, realistic style."],
    "zh-CN": ["一个红色的圆形向左移动，白色背景", "一个蓝色的三角形顺时针旋转，黑色背景", "一只猫在草地上行走，写实风格。"],
}


class App(ServedBlocks, Blocks):
    """The app's Blocks: served as :class:`~videogen.serving.gradio_app.ServedBlocks` (the policy's
    launch settings, its sweeper, a message for what Gradio refuses), in the page's language
    (:class:`~videogen.ui.i18n.Blocks`)."""


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
    long_jobs = LongJobFunctions(handlers.preset_label, handlers.cpu_preset, handlers.long_job_question)
    with App(title=TITLE, delete_cache=delete_cache) as demo:
        gr.Markdown(t(INTRO))
        if policy.public:
            limits = gr.Markdown(caps_line(policy))

            def localized_limits(request: gr.Request) -> str:
                return caps_line(policy, locale_of(request))

            demo.load(localized_limits, outputs=limits, api_visibility="private", queue=False, show_progress="hidden")
        with gr.Tabs() as tabs:
            with gr.Tab(t("Text to Video"), id="t2v"):
                default = handlers.default_model("t2v")
                t2v_history = text_to_video.build_tab(
                    on_gpu(handlers.text_to_video, "t2v"), handlers.cancel, handlers.model_changed, handlers.describe_model,
                    model_choices("t2v"), default, model_card(default, "t2v"), T2V_EXAMPLES, page_texts=page_texts,
                    on_load=demo.load, custom_models=policy.allow_custom_models, long_jobs=long_jobs,
                    batch=handlers.batch if spaces_module() is None else None,  # ZeroGPU: one GPU grant a clip
                )
            with gr.Tab(t("Image to Video"), id="i2v"):
                default = handlers.default_model("i2v")
                i2v_history = image_to_video.build_tab(
                    on_gpu(handlers.image_to_video, "i2v"), handlers.cancel, handlers.model_changed, handlers.describe_model,
                    model_choices("i2v"), default, model_card(default, "i2v"), examples.images, page_texts=page_texts,
                    on_load=demo.load, custom_models=policy.allow_custom_models, long_jobs=long_jobs,
                    photo_sizes=handlers.photo_sizes,
                )
            with gr.Tab(t("Action Recognition"), id="classify"):
                action_recognition.build_tab(
                    on_gpu(handlers.classify, "classify"), model_card, model_choices("classify"),
                    handlers.default_model("classify"), examples.clips, cancel=handlers.cancel, page_texts=page_texts,
                    on_load=demo.load, custom_models=policy.allow_custom_models,
                )
            with gr.Tab(t("Edit"), id="edit"):
                editing = edit.build_tab(on_gpu(handlers.edit, "edit"), handlers.cancel, edit.style_choices,
                                         edit.model_choices, tab_id="edit", on_load=demo.load)
            with gr.Tab(t("Compose"), id="compose"):
                compose.build_tab(on_gpu(handlers.compose, "compose"), handlers.cancel)
        for history in (t2v_history, i2v_history):  # "Edit this clip" opens the Edit tab with it
            send_to(history, editing.video, tabs, editing.tab_id)
    # One GPU queue for all four tasks; api_open=False makes raw HTTP calls go through it too.
    demo.queue(max_size=max_queue, api_open=False, default_concurrency_limit=1)
    demo.launch_defaults = {**launch_options(policy), "css": HISTORY_CSS, "js": BLANK_ZEROS_JS}
    handlers.blocks = demo
    demo.sweeper = Sweeper.for_app(policy, demo, handlers.upload_folder) if policy.delete_after_s else None
    return demo


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
