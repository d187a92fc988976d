"""English and Simplified Chinese: the translation table, the page's texts, and the texts made at
run time in the language of the browser that asks (videogen/ui/i18n.py)."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

import gradio as gr
import httpx
import numpy as np
import pytest
from gradio.i18n import I18nData

from videogen.registry import MODELS
from videogen.ui.app import build_demo
from videogen.ui.handlers import Handlers
from videogen.ui.i18n import MARKER, PROGRESS, ZH_CN, english, locale_of, tr, tr_message

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z]")
CHINESE_BROWSER = "zh-CN,zh;q=0.9,en;q=0.8"  # what Chromium sends with its language set to 简体中文


def request(accept_language: str | None = CHINESE_BROWSER, session: str = "zh") -> gr.Request:
    headers = {} if accept_language is None else {"accept-language": accept_language}
    return gr.Request(headers=headers, session_hash=session)


def fields(template: str) -> list[tuple[str, str]]:
    return sorted((name, spec) for _, name, spec, _ in string.Formatter().parse(template) if name is not None)


def chinese(text: str) -> bool:
    return bool(CJK.search(text))


# ---- the table ----------------------------------------------------------------------------------


def test_every_text_has_chinese_with_the_same_fields() -> None:
    for english_text, chinese_text in ZH_CN.items():
        assert chinese_text.strip() and chinese(chinese_text), f"no Chinese for {english_text!r}"
        assert fields(chinese_text) == fields(english_text), f"fields differ: {english_text!r}"
    assert set(PROGRESS) <= set(ZH_CN), "each progress template is translated"


def test_every_registered_model_description_is_translated() -> None:
    """The model cards start with the registry's description: a new or edited one needs its Chinese."""
    missing = [spec.description for spec in MODELS if spec.description not in ZH_CN]
    assert missing == [], "add these to ZH_CN in videogen/ui/i18n.py"


@pytest.mark.parametrize(("header", "locale"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
    ("zh-cn", "zh-CN"),
    ("en;q=0.5, zh-CN", "zh-CN"),  # the weights decide, not the order
    ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
    ("zh", "en"),  # Gradio has no "zh" of its own, so its page is English: the server's texts too
    ("zh-TW,zh;q=0.9", "en"),
    ("zh-Hans-CN", "en"),
    ("", "en"),
    (None, "en"),
])
def test_the_language_is_the_browsers_first_choice(header: str | None, locale: str) -> None:
    assert locale_of(request(header)) == locale
    assert locale_of(None) == "en"


def test_progress_messages_are_translated_when_known() -> None:
    assert tr_message("Denoising step 3/50", "zh-CN") == "去噪：第 3/50 步"
    assert tr_message("Loading wan2.1-t2v-1.3b", "zh-CN") == "正在加载 wan2.1-t2v-1.3b"
    assert tr_message("Encoding H.264: frame 8/16", "zh-CN") == "编码 H.264：第 8/16 帧"
    assert tr_message("Denoising step 3/50") == "Denoising step 3/50"
    assert tr_message("Something new", "zh-CN") == "Something new", "an unknown message stays as it is"


# ---- the page -------------------------------------------------------------------------------------


@pytest.fixture
def demo() -> gr.Blocks:
    return build_demo(Handlers(device="cpu"))


def page_texts(component: dict[str, Any]) -> list[Any]:
    """The texts a component shows: label, hint, placeholder, a button's or Markdown's value, the
    Try tables' headers (shown when there are two columns or more) and the dropdowns' entries."""
    props = component["props"]
    texts = [props.get("label"), props.get("info"), props.get("placeholder")]
    if component["type"] in ("button", "markdown"):
        texts.append(props.get("value"))
    if component["type"] == "dataset" and len(props.get("component_ids", [])) > 1:
        texts += props.get("headers", [])
    if component["type"] == "dropdown":
        texts += [label for label, _ in props.get("choices", [])]
    return texts


def load_events(demo: gr.Blocks) -> list[Any]:
    return [fn for fn in demo.fns.values() if any(event == "load" for _, event in fn.targets)]


def test_every_text_of_the_page_is_translated(demo: gr.Blocks) -> None:
    """Each text of the built page is a translation marker (shown in the browser's language) of a
    text in the table, or is sent again in the browser's language when the page loads."""
    reloaded = {output._id for fn in load_events(demo) for output in fn.outputs}
    untranslated = []
    for component in demo.get_config_file()["components"]:
        for text in page_texts(component):
            if isinstance(text, I18nData) or (isinstance(text, str) and text.startswith(MARKER)):
                if english(text) not in ZH_CN:
                    untranslated.append((component["type"], english(text)))
            elif isinstance(text, str) and LATIN.search(text) and component["id"] not in reloaded:
                untranslated.append((component["type"], text))
    assert untranslated == []
    types = {c["type"] for c in demo.get_config_file()["components"]}
    assert {"tabitem", "accordion", "button", "markdown", "dataset", "number", "dropdown"} <= types, "the walk saw them"


def test_the_page_load_sends_the_data_texts_in_the_browsers_language(demo: gr.Blocks) -> None:
    """Model cards, the models' entries and the settings' hints: in Chinese for a Chinese browser,
    as built for an English one."""
    events = load_events(demo)
    assert len(events) == 4, "one per tab"
    for fn in events:
        [model] = fn.inputs
        outputs = fn.fn(model.value, request())
        assert len(outputs) == len(fn.outputs)
        texts = []
        for output in outputs:
            if isinstance(output, str):
                texts.append(output)
            elif isinstance(output, dict):
                texts += [output.get(k) for k in ("info", "placeholder") if isinstance(output.get(k), str)]
                texts += [label for label, _ in output.get("choices", [])] + list(output.get("headers", []))
        assert texts and all(chinese(text) for text in texts if LATIN.search(text)), texts
        english_outputs = fn.fn(model.value, request("en-US,en;q=0.9"))
        assert not any(chinese(o) for o in english_outputs if isinstance(o, str)), "English for an English browser"


def test_the_api_keeps_english_names_and_the_launched_page_ships_the_table(demo: gr.Blocks) -> None:
    info = demo.get_api_info()
    assert MARKER not in json.dumps(info, default=str)
    returns = [r["label"] for r in info["named_endpoints"]["/text_to_video"]["returns"]]
    assert returns == ["Video", "Status", "Seed"]
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", server_port=None)
    try:
        config = httpx.get(url + "config").json()
        assert config["i18n_translations"] == {"zh-CN": ZH_CN}, "launch() has the table without being told"
        tabs = [c["props"]["label"] for c in config["components"] if c["type"] == "tabitem"]
        assert [english(label) for label in tabs] == ["Text to Video", "Image to Video", "Action Recognition", "Edit", "Compose"]
        assert all(label.startswith(MARKER) for label in tabs), "translated in the browser"
        assert MARKER not in httpx.get(url + "gradio_api/info").text
    finally:
        demo.close()


# ---- run time -------------------------------------------------------------------------------------


def test_a_chinese_browser_gets_chinese_status_lines() -> None:
    handlers = Handlers(device="cpu")
    runs = list(handlers.text_to_video("一个红色的圆形向左移动", seed=3, request=request()))
    statuses = [status for _, status, *_ in runs if isinstance(status, str)]
    *progress, done = statuses
    assert progress and all(chinese(line) for line in progress), f"a progress message shown in English: {progress}"
    assert "完成：16 帧" in done and "种子 3" in done, done
    clip = runs[-1][3][0]
    assert "种子 3" in clip.caption("zh-CN") and "| 设置 | 值 |" in clip.details("zh-CN")
    assert handlers.cancel(request()) == "没有可以取消的任务。"

    english_runs = list(handlers.text_to_video("a red circle moving left", seed=3, request=request("en-US")))
    assert "Done: 16 frames" in english_runs[-1][1] and f"seed {english_runs[-1][2]}" in english_runs[-1][1]


def test_chinese_errors_and_recognition_results(tmp_path: Path) -> None:
    from videogen.shapes import SceneSpec, render_clip, sample_params
    from videogen.media import write_video

    handlers = Handlers(device="cpu")
    with pytest.raises(gr.Error) as error:
        list(handlers.classify(None, "shapes-action", "", request=request()))
    assert (error.value.message, error.value.title) == ("请先上传或录制一段视频。", "错误")

    rng = np.random.default_rng(0)
    scenes = [SceneSpec("circle", "blue", "black", motion) for motion in ("moving up", "moving right", "growing")]
    frames = np.concatenate([render_clip(sample_params(s, rng, num_frames=32, height=128, width=128)) for s in scenes])
    video = write_video(frames, tmp_path / "three.mp4", fps=8)  # 12 s: longer than one window, so a timeline
    *_, result = handlers.classify(str(video), "shapes-action", "", request=request())
    _scores, strip, status, summary, plot, segment, _frames, segment_scores, _timeline = result
    assert strip[0][1] == "第 1 帧" and "识别用时" in status
    assert summary["value"].startswith("### 时间轴：主要是")
    assert (plot["x_title"], plot["y_title"], plot["color_title"]) == ("时间（秒）", "概率", "动作")
    assert segment["label"].startswith("片段（1-") and segment_scores["label"].startswith("片段 1：")
    assert tr("Segment {index}: {start}–{end}", "en", index=1, start="0:00.0", end="0:02.0") == "Segment 1: 0:00.0–0:02.0"


def test_chinese_markdown_renders_without_raw_asterisks() -> None:
    """CommonMark does not close ``**`` after a full-width colon or full stop when a character follows
    (``**内存规划：**运行``), so the page showed the asterisks: every Chinese text renders clean."""
    from markdown_it import MarkdownIt

    render = MarkdownIt("commonmark").render
    for english_text, chinese_text in ZH_CN.items():
        if "**" not in chinese_text:
            continue
        values = {name: "x" for name, _ in fields(chinese_text)}
        sample = re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: values.get(m[1], "x"), chinese_text)
        assert "**" not in render(sample), f"raw ** in {chinese_text!r}"


def test_the_chinese_page_gets_the_understood_line_and_try_prompts_in_chinese(demo: gr.Blocks) -> None:
    """Issue 17: the shapes world's "understood:" line and the Try row's prompts in Chinese on a Chinese page."""
    from videogen.embedded.image_to_video import understood_line
    from videogen.shapes.prompt import parse_prompt, understood_summary
    from videogen.ui.i18n import tr_understood

    line = understood_summary(parse_prompt("a large blue square growing slowly"))
    assert tr_understood(line, "zh-CN") == "理解为：大的蓝色正方形，变大（缓慢），黑色背景（默认：背景）"
    assert tr_understood(line, "en") == line
    animated = understood_line(parse_prompt("turn it clockwise fast, red"))
    assert tr_understood(animated, "zh-CN").startswith("理解为：顺时针旋转（快速）；形状、颜色和背景取自图像")

    handlers = Handlers(device="cpu")
    *_, done = handlers.text_to_video("a red circle moving left", seed=3, request=request())
    assert done[1].startswith("理解为：红色圆形，向左移动，黑色背景")

    [t2v_load] = [fn for fn in load_events(demo) if len(fn.outputs) > 3 and fn.outputs[0] is not None][:1]
    outputs = t2v_load.fn(t2v_load.inputs[0].value, request())
    samples = [o["samples"] for o in outputs if isinstance(o, dict) and "samples" in o]
    assert samples and all(chinese(prompt) for [prompt] in samples[0]), samples


def test_the_models_warnings_are_chinese_on_a_chinese_page(tmp_path: Path) -> None:
    """Issue 17: the shapes world's warnings (a real photo, real footage, a prompt about a cat), the
    media room's and the photo-size note, each matched whole and said in Chinese; an unknown one stays."""
    from skimage import data

    from videogen.generate.common import GenerationParams, smaller_than_photo
    from videogen.registry import find
    from videogen.shapes.world import image_warnings, prompt_warnings, video_warnings
    from videogen.ui.warning_texts import tr_warning

    photo = data.astronaut()
    warnings = [
        *prompt_warnings(find("shapes-t2v", "t2v"), "A cat walks on the grass, realistic style."),
        *image_warnings(find("shapes-i2v", "i2v"), photo),
        *video_warnings(find("shapes-action", "classify"), np.stack([photo[:256, :256]] * 8)),
        "Only 10 of the 16 sampled frames of a.avi could be decoded (the file may be damaged or cut short); the "
        "nearest frames stand in for the others.",
    ]
    spec = find("shapes-i2v", "i2v")
    params = GenerationParams(**{**{f: None for f in GenerationParams.__dataclass_fields__}, "width": 168, "height": 96})
    warnings.append(smaller_than_photo(spec, params, (528, 300)))
    assert len(warnings) == 5
    for warning in warnings:
        chinese_text = tr_warning(warning, "zh-CN")
        assert chinese(chinese_text) and not re.search(r"\b(the|only|This|use)\b", chinese_text), (warning, chinese_text)
        assert tr_warning(warning, "en") == warning
    assert "一只" not in tr_warning(warnings[0], "zh-CN") and "红色的圆形" in tr_warning(warnings[0], "zh-CN")
    assert tr_warning("something new", "zh-CN") == "something new"
