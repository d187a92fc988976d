"""The app's languages: English and Simplified Chinese (简体中文), following the browser's.

Every English text of the UI is its own translation key: :data:`ZH_CN` maps it to its Chinese.

* **Texts fixed when the app is built** (tab names, labels, hints, buttons, the intro) are written
  ``t("Prompt")``, Gradio's translation marker: its frontend shows them in the browser's language
  when the app is launched with ``i18n=I18N`` (:class:`Blocks` does that by default). Gradio takes
  the browser's language if it has translations of its own for it, else English: ``zh-CN`` gets
  Chinese; ``zh``, ``zh-Hans`` and ``zh-TW`` get English, all of the page alike.
* **Texts made at run time** (status lines, model cards, captions, toasts) are formatted on the
  server by :func:`tr`, in the language of the request's ``Accept-Language`` header
  (:func:`locale_of`, the same rule). Templates use ``str.format`` fields (``{frames}``). The built
  page's texts that come from data (model cards, the models' entries, the settings' hints) are
  sent again in the browser's language when the page loads. Progress messages of the libraries
  are translated when they are one of :data:`PROGRESS`.

What stays English: other messages of the libraries (errors, memory plans, warnings, the shapes
world's "understood: …"), model outputs (action labels), identifiers (model ids, setting names)
and the HTTP API's description (:meth:`Blocks.get_api_info`). Gradio's language menu (Settings)
changes the fixed texts only: the server goes by the browser's language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import gradio as gr
from gradio.i18n import I18nData

from videogen.params import translations
from videogen.ui.batch_texts import ZH_BATCH
from videogen.ui.compose_texts import ZH_COMPOSE
from videogen.ui.edit_texts import ZH_EDIT

Locale = str  # "en" or "zh-CN"

ZH_CN: dict[str, str] = {
    # -- the page ------------------------------------------------------------------------------
    "# videogen\nText to video, image to video, action recognition, editing any clip (new frames, more pixels, "
    "a new look, cuts and joins, with its sound), and composing photos and clips with music and narration into one "
    "video. Hub models download the first "
    "time you use them and are best on a GPU (on a CPU a generator starts at a short CPU preset); the small "
    "models shipped with the app work anywhere, offline, on the *shapes world* (circles, squares and "
    "triangles that move, grow, shrink or spin).":
        "# videogen\n文生视频、图生视频、动作识别、编辑任何视频（插帧、放大、换风格、剪辑与拼接，声音随之保留），以及把照片和片段配上音乐与旁白合成一个视频。Hub 上的模型在第一次使用时下载，最好使用 GPU（在 CPU 上，生成模型从"
        "较短的 CPU 预设开始）；应用自带的小模型在任何机器上都能离线运行，作用于*形状世界*（会移动、放大、缩小或旋转的"
        "圆形、正方形和三角形）。",
    "Text to Video": "文生视频",
    "Image to Video": "图生视频",
    "Action Recognition": "动作识别",
    # -- the generation tabs -------------------------------------------------------------------
    "Prompt": "提示词",
    "Describe the clip…": "描述你想要的视频…",
    "How should it move?": "它应该怎样运动？",
    "Image (first frame)": "图像（首帧）",
    "Model": "模型",
    "A listed model, or a Hub repo id (org/name) or local folder": "列表中的模型，或 Hub 仓库 ID（组织/名称），或本地文件夹",
    "One of the listed models (public mode)": "列表中的模型之一（公开模式）",
    "Generate": "生成",
    "Cancel": "取消",
    "Try": "试一试",
    "Try (shapes world)": "试一试（形状世界）",
    "Video": "视频",
    "Preview": "预览",
    "Status": "状态",
    "Seed": "种子",
    "the seed of this clip": "这段视频所用的种子",
    # -- settings --------------------------------------------------------------------------------
    # (each setting's label and help: the settings table, videogen/params.py; its placeholders and hints here)
    "Settings": "设置",
    "what to avoid, e.g. blurry, distorted": "不想要的内容，例如：模糊、变形",
    "random": "随机",
    "-1 or blank: a new random seed each time": "-1 或留空：每次使用新的随机种子",
    "model default": "模型默认值",
    "follow the image": "跟随图像",
    "0 or blank: the model's default": "0 或留空：使用模型默认值",
    "blank or 0: follow the image": "留空或填 0：跟随图像",
    "0 or blank: {frames}": "0 或留空：{frames}",
    "; {step}k+1 for this model": "；此模型须为 {step}k+1",
    "{hint}; a multiple of {step}": "{hint}；须为 {step} 的倍数",
    "0 or blank: the model's default; 1: no classifier-free guidance": "0 或留空：使用模型默认值；1：不使用无分类器引导（CFG）",
    # -- history ---------------------------------------------------------------------------------
    "History (this session)": "历史记录（本次会话）",
    "history": "历史记录",
    "Clips made in this session appear here: select one to see its settings, download it or reuse its settings.":
        "本次会话生成的视频会显示在这里：选中一段即可查看它的设置、下载，或复用它的设置。",
    "Use these settings": "使用这些设置",
    "Download": "下载",
    "Select a clip in the history first.": "请先在历史记录中选中一段视频。",
    "{steps} step": "{steps} 步",
    "{steps} steps": "{steps} 步",
    "{model} · seed {seed} · {steps} · guidance {guidance:g} · {width}×{height} · {frames} frames — {prompt}":
        "{model} · 种子 {seed} · {steps} · 引导系数 {guidance:g} · {width}×{height} · {frames} 帧 — {prompt}",
    "(no prompt)": "（无提示词）",
    "setting": "设置",
    "value": "值",
    # -- action recognition ------------------------------------------------------------------------
    "blank: the 400 Kinetics actions. Or your own, e.g.: dancing, playing guitar, cooking":
        "留空：Kinetics 的 400 种动作。也可以写你自己的英文标签，例如：dancing, playing guitar, cooking",
    "Classify": "识别",
    "Top 5": "前 5 个动作",
    "Sampled frames": "采样帧",
    "Summary": "概要",
    "Timeline: the top actions over time": "时间轴：主要动作随时间的变化",
    "time (s)": "时间（秒）",
    "probability": "概率",
    "action": "动作",
    "Segment": "片段",
    "Segment frames": "片段帧",
    "frame {n}": "第 {n} 帧",
    "{model}: {frames} frames sampled, classified in {seconds:.2f} s.": "{model}：采样 {frames} 帧，识别用时 {seconds:.2f} 秒。",
    "{model}: top 5 of the whole video from {frames} frames sampled evenly over it (Whole-video answer: "
    "sampled); the timeline below reads it segment by segment ({count} segments of {window:g} s, "
    "classified in {classify:.1f} s).":
        "{model}：整段视频的前 5 个动作，来自在整段视频上均匀采样的 {frames} 帧（整段视频的结论：sampled）；下方的时间线"
        "逐段识别（{count} 个 {window:g} 秒片段，识别用时 {classify:.1f} 秒）。",
    "{model}: top 5 of the whole video (mean over {count} segments of {window:g} s); the video read in "
    "{decode:.1f} s, classified in {classify:.1f} s ({per_segment:.0f} ms per segment).":
        "{model}：整段视频的前 5 个动作（{count} 个 {window:g} 秒片段的平均）；读取视频用时 {decode:.1f} 秒，"
        "识别用时 {classify:.1f} 秒（每个片段 {per_segment:.0f} 毫秒）。",
    "Segment (1-{count}; or select a stretch of the plot)": "片段（1-{count}；也可以在图上框选一段）",
    "Segment {index}: {start}–{end}": "片段 {index}：{start}–{end}",
    "### Timeline: mostly **{label}** ({score:.0%} mean over {count} segments of {window:g} s)":
        "### 时间轴：主要是 **{label}**（{count} 个 {window:g} 秒片段的平均为 {score:.0%}）",
    "Your browser cannot play {name}, and at {minutes:.0f} minutes it is too long to convert here; it is "
    "classified as uploaded all the same.":
        "你的浏览器无法播放 {name}，而且它长达 {minutes:.0f} 分钟，无法在这里转换；识别时仍按上传的文件进行。",
    # -- models ----------------------------------------------------------------------------------
    "{model} ({state})": "{model}（{state}）",
    "downloaded": "已下载",
    "{size} download": "需下载 {size}",
    "CPU preset: {frames} frames at {width}×{height}, {steps} steps (about {time} here)":
        "CPU 预设：{frames} 帧，{width}×{height}，{steps} 步（在这里约 {time}）",
    "⏱️ This clip would take about {time} on this CPU.": "⏱️ 这段视频在这台 CPU 上约需 {time}。",
    "Start it anyway, or use the {preset}.": "仍然开始，或使用{preset}。",
    "Start it anyway, or ask for fewer frames, a smaller size or fewer steps.": "仍然开始，或减少帧数、缩小尺寸或减少步数。",
    "⏱️ This clip would take about {time} on this CPU, even at its CPU preset. Start it anyway, or run it where "
    "there is a GPU.": "⏱️ 即使使用 CPU 预设，这段视频在这台 CPU 上也约需 {time}。仍然开始，或在有 GPU 的机器上运行。",
    "Start anyway": "仍然开始",
    "Starting…": "正在开始…",
    "Parameters: {parts}.": "参数：{parts}。",
    "Size": "尺寸",
    "{width}×{height} (the model's size)": "{width}×{height}（模型的尺寸）",
    "{width}×{height} (the photo's)": "{width}×{height}（照片的尺寸）",
    "The clip keeps the photo's {width}×{height} shape; larger is slower.": "视频保持照片 {width}×{height} 的比例；越大越慢。",
    "Use the CPU preset": "使用 CPU 预设",
    "Other programs use {share:.0%} of the CPU now: about {busy} while they do.":
        "其他程序正在占用 {share:.0%} 的 CPU：在此期间约需 {busy}。",
    "**{model}**: a Hub repo or folder; its family is read from its config when you run it. Check its "
    "license on its model card.":
        "**{model}**：Hub 仓库或文件夹；运行时从它的配置读取模型家族。许可证请查看它的模型卡。",
    "{description}. Ships with the app: works offline, no GPU. It knows only the **shapes world** (one circle, "
    "square or triangle moving on a plain background), not real footage: for that, pick a Hub model from the list "
    "(generators are best on a GPU and start at a short CPU preset on a CPU; X-CLIP runs on a CPU too). "
    "License: `{license}`.":
        "{description}。随应用附带：可离线运行，无需 GPU。它只认识**形状世界**（纯色背景上运动的一个圆形、正方形或"
        "三角形），不认识真实影像：要处理真实影像，请从列表中选择 Hub 上的模型（生成模型最好用 GPU，在 CPU 上从较短的"
        " CPU 预设开始；X-CLIP 在 CPU 上也能运行）。许可证：`{license}`。",
    "{description}. Source: {source}. License: `{license}`.": "{description}。来源：{source}。许可证：`{license}`。",
    "**Non-commercial use only.**": "**仅限非商业用途**。",
    "**Memory plan:** {plan}": "**内存规划**：{plan}",
    "**On this CPU:** about {total} for this clip ({steps} steps: text {text}, denoising {denoise}, decoding {decode}), "
    "and about {load} to load the model first; {download}.":
        "**在这台 CPU 上**：这段视频约需 {total}（{steps} 步：文本 {text}，去噪 {denoise}，解码 {decode}），"
        "首次加载模型另需约 {load}；{download}。",
    # the registry's descriptions (videogen/registry.py); a description missing here shows in English
    "Wan 2.1 text-to-video, 1.3B parameters, 480p": "Wan 2.1 文生视频，1.3B 参数，480p",
    "LTX-Video 2B, fast text-to-video at 24 fps": "LTX-Video 2B，快速文生视频，24 fps",
    "Wan 2.2 text+image-to-video, 5B parameters, 720p": "Wan 2.2 文本+图像生视频，5B 参数，720p",
    "AnyFlow Wan 2.1 1.3B, distilled to 4 steps: the fastest on a CPU": "AnyFlow Wan 2.1 1.3B，蒸馏到 4 步：CPU 上最快",
    "LTX-Video 2B animating a still image": "LTX-Video 2B，让静态图像动起来",
    "LTX-2 19B distilled (8 steps): the clip and its sound made together, 24 fps":
        "LTX-2 19B 蒸馏版（8 步）：画面与声音一同生成，24 fps",
    "LTX-2 19B distilled animating a still image, with the clip's sound": "LTX-2 19B 蒸馏版：让静态图像动起来，并生成片段的声音",
    "Wan 2.2 TI2V 5B animating a still image, 720p": "Wan 2.2 TI2V 5B，让静态图像动起来，720p",
    "X-CLIP base/32 (Kinetics-400 top-1 80.4%): Kinetics-400 actions by default, or your own labels; "
    "the default on CPU":
        "X-CLIP base/32（Kinetics-400 top-1 80.4%）：默认识别 Kinetics-400 的动作，也可以用你自己的标签；CPU 上的默认模型",
    "X-CLIP base/16 (Kinetics-400 top-1 83.8%): Kinetics-400 actions by default, or your own labels; "
    "the default on GPU":
        "X-CLIP base/16（Kinetics-400 top-1 83.8%）：默认识别 Kinetics-400 的动作，也可以用你自己的标签；GPU 上的默认模型",
    "VideoMAE base fine-tuned on Kinetics-400 (400 human actions); non-commercial":
        "在 Kinetics-400（400 种人体动作）上微调的 VideoMAE base；非商业用途",
    "The shapes world's procedural renderer: the exact, non-learned reference for the demo models":
        "形状世界的程序化渲染器：演示模型的精确参照（不是学习得到的模型）",
    "Small demo model of the shapes world: draws one shape making one of nine motions":
        "形状世界的小型演示模型：画出一个做九种运动之一的形状",
    "Small demo model of the shapes world: moves the shape in your image as the prompt says":
        "形状世界的小型演示模型：按提示词移动你图像中的形状",
    "Small demo model of the shapes world: which of nine motions a shape makes":
        "形状世界的小型演示模型：判断形状在做九种运动中的哪一种",
    # -- running -----------------------------------------------------------------------------------
    # the libraries' progress messages (PROGRESS below; a message not among them shows in English)
    "Downloading {model}": "正在下载 {model}",
    "Downloaded {model}": "已下载 {model}",
    "Loading {model}": "正在加载 {model}",
    "Loaded {model}": "已加载 {model}",
    "Denoising step {done}/{total}": "去噪：第 {done}/{total} 步",
    "Drawing the frames: batch {done}/{total}": "绘制帧：第 {done}/{total} 批",
    "Decoding the frames (VAE)": "解码帧（VAE）",
    "Encoding H.264": "编码 H.264",
    "Encoding H.264: frame {done}/{total}": "编码 H.264：第 {done}/{total} 帧",
    "Reading frames": "读取帧",
    "Classifying": "识别中",
    "Timeline: {done}/{total} segments": "时间轴：{done}/{total} 个片段",
    "Error": "错误",
    "Warning": "警告",
    "Info": "提示",
    "Done: {frames} frames, {width}×{height} at {fps:g} fps, seed {seed}.":
        "完成：{frames} 帧，{width}×{height}，{fps:g} fps，种子 {seed}。",
    "Load {load:.1f} s · generate {generate:.1f} s · encode {encode:.1f} s.":
        "加载 {load:.1f} 秒 · 生成 {generate:.1f} 秒 · 编码 {encode:.1f} 秒。",
    " · {minutes}:{seconds:02d} left": " · 还剩 {minutes}:{seconds:02d}",
    "Cancelled: nothing was written.": "已取消：没有写入任何文件。",
    "Cancelling at the next step…": "将在下一步取消…",
    "Nothing to cancel.": "没有可以取消的任务。",
    "Upload an image first: image to video starts from it.": "请先上传一张图像：图生视频从它开始。",
    "Upload or record a video first.": "请先上传或录制一段视频。",
    "Generation failed unexpectedly ({error}). Try other settings (fewer frames, a smaller size) or another "
    "model; the server log has the details.":
        "生成意外失败（{error}）。请换一组设置（更少的帧数、更小的尺寸）或换一个模型；详情见服务器日志。",
    "Recognition failed unexpectedly ({error}). Try another video or model; the server log has the details.":
        "识别意外失败（{error}）。请换一段视频或换一个模型；详情见服务器日志。",
}

# -- public mode's limits (videogen/ui/app.py caps_line) ------------------------------------------
ZH_CN.update({
    "**Public mode.** Whatever the settings or the API ask: {limits}.": "**公开模式**。无论设置或 API 请求什么：{limits}。",
    "up to {frames} frames": "最多 {frames} 帧",
    "{side} pixels a side, {pixels} pixels a frame": "每边 {side} 像素，每帧 {pixels} 像素",
    "{millions:g} million pixels a clip (frames × height × width)": "每段视频 {millions:g} 百万像素（帧数 × 高 × 宽）",
    "prompts of {chars} characters": "提示词 {chars} 个字符",
    "images of {megapixels:g} megapixels": "图像 {megapixels:g} 百万像素",
    "videos of {minutes:g} min": "视频 {minutes:g} 分钟",
    "uploads of {mb:g} MB": "上传 {mb:g} MB",
    "Your clips and uploads are deleted after {minutes:g} min.": "你的视频和上传的文件会在 {minutes:g} 分钟后删除。",
    "Your browser cannot play {name}, and it has too many frames to convert here; it is classified as uploaded all "
    "the same.": "你的浏览器无法播放 {name}，而它的帧数太多，无法在这里转换；识别时仍按上传的文件进行。",
    "This clip's file has been deleted (this app keeps files for a while only). Its settings are in its caption.":
        "这段视频的文件已被删除（本应用只保留文件一段时间）。它的设置见其说明文字。",
})

ZH_CN.update(translations())  # the settings' labels and help, from the settings table
ZH_CN.update(ZH_EDIT)  # the Edit tab's
ZH_CN.update(ZH_COMPOSE)  # the Compose tab's
ZH_CN.update(ZH_BATCH)  # Text to Video's Batch

TABLES: dict[Locale, Mapping[str, str]] = {"zh-CN": ZH_CN}

# The progress messages of videogen's pipelines, hub and models (Progress.message, videogen/hub/):
# :func:`tr_message` translates a message that one of them matches whole.
PROGRESS: tuple[str, ...] = (
    "Downloading {model}", "Downloaded {model}", "Loading {model}", "Loaded {model}", "Denoising step {done}/{total}", "Drawing the frames: batch {done}/{total}",
    "Decoding the frames (VAE)", "Encoding H.264", "Encoding H.264: frame {done}/{total}", "Reading frames",
    "Classifying", "Timeline: {done}/{total} segments", "Interpolating: pair {done}/{total}",
    "Upscaling: frame {done}/{total}", "Restyling: frame {done}/{total}", "Restyling: step {done}/{total}",
)

# Gradio's launch(i18n=...): ships the table to the browser, which shows the Chinese of each t("...").
I18N = gr.I18n(**{"zh-CN": ZH_CN})
MARKER = "__i18n__"  # t("...") in the page's config: __i18n__{"__type__": "translation_metadata", "key": "..."}


def t(text: str) -> I18nData:
    """A fixed text of the page (``text``: English, and its own key), translated in the browser."""
    return I18N(text)


def tr(text: str, locale: Locale = "en", /, **values: object) -> str:
    """``text`` in ``locale`` (English when there is no translation), its ``{fields}`` filled with ``values``."""
    template = TABLES.get(locale, {}).get(text, text)
    return template.format(**values) if values else template


UNITS_ZH = ((re.compile(r"(\d) h\b"), r"\1 小时"), (re.compile(r"(\d) min\b"), r"\1 分钟"), (re.compile(r"(\d) s\b"), r"\1 秒"))
PARTS_ZH = {"transformer": "Transformer", "text encoder": "文本编码器", "VAE": "VAE", "image encoder": "图像编码器"}


def tr_units(text: str, locale: Locale = "en") -> str:
    """A duration ("1 h 5 min", "40 s") in ``locale``'s units."""
    if locale != "zh-CN":
        return text
    for pattern, replacement in UNITS_ZH:
        text = pattern.sub(replacement, text)
    return text


def tr_parts(text: str, locale: Locale = "en") -> str:
    """A parameter breakdown ("1.4B transformer + 5.7B text encoder") with the components named in ``locale``."""
    if locale != "zh-CN":
        return text
    return " + ".join(re.sub(r"^(\S+) (.+)$", lambda m: f"{m[1]} {PARTS_ZH.get(m[2], m[2])}", part)
                      for part in text.split(" + "))


_FIELDS_ZH = {"shape": "形状", "color": "颜色", "background": "背景", "motion": "运动", "size": "大小", "speed": "速度"}
_SPEED_ZH = {"slow": "缓慢", "fast": "快速"}


def tr_understood(line: str, locale: Locale = "en") -> str:
    """The shapes world's "understood: red circle, moving left, white background (defaulted: shape)"
    line in ``locale`` ("理解为：红色圆形，向左移动，白色背景（默认：形状）"); quoted words it ignored stay
    as typed, and a line it does not know stays as it is."""
    if locale != "zh-CN" or not line or not line.startswith("understood: "):
        return line
    from videogen.shapes import vocab

    names = {**vocab.SHAPES_ZH, **vocab.SIZES_ZH}
    motion = "|".join(sorted(map(re.escape, vocab.MOTIONS_ZH), key=len, reverse=True))

    def motion_zh(m: re.Match) -> str:
        speed = f"（{_SPEED_ZH.get(m['speed'], m['speed'])}）" if m["speed"] else ""
        return vocab.MOTIONS_ZH[m["motion"]] + speed

    def defaulted_zh(m: re.Match) -> str:
        return "（默认：" + "、".join(_FIELDS_ZH.get(f.strip(), f.strip()) for f in m[1].split(",")) + "）"

    text = line.removeprefix("understood: ")
    for english, chinese in (("; shape, colour and background from the image", "；形状、颜色和背景取自图像"),
                             ("; not used (the image decides): ", "；未使用（由图像决定）："), ("; ignored: ", "；忽略：")):
        text = text.replace(english, chinese)
    text = re.sub(rf"(?P<motion>{motion})(?: \((?P<speed>slow|fast)\))?", motion_zh, text)
    text = re.sub(r"^((?:small |large )?)(\w+) (circle|square|triangle), ",
                  lambda m: f"{names.get(m[1].strip(), '')}{vocab.COLORS_ZH.get(m[2], m[2])}{names[m[3]]}，", text)
    text = re.sub(r", ([a-z ]+) background", lambda m: f"，{vocab.BACKGROUNDS_ZH.get(m[1], m[1])}背景", text)
    text = re.sub(r" \(defaulted: ([^)]*)\)", defaulted_zh, text)
    return "理解为：" + text


def _pattern(template: str) -> re.Pattern[str]:
    """``template`` as a regular expression, its fields as named groups: "Loading (?P<model>.+?)"."""
    parts = re.split(r"\{(\w+)\}", template)  # literal, field, literal, ..., literal
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)))


_PROGRESS_PATTERNS = tuple((template, _pattern(template)) for template in PROGRESS)


def tr_message(message: str, locale: Locale = "en") -> str:
    """A progress message in ``locale`` when it is one of :data:`PROGRESS`, else as the library wrote it."""
    if locale not in TABLES:
        return message
    for template, pattern in _PROGRESS_PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return tr(template, locale, **found.groupdict())
    return message


def locale_of(request: gr.Request | None) -> Locale:
    """The browser's language for this request, decided as Gradio's frontend decides it for the
    page: "zh-CN" when the first choice of its ``Accept-Language`` header (the highest weight, the
    first of equals) is ``zh-CN``, else "en"."""
    headers = getattr(request, "headers", None)  # a dict where the request was pickled (ZeroGPU)
    header = (headers.get("accept-language") if headers is not None else None) or ""
    best, best_weight = "", 0.0
    for entry in header.split(","):
        tag, *params = (part.strip() for part in entry.split(";"))
        weight = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    weight = float(param[2:])
                except ValueError:
                    weight = 0.0
        if tag and weight > best_weight:
            best, best_weight = tag, weight
    return "zh-CN" if best.lower() == "zh-cn" else "en"


def english(value: Any) -> Any:
    """``value`` (a config's or API description's) with each translation marker replaced by its English text."""
    if isinstance(value, I18nData):
        return value.key
    if isinstance(value, str) and value.startswith(MARKER):
        try:
            return json.loads(value[len(MARKER):])["key"]
        except (ValueError, KeyError, TypeError):
            return value
    if isinstance(value, dict):
        return {key: english(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(english(item) for item in value)
    return value


class Blocks(gr.Blocks):
    """``gr.Blocks`` that launches with the app's translations (Gradio takes them in ``launch``, not
    here), and whose HTTP API description names inputs and outputs by their English labels rather
    than by translation markers (Gradio's routes allow for subclasses that override ``get_api_info``)."""

    def launch(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("i18n", I18N)
        return super().launch(*args, **kwargs)

    def get_api_info(self, *args: Any, **kwargs: Any) -> Any:
        return english(super().get_api_info(*args, **kwargs))
