"""Parsing English and Chinese prompts of the shapes world, and describing scenes back as text."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from videogen.shapes import (
    BACKGROUNDS,
    COLORS,
    DEFAULT_SPEC,
    MOTIONS,
    SHAPES,
    SceneSpec,
    describe,
    parse_prompt,
    random_spec,
    understood_summary,
)


def test_vocab_is_the_contract() -> None:
    assert SHAPES == ("circle", "square", "triangle")
    assert list(COLORS) == ["red", "green", "blue", "yellow", "white", "purple"]
    assert list(BACKGROUNDS) == ["black", "white", "gray", "dark blue"]
    assert MOTIONS == (
        "moving left",
        "moving right",
        "moving up",
        "moving down",
        "growing",
        "shrinking",
        "rotating clockwise",
        "rotating counterclockwise",
        "staying still",
    )
    assert SceneSpec("circle", "red", "black", "staying still", None, None) == DEFAULT_SPEC


def test_english_example() -> None:
    parsed = parse_prompt("please make a small red circle slowly moving to the left")
    assert parsed.spec == SceneSpec("circle", "red", "black", "moving left", size="small", speed="slow")
    assert parsed.understood == {
        "shape": "circle",
        "color": "red",
        "motion": "moving to the left",
        "size": "small",
        "speed": "slowly",
    }
    assert parsed.defaulted == ["background"]
    assert parsed.ignored == ["please", "make"]


def test_chinese_example() -> None:
    parsed = parse_prompt("一个红色的圆形向左移动，白色背景")
    assert parsed.spec == SceneSpec("circle", "red", "white", "moving left")
    assert parsed.understood == {"shape": "圆形", "color": "红色", "background": "白色背景", "motion": "向左移动"}
    assert parsed.defaulted == []
    assert parsed.ignored == []


# prompt -> (shape, color, background, motion, size, speed)
CASES = [
    ("a white square on a black background", ("square", "white", "black", "staying still", None, None)),
    ("a blue triangle moving right", ("triangle", "blue", "black", "moving right", None, None)),
    ("the green square goes up", ("square", "green", "black", "moving up", None, None)),
    ("a yellow circle moves down on a gray background", ("circle", "yellow", "gray", "moving down", None, None)),
    ("Purple triangle gets bigger, grey background.", ("triangle", "purple", "gray", "growing", None, None)),
    ("a red square expanding", ("square", "red", "black", "growing", None, None)),
    ("white circle gets smaller on a dark blue background", ("circle", "white", "dark blue", "shrinking", None, None)),
    ("a blue square spinning clockwise", ("square", "blue", "black", "rotating clockwise", None, None)),
    (
        "turning anticlockwise, a yellow triangle",
        ("triangle", "yellow", "black", "rotating counterclockwise", None, None),
    ),
    (
        "a green square rotating counter-clockwise on white",
        ("square", "green", "white", "rotating counterclockwise", None, None),
    ),
    ("a red triangle rotating", ("triangle", "red", "black", "rotating clockwise", None, None)),
    (
        "a square rotating slowly counterclockwise",
        ("square", "red", "black", "rotating counterclockwise", None, "slow"),
    ),
    ("a purple circle, still", ("circle", "purple", "black", "staying still", None, None)),
    ("a blue square that is not moving", ("square", "blue", "black", "staying still", None, None)),
    ("stationary yellow triangle on a black background", ("triangle", "yellow", "black", "staying still", None, None)),
    ("moving left, on a white background, a red circle", ("circle", "red", "white", "moving left", None, None)),
    (
        "on a gray background a large green triangle quickly shrinking",
        ("triangle", "green", "gray", "shrinking", "large", "fast"),
    ),
    (
        "a tiny blue circle, navy background, drifting rightwards slowly",
        ("circle", "blue", "dark blue", "moving right", "small", "slow"),
    ),
    ("a red circle with a white background", ("circle", "red", "white", "staying still", None, None)),
    ("一个蓝色的正方形向右移动", ("square", "blue", "black", "moving right", None, None)),
    ("绿色三角形往上移动，灰色背景", ("triangle", "green", "gray", "moving up", None, None)),
    ("黄色的圆向下移动", ("circle", "yellow", "black", "moving down", None, None)),
    ("紫色方块变大，深蓝色背景", ("square", "purple", "dark blue", "growing", None, None)),
    ("白色三角形缩小，黑色背景", ("triangle", "white", "black", "shrinking", None, None)),
    ("红色圆形顺时针旋转", ("circle", "red", "black", "rotating clockwise", None, None)),
    ("蓝色正方形逆时针旋转，白色背景", ("square", "blue", "white", "rotating counterclockwise", None, None)),
    ("绿色的圆静止不动", ("circle", "green", "black", "staying still", None, None)),
    ("一个黄色的方块不动，灰色背景", ("square", "yellow", "gray", "staying still", None, None)),
    ("一个紫色三角形放大", ("triangle", "purple", "black", "growing", None, None)),
    ("红色的圆往左", ("circle", "red", "black", "moving left", None, None)),
    ("旋转的白色正方形", ("square", "white", "black", "rotating clockwise", None, None)),
    ("一个小的红色圆形快速地向上移动", ("circle", "red", "black", "moving up", "small", "fast")),
    ("背景是白色的，一个蓝色的三角形向下移动", ("triangle", "blue", "white", "moving down", None, None)),
    ("蓝色三角形顺时针方向旋转", ("triangle", "blue", "black", "rotating clockwise", None, None)),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text for text, _ in CASES])
def test_prompt_table(text: str, expected: tuple[str | None, ...]) -> None:
    assert parse_prompt(text).spec == SceneSpec(*expected)  # type: ignore[arg-type]


def test_table_covers_the_whole_vocabulary() -> None:
    specs = [SceneSpec(*expected) for _, expected in CASES]  # type: ignore[arg-type]
    assert {s.motion for s in specs} == set(MOTIONS)
    assert {s.color for s in specs} == set(COLORS)
    assert {s.shape for s in specs} == set(SHAPES)
    assert {s.background for s in specs} == set(BACKGROUNDS)


def test_unknown_words_are_ignored_and_reported() -> None:
    parsed = parse_prompt("please render a video of a red circle moving left, thanks!")
    assert parsed.spec == SceneSpec("circle", "red", "black", "moving left")
    assert parsed.ignored == ["please", "render", "video", "thanks"]
    parsed = parse_prompt("请生成一个红色的圆形向左移动")
    assert parsed.spec == SceneSpec("circle", "red", "black", "moving left")
    assert parsed.ignored == ["请生成"]
    assert parse_prompt("").spec == DEFAULT_SPEC


def test_defaulted_fields() -> None:
    parsed = parse_prompt("a circle moving left")
    assert parsed.defaulted == ["color", "background"]
    assert "size" not in parsed.defaulted  # no modifier is not a default
    custom = SceneSpec("square", "blue", "white", "growing")
    parsed = parse_prompt("a red one", defaults=custom)
    assert parsed.spec == SceneSpec("square", "red", "white", "growing")
    assert parsed.defaulted == ["shape", "background", "motion"]


def test_colours_that_cannot_play_their_role_are_ignored() -> None:
    parsed = parse_prompt("a red circle on a purple background")  # purple is not a background
    assert parsed.spec.background == "black"
    assert parsed.ignored == ["purple"]
    assert "background" in parsed.defaulted
    parsed = parse_prompt("a black square")  # black is not an object colour
    assert parsed.spec.color == "red"
    assert parsed.ignored == ["black"]


def test_longest_match_wins() -> None:
    assert parse_prompt("a circle on a dark blue background").spec.background == "dark blue"
    assert parse_prompt("深蓝色背景上的圆").spec.background == "dark blue"
    assert parse_prompt("一个正方形").understood["shape"] == "正方形"
    assert parse_prompt("正方形顺时针方向旋转").spec.shape == "square"  # 方向 is not a square
    assert parse_prompt("a circle, not moving").spec.motion == "staying still"
    assert parse_prompt("a circle, doesn't move").spec.motion == "staying still"


def test_first_mention_wins_and_later_conflicts_are_reported() -> None:
    parsed = parse_prompt("a red circle moving up and then down")
    assert parsed.spec.motion == "moving up"
    assert parsed.ignored == ["then", "down"]
    parsed = parse_prompt("spinning, a blue square, counterclockwise")  # an explicit direction beats plain spinning
    assert parsed.spec.motion == "rotating counterclockwise"
    assert parsed.ignored == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_describe_round_trips(lang: str) -> None:
    for shape, color, background, motion in itertools.product(SHAPES, COLORS, BACKGROUNDS, MOTIONS):
        spec = SceneSpec(shape, color, background, motion)
        parsed = parse_prompt(describe(spec, lang))
        assert parsed.spec == spec, describe(spec, lang)
        assert parsed.ignored == [] and parsed.defaulted == []
    rng = np.random.default_rng(0)
    for _ in range(100):
        spec = random_spec(rng)
        assert parse_prompt(describe(spec, lang)).spec == spec, describe(spec, lang)


def test_describe_canonical_text() -> None:
    spec = SceneSpec("circle", "red", "black", "moving left")
    assert describe(spec) == "a red circle moving left on a black background"
    assert describe(spec, "zh") == "一个红色的圆形向左移动，黑色背景"


def test_understood_summary() -> None:
    line = understood_summary(parse_prompt("please, a red circle moving left on a white background"))
    assert line == "understood: red circle, moving left, white background; ignored: 'please'"
    line = understood_summary(parse_prompt("a circle moving left"))
    assert line == "understood: red circle, moving left, black background (defaulted: color, background)"


def test_bad_input_raises_value_error() -> None:
    with pytest.raises(ValueError, match="text"):
        parse_prompt(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="SceneSpec.color.*'black'"):
        SceneSpec(color="black")
    with pytest.raises(ValueError, match="motion.*'dancing'"):
        SceneSpec(motion="dancing")
    with pytest.raises(ValueError, match="lang.*'fr'"):
        describe(DEFAULT_SPEC, "fr")
