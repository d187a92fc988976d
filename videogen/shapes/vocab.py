"""The literal vocabulary of the shapes world: shapes, colours, backgrounds, motions and their synonyms.

Everything the world can show is listed here, top to bottom, so that the parser
(:mod:`videogen.shapes.prompt`), the renderer (:mod:`videogen.shapes.render`), the judge
(:mod:`videogen.shapes.judge`) and the demo models agree on the same words:

* ``SHAPES``: the three shapes, one object per clip.
* ``COLORS``: object colour name -> RGB (clearly distinct, saturated).
* ``BACKGROUNDS``: plain background name -> RGB (``black`` is the default).
* ``MOTIONS``: the nine motions. They are also the action classifier's labels, in this order.
* ``SIZES`` / ``SPEEDS``: optional modifiers ("small"/"large", "slow"/"fast").

The synonym tables map a phrase (English, lower case, words separated by single spaces; or Chinese,
no spaces) to a canonical value. The parser prefers the longest phrase that matches, so "dark blue"
beats "blue", 深蓝色 beats 蓝色, "not moving" beats "moving" and 正方形 beats 方.
"""

from __future__ import annotations

RGB = tuple[int, int, int]

SHAPES: tuple[str, ...] = ("circle", "square", "triangle")

COLORS: dict[str, RGB] = {
    "red": (230, 40, 40),
    "green": (40, 200, 60),
    "blue": (50, 90, 240),
    "yellow": (240, 220, 40),
    "white": (245, 245, 245),
    "purple": (160, 60, 220),
}

BACKGROUNDS: dict[str, RGB] = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "gray": (128, 128, 128),
    "dark blue": (15, 25, 80),
}

MOTIONS: tuple[str, ...] = (
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

SIZES: tuple[str, ...] = ("small", "large")
SPEEDS: tuple[str, ...] = ("slow", "fast")

MOVES: dict[str, tuple[int, int]] = {  # motion -> unit direction (dx, dy) in image coordinates (y down)
    "moving left": (-1, 0),
    "moving right": (1, 0),
    "moving up": (0, -1),
    "moving down": (0, 1),
}
ROTATIONS: dict[str, int] = {"rotating clockwise": 1, "rotating counterclockwise": -1}  # +1: clockwise on screen

# Canonical Chinese names, used by `describe(spec, lang="zh")`.
SHAPES_ZH: dict[str, str] = {"circle": "圆形", "square": "正方形", "triangle": "三角形"}
COLORS_ZH: dict[str, str] = {
    "red": "红色",
    "green": "绿色",
    "blue": "蓝色",
    "yellow": "黄色",
    "white": "白色",
    "purple": "紫色",
}
BACKGROUNDS_ZH: dict[str, str] = {"black": "黑色", "white": "白色", "gray": "灰色", "dark blue": "深蓝色"}
MOTIONS_ZH: dict[str, str] = {
    "moving left": "向左移动",
    "moving right": "向右移动",
    "moving up": "向上移动",
    "moving down": "向下移动",
    "growing": "变大",
    "shrinking": "变小",
    "rotating clockwise": "顺时针旋转",
    "rotating counterclockwise": "逆时针旋转",
    "staying still": "静止不动",
}
SIZES_ZH: dict[str, str] = {"small": "小的", "large": "大的"}
SPEEDS_ZH: dict[str, str] = {"slow": "缓慢地", "fast": "快速地"}

# --- synonyms ----------------------------------------------------------------------------------
# Word lists are wrapped by hand: one line per group of related words.
# fmt: off


def _invert(words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """{value: (phrase, ...)} -> {phrase: value}."""
    return {phrase: value for value, phrases in words.items() for phrase in phrases}


SHAPE_SYNONYMS: dict[str, str] = _invert({
    "circle": ("circle", "circles", "round", "disc", "disk", "dot", "ball",
               "圆形", "圆", "圆圈", "圆球", "球"),
    "square": ("square", "squares", "box", "block", "正方形", "方块", "方形", "方"),
    "triangle": ("triangle", "triangles", "triangular", "三角形", "三角"),
})

# Colour words. A word that names both an object colour and a background (white) is resolved by
# its context in the prompt; see `videogen.shapes.prompt`.
COLOR_SYNONYMS: dict[str, str] = _invert({
    "red": ("red", "红色", "红"),
    "green": ("green", "绿色", "绿"),
    "blue": ("blue", "蓝色", "蓝"),
    "yellow": ("yellow", "黄色", "黄"),
    "white": ("white", "白色", "白"),
    "purple": ("purple", "violet", "紫色", "紫"),
})
BACKGROUND_SYNONYMS: dict[str, str] = _invert({
    "black": ("black", "黑色", "黑"),
    "white": ("white", "白色", "白"),
    "gray": ("gray", "grey", "灰色", "灰"),
    "dark blue": ("dark blue", "navy", "navy blue", "深蓝色", "深蓝"),
})
# Words that make an adjacent colour word name the background.
BACKGROUND_KEYWORDS: tuple[str, ...] = ("background", "backdrop", "bg", "背景", "背景色", "底色")
BACKGROUND_PREPOSITIONS: tuple[str, ...] = ("on", "against", "over", "in front of")  # "on a black ..."

SIZE_SYNONYMS: dict[str, str] = _invert({
    "small": ("small", "tiny", "little", "smallish", "小", "小的", "小小的", "很小", "微小", "小型"),
    "large": ("large", "big", "huge", "giant", "大", "大的", "大大的", "很大", "巨大", "大型"),
})
SPEED_SYNONYMS: dict[str, str] = _invert({
    "slow": ("slow", "slowly", "gently", "gradually", "leisurely",
             "慢", "慢慢", "慢慢地", "缓慢", "缓慢地", "缓缓", "缓缓地", "慢速", "很慢"),
    "fast": ("fast", "quickly", "quick", "rapidly", "rapid", "swiftly", "speedily",
             "快", "快速", "快速地", "迅速", "迅速地", "很快", "飞快", "飞快地", "快快地"),
})

# English motions: a direction alone ("left", "to the left") or after a verb ("drifts to the left").
_MOVE_VERBS = (
    "moving", "moves", "move", "going", "goes", "go", "travelling", "traveling", "travels",
    "sliding", "slides", "slide", "drifting", "drifts", "heading", "heads", "flying", "flies",
    "shifting", "shifts", "rolling", "rolls", "floating", "floats", "gliding", "glides",
)
_DIRECTIONS = {
    "moving left": ("left", "to the left", "towards the left", "toward the left", "leftward", "leftwards"),
    "moving right": ("right", "to the right", "towards the right", "toward the right", "rightward", "rightwards"),
    "moving up": ("up", "upward", "upwards", "to the top", "towards the top", "toward the top"),
    "moving down": ("down", "downward", "downwards", "to the bottom", "towards the bottom", "toward the bottom"),
}
_ENGLISH_MOTIONS = {
    "moving up": ("rising", "rises", "rise", "ascending", "ascends", "climbing", "climbs"),
    "moving down": ("falling", "falls", "fall", "dropping", "drops", "sinking", "sinks", "descending", "descends"),
    "growing": ("growing", "grows", "grow", "expanding", "expands", "expand", "enlarging", "enlarges", "enlarge",
                "swelling", "swells", "inflating", "inflates", "scaling up", "scales up", "scale up",
                "zooming in", "zooms in", "zoom in", "bigger", "larger", "increasing in size", "increases in size"),
    "shrinking": ("shrinking", "shrinks", "shrink", "contracting", "contracts", "contract", "deflating",
                  "deflates", "scaling down", "scales down", "scale down", "zooming out", "zooms out", "zoom out",
                  "smaller", "decreasing in size", "decreases in size"),
    "staying still": ("staying still", "stays still", "stay still", "still", "standing still", "stands still",
                      "stand still", "sitting still", "sits still", "remaining still", "remains still",
                      "not moving", "not move", "doesnt move", "does not move", "isnt moving", "is not moving",
                      "motionless", "stationary", "static", "unmoving", "no motion", "no movement",
                      "staying put", "stays put", "at rest", "resting", "frozen", "idle"),
}
_BECOME_VERBS = ("gets", "getting", "get", "becomes", "becoming", "become", "grows", "growing", "turns", "turning")
_ROTATE_VERBS = ("rotating", "rotates", "rotate", "spinning", "spins", "spin", "turning", "turns", "turn",
                 "revolving", "revolves", "twirling", "twirls")
_ROTATION_DIRECTIONS = {
    "rotating clockwise": ("clockwise", "cw"),
    "rotating counterclockwise": ("counterclockwise", "counter clockwise", "anticlockwise", "anti clockwise", "ccw"),
}

# Chinese motions: 向/往/朝 + 左/左方/左边/左侧 + 移动/走/... (向左移动, 往左边走, 朝左), and more.
_ZH_SIDES = {"moving left": "左", "moving right": "右", "moving up": "上", "moving down": "下"}
_ZH_MOVE_SUFFIXES = ("", "移动", "运动", "滑动", "平移", "移", "走", "飘", "飞", "滑", "动")
_ZH_MOTIONS = {
    "moving up": ("上升", "升起", "上移", "飘起"),
    "moving down": ("下降", "下落", "落下", "掉落", "坠落", "下沉"),
    "growing": ("变大", "放大", "长大", "扩大", "膨胀", "增大", "越来越大", "变得更大", "逐渐变大"),
    "shrinking": ("变小", "缩小", "收缩", "减小", "越来越小", "变得更小", "逐渐变小"),
    "staying still": ("静止不动", "静止", "不动", "一动不动", "保持静止", "原地不动", "停在原地", "停住", "静态",
                      "不移动", "没有移动", "保持不动"),
}
_ZH_ROTATIONS = {
    "rotating clockwise": ("顺时针", "顺时针方向"),
    "rotating counterclockwise": ("逆时针", "逆时针方向", "反时针", "反时针方向"),
}
_ZH_ROTATE_VERBS = ("", "旋转", "转动", "转圈", "转", "自转")

# A bare "rotating" / "spinning" / 旋转 means clockwise, but only weakly: an explicit direction
# anywhere in the prompt ("rotating slowly counterclockwise") overrides it.
WEAK_MOTION_SYNONYMS: dict[str, str] = _invert({
    "rotating clockwise": ("rotating", "rotates", "rotate", "rotation", "spinning", "spins", "spin", "revolving",
                           "revolves", "twirling", "twirls", "旋转", "转动", "转圈", "自转", "旋转着", "打转"),
})

# Words that carry no meaning of their own here: never reported as ignored.
FILLER_WORDS: tuple[str, ...] = (
    "a", "an", "the", "of", "on", "in", "at", "with", "and", "is", "are", "it", "its", "that", "which",
    "this", "there", "as", "by", "while", "very", "one", "some", "plain", "solid", "colored", "coloured",
    "color", "colour", "shape", "object", "moving", "moves", "move", "motion", "movement", "to", "from",
    "against", "over", "in front of", "front", "across", "around", "itself", "around itself", "direction",
    "一个", "一只", "个", "只", "的", "地", "在", "是", "为", "上", "中", "里", "着", "和", "与", "并", "了",
    "得", "很", "有", "一", "颜色", "色", "形状", "物体", "移动", "运动", "方向", "大小", "地方", "纯色",
    "正在", "不断", "一直", "持续", "逐渐",
)

# fmt: on


def _motion_synonyms() -> dict[str, str]:
    table = {motion: motion for motion in MOTIONS}
    for motion, phrases in _DIRECTIONS.items():
        for phrase in phrases:
            table[phrase] = motion
            table.update({f"{verb} {phrase}": motion for verb in _MOVE_VERBS})
    table.update(_invert(_ENGLISH_MOTIONS))
    for verb in _BECOME_VERBS:
        table.update({f"{verb} bigger": "growing", f"{verb} larger": "growing", f"{verb} smaller": "shrinking"})
    for motion, words in _ROTATION_DIRECTIONS.items():
        for word in words:
            table[word] = table[f"{word} rotation"] = motion
            table.update({f"{verb} {word}": motion for verb in _ROTATE_VERBS})
    for motion, side in _ZH_SIDES.items():
        for prefix in ("向", "往", "朝"):
            for place in (side, side + "方", side + "边", side + "侧"):
                table.update({prefix + place + suffix: motion for suffix in _ZH_MOVE_SUFFIXES})
        table[side + "移"] = table[side + "移动"] = motion
    table.update(_invert(_ZH_MOTIONS))
    for motion, words in _ZH_ROTATIONS.items():
        table.update({word + verb: motion for word in words for verb in _ZH_ROTATE_VERBS})
    return table


MOTION_SYNONYMS: dict[str, str] = _motion_synonyms()
