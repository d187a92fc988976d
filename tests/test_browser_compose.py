"""The Compose tab in a real browser (issue 19): two photographs and music with known beats, a line
of narration; the composition plays in Chromium with its sound (an audio track that decodes, as long
as the picture) and its soft subtitles (the WebVTT track beside it).

Debian's Chromium driven by Playwright against `python app.py --offline`, as tests/test_browser.py
does (its helpers and fixtures are shared; this module starts an app of its own).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_browser import _status, _tab, browser, own_app, screenshot_page  # noqa: F401 (fixture)
from tests.test_compose import beat_music

PLAYING = """() => { const v = [...document.querySelectorAll('video')].filter(v => v.offsetParent)[0];
    return !!v && v.readyState >= 2 && v.duration > 0 && !v.error }"""
# Play the composition muted for a moment: Chromium then counts the audio bytes it decoded.
SOUND = """async () => { const v = [...document.querySelectorAll('video')].filter(v => v.offsetParent)[0];
    v.muted = true; await v.play(); await new Promise(r => setTimeout(r, 1200)); v.pause();
    const track = v.textTracks.length ? v.textTracks[0] : null;
    if (track) track.mode = 'hidden';
    await new Promise(r => setTimeout(r, 300));
    return {duration: v.duration, readyState: v.readyState, audioBytes: v.webkitAudioDecodedByteCount,
            videoBytes: v.webkitVideoDecodedByteCount, tracks: v.textTracks.length,
            cues: track && track.cues ? [...track.cues].map(c => c.text) : []} }"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    yield from own_app(tmp_path_factory, "browser-compose-app")


@pytest.fixture
def page(browser, app: dict, request: pytest.FixtureRequest):  # noqa: F811 (browser: the shared fixture)
    yield from screenshot_page(browser, app, request)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_a_composition_plays_with_its_sound_and_subtitles(page, app: dict, tmp_path: Path) -> None:
    data = pytest.importorskip("skimage.data")
    from PIL import Image

    photos = [tmp_path / "coffee.jpg", tmp_path / "chelsea.jpg"]
    Image.fromarray(data.coffee()).save(photos[0])
    Image.fromarray(data.chelsea()).save(photos[1])
    music = beat_music(tmp_path / "music.wav", 3.0)

    panel = _tab(page, "Compose")
    panel.locator("input[type=file]").first.set_input_files([str(p) for p in photos])
    page.wait_for_timeout(800)
    panel.locator("input[type=file]").nth(1).set_input_files(str(music))  # the music box
    page.wait_for_timeout(800)
    panel.get_by_label("Narration").fill("Two photographs.")
    panel.get_by_label("Width").fill("320")
    panel.get_by_label("Height").fill("192")
    panel.get_by_role("button", name="Compose", exact=True).click()
    page.wait_for_function(PLAYING, timeout=90_000)
    played = page.evaluate(SOUND)
    assert abs(played["duration"] - 3.0) <= 1 / 24, played  # as long as the music
    assert played["readyState"] >= 2 and played["videoBytes"] > 0
    assert played["audioBytes"] > 0, played  # the AAC track decodes in Chromium
    assert played["tracks"] == 1 and played["cues"] == ["Two photographs."], played
    status = _status(panel)
    assert "Sound: music.wav + narration (espeak)." in status and "⛔" not in status
