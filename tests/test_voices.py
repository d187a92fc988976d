"""The neural voices (issue 19, item 3): Kokoro-82M in English and Kokoro-82M-v1.1-zh in Chinese.

A tiny ``KModel`` (the real class, random weights; :func:`tests.tiny_models.build_tiny_kokoro`) and tiny
voice packs are served by the stand-in Hub under the real repo ids, downloaded through
:mod:`videogen.models.voices` and fed misaki's phonemes: the sound is random, but its length follows the
text (Kokoro predicts one duration per phoneme), so a longer line gives a longer sound."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.hubserver import StandInHub
from tests.tiny_models import build_tiny_kokoro
from videogen.errors import HubUnreachableError, InvalidInputError, ModelNotFoundError, UnsupportedModelError
from videogen.hub import Progress
from videogen.models import phonemes, voices
from videogen.models.voices import NeuralVoiceCache, check_neural_voice, is_neural_voice, load_voice
from videogen.registry import FAMILIES, SOUND_MODELS, SOUND_TASKS, TASK_NAMES, find_sound_model

EN_REPO, ZH_REPO = "hexgrad/Kokoro-82M", "hexgrad/Kokoro-82M-v1.1-zh"
SHORT, LONG = "Hello there.", "Hello there. This sentence is a good deal longer, so it takes longer to say."
ZH_SHORT, ZH_LONG = "你好。", "你好，世界。今天的天气很好，我们去公园散步吧！"
DECOYS = ("README.md", "samples/af_heart_0.wav", "voices/am_adam.pt")


@pytest.fixture(scope="module")
def kokoro_repos(hub: StandInHub, tmp_path_factory: pytest.TempPathFactory) -> StandInHub:
    """The tiny Kokoro as both real repos: v1.0's weights file and packs, then v1.1-zh's."""
    root = tmp_path_factory.mktemp("kokoro")
    english = build_tiny_kokoro(root / "en", voices=("af_heart", "bf_emma", "am_adam", "zf_001"))
    chinese = shutil.copytree(english, root / "zh")
    (chinese / "kokoro-v1_0.pth").rename(chinese / "kokoro-v1_1-zh.pth")
    (english / "voices" / "zf_001.pt").unlink()
    (chinese / "voices" / "bf_emma.pt").rename(chinese / "voices" / "af_maple.pt")
    for folder in (english, chinese):
        (folder / "README.md").write_text("# tiny Kokoro\n")
        (folder / "samples").mkdir()
        (folder / "samples" / "af_heart_0.wav").write_bytes(b"RIFF" + b"\0" * 4000)
    hub.add_repo(EN_REPO, english)
    hub.add_repo(ZH_REPO, chinese)
    return hub


def fetched(hub: StandInHub) -> set[str]:
    return {r.path.split("/resolve/", 1)[1].split("/", 1)[1] for r in hub.requests if "/resolve/" in r.path}


def spoken(audio) -> int:
    assert audio.rate == voices.RATE == 24000 and audio.channels == 1 and audio.samples.dtype == np.float32
    assert np.abs(audio.samples).max() <= 1.0 and audio.samples.std() > 1e-3, "not silence"
    return audio.samples.shape[1]


# ---- the names ---------------------------------------------------------------------------------


def test_the_voices_are_listed_as_speech_models() -> None:
    kokoro, chinese = find_sound_model("kokoro"), find_sound_model("kokoro-zh")
    assert (kokoro.repo_id, kokoro.file, kokoro.task, kokoro.license) == (EN_REPO, "kokoro-v1_0.pth", "tts", "apache-2.0")
    assert (chinese.repo_id, chinese.file, chinese.task, chinese.license) == (ZH_REPO, "kokoro-v1_1-zh.pth", "tts",
                                                                             "apache-2.0")
    assert "tts" in SOUND_TASKS and TASK_NAMES["tts"] == "text to speech" and kokoro.pipeline_class == "KModel"
    assert FAMILIES["kokoro"].library == "kokoro" and voices.voice_models() == [kokoro, chinese]
    assert [m for m in SOUND_MODELS if m.task == "t2a"][0].id == "stable-audio-open-1.0"  # the sound default is kept
    from kokoro import KModel

    assert KModel.MODEL_NAMES == {EN_REPO: kokoro.file, ZH_REPO: chinese.file}  # the package's own names


def test_voice_ids_are_checked_without_a_request() -> None:
    name = check_neural_voice(" kokoro:af_heart ")
    assert (name.id, name.language, name.files) == ("kokoro:af_heart", "en-us",
                                                     ["config.json", "kokoro-v1_0.pth", "voices/af_heart.pt"])
    assert check_neural_voice("kokoro:bm_george").language == "en-gb"
    zh = check_neural_voice("kokoro-zh:zf_001")
    assert (zh.language, zh.chinese_version, check_neural_voice("kokoro:zf_xiaobei").chinese_version) == ("zh", "1.1", None)
    assert all(is_neural_voice(v) for v in voices.NEURAL_VOICES) and set(voices.DEFAULT_NEURAL_VOICE.values()) <= set(
        voices.NEURAL_VOICES)
    assert not any(is_neural_voice(v) for v in ("espeak", "espeak:en-gb", "", None, "kokoro", "mmaudio:af_heart"))
    for bad in ("kokoro", "kokoro:", "kokoro:heart", "melo:af_heart", "kokoro:AF_HEART"):
        with pytest.raises(InvalidInputError, match="unknown neural voice.*kokoro:VOICE, kokoro-zh:VOICE"):
            check_neural_voice(bad)
    with pytest.raises(InvalidInputError, match="speaks French.*English voice"):
        check_neural_voice("kokoro:ff_siwis")


# ---- the phonemes ------------------------------------------------------------------------------


def test_english_and_chinese_become_kokoro_phonemes_offline() -> None:
    assert not phonemes.english_is_full()  # spaCy's en_core_web_sm is not on PyPI: the rule-made tags stand in
    english = phonemes.engine("en-us")
    assert english("Hello, world!") == "həlˈO, wˈɜɹld!"  # the dictionaries, the punctuation kept
    assert "dˈɑləɹz" in english("I paid $5.") and "fˈIv" in english("I paid $5.")  # currency and numbers by rule
    assert english("Zyxquib.").startswith("z")  # a word no dictionary has: eSpeak NG's (espeakng-loader's)
    chinese = phonemes.engine("zh", "1.1")
    assert chinese("你好。") == "ㄋㄧ2ㄏㄠ3." and "kəkˈɔɹO" in chinese("Kokoro 说中文。")  # English inside: misaki's
    assert phonemes.engine("zh")("你好") == "ni↓xau↓"  # v1.0's IPA for Kokoro-82M's own Chinese voices


def test_long_text_is_cut_into_pieces_kokoro_can_read() -> None:
    assert phonemes.split_phonemes("ab cd ef", 5) == ["ab cd", "ef"]
    assert phonemes.split_phonemes("abcdefgh ij", 3) == ["abc", "def", "gh", "ij"]
    text = " ".join(["This is one sentence."] * 40)
    pieces = phonemes.text_pieces(text, 300)
    assert all(len(p) <= 300 for p in pieces) and " ".join(pieces) == text and all(p.endswith(".") for p in pieces)
    chunks = phonemes.phoneme_chunks(text, "en-us")
    assert len(chunks) >= 3 and all(0 < len(c) <= phonemes.MAX_PHONEMES for c in chunks)


# ---- through the stand-in Hub --------------------------------------------------------------------


def test_an_english_voice_downloads_its_three_files_and_speaks(kokoro_repos: StandInHub, hub_env: StandInHub) -> None:
    reports: list[Progress] = []
    voice = load_voice("kokoro:af_heart", progress=reports.append)
    downloads = [r for r in reports if r.stage == "download"]
    assert downloads[0].unit == "B" and downloads[-1].done == downloads[-1].total > 100e6  # the weights' bytes
    assert [r.done for r in reports if r.stage == "load"] == [0, 1]
    assert fetched(hub_env) == {"config.json", "kokoro-v1_0.pth", "voices/af_heart.pt"}  # no decoy, no other pack
    assert type(voice.model).__name__ == "KModel" and not voice.model.training and voice.rate == 24000
    short, long = spoken(voice.speak(SHORT)), spoken(voice.speak(LONG))
    assert 0.05 * 24000 < short < long, (short, long)
    assert spoken(voice.speak(SHORT, speed=0.5)) > short  # slower is longer
    assert voices.is_downloaded("kokoro:af_heart") and not voices.is_downloaded("kokoro:bf_emma")

    cache = NeuralVoiceCache()
    first = cache.get("kokoro:af_heart")
    assert cache.get("kokoro:af_heart") is first and cache.loaded == "kokoro:af_heart"
    hub_env.clear_log()
    british = cache.get("kokoro:bf_emma")  # the same model, another pack: only the pack is fetched
    assert british.model is first.model and fetched(hub_env) == {"voices/bf_emma.pt"}
    assert spoken(british.speak(SHORT)) > 0 and cache.loaded == "kokoro:bf_emma"
    with pytest.raises(InvalidInputError, match="speaks British English.*kokoro-zh:zf_001"):
        british.speak(ZH_SHORT)
    with pytest.raises(ModelNotFoundError, match="has no voice 'af_nobody'.*kokoro:af_heart"):
        cache.get("kokoro:af_nobody")
    cache.unload()
    assert cache.loaded is None and british.model is None


def test_a_chinese_voice_speaks_chinese_and_the_english_in_it(kokoro_repos: StandInHub, hub_env: StandInHub) -> None:
    try:
        short = spoken(voices.speak(ZH_SHORT, "kokoro-zh:zf_001"))  # the process's cache
        long = spoken(voices.speak(ZH_LONG, "kokoro-zh:zf_001"))
        assert 0 < short < long, (short, long)
        assert fetched(hub_env) == {"config.json", "kokoro-v1_1-zh.pth", "voices/zf_001.pt"}
        assert spoken(voices.speak("我喜欢 Kokoro 的声音。", "kokoro-zh:zf_001")) > short
        assert voices.voice_cache().loaded == "kokoro-zh:zf_001"
        assert spoken(voices.speak(SHORT, "kokoro-zh:af_maple")) > 0  # v1.1-zh's English voices
    finally:
        voices.voice_cache().unload()


# ---- what goes wrong -------------------------------------------------------------------------------


def test_an_unreachable_hub_offline_mode_and_a_missing_package_say_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(HubUnreachableError, match="Could not reach the Hugging Face Hub.*espeak"):
        load_voice("kokoro:af_heart")  # conftest's endpoint: a closed port
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(HubUnreachableError, match="not downloaded and offline mode is on.*espeak"):
        load_voice("kokoro:af_heart")
    monkeypatch.setitem(sys.modules, "kokoro", None)
    with pytest.raises(UnsupportedModelError, match=r"pip install kokoro 'misaki\[zh\]'.*espeak"):
        load_voice("kokoro:af_heart")


def test_bad_lines_are_refused_before_the_model_runs(tmp_path: Path) -> None:
    voice = voices.NeuralVoice(check_neural_voice("kokoro:af_heart"), model=object(), pack=None)
    for text, message in (("  ", "nothing to say"), ("word " * 300, "over 1000"), (None, "nothing to say")):
        with pytest.raises(InvalidInputError, match=message):
            voice.speak(text)  # type: ignore[arg-type]
    for speed in (0.2, 3, "fast", True):
        with pytest.raises(InvalidInputError, match="speed must be a number from 0.5 to 2"):
            voice.speak(SHORT, speed=speed)  # type: ignore[arg-type]
    bad = tmp_path / "voices"
    bad.mkdir()
    import torch

    torch.save(torch.zeros(4, 4), bad / "x.pt")
    with pytest.raises(ValueError, match=r"not a Kokoro voice pack \(rows, 1, 256\)"):
        voices.read_pack(bad / "x.pt")


# ---- as the narration ------------------------------------------------------------------------------


def test_a_neural_voice_narrates_a_composition_and_a_generated_clip(kokoro_repos: StandInHub, hub_env: StandInHub,
                                                                     tmp_path: Path) -> None:
    """The Engine's narration in a Kokoro voice: the pack is fetched, the speech is in the video's sound
    and its subtitles; an unknown voice is refused before anything is made."""
    from PIL import Image

    from videogen.api import Engine
    from videogen.compose.narration import sentences as speech_lines
    from videogen.media import read_audio

    photo = tmp_path / "p.png"
    Image.fromarray(np.full((96, 128, 3), 120, np.uint8)).save(photo)
    engine = Engine(device="cpu")
    try:
        made = engine.compose([photo], output=tmp_path / "m.mp4", narration=f"{SHORT} {LONG}", voice="kokoro:af_heart",
                              seconds_per_image=1.0, fps=8, width=128, height=96)
        assert "voices/af_heart.pt" in fetched(hub_env)
        assert made.audio["source"] == "narration (kokoro:af_heart)" and [c["text"] for c in made.subtitles["cues"]] == [SHORT, *speech_lines(LONG)]
        sound = read_audio(made.path)
        assert made.duration_s > 1.0 and sound.samples.std() > 1e-3  # the narration made it longer than the photo's 1 s
        clip = engine.text_to_video("a red circle", model="shapes-t2v", output=tmp_path / "c.mp4",
                                    narration=ZH_SHORT, voice="kokoro-zh:zf_001")
        assert clip.audio["source"] == "narration (kokoro-zh:zf_001)" and read_audio(clip.path).samples.std() > 1e-3
        assert "kokoro-v1_1-zh.pth" in fetched(hub_env)
    finally:
        voices.voice_cache().unload()
    before = set(tmp_path.iterdir())
    for voice in ("robot", "kokoro:xx_nobody"):
        with pytest.raises(InvalidInputError, match="voice"):
            engine.compose([photo], output=tmp_path / "x.mp4", narration=SHORT, voice=voice, width=128, height=96)
    assert set(tmp_path.iterdir()) == before
