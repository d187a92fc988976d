"""One parameters object from the UI, the HTTP API and the CLI down to the pipeline; the model's
defaults filled in one place; "follow the image"; messages that name the parameter."""

from __future__ import annotations

from typing import Any

import gradio as gr
import pytest

from videogen.errors import InvalidInputError
from videogen.generate.common import (
    SETTINGS,
    GenerationRequest,
    VideoResult,
    check_inputs,
    resolve_params,
    size_for_image,
)
from videogen.registry import find
from videogen.ui.handlers import Handlers
from videogen.ui.settings import MODEL_DEPENDENT

WAN = find("wan2.1-t2v-1.3b", "t2v")
SHAPES_I2V = find("shapes-i2v", "i2v")
LTX_I2V = find("ltx-video", "i2v")


def test_settings_are_the_cli_options() -> None:
    from videogen.cli import build_parser

    assert SETTINGS == ("model", "negative_prompt", "frames", "height", "width", "steps", "guidance", "seed", "fps")
    t2v = build_parser().parse_args(["t2v", "x", "-o", "x.mp4"])
    assert all(hasattr(t2v, name) for name in SETTINGS), "each setting is a t2v/i2v option of the same name"


def test_unset_settings_take_the_models_defaults() -> None:
    params = resolve_params(WAN, GenerationRequest("a ship"))
    d = WAN.defaults
    assert (params.frames, params.height, params.width, params.steps, params.guidance, params.fps) == (
        d.frames, d.height, d.width, d.steps, d.guidance, d.fps)
    assert params.negative_prompt == "" and 0 <= params.seed < 2**32
    assert resolve_params(WAN, GenerationRequest("a ship", seed=-1)).seed >= 0, "negative: random"
    given = resolve_params(WAN, GenerationRequest("a ship", frames=17, guidance=0, seed=3))
    assert (given.frames, given.guidance, given.seed) == (17, 0.0, 3), "0 guidance is a value, not 'unset'"
    assert resolve_params(WAN, "a ship", frames=9.0).frames == 9, "whole floats (JSON) are integers"
    with pytest.raises(InvalidInputError, match="frames must be a whole number, got 16.5"):
        resolve_params(WAN, GenerationRequest("a ship", frames=16.5))


def test_height_and_width_zero_mean_the_default() -> None:
    params = resolve_params(WAN, GenerationRequest("a ship", height=0, width=0))
    assert (params.height, params.width) == (480, 832)


@pytest.mark.parametrize("image_size", [(640, 480), (480, 640), (1920, 1080), (100, 100), (3000, 200)])
def test_follow_the_image(image_size: tuple[int, int]) -> None:
    """Unset (or 0) height and width: the image's aspect ratio at the model's default area, on its grid."""
    for spec in (SHAPES_I2V, LTX_I2V):
        for blank in (None, 0):
            params = resolve_params(spec, GenerationRequest("move", height=blank, width=blank), image_size=image_size)
            step = spec.size_step
            assert params.height % step == 0 and params.width % step == 0
            check_inputs(spec, params, need_prompt=False)
            image_w, image_h = image_size
            if max(image_size) / min(image_size) < 5:  # extreme ratios are clamped by the minimum side
                assert params.width / params.height == pytest.approx(image_w / image_h, rel=0.12)
                assert params.width * params.height == pytest.approx(spec.defaults.width * spec.defaults.height, rel=0.15)


def test_follow_the_image_with_one_side_given() -> None:
    params = resolve_params(LTX_I2V, GenerationRequest("move", height=320), image_size=(1280, 720))
    assert (params.height, params.width) == (320, 576)  # 320 * 16/9 = 569 -> 576 on the 32 grid
    assert size_for_image(LTX_I2V, (720, 1280), width=320) == (576, 320)


def test_sizes_off_the_grid_are_refused_by_name() -> None:
    for name, value, message in [("height", 2, "height must be a multiple of 2 between 16 and 4096 for shapes-i2v, got 2"),
                                 ("width", 129, "width must be a multiple of 2 between 16 and 4096 for shapes-i2v, got 129")]:
        params = resolve_params(SHAPES_I2V, GenerationRequest("move", **{name: value}), image_size=(128, 128))
        with pytest.raises(InvalidInputError, match=message):
            check_inputs(SHAPES_I2V, params, need_prompt=False)


def test_request_of_keywords_or_an_object() -> None:
    assert GenerationRequest.of("x", {"frames": 9}) == GenerationRequest("x", frames=9)
    base = GenerationRequest("x", model="shapes-t2v", seed=1)
    assert GenerationRequest.of(base, {"seed": 2}) == GenerationRequest("x", model="shapes-t2v", seed=2)
    with pytest.raises(TypeError, match="frame.*the settings are: model, negative_prompt, frames"):
        GenerationRequest.of("x", {"frame": 9})


def test_a_result_gives_back_its_settings() -> None:
    result = VideoResult(prompt="p", path="c.mp4", frames=16, height=96, width=128, fps=8.0, seed=4, model="shapes-i2v",
                         negative_prompt="blur", steps=1, guidance=0.0)
    assert result.settings() == GenerationRequest("p", model="shapes-i2v", negative_prompt="blur", frames=16, height=96,
                                                  width=128, steps=1, guidance=0.0, seed=4, fps=8.0)
    assert {"negative_prompt", "steps", "guidance"} <= set(result.to_json()), "the CLI's JSON has every setting"


class _Engine:
    """Records the request it is given, then fails as told."""

    def __init__(self, error: Exception) -> None:
        self.error, self.requests = error, []

    def text_to_video(self, request: GenerationRequest, **_: Any) -> Any:
        self.requests.append(request)
        raise self.error


def _run(handlers: Handlers, **inputs: Any) -> list[tuple]:
    outputs = []
    with pytest.raises(gr.Error) as raised:
        for item in handlers.text_to_video(**inputs):
            outputs.append(item)
    return outputs + [raised.value.message]


def test_the_handler_hands_one_request_down_and_every_failure_has_a_message() -> None:
    handlers = Handlers(device="cpu")
    handlers._engine = engine = _Engine(InvalidInputError("frames must be between 1 and 1024, got 0"))
    *outputs, message = _run(handlers, prompt="a ball", model="", frames=0, height=None)
    # blank model: the default; None and 0 (what a shown, empty number box sends): unset
    assert engine.requests == [GenerationRequest("a ball")], "blank model: the default; None and 0: unset"
    assert message == "frames must be between 1 and 1024, got 0" and outputs[-1][1] == f"⛔ {message}"

    handlers._engine = _Engine(RuntimeError("shape mismatch"))  # not one of videogen's errors: still a message
    *outputs, message = _run(handlers, prompt="a ball")
    assert "Generation failed unexpectedly (RuntimeError: shape mismatch)" in message and "Try other settings" in message
    assert outputs[-1][1] == f"⛔ {message}", "the status says it too (no stale status)"


def test_image_to_video_without_an_image() -> None:
    with pytest.raises(gr.Error, match="Upload an image first"):
        list(Handlers(device="cpu").image_to_video(None, "move right"))


def test_model_change_blanks_the_settings_with_the_new_defaults_as_placeholders() -> None:
    card, *updates = Handlers(device="cpu").model_changed("shapes-i2v", "i2v")
    boxes = dict(zip(MODEL_DEPENDENT, updates))
    assert all(box["value"] is None for box in boxes.values())
    assert boxes["frames"]["placeholder"] == "16" and boxes["height"]["placeholder"] == "follow the image"
    assert boxes["height"]["step"] == 2 and "follow the image" in boxes["height"]["info"]
    card, *updates = Handlers(device="cpu").model_changed("shapes-t2v", "t2v", GenerationRequest("x", frames=24, height=64))
    boxes = dict(zip(MODEL_DEPENDENT, updates))
    assert (boxes["frames"]["value"], boxes["height"]["value"], boxes["width"]["value"]) == (24, 64, None)
    assert boxes["height"]["placeholder"] == "128"
