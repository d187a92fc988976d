"""Compose's contracts (issue 19): ``python -m videogen compose ... --json`` and ``t2v --audio
--narration --json`` as scripts read them, and the ``/compose`` endpoint through gradio_client."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_compose import beat_music

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = {"path", "duration_s", "frames", "width", "height", "fps", "audio", "segments", "timings", "warnings"}
AUDIO = {"codec", "sample_rate", "channels", "duration_s", "source"}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "videogen", *args], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def two_photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    data = pytest.importorskip("skimage.data")
    from PIL import Image

    folder = tmp_path_factory.mktemp("photos")
    paths = [folder / "coffee.jpg", folder / "chelsea.png"]
    Image.fromarray(data.coffee()).save(paths[0])
    Image.fromarray(data.chelsea()).save(paths[1])
    return paths


def test_compose_prints_the_contract_and_lasts_as_long_as_the_music(two_photos: list[Path], tmp_path: Path) -> None:
    music = beat_music(tmp_path / "music.wav", 4.5)
    out = tmp_path / "out.mp4"
    done = run_cli("compose", *map(str, two_photos), "-o", str(out), "--audio", str(music), "--beat-sync",
                   "--transition", "cut", "--width", "160", "--height", "96", "--fps", "12", "--json")
    assert done.returncode == 0, done.stderr
    [item] = json.loads(done.stdout)
    assert CONTRACT <= set(item) and set(item["audio"]) == AUDIO
    assert item["path"] == str(out) and out.is_file()
    assert abs(item["duration_s"] - 4.5) <= 1 / 24 and item["frames"] == round(4.5 * 12)
    assert (item["width"], item["height"], item["fps"]) == (160, 96, 12.0)
    assert [s["input"] for s in item["segments"]] == [str(p) for p in two_photos]
    assert item["audio"]["source"] == "music.wav" and item["audio"]["codec"] == "aac"


def test_compose_without_audio_shows_each_photo_for_its_seconds(two_photos: list[Path], tmp_path: Path) -> None:
    done = run_cli("compose", *map(str, two_photos), "-o", str(tmp_path / "o.mp4"), "--seconds-per-image", "1.5",
                   "--width", "128", "--height", "128", "--fps", "10", "--json")
    assert done.returncode == 0, done.stderr
    [item] = json.loads(done.stdout)
    assert item["audio"] is None and item["duration_s"] == 3.0
    assert [(s["start_s"], s["end_s"]) for s in item["segments"]] == [(0.0, 1.5), (1.5, 3.0)]


@pytest.mark.parametrize(("args", "message"), [
    (["--beat-sync"], "beat sync needs music"),
    (["--transition", "wipe"], "invalid choice: 'wipe'"),
    (["--width", "15"], "width must be between 16 and 4096"),
    (["--voice", "robot", "--narration", "hi"], "unknown voice 'robot'"),
])
def test_compose_refuses_bad_options_with_one_line(two_photos: list[Path], tmp_path: Path, args: list[str],
                                                   message: str) -> None:
    done = run_cli("compose", str(two_photos[0]), "-o", str(tmp_path / "o.mp4"), *args)
    assert done.returncode != 0 and message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o.mp4").exists()


def test_compose_needs_inputs_or_a_story(tmp_path: Path) -> None:
    done = run_cli("compose", "-o", str(tmp_path / "o.mp4"))
    assert done.returncode != 0 and "compose needs photos or clips" in done.stderr


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_t2v_with_narration_gives_the_audio_object(tmp_path: Path) -> None:
    done = run_cli("t2v", "a red circle moving left", "--model", "shapes-t2v", "-o", str(tmp_path / "c.mp4"),
                   "--narration", "一个红色的圆形。", "--json")
    assert done.returncode == 0, done.stderr
    [item] = json.loads(done.stdout)
    assert set(item["audio"]) == AUDIO and item["audio"]["source"] == "narration (espeak)"
    assert (tmp_path / "c.vtt").read_text(encoding="utf-8").count("-->") == 1


def test_the_compose_endpoint(app_url: str, two_photos: list[Path], tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    music = beat_music(tmp_path / "music.wav", 3.0)
    client = Client(app_url, verbose=False)
    video, status, done = client.predict([handle_file(str(p)) for p in two_photos], audio=handle_file(str(music)),
                                         width=160, height=96, fps=12, api_name="/compose")
    assert Path(video).is_file() and Path(video).suffix == ".mp4"
    assert done["duration_s"] == 3.0 and done["audio"]["sample_rate"] == 44100 and "⛔" not in status
    assert "path" not in done and done["file"].endswith(".mp4")  # no server path in the answer
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="beat sync needs music"):
        client.predict([handle_file(str(two_photos[0]))], beat_sync=True, api_name="/compose")


def test_sound_added_through_the_generation_endpoints(app_url: str, two_photos: list[Path], tmp_path: Path) -> None:
    """The tabs' "Sound" boxes: music uploaded with the request, narration spoken over it; the clip
    keeps its frames and gains the sound; a burned-in subtitle or a server path is refused."""
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    from videogen.media import probe, read_audio

    music = beat_music(tmp_path / "music.wav", 1.0)
    client = Client(app_url, verbose=False)
    video, status, *_ = client.predict("a red circle moving left", model="shapes-t2v", frames=12, fps=8,
                                       audio=handle_file(str(music)), narration="A red circle.",
                                       api_name="/text_to_video")
    sound = read_audio(video)
    assert abs(sound.duration_s - 12 / 8) < 1 / 8 and sound.samples.std() > 0.01 and probe(Path(video)).frame_count == 12
    assert "music.wav + narration (espeak)" in status
    video, status, *_ = client.predict(handle_file(str(two_photos[0])), "zoom in", model="shapes-i2v", frames=8, fps=8,
                                       narration="一只猫。", api_name="/image_to_video")
    assert read_audio(video).samples.std() > 1e-3 and "narration (espeak)" in status
    with pytest.raises(AppError, match="burned-in subtitles are for compositions"):
        client.predict("a red circle", model="shapes-t2v", frames=4, narration="Hi.", subtitles="burn",
                       api_name="/text_to_video")
    with pytest.raises(AppError, match="upload"):
        client.predict("a red circle", model="shapes-t2v", frames=4, audio=str(music), api_name="/text_to_video")
