"""Build the Blocks: a header and the three tabs, wired to one :class:`Handlers`."""

from __future__ import annotations

import gradio as gr

from videogen.config import load_settings
from videogen.ui import action_recognition, image_to_video, text_to_video
from videogen.ui.examples import shapes_examples
from videogen.ui.handlers import Handlers, model_card, model_choices, page_texts
from videogen.ui.i18n import Blocks, t
from videogen.ui.zerogpu import on_gpu

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


def build_demo(handlers: Handlers, *, max_queue: int = 16) -> gr.Blocks:
    """The whole app. Nothing is loaded here: models load on the first request.

    The page follows the browser's language, English or Chinese (:mod:`videogen.ui.i18n`): its
    fixed texts are translated in the browser, and each page load sends the texts made from data
    (model cards, the models' entries, the settings' hints) in that language.
    """
    examples = shapes_examples(load_settings().output_dir / "examples")
    with Blocks(title=TITLE) as demo:
        gr.Markdown(t(INTRO))
        with gr.Tab(t("Text to Video")):
            default = handlers.default_model("t2v")
            text_to_video.build_tab(
                on_gpu(handlers.text_to_video, "t2v"), handlers.cancel, handlers.model_changed, handlers.describe_model, model_choices("t2v"),
                default, model_card(default, "t2v"), T2V_EXAMPLES, page_texts=page_texts, on_load=demo.load,
            )
        with gr.Tab(t("Image to Video")):
            default = handlers.default_model("i2v")
            image_to_video.build_tab(
                on_gpu(handlers.image_to_video, "i2v"), handlers.cancel, handlers.model_changed, handlers.describe_model, model_choices("i2v"),
                default, model_card(default, "i2v"), examples.images, page_texts=page_texts, on_load=demo.load,
            )
        with gr.Tab(t("Action Recognition")):
            action_recognition.build_tab(
                on_gpu(handlers.classify, "classify"), model_card, model_choices("classify"), handlers.default_model("classify"),
                examples.clips, cancel=handlers.cancel, page_texts=page_texts, on_load=demo.load,
            )
    # One GPU queue for all three tasks; api_open=False makes raw HTTP calls go through it too.
    demo.queue(max_size=max_queue, api_open=False, default_concurrency_limit=1)
    return demo
