"""The models' and the media room's warnings in Chinese, for a Chinese page.

The library writes its warnings in English (the CLI's ``warning:`` lines and ``--json``'s
``"warnings"`` stay so). A warning is a template with fields (a model id, a size, a percentage, the
reason a picture is not a shapes-world one); :func:`tr_warning` matches it whole against
:data:`WARNINGS_ZH`, translates the fields that are themselves phrases (the reason, the scene it will
draw, the real model to use instead) and fills the Chinese template. A warning it does not know
stays in English.
"""

from __future__ import annotations

import re

from typing import Any

from videogen.ui.i18n import Locale, tr

# The reason a picture, a clip or a prompt is outside the shapes world (videogen.shapes.world).
PROBLEMS_ZH = {
    "its edges are not one plain background colour": "边缘不是同一种纯色背景",
    "the background covers only {share} of the picture": "背景只占画面的 {share}",
    "it shows many separate things, not one shape": "画面里有许多分开的东西，而不是一个形状",
    "it has many colours, not one plain shape": "颜色很多，不是一个纯色形状",
    "its background changes colour": "背景颜色在变化",
    "none of this prompt is about shapes ({words})": "这个提示词与形状无关（{words}）",
    "this prompt names no shape, colour or motion": "这个提示词没有说出形状、颜色或运动",
    "this prompt's subject is not one of them (not understood: {words})": "提示词的主体不是其中之一（未理解：{words}）",
    "most of this prompt is not about shapes (not understood: {words})": "提示词大部分与形状无关（未理解：{words}）",
}
WHAT_ZH = {"real scenes": "真实场景", "real images": "真实图像", "real videos": "真实视频"}
SWITCH = re.compile(r" For (?P<what>real scenes|real images|real videos) use (?P<model>\S+) "
                    r"\(~(?P<size>[\d.]+ GiB) download(?P<gpu>, best on a GPU)?\)\.$")

WARNINGS_ZH = {
    "{model} only draws a circle, square or triangle on a plain background, and {problem}; it will draw {scene}.":
        "{model} 只会在纯色背景上画一个圆形、正方形或三角形，而{problem}；它将画出：{scene}。",
    "This looks like a real photograph, not a shapes-world scene ({problem}): {model} only moves one plain circle, "
    "square or triangle on a plain background, and will warp this picture.":
        "这看起来是一张真实照片，而不是形状世界的场景（{problem}）：{model} 只会移动纯色背景上的一个圆形、正方形或"
        "三角形，会把这张图扭曲。",
    "This looks like real footage, not a shapes-world clip ({problem}): {model} only tells how one plain shape "
    "moves, grows, shrinks or turns, so its labels (\"moving right\", \"rotating clockwise\", ...) mean nothing here.":
        "这看起来是真实影像，而不是形状世界的片段（{problem}）：{model} 只能判断一个纯色形状如何移动、变大、变小或"
        "旋转，因此它的标签（“moving right”“rotating clockwise”……）在这里没有意义。",
    "Only {read} of the {count} sampled frames of {name} could be decoded (the file may be damaged or cut short); "
    "the nearest frames stand in for the others.":
        "{name} 的 {count} 个采样帧中只有 {read} 个能解码（文件可能损坏或不完整）；其余的由最近的帧代替。",
    "{name} could be decoded only up to {time} s of its {duration} s (the file may be damaged or cut short); its "
    "last frame stands in for the {count} samples after that.":
        "{name} 只能解码到 {duration} 秒中的第 {time} 秒（文件可能损坏或不完整）；之后的 {count} 个采样由最后一帧代替。",
    "The clip is {size}, smaller than the {photo} photo: without a size, {model} makes clips of its default pixel "
    "count ({default}), in the photo's shape. For the photo's size ask for height {height} and width {width} (slower).":
        "视频为 {size}，比 {photo} 的照片小：不指定尺寸时，{model} 按其默认像素数（{default}）生成与照片同比例的视频。"
        "要照片的尺寸，请把高度设为 {height}、宽度设为 {width}（更慢）。",
    "The video lasts {minutes} min: its {count} windows of {window} s start every {wide} s instead of every {stride} s, "
    "so the timeline samples the video rather than covering all of it.":
        "视频长 {minutes} 分钟：它的 {count} 个 {window} 秒窗口每隔 {wide} 秒开始，而不是每隔 {stride} 秒，因此时间线是"
        "对视频抽样，而不是覆盖全部。",
    # the edit recipe's (videogen.edit)
    "There is one frame only: nothing to interpolate between.": "只有一帧：没有可以在其间插帧的两帧。",
    "Every frame is the same (a still): interpolating adds copies of it.": "每一帧都相同（静止画面）：插帧只会加入它的副本。",
    "The video is already {size}: upscaling it makes a larger file, hardly a sharper picture.":
        "视频已经是 {size}：放大只会让文件更大，画面几乎不会更清晰。",
    "{model} is a ×{scale} model: it ran {runs} times for ×{factor}.": "{model} 是 ×{scale} 模型：为得到 ×{factor}，它运行了 {runs} 次。",
    "{model} is a ×{scale} model: its result was shrunk by {shrink} (area) for ×{factor}.":
        "{model} 是 ×{scale} 模型：为得到 ×{factor}，其结果按面积缩小了 {shrink} 倍。",
}


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)  # literal, field, literal, ..., literal
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts)) + "$")


_WARNINGS = [(_pattern(english), chinese) for english, chinese in WARNINGS_ZH.items()]
_PROBLEMS = [(_pattern(english), chinese) for english, chinese in PROBLEMS_ZH.items()]


def _problem(text: str) -> str:
    for pattern, chinese in _PROBLEMS:
        if found := pattern.match(text):
            return chinese.format(**found.groupdict())
    return text


def _scene(text: str) -> str:
    """The scene a shapes model will draw, as the prompt parser writes it, in Chinese."""
    from videogen.shapes.prompt import describe, parse_prompt

    parsed = parse_prompt(text)
    return describe(parsed.spec, "zh") if parsed.understood else text


def tr_warning(text: str, locale: Locale = "en") -> str:
    """A warning in ``locale`` when it is one of :data:`WARNINGS_ZH`, else as the library wrote it."""
    if locale != "zh-CN":
        return text
    switch = SWITCH.search(text)
    body = text[: switch.start()] if switch else text
    for pattern, chinese in _WARNINGS:
        found = pattern.match(body)
        if found is None:
            continue
        fields = found.groupdict()
        if "problem" in fields:
            fields["problem"] = _problem(fields["problem"])
        if "scene" in fields:
            fields["scene"] = _scene(fields["scene"])
        line = chinese.format(**fields)
        if switch:
            gpu = "，最好使用 GPU" if switch["gpu"] else ""
            line += f"要处理{WHAT_ZH[switch['what']]}，请使用 {switch['model']}（需下载约 {switch['size']}{gpu}）。"
        return line
    return text


def warning_lines(result: Any, locale: Locale = "en") -> list[str]:
    """A result's warnings as status lines ("⚠️ ..."), in ``locale``, each also shown as a toast."""
    import gradio as gr

    lines = []
    for warning in getattr(result, "warnings", None) or []:
        warning = tr_warning(warning, locale)
        gr.Warning(warning, title=tr("Warning", locale))
        lines.append(f"⚠️ {warning}")
    return lines
