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

The value helpers (:func:`~videogen.values.number`, :func:`~videogen.values.check_range`, ...) that
turn what a caller sent into a number or refuse it by the parameter's name are in :mod:`videogen.values`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal


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

# -- sound: a generated clip's ("Add sound") and a composition's ---------------------------------

AUDIO = Param("audio", "text", "Music or sound", "an audio file (WAV, MP3, FLAC, OGG, M4A) or a video with sound: "
              "trimmed or looped to the video, with a fade", ("音乐或声音", "音频文件（WAV、MP3、FLAC、OGG、M4A）或带声音的视频："
              "裁剪或循环到视频长度，带淡入淡出"), metavar="FILE")
NARRATION = Param("narration", "text", "Narration", "text spoken over the video, sentence by sentence (English or "
                  "Chinese), and shown as subtitles", ("旁白", "逐句朗读的文字（英文或中文），并作为字幕显示"), metavar="TEXT",
                  placeholder="what the voice says", cap="max_prompt_chars")
VOICE = Param("voice", "text", "Voice", "the narration's voice: espeak (offline, English or Mandarin from the text), "
              "espeak:en-us, espeak:en-gb, espeak:cmn; or a neural Kokoro-82M voice, downloaded once from the Hub "
              "(Apache-2.0): kokoro:af_heart, kokoro:am_michael, kokoro:bf_emma, kokoro:bm_george (English), "
              "kokoro-zh:zf_001, kokoro-zh:zm_010 (Chinese)", ("声音", "旁白的声音：espeak（离线，按文字选英文或普通话）、"
              "espeak:en-us、espeak:en-gb、espeak:cmn；或神经网络声音 Kokoro-82M（从 Hub 下载一次，Apache-2.0）："
              "kokoro:af_heart、kokoro:am_michael、kokoro:bf_emma、kokoro:bm_george（英文），kokoro-zh:zf_001、"
              "kokoro-zh:zm_010（中文）"), default="espeak", metavar="ID")
SUBTITLES = Param("subtitles", "choice", "Subtitles", "the narration as subtitles: soft (a text track, and a WebVTT "
                  "file beside the video), burn (drawn into the picture) or none", ("字幕", "旁白字幕：soft（字幕轨和旁边的 "
                  "WebVTT 文件）、burn（烧录进画面）或 none"), default="soft", choices=("soft", "burn", "none"))
SOUND_MODEL = Param("sound_model", "text", "Sound model", "make the sound with this text-to-audio model instead of "
                    "an audio file: stable-audio-open-1.0 (from the Hub, gated: accept its license on the Hub, set "
                    "HF_TOKEN; best on a GPU)", ("声音模型", "用这个文生音频模型生成声音，代替音频文件：stable-audio-open-1.0"
                    "（来自 Hub，需授权：在 Hub 上接受其许可并设置 HF_TOKEN；最好使用 GPU）"), metavar="ID",
                    placeholder="none: the audio file, or silence")
SOUND_PROMPT = Param("sound_prompt", "text", "Sound prompt", "what the made sound is (unset: the clip's prompt, or the "
                     "story)", ("声音提示词", "要生成的声音（不填：使用视频的提示词或故事）"), metavar="TEXT",
                     placeholder="e.g. calm piano music", cap="max_prompt_chars")
SOUND = (AUDIO, SOUND_MODEL, SOUND_PROMPT, NARRATION, VOICE, SUBTITLES)  # a generated clip's "Add sound" (t2v, i2v)

# -- composition settings: the Compose tab, /compose, `python -m videogen compose`, Engine.compose --

MEDIA = Param("inputs", "files", "Photos and clips", "the photos (JPEG, PNG, WebP) and video clips, in the order "
              "they are shown", ("照片和片段", "按播放顺序排列的照片（JPEG、PNG、WebP）和视频片段"))
STORY = Param("story", "text", "Story", "story mode: a short script, one line per scene; each line becomes a clip "
              "of the text-to-video model, narrated and subtitled (instead of photos)", ("故事", "故事模式：简短脚本，"
              "每行一个场景；每行由文生视频模型生成一个片段，并配旁白和字幕（代替照片）"), metavar="TEXT",
              placeholder="one line per scene", cap="max_prompt_chars")
SECONDS_PER_IMAGE = Param("seconds_per_image", "float", "Seconds per photo", "how long each photo is shown when "
                          "there is no music (with music the photos share its length)", ("每张照片秒数", "没有音乐时"
                          "每张照片显示的时长（有音乐时照片平分音乐的长度）"), default=3.0, minimum=0.5, maximum=60,
                          metavar="S", step=0.5, group="timing")
TRANSITION = Param("transition", "choice", "Transition", "between two shots: a cut, or a half-second crossfade",
                   ("转场", "镜头之间：直接切换，或半秒交叉淡化"), default="crossfade", choices=("cut", "crossfade"),
                   group="timing")
BEAT_SYNC = Param("beat_sync", "flag", "Cut on the beat", "move every cut to the music's nearest beat",
                  ("卡点剪辑", "把每个剪辑点移到音乐最近的节拍上"), default=False, group="timing")
ANIMATE = Param("animate", "flag", "Animate the photos", "each photo animated by the image-to-video model (--model) "
                "instead of pan and zoom", ("让照片动起来", "用图生视频模型（--model）让每张照片动起来，代替平移缩放"),
                default=False)
COMPOSE_MODEL = Param("model", "text", "Model", "story mode: the text-to-video model; animate: the image-to-video "
                      "model (unset: the task's default)", ("模型", "故事模式：文生视频模型；动起来：图生视频模型（不填：默认模型）"),
                      metavar="ID")
COMPOSE_WIDTH = Param("width", "int", "Width", "pixels, even (unset: 720p in the first photo's orientation; with one "
                      "side given, the other follows the first photo)", ("宽度", "像素，偶数（不填：按第一张照片方向的 720p）"),
                      minimum=16, maximum=4096, placeholder="auto", group="size", cap="max_side")
COMPOSE_HEIGHT = Param("height", "int", "Height", "pixels, even (as width)", ("高度", "像素，偶数（同宽度）"), minimum=16,
                       maximum=4096, placeholder="auto", group="size", cap="max_side")
COMPOSE_FPS = Param("fps", "float", "FPS", "frames per second", ("帧率", "每秒帧数"), default=24.0, minimum=1, maximum=60,
                    group="size")

# -- Content Credentials: every generated, edited or composed file (videogen.provenance) -------------

LABEL = Param("label", "flag", "AI-generated label", 'draw a small "AI-generated" label in a corner of every frame',
              ("“AI 生成”标签", "在每一帧的角落绘制一个小的“AI-generated”（AI 生成）标签"), default=False, group="marks")
INCLUDE_PROMPT = Param("include_prompt", "flag", "Prompt in the credentials", "put the prompt in the file's Content "
                       "Credentials (the signed C2PA manifest); off: the manifest leaves it out",
                       ("在内容凭证中写入提示词", "把提示词写入文件的内容凭证（签名的 C2PA 清单）；关闭：清单中不含提示词"),
                       default=True, group="marks")
MARKS = (LABEL, INCLUDE_PROMPT)

# -- the tasks ---------------------------------------------------------------------------------

_API_ORDER = (MODEL, NEGATIVE_PROMPT, SEED, STEPS, GUIDANCE, FRAMES, HEIGHT, WIDTH, FPS)  # gradio_client's positions
# A generated clip's subtitles are soft or none: burned-in ones would redraw the pixels the model made
_CLIP_SUBTITLES = replace(SUBTITLES, help="the narration as subtitles: soft (a text track, and a WebVTT file beside the "
                          "clip) or none", zh=("字幕", "旁白字幕：soft（字幕轨和旁边的 WebVTT 文件）或 none"), choices=("soft", "none"))
_ADD_SOUND = tuple(_CLIP_SUBTITLES if p is SUBTITLES else p for p in SOUND)  # the tabs' "Sound" accordion

TEXT_TO_VIDEO = TaskParams(
    "t2v", "text_to_video",
    "Generate a clip from a prompt. Settings left out take the chosen model's defaults, and a left-out seed is random.",
    "the clip (H.264 MP4), a status text and the seed used", (PROMPT,), _API_ORDER + _ADD_SOUND + MARKS,
)
IMAGE_TO_VIDEO = TaskParams(
    "i2v", "image_to_video",
    "Animate an image as the prompt says. Settings left out take the chosen model's defaults; without height and "
    "width the clip follows the image's aspect ratio, and a left-out seed is random.",
    "the clip (H.264 MP4), a status text and the seed used", (IMAGE, PROMPT), _API_ORDER + _ADD_SOUND + MARKS,
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
    (JOIN, TRIM, SPEED, REVERSE, LOOP, INTERPOLATE, UPSCALE, STYLE, EDIT_PROMPT, STRENGTH, EDIT_MODEL, *MARKS),
)
COMPOSE = TaskParams(
    "compose", "compose",
    "Put photos and clips together into one video, with music (the video lasts as long as it; cuts on its beats if "
    "asked), narration and subtitles; or, in story mode, a script of one line per scene made into narrated clips.",
    "the video (H.264 MP4 with AAC sound), a status text and what was made (the CLI's --json object)", (MEDIA,),
    (AUDIO, SOUND_MODEL, SOUND_PROMPT, NARRATION, VOICE, SUBTITLES, SECONDS_PER_IMAGE, TRANSITION, BEAT_SYNC, STORY, ANIMATE, COMPOSE_MODEL,
     COMPOSE_WIDTH, COMPOSE_HEIGHT, COMPOSE_FPS, *MARKS),
)
TASKS = {p.task: p for p in (TEXT_TO_VIDEO, IMAGE_TO_VIDEO, CLASSIFY, EDIT, COMPOSE)}


def translations() -> dict[str, str]:
    """English label/help/placeholder -> Chinese, for :mod:`videogen.ui.i18n`."""
    table: dict[str, str] = {}
    for task in TASKS.values():
        for p in (*task.inputs, *task.settings):
            table[p.label], table[p.help] = p.zh
    return table
