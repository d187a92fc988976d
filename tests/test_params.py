"""The settings table (videogen/params.py): every layer is built from it, so a setting added to the
table reaches the page, the HTTP API and the CLI without another edit."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from videogen import params, values
from videogen.cli import build_parser
from videogen.errors import InvalidInputError
from videogen.generate.common import GenerationParams, GenerationRequest
from videogen.params import Param
from videogen.ui.i18n import ZH_CN, english

SHIFT = Param(
    "shift", "float", "Shift", "the scheduler's timestep shift (unset: the model's default)", ("偏移", "调度器的时间步偏移"),
    minimum=0, maximum=20, group="sampling",
)


@pytest.fixture
def with_shift(monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy of the table whose text-to-video task also takes ``shift``."""
    task = dataclasses.replace(params.TEXT_TO_VIDEO, settings=(*params.TEXT_TO_VIDEO.settings, SHIFT))
    monkeypatch.setattr(params, "TEXT_TO_VIDEO", task)
    monkeypatch.setitem(params.TASKS, "t2v", task)


def test_a_new_setting_reaches_the_page_the_api_and_the_cli(with_shift: None) -> None:
    from videogen.ui.app import build_demo
    from videogen.ui.handlers import Handlers

    demo = build_demo(Handlers(device="cpu"))
    # the page: a box labelled as the table says, in the Text to Video tab's settings
    labels = [english(c["props"].get("label")) for c in demo.get_config_file()["components"]]
    assert labels.count("Shift") == 1, "one box, in the Text to Video tab only"
    # the HTTP API: a named, optional parameter described by its help text, after the others
    api = demo.get_api_info()["named_endpoints"]
    t2v = {p["parameter_name"]: p for p in api["/text_to_video"]["parameters"]}
    assert list(t2v)[-1] == "shift" and t2v["shift"]["parameter_has_default"] and t2v["shift"]["parameter_default"] is None
    assert "shift" not in {p["parameter_name"] for p in api["/image_to_video"]["parameters"]}
    handler = Handlers(device="cpu").text_to_video
    assert "shift: the scheduler's timestep shift" in inspect.getdoc(handler), "the endpoint's (and MCP's) description"
    names = list(inspect.signature(handler).parameters)
    assert names[names.index("history") - 1] == "shift"  # the last of the settings
    # the CLI: an option with the table's help
    t2v_parser = build_parser()._subparsers._group_actions[0].choices["t2v"]  # type: ignore[union-attr]
    assert "--shift SHIFT" in t2v_parser.format_help() and "timestep shift" in t2v_parser.format_help()
    assert build_parser().parse_args(["t2v", "a ball", "-o", "x.mp4", "--shift", "3"]).shift == 3.0


def test_without_the_new_setting_nothing_shows_it() -> None:
    """The same checks on the table as shipped: the test above sees the table, not a fixed list."""
    from videogen.ui.app import build_demo
    from videogen.ui.handlers import Handlers

    demo = build_demo(Handlers(device="cpu"))
    assert "Shift" not in [english(c["props"].get("label")) for c in demo.get_config_file()["components"]]
    assert "--shift" not in build_parser()._subparsers._group_actions[0].choices["t2v"].format_help()  # type: ignore[union-attr]


def test_the_request_objects_are_the_table() -> None:
    assert [f.name for f in dataclasses.fields(GenerationRequest)] == ["prompt", *(p.name for p in params.GENERATION)]
    assert [f.name for f in dataclasses.fields(GenerationParams)] == ["prompt", *(p.name for p in params.GENERATION if p.name != "model")]
    api_settings = {p.name for p in params.TEXT_TO_VIDEO.on("api")}
    sound = {p.name for p in (*params.SOUND, *params.MARKS)}  # "Add sound", the marks: keywords beside the request
    assert api_settings == {p.name for p in params.GENERATION} | sound, "every generation setting is an API parameter"
    assert not sound & {f.name for f in dataclasses.fields(GenerationRequest)}


def test_every_setting_has_chinese_and_help() -> None:
    for task in params.TASKS.values():
        for p in (*task.inputs, *task.settings):
            assert p.help and p.zh[0] and p.zh[1], p.name
            assert ZH_CN[p.label] == p.zh[0], f"{p.name}: the page's Chinese label is the table's"


def test_range_messages_name_the_setting_and_its_range() -> None:
    with pytest.raises(InvalidInputError, match=r"^steps must be between 1 and 500, got 0$"):
        values.check_range(params.STEPS, 0)
    with pytest.raises(InvalidInputError, match=r"^seed must be between 0 and 4294967295 \(or -1 for a random one\), got 1099511627776$"):
        values.check_range(params.SEED, 2**40)
    with pytest.raises(InvalidInputError, match=r"^fps must be between 0\.01 and 240, got 0\.001$"):
        values.check_range(params.FPS, 0.001)
    values.check_range(params.GUIDANCE, 50)  # the ends are in the range
    with pytest.raises(InvalidInputError, match="frames must be a whole number, got 2.5"):
        values.whole("frames", 2.5)
    with pytest.raises(InvalidInputError, match="guidance must be a finite number"):
        values.number("guidance", float("nan"))
