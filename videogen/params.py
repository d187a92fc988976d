"""The settings table: every parameter of every task, declared once.

Each :class:`Param` says a setting's name, type, range, default, and its label and help text in
English and Chinese. Everything else is built from this table when it is used (never copied):

* the page's boxes (:mod:`videogen.ui.settings`) and the handlers' signatures, which name the HTTP
  API's parameters and describe them (:mod:`videogen.ui.endpoints`; an MCP tool list reads the same);
* the CLI's options (:mod:`videogen.cli`);
* :class:`videogen.generate.common.GenerationRequest`'s fields, and the range checks of
  ``check_inputs``;
* which public-mode cap holds a setting (``cap``, a name of :mod:`videogen.serving.caps`).

A :class:`TaskParams` lists a task's main inputs and its settings, in the HTTP API's order (which
``gradio_client`` callers may rely on positionally). Adding a setting is one :class:`Param` here,
its name in the tasks that take it, and the code that uses its value.

The value helpers at the end (:func:`number`, :func:`whole`, :func:`check_range`, ...) turn what a
caller sent into a number or refuse it by the parameter's name; they are shared by every task.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Literal

from videogen.errors import InvalidInputError

Kind = Literal["int", "float", "text", "flag", "choice", "files"]
Surface = Literal["api", "cli", "ui"]
EVERYWHERE: frozenset[Surface] = frozenset({"api", "cli", "ui"})
CLI_ONLY: frozenset[Surface] = frozenset({"cli"})

MAX_SEED = 2**32 - 1
MIN_FPS = 0.01  # one frame every 100 s; below it the MP4's frame rate (a fraction over 1001) rounds to 0


@dataclass(frozen=True)
class Param:
    """One setting. ``default`` None means unset: the chosen model's default when ``model_default``
    (read from ``ModelSpec.defaults.<name>``), else nothing."""

    name: str  # the Python and HTTP API's name; the CLI's option is --name-with-dashes unless `flag` says
    kind: Kind
    label: str  # the page's label
    help: str  # one line: the CLI's --help, the API's (and an MCP tool's) parameter description
    zh: tuple[str, str]  # (label, help) in Chinese
    default: Any = None
    model_default: bool = False
    minimum: float | None = None
    maximum: float | None = None
    range_note: str = ""  # said after the range when a value is outside it
    placeholder: str | None = None  # the page's blank box (model-dependent boxes show the model's default)
    hint: str | None = None  # the page's line under the box (model-dependent boxes: made from the model)
    step: float = 1  # the page's spinner step (model-dependent boxes: the model's grid)
    group: str = ""  # boxes of one group share a row in the page; "" gets a row of its own
    cap: str | None = None  # the public-mode cap this setting is held to (a field of videogen.serving.caps.Policy)
    advice: str = ""  # over its cap: what to ask for instead ("Ask for fewer frames")
    flag: str | None = None  # the CLI option, when not --name-with-dashes
    metavar: str | None = None
    surfaces: frozenset[Surface] = EVERYWHERE
    choices: tuple[str, ...] = ()  # kind "choice": the values it takes (the page shows them as radio buttons)
    picks: tuple[int, ...] = ()  # kind "int": the only values it takes besides unset (the page: a radio with "off")

    @property
    def cli_flag(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def python_type(self) -> type:
        return {"int": int, "float": float, "text": str, "flag": bool, "choice": str, "files": list}[self.kind]

    def on(self, surface: Surface) -> bool:
        return surface in self.surfaces


@dataclass(frozen=True)
class TaskParams:
    """A task's parameters: its main inputs (required) and its settings (optional), in API order."""

    task: str  # "t2v", "i2v", "classify"
    api_name: str  # the HTTP endpoint, /text_to_video
    description: str  # the endpoint's description (the API page, an MCP tool)
    returns: str
    inputs: tuple[Param, ...]
    settings: tuple[Param, ...]

    def on(self, surface: Surface) -> tuple[Param, ...]:
        """The settings shown on ``surface``, in order."""
        return tuple(p for p in self.settings if p.on(surface))

    def setting(self, name: str) -> Param:
        return next(p for p in self.settings if p.name == name)


# -- the main inputs ---------------------------------------------------------------------------

PROMPT = Param("prompt", "text", "Prompt", "what the clip shows and how it moves", ("提示词", "视频的内容与运动方式"), cap="max_prompt_chars")
IMAGE = Param("image", "text", "Image (first frame)", "the image the clip starts from (an upload)", ("图像（首帧）", "视频的起始图像（上传）"))
VIDEO = Param("video", "text", "Video", "the video to recognise (an upload)", ("视频", "要识别的视频（上传）"))

# -- generation settings, in GenerationRequest's field order -----------------------------------

MODEL = Param(
    "model", "text", "Model", "registry id, Hub repo id (org/name[@revision]) or local folder (unset: the task's default model)",
    ("模型", "注册表 ID、Hub 仓库 ID（组织/名称[@版本]）或本地文件夹（不填：该任务的默认模型）"),
)
NEGATIVE_PROMPT = Param(
    "negative_prompt", "text", "Negative prompt", "what to avoid in the clip", ("负面提示词", "视频中要避免的内容"),
    placeholder="what to avoid, e.g. blurry, distorted", cap="max_prompt_chars",
)
FRAMES = Param(
    "frames", "int", "Frames", "number of frames (unset: the model's default)", ("帧数", "帧数（不填：模型默认值）"),
    model_default=True, minimum=1, maximum=1024, group="length", cap="max_frames", advice="Ask for fewer frames",
)
HEIGHT = Param(
    "height", "int", "Height", "pixels (unset: the model's default; image to video: unset follows the image)",
    ("高度", "像素（不填：模型默认值；图生视频：不填则跟随图像）"),
    model_default=True, maximum=4096, group="size", cap="max_side", advice="Ask for a smaller size",
)
WIDTH = Param(
    "width", "int", "Width", "pixels (as height)", ("宽度", "像素（同高度）"),
    model_default=True, maximum=4096, group="size", cap="max_side", advice="Ask for a smaller size",
)
STEPS = Param(
    "steps", "int", "Steps", "denoising steps (unset: the model's default)", ("步数", "去噪步数（不填：模型默认值）"),
    model_default=True, minimum=1, maximum=500, group="sampling", cap="max_steps", advice="Ask for fewer steps",
)
GUIDANCE = Param(
    "guidance", "float", "Guidance", "classifier-free guidance scale (unset: the model's default; 1: none)",
    ("引导系数", "无分类器引导系数（不填：模型默认值；1：不使用）"),
    model_default=True, minimum=0, maximum=50, step=0.5, group="sampling",
)
SEED = Param(
    "seed", "int", "Seed", "random seed (-1 or unset: a random one, which the result reports)",
    ("种子", "随机种子（-1 或不填：随机，结果中会给出）"),
    default=-1, minimum=0, maximum=MAX_SEED, range_note=" (or -1 for a random one)", placeholder="random",
    hint="-1 or blank: a new random seed each time", group="sampling",
)
FPS = Param(
    "fps", "float", "FPS", "frames per second of the clip (unset: the model's default)", ("帧率", "视频每秒帧数（不填：模型默认值）"),
    model_default=True, minimum=MIN_FPS, maximum=240, group="length",
)

GENERATION = (MODEL, NEGATIVE_PROMPT, FRAMES, HEIGHT, WIDTH, STEPS, GUIDANCE, SEED, FPS)  # GenerationRequest's fields

# -- recognition settings ----------------------------------------------------------------------

CLASSIFY_MODEL = Param(
    "model", "text", "Model", "registry id, Hub repo id or local folder (unset: the task's default model)",
    ("模型", "注册表 ID、Hub 仓库 ID 或本地文件夹（不填：该任务的默认模型）"),
)
LABELS = Param(
    "labels", "text", "Labels (comma-separated; X-CLIP only)",
    'X-CLIP only: your own comma-separated labels, "a,b,c" (default: the 400 Kinetics actions)',
    ("标签（用逗号分隔；仅 X-CLIP）", "仅 X-CLIP：你自己的标签，用逗号分隔，如 \"a,b,c\"（默认：Kinetics 的 400 个动作）"),
    cap="max_prompt_chars",
)
TOP_K = Param("top_k", "int", "Top k", "how many actions to list, best first", ("前 k 个", "列出的动作数，按分数排序"),
              default=5, minimum=1, maximum=1000, surfaces=CLI_ONLY)
TIMELINE = Param(
    "timeline", "flag", "Timeline",
    'also the actions window by window, for videos longer than one window ("timeline" in --json; null for shorter ones)',
    ("时间线", "对长于一个窗口的视频，逐窗口给出动作"), default=False, surfaces=CLI_ONLY,
)
WINDOW_S = Param("window_s", "float", "Window (s)", "timeline window, seconds (default: the model's clip length)",
                 ("窗口（秒）", "时间线窗口长度，秒（默认：模型的片段长度）"), flag="--window", metavar="S", surfaces=CLI_ONLY)
ANSWER = Param(
    "answer", "choice", "Whole-video answer",
    'how the whole video\'s top actions are read: "sampled" (the model\'s frames sampled evenly over the whole video, '
    'once) or "windows" (the mean over the timeline\'s windows, for videos longer than one window; it reads the whole '
    'file)',
    ("整段视频的结论", '整段视频的主要动作如何得出："sampled"（在整段视频上均匀采样模型所需的帧，一次）或 "windows"'
     '（时间线各窗口的平均，仅适用于长于一个窗口的视频；需读完整个文件）'),
    default="sampled", choices=("sampled", "windows"),
)
STRIDE_S = Param("stride_s", "float", "Stride (s)", "timeline: seconds between window starts (default: the window)",
                 ("步长（秒）", "时间线：相邻窗口起点的间隔，秒（默认：窗口长度）"), flag="--stride", metavar="S", surfaces=CLI_ONLY)

# -- edit settings: the Edit tab, the /edit endpoint, `python -m videogen edit`, Engine.edit ---------

EDIT_VIDEO = Param("video", "text", "Video", "the video to edit (an upload, or a clip from this session's history)",
                   ("视频", "要编辑的视频（上传，或本次会话历史中的片段）"))
JOIN = Param("join", "files", "Join after it", "more videos to play after it, each fitted to its size and frame rate",
             ("拼接在后", "接在它后面播放的更多视频，尺寸与帧率随第一个视频"), surfaces=frozenset({"api", "ui"}))
TRIM = Param("trim", "text", "Trim", "keep START:END, seconds (either may be left out: 2:, :5)",
             ("裁剪", "保留 START:END（秒；可省略一侧：2:、:5）"), metavar="START:END", placeholder="START:END, e.g. 1.5:4",
             group="cuts")
SPEED = Param("speed", "float", "Speed", "play this many times as fast, 0.25-4 (the same frame rate)",
              ("速度", "以几倍速播放，0.25-4（帧率不变）"), minimum=0.25, maximum=4, metavar="X", placeholder="normal",
              step=0.25, group="cuts")
LOOP = Param("loop", "int", "Loop", "a boomerang (forward, then back) this many times, 1-20",
             ("循环", "来回播放（先正放再倒放）的次数，1-20"), minimum=1, maximum=20, metavar="N", placeholder="off",
             group="cuts")
REVERSE = Param("reverse", "flag", "Reverse", "play backwards", ("倒放", "倒着播放"), default=False, group="cuts")
INTERPOLATE = Param("interpolate", "int", "Interpolate", "2 or 4 times the frame rate, the same duration: new frames "
                    "between each pair ((frames - 1) * N + 1 frames)", ("插帧", "帧率提高 2 或 4 倍，时长不变：在每两帧之间生成新帧"),
                    metavar="N", picks=(2, 4), group="pixels")
UPSCALE = Param("upscale", "int", "Upscale", "2 or 4 times the width and the height (super-resolution)",
                ("放大", "宽和高放大 2 或 4 倍（超分辨率）"), metavar="N", picks=(2, 4), group="pixels")
STYLE = Param("style", "text", "Style", "a new look, one of the styles `edit --list` names (unset: none)",
              ("风格", "新的画面风格，取 `edit --list` 列出的风格之一（不填：不变）"), metavar="NAME")
EDIT_PROMPT = Param(
    "prompt", "text", "Restyle prompt", "redraw the clip as this says with a video-to-video model (wan2.1-v2v-1.3b unless "
    "--model names another; a Hub model, best on a GPU)", ("重绘提示词", "用视频到视频模型按提示词重绘视频（默认 wan2.1-v2v-1.3b；"
    "Hub 模型，最好使用 GPU）"), metavar="TEXT", placeholder="e.g. a watercolour painting", cap="max_prompt_chars",
    group="prompt",
)
STRENGTH = Param("strength", "float", "Strength", "with a prompt: how much of the clip is redrawn, 0-1 (unset: the "
                 "model's, 0.6)", ("强度", "有提示词时：重绘的程度，0-1（不填：模型默认值 0.6）"), minimum=0, maximum=1,
                 metavar="S", placeholder="default 0.6", step=0.05, group="prompt")
EDIT_MODEL = Param(
    "model", "text", "Models", "registry ids of the models to use, comma-separated, each for its own operation (an "
    "interpolator, an upscaler, a video-to-video model; `edit --list` names them); unset: the offline ones",
    ("模型", "所用模型的注册表 ID，用逗号分隔，各用于自己的操作（插帧、放大、视频到视频模型；见 `edit --list`）；不填：离线模型"),
    metavar="ID[,ID]",
)

# -- the tasks ---------------------------------------------------------------------------------

_API_ORDER = (MODEL, NEGATIVE_PROMPT, SEED, STEPS, GUIDANCE, FRAMES, HEIGHT, WIDTH, FPS)  # gradio_client's positions

TEXT_TO_VIDEO = TaskParams(
    "t2v", "text_to_video",
    "Generate a clip from a prompt. Settings left out take the chosen model's defaults, and a left-out seed is random.",
    "the clip (H.264 MP4), a status text and the seed used", (PROMPT,), _API_ORDER,
)
IMAGE_TO_VIDEO = TaskParams(
    "i2v", "image_to_video",
    "Animate an image as the prompt says. Settings left out take the chosen model's defaults; without height and "
    "width the clip follows the image's aspect ratio, and a left-out seed is random.",
    "the clip (H.264 MP4), a status text and the seed used", (IMAGE, PROMPT), _API_ORDER,
)
CLASSIFY = TaskParams(
    "classify", "classify",
    "Recognise the actions in a video: the top 5 and the frames they were read from; for a video longer than one "
    "window of the model also its timeline.",
    "the top 5 (labels and scores), the sampled frames, a status text, then the timeline's outputs",
    (VIDEO,), (CLASSIFY_MODEL, LABELS, TOP_K, TIMELINE, WINDOW_S, STRIDE_S, ANSWER),
)
EDIT = TaskParams(
    "edit", "edit",
    "Edit a video (and join more after it): trim, change the speed, reverse, loop, interpolate new frames, upscale, "
    "restyle, applied in that order; an H.264 MP4 back, with the input's sound.",
    "the edited clip (H.264 MP4), a status text and what was done (the CLI's --json object)", (EDIT_VIDEO,),
    (JOIN, TRIM, SPEED, REVERSE, LOOP, INTERPOLATE, UPSCALE, STYLE, EDIT_PROMPT, STRENGTH, EDIT_MODEL),
)
TASKS = {p.task: p for p in (TEXT_TO_VIDEO, IMAGE_TO_VIDEO, CLASSIFY, EDIT)}


def translations() -> dict[str, str]:
    """English label/help/placeholder -> Chinese, for :mod:`videogen.ui.i18n`."""
    table: dict[str, str] = {}
    for task in TASKS.values():
        for p in (*task.inputs, *task.settings):
            table[p.label], table[p.help] = p.zh
    return table


# -- values ------------------------------------------------------------------------------------


def number(name: str, value: Any) -> float | None:
    """A setting as a finite float (None stays None); text, NaN and infinity are refused by name."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):  # numpy's numbers are Real too
        raise InvalidInputError(f"{name} must be a number, got {shown(value)}")
    try:
        result = float(value)
    except OverflowError:  # an int too large for a float
        result = math.inf
    if not math.isfinite(result):
        raise InvalidInputError(f"{name} must be a finite number, got {shown(value)}")
    return result


def whole(name: str, value: Any) -> int | None:
    """A setting as an int (16.0 from JSON is 16; None stays None), or refused by name."""
    result = number(name, value)
    if result is None:
        return None
    if not result.is_integer():
        raise InvalidInputError(f"{name} must be a whole number, got {shown(value)}")
    return int(result)


def whole_number(name: str, value: Any) -> int:
    """``value`` as an int, or :class:`InvalidInputError` naming ``name``; None is refused too."""
    result = whole(name, value)
    if result is None:
        raise InvalidInputError(f"{name} must be a whole number, got None")
    return result


def positive(name: str, value: Any, *, is_whole: bool = False) -> Any:
    """``value`` as a number above 0 (an int with ``is_whole``; None stays None), or refused by name."""
    result = whole(name, value) if is_whole else number(name, value)
    if result is not None and result <= 0:
        raise InvalidInputError(f"{name} must be above 0, got {shown(value)}")
    return result


def check_range(param: Param, value: float, hint: str = "") -> None:
    """Refuse ``value`` outside the parameter's range: "steps must be between 1 and 500, got 0"."""
    low = -math.inf if param.minimum is None else param.minimum
    high = math.inf if param.maximum is None else param.maximum
    if not low <= value <= high:
        raise range_error(param, value, hint)


def range_error(param: Param, value: Any, hint: str = "") -> InvalidInputError:
    """The refusal of a value outside (or off the grid of) a parameter's range; ``hint`` follows the range."""
    return InvalidInputError(
        f"{param.name} must be between {_bound(param.minimum)} and {_bound(param.maximum)}{hint}{param.range_note}, "
        f"got {shown(value)}"
    )


def check_choice(param: Param, value: Any) -> str:
    """``value`` if it is one of the parameter's choices (None: its default), else refused by name."""
    if value is None:
        return param.default
    if not isinstance(value, str) or value not in param.choices:
        listed = ", ".join(repr(c) for c in param.choices)
        raise InvalidInputError(f"{param.name} must be one of {listed}, got {shown(value)}")
    return value


def check_utf8(name: str, value: str) -> None:
    """Refuse text that cannot be stored as UTF-8 (in the MP4's metadata, in a JSON answer): a lone
    surrogate, half of a character pair such as an emoji, or a byte that was not UTF-8 on a command line."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            f"{name} contains {value[exc.start]!r} at position {exc.start}: half of a character pair (a lone "
            "surrogate), which is not text. Remove it or type that character again."
        ) from None


def shown(value: Any) -> str:
    """A bad value for a message: as given, but short (a 10 000-character text or a 300-digit number is cut)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1} digits"  # str() refuses past 4300
    if isinstance(value, float) and math.isfinite(value) and abs(value) >= 1e15:
        return f"{value:.3g}"
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}… ({len(value) if isinstance(value, str) else len(text)} characters)"


def _bound(value: float | None) -> str:
    if value is None:
        return "any"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
