"""The app in a real browser: Debian's Chromium driven by Playwright against `python app.py`.

One app (offline, embedded models) and one browser for the module. Each test leaves a screenshot in
``test-artifacts/browser/`` (kept by CI as the tests' artifacts). Chromium comes from Debian
(``apt-get install chromium fonts-noto-cjk fonts-noto-color-emoji``, done by ``.ci/run``), never from ``playwright install``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
PLAYING = """() => { const v = [...document.querySelectorAll('video[data-testid$="-player"]')].find(v => v.offsetParent);
                     return !!v && v.readyState >= 2 && v.duration > 0 && !v.error }"""

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Debian's chromium is not installed here (apt-get install chromium fonts-noto-cjk fonts-noto-color-emoji)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_app(home: Path, **env: str) -> tuple[subprocess.Popen, str]:
    """`python app.py --offline` on a free port, with its own output, cache and temp folders."""
    port = _free_port()
    env = {**os.environ, "HF_HOME": str(home / "hf"), "HF_HUB_OFFLINE": "1", "VIDEOGEN_OUTPUT_DIR": str(home / "out"),
           "GRADIO_TEMP_DIR": str(home / "gradio"), "GRADIO_ANALYTICS_ENABLED": "False", "VIDEOGEN_DEVICE": "cpu", **env}
    log = (home / "app.log").open("w")
    process = subprocess.Popen([sys.executable, "app.py", "--offline", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    log.close()  # the child has its own handle
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    pytest.fail(f"the app did not start: {(home / 'app.log').read_text()[-2000:]}")


@contextmanager
def _serving(home: Path, **env: str) -> Iterator[dict]:
    """The running app as the tests use it: its URL, output folder and home; stopped afterwards."""
    process, url = _start_app(home, **env)
    try:
        yield {"url": url, "outputs": home / "out", "home": home}
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with _serving(tmp_path_factory.mktemp("browser-app")) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open(browser, app: dict, locale: str = "en-US"):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 1000},
                                  extra_http_headers={"Accept-Language": locale})
    page = context.new_page()
    page.goto(app["url"])
    page.wait_for_selector("button[role=tab]")
    return page


def screenshot_page(browser, app: dict, request: pytest.FixtureRequest) -> Iterator[object]:
    """A page on ``app`` for one test, its screenshot kept in ARTIFACTS afterwards (every module's ``page``)."""
    page = _open(browser, app)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    page.context.close()


def own_app(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[dict]:
    """An app of a module's own (``app``), in a home folder called ``name``."""
    with _serving(tmp_path_factory.mktemp(name)) as served:
        yield served


@pytest.fixture
def page(browser, app: dict, request: pytest.FixtureRequest) -> Iterator[object]:
    yield from screenshot_page(browser, app, request)


def _tab(page, name: str):
    page.get_by_role("tab", name=name).click()
    panel = page.locator("[role=tabpanel]").filter(visible=True)
    panel.first.wait_for()
    return panel


def _clips(outputs: Path) -> set[Path]:
    return {p for p in outputs.glob("*.mp4")} if outputs.exists() else set()


def _status(panel) -> str:
    return "\n".join(panel.locator(".prose").all_inner_texts())


def test_text_to_video_plays_and_stays_in_the_history(page, app: dict) -> None:
    panel = _tab(page, "Text to Video")
    for n, prompt in enumerate(["a red circle moving to the left", "一个蓝色的正方形向上移动，白色背景"], 1):
        panel.get_by_label("Prompt").fill(prompt)
        panel.get_by_role("button", name="Generate").click()
        page.wait_for_function(PLAYING, timeout=60_000)
        panel.locator(".videogen-history .thumbnail-item").nth(n - 1).wait_for(timeout=30_000)  # the history grows
    assert panel.locator(".videogen-history .thumbnail-item").nth(1).is_visible()
    assert "moving up" in _status(panel) or "moving" in _status(panel)


def _start_a_long_clip(panel) -> None:
    panel.get_by_label("Prompt").fill("a green triangle rotating clockwise")
    panel.locator("button.label-wrap").filter(has_text="Settings").first.click()  # open the accordion
    for label, value in (("Frames", "257"), ("Height", "1024"), ("Width", "1024")):
        box = panel.get_by_label(label, exact=True)
        box.fill(value)
        box.blur()
    panel.get_by_role("button", name="Generate").click()


def _generate_a_short_clip(page, panel) -> None:
    for label, value in (("Frames", "16"), ("Height", "128"), ("Width", "128")):
        panel.get_by_label(label, exact=True).fill(value)
    panel.get_by_role("button", name="Generate").click()
    page.wait_for_function(PLAYING, timeout=60_000)


def test_progress_moves_and_cancel_stops_within_a_second(page, app: dict) -> None:
    panel = _tab(page, "Text to Video")
    before = _clips(app["outputs"])
    _start_a_long_clip(panel)
    page.get_by_text("Drawing the frames: batch").first.wait_for(timeout=30_000)  # the progress line moves
    clicked = time.monotonic()
    panel.get_by_role("button", name="Cancel").click()
    page.get_by_text("Cancelled").first.wait_for(timeout=10_000)
    stopped_after = time.monotonic() - clicked
    assert stopped_after < 3.0, f"Cancel took {stopped_after:.1f} s"
    time.sleep(1.0)
    assert _clips(app["outputs"]) == before, "a cancelled job wrote a clip"
    _generate_a_short_clip(page, panel)  # the next request works
    assert len(_clips(app["outputs"]) - before) == 1


@pytest.fixture(scope="module")
def zerogpu_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The app on a ZeroGPU Space (SPACE_ID, and tests/zerogpu/spaces.py as the `spaces` package),
    kept in local mode so that the long clip is allowed."""
    double = str(Path(__file__).parent / "zerogpu")
    with _serving(tmp_path_factory.mktemp("zerogpu-app"), SPACE_ID="someone/videogen", VIDEOGEN_PUBLIC="0",
                  PYTHONPATH=os.pathsep.join([double, os.environ.get("PYTHONPATH", "")])) as served:
        yield served


def test_cancel_stops_a_job_in_the_zerogpu_worker(browser, zerogpu_app: dict) -> None:
    """On ZeroGPU the job runs in the `spaces` worker, a forked process out of reach of the page's
    Cancel event's memory: Cancel still stops it within seconds, and nothing is written."""
    page = _open(browser, zerogpu_app)
    panel = _tab(page, "Text to Video")
    before = _clips(zerogpu_app["outputs"])
    _start_a_long_clip(panel)
    page.get_by_text("Drawing the frames: batch").first.wait_for(timeout=30_000)
    panel.get_by_role("button", name="Cancel").click()
    page.get_by_text("Cancelled").first.wait_for(timeout=20_000)
    time.sleep(1.0)
    assert _clips(zerogpu_app["outputs"]) == before, "a cancelled job wrote a clip"
    _generate_a_short_clip(page, panel)  # the next request works
    assert len(_clips(zerogpu_app["outputs"]) - before) == 1
    page.context.close()


def test_image_to_video_from_an_example_and_a_broken_upload_explains_itself(page, app: dict) -> None:
    panel = _tab(page, "Image to Video")
    panel.get_by_test_id("dataset-cell-0-0").click()  # the first "Try" example: an image and its prompt
    page.wait_for_timeout(500)
    panel.get_by_role("button", name="Generate").click()
    page.wait_for_function(PLAYING, timeout=60_000)

    broken = app["home"] / "not-a-picture.png"
    broken.write_text("this is text, not an image")
    panel.locator("input[type=file]").first.set_input_files(str(broken))
    page.wait_for_timeout(500)
    panel.get_by_role("button", name="Generate").click()
    page.get_by_text("not an image").first.wait_for(timeout=30_000)
    assert "⛔" in _status(panel)


def test_action_recognition_of_a_clip(page, app: dict) -> None:
    from videogen.shapes import SceneSpec, render_spec
    from videogen.media import write_video

    clip = write_video(render_spec(SceneSpec("square", "red", "white", "moving right"), np.random.default_rng(1),
                                   num_frames=16, height=96, width=96), app["home"] / "square-right.mp4", fps=8)
    panel = _tab(page, "Action Recognition")
    panel.locator("input[type=file]").first.set_input_files(str(clip))
    page.wait_for_timeout(800)
    panel.get_by_role("button", name="Classify").click()
    page.get_by_text("moving right").first.wait_for(timeout=60_000)
    assert "shapes-action" in _status(panel)


def test_each_tab_screenshot(page, app: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name in ("Text to Video", "Image to Video", "Action Recognition", "Edit", "Compose"):
        _tab(page, name)
        page.wait_for_timeout(300)
        path = ARTIFACTS / f"tab-{name.lower().replace(' ', '-')}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000


def test_a_chinese_browser_gets_a_chinese_page(browser, app: dict) -> None:
    page = _open(browser, app, locale="zh-CN")
    try:
        tabs = [t.strip() for t in page.get_by_role("tab").all_inner_texts()]
        assert tabs == ["文生视频", "图生视频", "动作识别", "编辑", "合成"]
        panel = _tab(page, "文生视频")
        assert panel.get_by_role("button", name="生成").is_visible() and panel.get_by_role("button", name="取消").is_visible()
        panel.get_by_label("提示词").fill("一个红色的圆形向左移动，白色背景")
        panel.get_by_role("button", name="生成").click()
        page.wait_for_function(PLAYING, timeout=60_000)
        page.get_by_text("完成").first.wait_for(timeout=30_000)  # the run-time status is Chinese too
        assert _tab(page, "动作识别").get_by_role("button", name="识别").is_visible()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name in ("文生视频", "图生视频", "动作识别", "编辑", "合成"):
            _tab(page, name)
            page.screenshot(path=str(ARTIFACTS / f"zh-CN-{name}.png"), full_page=True)
    finally:
        page.context.close()


@pytest.fixture(scope="module", autouse=True)
def _clean_artifacts() -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)


def _choose_model(page, panel, model: str, label: str = "Model") -> None:
    """Pick a model in the tab's model box, as a user does: open the list, click the entry."""
    box = panel.get_by_label(label, exact=True)
    box.click()
    page.get_by_role("option").filter(has_text=re.compile(rf"(^|\s){re.escape(model)}\s*[(（]")).first.click()


def test_a_hub_model_on_a_cpu_starts_at_its_preset_and_a_long_job_asks_first(page, app: dict) -> None:
    """Issue 17: AnyFlow chosen on this CPU fills its CPU preset, whose button says its estimate, the
    same as the card's; a clip at the published size asks before it starts; Use the CPU preset puts
    the preset back. (Nothing is generated: the Hub is not reachable here.)"""
    import re

    panel = _tab(page, "Text to Video")
    _choose_model(page, panel, "anyflow-wan2.1-t2v-1.3b")
    preset = panel.get_by_role("button", name=re.compile(r"^CPU preset: 17 frames at 384×256, 4 steps \(about .+ here\)$"))
    preset.wait_for(timeout=60_000)
    panel.locator("button.label-wrap").filter(has_text="Settings").first.click()  # open the accordion
    assert [panel.get_by_label(label, exact=True).input_value() for label in ("Frames", "Height", "Width", "Steps")] == \
        ["17", "256", "384", "4"]
    estimate = re.search(r"\(about (.+) here\)", preset.inner_text())[1]
    page.get_by_text("On this CPU:").first.wait_for()
    assert f"On this CPU: about {estimate} for this clip" in _status(panel), (estimate, _status(panel).split("On this CPU")[1][:300])  # one estimate

    for label, value in (("Frames", "81"), ("Height", "480"), ("Width", "832")):
        box = panel.get_by_label(label, exact=True)
        box.fill(value)
        box.blur()
    panel.get_by_label("Prompt", exact=True).fill("a paper boat on a river at dawn")
    panel.get_by_role("button", name="Generate").click()
    question = page.get_by_text("This clip would take about")
    question.wait_for(timeout=30_000)
    assert panel.get_by_role("button", name="Start anyway").is_visible()
    assert "Downloading" not in _status(panel) and "⛔" not in _status(panel)  # nothing started
    panel.get_by_role("button", name="Use the CPU preset").click()
    question.wait_for(state="hidden", timeout=10_000)
    page.wait_for_function("() => [...document.querySelectorAll('input[type=number]')].some(i => i.value === '17')")
    assert panel.get_by_label("Frames", exact=True).input_value() == "17"


def test_an_action_recognition_failure_says_why_inline_and_clears_the_last_results(page, app: dict) -> None:
    """Issue 17: X-CLIP is not cached and the app is offline. The reason stands in the status line,
    the last clip's top 5 is gone, and no output wears an "Error" badge (the toast says it too)."""
    from videogen.shapes import SceneSpec, render_spec
    from videogen.media import write_video

    clip = write_video(render_spec(SceneSpec("circle", "blue", "black", "moving up"), np.random.default_rng(2),
                                   num_frames=16, height=96, width=96), app["home"] / "circle-up.mp4", fps=8)
    panel = _tab(page, "Action Recognition")
    panel.locator("input[type=file]").first.set_input_files(str(clip))
    page.wait_for_timeout(800)
    panel.get_by_role("button", name="Classify").click()
    page.get_by_text("moving up").first.wait_for(timeout=60_000)

    _choose_model(page, panel, "xclip-base-32")
    panel.get_by_role("button", name="Classify").click()
    page.get_by_text("⛔").first.wait_for(timeout=60_000)
    status = _status(panel)
    assert "xclip-base-patch32 is not downloaded and offline mode is on" in status, status
    assert panel.get_by_text("moving up").count() == 0, "the last clip's top 5 is cleared"
    assert panel.locator(".error").filter(visible=True).count() == 0, "no Error badge on the outputs"


def test_image_to_video_keeps_the_photos_shape_and_offers_its_size(page, app: dict) -> None:
    """Issue 17: a 528×300 photo gets Size choices up to its own; the photo's size gives a 528×300 clip."""
    from PIL import Image

    data = pytest.importorskip("skimage.data")
    photo = app["home"] / "coffee-528x300.png"
    Image.fromarray(data.coffee()[50:350, 36:564]).save(photo)
    panel = _tab(page, "Image to Video")
    panel.locator("input[type=file]").first.set_input_files(str(photo))
    panel.get_by_text("528×300 (the photo's)").wait_for(timeout=30_000)
    panel.get_by_text("528×300 (the photo's)").click()
    panel.locator("button.label-wrap").filter(has_text="Settings").first.click()
    page.wait_for_function("() => [...document.querySelectorAll('input[type=number]')].some(i => i.value === '528')")
    assert (panel.get_by_label("Height", exact=True).input_value(), panel.get_by_label("Width", exact=True).input_value()) == \
        ("300", "528")
    panel.get_by_label("Frames", exact=True).fill("8")
    panel.get_by_label("Prompt", exact=True).fill("moving right")
    panel.get_by_role("button", name="Generate").click()
    page.wait_for_function(PLAYING, timeout=90_000)
    size = page.evaluate("""() => { const v = [...document.querySelectorAll('video[data-testid$="-player"]')].find(v => v.offsetParent);
                                     return [v.videoWidth, v.videoHeight] }""")
    assert size == [528, 300]


def test_history_shows_posters_compactly_and_nothing_before_it_has_a_value(page, app: dict) -> None:
    """Issue 17: before a clip no Seed box, Download or "Use these settings"; each clip a poster
    (its middle frame), small, its whole caption on hover; the progress drawn once, counting what
    the model does (the shapes world draws frame batches: no "step 15/63" for a 1-step model)."""
    panel = _tab(page, "Text to Video")
    seed_box = panel.get_by_text("the seed of this clip")  # the result's Seed box (the settings have one too)
    assert not seed_box.is_visible()
    assert not panel.get_by_role("button", name="Use these settings").is_visible()
    _start_a_long_clip(panel)
    page.get_by_text("Drawing the frames: batch").first.wait_for(timeout=30_000)
    shown = page.locator("text=/Drawing the frames: batch|Denoising step/").filter(visible=True)
    assert shown.count() == 1, "the progress is drawn once: in the status line"
    assert page.locator("[data-testid=status-tracker] .progress-bar, .progress-level").filter(visible=True).count() == 0
    panel.get_by_role("button", name="Cancel").click()
    page.get_by_text("Cancelled").first.wait_for(timeout=10_000)
    assert not seed_box.is_visible(), "no seed: no clip yet"

    _generate_a_short_clip(page, panel)
    item = panel.locator(".videogen-history .thumbnail-item").first
    item.wait_for(timeout=30_000)
    assert item.locator("img").get_attribute("src").endswith(".poster.jpg"), "a poster frame, not a grey play icon"
    box = item.bounding_box()
    assert box["height"] <= 260 and box["width"] <= 260, box
    caption = item.locator(".caption-label")
    item.hover()
    assert caption.evaluate("e => getComputedStyle(e).whiteSpace") == "normal"  # the whole caption on hover
    assert seed_box.is_visible()
    item.click()
    panel.get_by_role("button", name="Use these settings").wait_for(timeout=10_000)
    assert "`seed`" in _status(panel) or "seed" in _status(panel)


def test_the_chinese_page_has_no_raw_markdown_and_says_its_results_in_chinese(browser, app: dict) -> None:
    """Issue 17: the memory plan's and the CPU line's bold render (no ``**`` on the page), the
    understood line, the Try prompts and the durations are Chinese on a Chinese page."""
    page = _open(browser, app, locale="zh-CN")
    try:
        panel = _tab(page, "文生视频")
        panel.get_by_text("一只猫在草地上行走，写实风格。").wait_for(timeout=30_000)  # the Try row, in Chinese
        panel.get_by_label("提示词").fill("一个红色的圆形向左移动，白色背景")
        panel.get_by_role("button", name="生成").click()
        page.wait_for_function(PLAYING, timeout=60_000)
        page.get_by_text("理解为：红色圆形，向左移动，白色背景").first.wait_for(timeout=30_000)
        _choose_model(page, panel, "anyflow-wan2.1-t2v-1.3b", label="模型")
        page.get_by_text("内存规划").first.wait_for(timeout=60_000)
        page.get_by_text("在这台 CPU 上").first.wait_for(timeout=30_000)
        page.get_by_role("button", name=re.compile("CPU 预设：17 帧")).wait_for(timeout=30_000)
        text = page.locator("body").inner_text()
        assert "**" not in text, [line for line in text.splitlines() if "**" in line]
        assert re.search(r"约 \d+ (小时|分钟|秒)", text), "durations in Chinese units"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "zh-CN-cpu-preset.png"), full_page=True)
    finally:
        page.context.close()


def test_settings_boxes_keep_the_models_defaults_as_placeholders(page, app: dict) -> None:
    """Issue 17: an untouched box shows the model's default as its placeholder, before and after a run,
    not a literal 0 (Gradio's Number draws "no value" as 0)."""
    panel = _tab(page, "Text to Video")
    panel.locator("button.label-wrap").filter(has_text="Settings").first.click()
    steps = panel.get_by_label("Steps", exact=True)
    steps.wait_for()
    page.wait_for_timeout(800)
    assert (steps.input_value(), steps.get_attribute("placeholder")) == ("", "1")
    assert panel.get_by_label("FPS", exact=True).input_value() == ""
    panel.get_by_label("Prompt", exact=True).fill("a red circle moving to the left")
    panel.get_by_role("button", name="Generate").click()
    page.wait_for_function(PLAYING, timeout=60_000)
    page.wait_for_timeout(800)
    assert steps.input_value() == "" and panel.get_by_label("Guidance", exact=True).input_value() == ""
    assert "16 frames, 128×128 at 8 fps" in _status(panel)  # blank: the model's defaults
