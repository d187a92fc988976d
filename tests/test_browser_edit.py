"""The Edit tab in a real browser (issue 18): upload real footage, interpolate, the result plays with
its frame count doubled; a clip from the Text to Video history through "Edit this clip"; Cancel.

Debian's Chromium driven by Playwright against `python app.py --offline`, as tests/test_browser.py
does (its helpers and fixtures are shared; this module starts an app of its own).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from tests.test_browser import _clips, _status, _tab, browser, own_app, screenshot_page  # noqa: F401 (fixture)

PLAYING_EDITED = """() => { const v = [...document.querySelectorAll('video[data-testid$="-player"]')]
    .filter(v => v.offsetParent && v.closest('[class*="gradio-video"], .block')?.innerText.includes('Edited'))[0];
    return !!v && v.readyState >= 2 && v.duration > 0 && !v.error }"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    yield from own_app(tmp_path_factory, "browser-edit-app")


@pytest.fixture
def page(browser, app: dict, request: pytest.FixtureRequest):  # noqa: F811 (browser: the shared fixture)
    yield from screenshot_page(browser, app, request)


def footage(path: Path, count: int, size: tuple[int, int], fps: float = 8) -> Path:
    """A pan with a slow zoom over scikit-image's coffee photograph, as an H.264 MP4."""
    from videogen.bench.footage import pan_zoom
    from videogen.media import write_video

    photo = pytest.importorskip("skimage.data").coffee()
    return write_video(pan_zoom(photo, count, size, shift=(2, 1), zoom=0.004), path, fps)


def _wait_playing(page) -> None:
    page.wait_for_function(PLAYING_EDITED, timeout=90_000)


def _upload(page, panel, path: Path, wait_ms: int = 800) -> None:
    """Put ``path`` in the tab's first file box (the video; once it has one, Join after it) and let it settle."""
    panel.locator("input[type=file]").first.set_input_files(str(path))
    page.wait_for_timeout(wait_ms)


def _choose(panel, label: str, option: str) -> None:
    """Pick ``option`` in the radio labelled ``label`` (a fieldset with its name in a block-info span)."""
    radio = panel.locator("fieldset").filter(has=panel.page.get_by_test_id("block-info").get_by_text(label, exact=True))
    radio.get_by_test_id(f"{option}-radio-label").click()


def test_upload_interpolate_and_the_result_plays_with_twice_the_frames(page, app: dict) -> None:
    clip = footage(app["home"] / "coffee-pan.mp4", count=12, size=(192, 128))
    panel = _tab(page, "Edit")
    _upload(page, panel, clip)
    _choose(panel, "Interpolate", "×2")
    before = _clips(app["outputs"])
    panel.get_by_role("button", name="Edit", exact=True).click()
    page.get_by_text("Out: 23 frames").first.wait_for(timeout=90_000)  # (12 - 1) * 2 + 1
    _wait_playing(page)
    status = _status(panel)
    assert "In: 12 frames, 192×128 at 8 fps." in status and "at 16 fps" in status, status
    made = _clips(app["outputs"]) - before
    assert len(made) == 1
    from videogen.media import probe, read_video

    assert read_video(next(iter(made)), 1000).frames.shape[0] == 23 and probe(next(iter(made))).fps == pytest.approx(16)
    assert panel.get_by_text("Before | after").first.is_visible(), "the before/after slider"

    trim = panel.get_by_role("textbox", name="Trim")  # a bad value: the reason inline, the last result cleared, no Error badges
    trim.fill("from 2 to 4")
    panel.get_by_role("button", name="Edit", exact=True).click()
    page.get_by_text("⛔ trim must be START:END").first.wait_for(timeout=30_000)
    assert panel.locator(".error").filter(visible=True).count() == 0, "no Error badge on the outputs"
    assert "Out: 23 frames" not in _status(panel), "the last result's status is cleared"


def test_a_clip_from_the_history_is_edited_and_cancel_stops_an_edit(page, app: dict) -> None:
    t2v = _tab(page, "Text to Video")
    t2v.get_by_label("Prompt").fill("a red circle moving to the left")
    t2v.get_by_role("button", name="Generate").click()
    item = t2v.locator(".videogen-history .thumbnail-item").first
    item.wait_for(timeout=60_000)
    item.click()
    t2v.get_by_role("button", name="Edit this clip").click()
    panel = page.locator("[role=tabpanel]").filter(visible=True).first
    panel.get_by_role("button", name="Edit", exact=True).wait_for(timeout=10_000)  # the Edit tab opened
    page.wait_for_timeout(800)
    _choose(panel, "Interpolate", "×2")
    panel.get_by_role("button", name="Edit", exact=True).click()
    page.get_by_text("Out: ").first.wait_for(timeout=90_000)
    status = _status(panel)
    frames_in = int(status.split("In: ")[1].split()[0])
    assert f"Out: {(frames_in - 1) * 2 + 1} frames" in status, status
    _wait_playing(page)

    # Cancel: a long edit (a bigger clip, four times the frames) stops at its next pair, nothing is written
    long_clip = footage(app["home"] / "coffee-long.mp4", count=80, size=(640, 426))
    page.reload()
    page.wait_for_selector("button[role=tab]")
    panel = _tab(page, "Edit")
    _upload(page, panel, long_clip, 1500)
    _choose(panel, "Interpolate", "×4")
    before = _clips(app["outputs"])
    panel.get_by_role("button", name="Edit", exact=True).click()
    page.get_by_text("Interpolating: pair").first.wait_for(timeout=60_000)
    clicked = time.monotonic()
    panel.get_by_role("button", name="Cancel").click()
    page.get_by_text("Cancelled").first.wait_for(timeout=10_000)
    assert time.monotonic() - clicked < 5
    time.sleep(1.0)
    assert _clips(app["outputs"]) == before, "a cancelled edit wrote a clip"


def test_an_avi_upload_is_edited_from_the_original_not_its_playable_copy(page, app: dict) -> None:
    """The page shows an AVI through a smaller, silent H.264 copy; the edit reads the upload itself
    (its full size here: 800 pixels wide, more than the copy's 640)."""
    import av

    from videogen.media import probe

    path = app["home"] / "wide.avi"
    frames = [np.full((448, 800, 3), 40 * i, np.uint8) for i in range(6)]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=8)
        stream.width, stream.height, stream.pix_fmt = 800, 448, "yuv420p"
        for frame in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        out.mux(stream.encode())
    panel = _tab(page, "Edit")
    before = _clips(app["outputs"])
    _upload(page, panel, path, 2500)  # the playable copy is made
    panel.get_by_role("button", name="Edit", exact=True).click()
    page.get_by_text("Out: ").first.wait_for(timeout=60_000)
    assert "800×448" in _status(panel), _status(panel)
    [made] = _clips(app["outputs"]) - before
    assert (probe(made).width, probe(made).height) == (800, 448)
