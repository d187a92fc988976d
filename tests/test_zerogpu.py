"""ZeroGPU: on a Space with the `spaces` package the GPU handlers go through ``spaces.GPU`` with a
duration computed from the request; anywhere else they are left as they are.

The `spaces` package is not installed here (and only does anything on ZeroGPU hardware), so a small
stand-in module records what ``spaces.GPU`` is given.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from videogen.ui.handlers import Handlers
from videogen.ui.zerogpu import CLASSIFY_SECONDS, on_gpu


class SpacesDouble(ModuleType):
    """``spaces`` as far as videogen uses it: ``GPU(fn, duration=callable)``."""

    def __init__(self) -> None:
        super().__init__("spaces")
        self.wrapped: list[Callable[..., Any]] = []

    def GPU(self, fn: Callable[..., Any], *, duration: Callable[..., int]) -> Callable[..., Any]:  # noqa: N802
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return fn(*args, **kwargs)

        wrapper.duration = duration  # type: ignore[attr-defined]
        self.wrapped.append(fn)
        return wrapper


@pytest.fixture
def on_space(monkeypatch: pytest.MonkeyPatch) -> SpacesDouble:
    spaces = SpacesDouble()
    monkeypatch.setenv("SPACE_ID", "someone/videogen")
    monkeypatch.setitem(sys.modules, "spaces", spaces)
    return spaces


def gradio_args(handler: Callable[..., Any], **values: Any) -> list[Any]:
    """The handler's arguments as Gradio passes them: positionally, in signature order, up to the
    ``gr.Progress`` that Gradio adds itself."""
    neutral = {"prompt": "a red ball", "image": "in.png", "video": "in.mp4", "labels": "", "model": ""}
    return [values.get(name, neutral.get(name, None if p.default is inspect.Parameter.empty else p.default))
            for name, p in inspect.signature(handler).parameters.items() if name != "progress"]


def test_off_spaces_the_handlers_are_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    handler = Handlers(device="cpu").text_to_video
    assert on_gpu(handler, "t2v") is handler  # no SPACE_ID (the test environment removes it)
    monkeypatch.setenv("SPACE_ID", "someone/videogen")
    monkeypatch.setitem(sys.modules, "spaces", None)  # a Space without the `spaces` package: import fails
    assert on_gpu(handler, "t2v") is handler


def test_duration_grows_with_the_request(on_space: SpacesDouble) -> None:
    handler = Handlers(device="cpu").text_to_video
    wrapped = on_gpu(handler, "t2v")
    assert on_space.wrapped == [handler] and inspect.signature(wrapped) == inspect.signature(handler)

    def seconds(**values: Any) -> int:
        return wrapped.duration(*gradio_args(handler, **values))

    base = {"model": "wan2.1-t2v-1.3b", "frames": 33, "height": 480, "width": 832, "steps": 20}
    small = seconds(**base)
    assert seconds(**{**base, "frames": 81}) > small
    assert seconds(**{**base, "steps": 50}) > small
    assert seconds(**{**base, "height": 720, "width": 1280}) > small
    assert seconds(**{**base, "guidance": 1.0}) < small, "no guidance: one transformer pass a step"
    assert seconds(**{**base, "model": "shapes-t2v", "height": 128, "width": 128, "frames": 16, "steps": 1}) < small
    default_clip = seconds(model="wan2.1-t2v-1.3b", frames=81, height=480, width=832, steps=50)
    assert 60 <= default_clip <= 600, default_clip
    assert seconds(model="", frames=0, height=0, width=0, steps=0) == default_clip, "empty: the GPU default at its defaults"


def test_image_to_video_and_classify_durations(on_space: SpacesDouble) -> None:
    handlers = Handlers(device="cpu")
    i2v = on_gpu(handlers.image_to_video, "i2v")
    short = i2v.duration(*gradio_args(handlers.image_to_video, model="ltx-video", frames=49, height=0, width=0, steps=20))
    long = i2v.duration(*gradio_args(handlers.image_to_video, model="ltx-video", frames=161, height=0, width=0, steps=50))
    assert 0 < short < long
    classify = on_gpu(handlers.classify, "classify")
    assert classify.duration(*gradio_args(handlers.classify, model="xclip-base-32")) == CLASSIFY_SECONDS


def test_the_app_wraps_its_five_gpu_handlers(on_space: SpacesDouble) -> None:
    from videogen.ui.app import build_demo

    handlers = Handlers(device="cpu")
    build_demo(handlers)
    assert [fn.__name__ for fn in on_space.wrapped] == ["text_to_video", "image_to_video", "classify", "edit", "compose"]
