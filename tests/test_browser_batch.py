"""Text to Video's Batch in a real browser (issue 20, item 3): 20 prompts pasted, the clips appear in
the history one by one, Cancel stops the rest, and the ZIP holds the clips that were made.

Debian's Chromium driven by Playwright against `python app.py --offline`, as tests/test_browser.py
does (its helpers and fixtures are shared; this module starts an app of its own).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.test_browser import _status, _tab, browser, own_app, screenshot_page  # noqa: F401 (fixture)

COLORS = ("red", "green", "blue", "yellow", "purple")
MOTIONS = ("moving left", "moving right", "moving up", "rotating clockwise")
PROMPTS = [f"a {c} {s} {m}" for c in COLORS for s, m in zip(("circle", "square", "triangle", "circle"), MOTIONS)]
HISTORY = ".videogen-history .thumbnail-item"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    yield from own_app(tmp_path_factory, "browser-batch-app")


@pytest.fixture
def page(browser, app: dict, request: pytest.FixtureRequest):  # noqa: F811 (browser: the shared fixture)
    yield from screenshot_page(browser, app, request)


def test_a_batch_of_twenty_fills_the_history_one_by_one_and_cancel_stops_the_rest(page, app: dict,
                                                                                   tmp_path: Path) -> None:
    assert len(PROMPTS) == 20 and len(set(PROMPTS)) == 20
    panel = _tab(page, "Text to Video")
    panel.get_by_text("Settings", exact=True).click()
    panel.get_by_label("Frames").fill("96")  # each clip takes a moment: Cancel lands mid-batch
    panel.get_by_text("Batch", exact=True).click()
    panel.get_by_label("Prompts").fill("\n".join(PROMPTS))
    panel.get_by_role("button", name="Run the batch").click()
    items = panel.locator(HISTORY)
    items.nth(0).wait_for(timeout=60_000)
    first_seen = _status(panel)
    items.nth(2).wait_for(timeout=60_000)  # one by one: the third clip is there while the batch runs on
    assert "Batch: clip" in first_seen, first_seen
    panel.get_by_role("button", name="Cancel").click()
    page.wait_for_function("() => document.body.innerText.includes('Batch cancelled')", timeout=60_000)
    status = _status(panel)
    made = items.count()
    assert 3 <= made < 20, (made, status)
    assert f"Batch cancelled: {made} of 20 clips made" in status, status
    href = panel.locator("a[href*='.zip']").first.get_attribute("href")  # the ZIP's download link
    archive = tmp_path / "batch.zip"
    archive.write_bytes(httpx.get(href if href.startswith("http") else app["url"].rstrip("/") + href).content)
    with zipfile.ZipFile(archive) as z:
        listed = json.loads(z.read("batch.json"))
    assert [e["prompt"] for e in listed] == PROMPTS[:made]  # in the list's order, the rest never started
    assert all(e["frames"] == 96 for e in listed)
