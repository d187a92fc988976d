"""Compositions (issue 19): real photographs (scikit-image's) and music with known beats into one
video exactly as long as the music, cuts on the beats, narration spoken by eSpeak NG in English and
Chinese, soft and burned subtitles, story mode on the shapes world, and sound added to a clip."""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import numpy as np
import pytest

from videogen.compose import ComposeOptions, run_compose
from videogen.compose import motion, narration
from videogen.errors import InvalidInputError
from videogen.media import Audio, probe, read_audio, read_video, write_video
from videogen.media.subtitles import read_mov_text

FPS = 12
SIZE = dict(width=160, height=96)
BEAT_S, FIRST_BEAT_S = 0.5, 0.25  # 120 bpm, the first beat a quarter second in

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three photographs: a portrait with a face (astronaut), a cup (coffee), a cat (chelsea), as JPEG."""
    data = pytest.importorskip("skimage.data")
    from PIL import Image

    folder = tmp_path_factory.mktemp("photos")
    paths = []
    for name in ("astronaut", "coffee", "chelsea"):
        paths.append(folder / f"{name}.jpg")
        Image.fromarray(getattr(data, name)()).save(paths[-1], quality=92)
    return paths


def beat_music(path: Path, duration_s: float, rate: int = 44100) -> Path:
    """A quiet chord with a drum hit on every beat (FIRST_BEAT_S + k * BEAT_S), as a WAV file."""
    import wave

    t = np.arange(round(duration_s * rate)) / rate
    y = 0.06 * (np.sin(2 * np.pi * 220 * t) + np.sin(2 * np.pi * 277 * t))
    hit = round(0.06 * rate)
    envelope = np.exp(-np.arange(hit) / (0.012 * rate))
    for beat in np.arange(FIRST_BEAT_S, duration_s - 0.06, BEAT_S):
        start = round(beat * rate)
        y[start:start + hit] += 0.7 * envelope * np.sin(2 * np.pi * 90 * np.arange(hit) / rate)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(rate)
        out.writeframes((np.clip(y, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def streams(path: Path) -> dict[str, float]:
    """Each stream's type -> its duration in seconds, from the container."""
    with av.open(str(path)) as container:
        return {s.type: float(s.duration * s.time_base) for s in container.streams}


def cuts_of(result) -> list[float]:
    return [s["start_s"] for s in result.segments[1:]]


def test_a_composition_lasts_as_long_as_its_music_with_the_photos_in_order(photos: list[Path], tmp_path: Path) -> None:
    music = beat_music(tmp_path / "music.wav", 6.3)
    result = run_compose(photos, ComposeOptions(audio=str(music), fps=FPS, **SIZE), tmp_path / "out.mp4")
    assert abs(result.duration_s - 6.3) <= 0.5 / FPS  # to the nearest frame
    lengths = streams(Path(result.path))
    assert abs(lengths["video"] - 6.3) <= 1 / FPS and abs(lengths["audio"] - lengths["video"]) <= 1 / FPS
    assert [s["input"] for s in result.segments] == [str(p) for p in photos]
    ends = [(s["start_s"], s["end_s"]) for s in result.segments]
    assert ends[0][0] == 0 and ends[-1][1] == result.duration_s
    assert all(a[1] == b[0] for a, b in zip(ends, ends[1:]))  # contiguous, in order
    assert result.audio == {"codec": "aac", "sample_rate": 44100, "channels": 1, "duration_s": result.duration_s,
                            "source": "music.wav"}
    video = read_video(result.path, 1000)
    assert video.frames.shape == (result.frames, 96, 160, 3)
    # each photo is on screen in its shot: the middle frame's colours are nearest its own photo's
    from PIL import Image

    def histogram(image: np.ndarray) -> np.ndarray:
        counts, _ = np.histogramdd(image.reshape(-1, 3), bins=(6, 6, 6), range=[(0, 256)] * 3)
        return counts.ravel() / counts.sum()

    refs = [histogram(np.asarray(Image.open(p).convert("RGB"))) for p in photos]
    for index, segment in enumerate(result.segments):
        middle = histogram(video.frames[round((segment["start_s"] + segment["end_s"]) / 2 * FPS)])
        overlap = [np.minimum(middle, ref).sum() for ref in refs]
        assert int(np.argmax(overlap)) == index, overlap


def test_beat_sync_puts_every_cut_on_a_beat(photos: list[Path], tmp_path: Path) -> None:
    music = beat_music(tmp_path / "music.wav", 7.5)  # even cuts (2.5 s, 5 s) fall half-way between beats
    beats = np.arange(FIRST_BEAT_S, 7.5, BEAT_S)
    even = run_compose(photos, ComposeOptions(audio=str(music), fps=FPS, transition="cut", **SIZE), tmp_path / "even.mp4")
    synced = run_compose(photos, ComposeOptions(audio=str(music), fps=FPS, transition="cut", beat_sync=True, **SIZE),
                         tmp_path / "synced.mp4")
    off = [np.abs(beats - cut).min() for cut in cuts_of(even)]
    on = [np.abs(beats - cut).min() for cut in cuts_of(synced)]
    assert min(off) > 1 / FPS  # without beat sync the cuts are not on beats
    assert max(on) <= 1 / FPS, (cuts_of(synced), beats)  # with it, each within one frame of a beat
    assert synced.beats["cuts_on_beats"] == 2 and synced.beats["found"] >= 12
    assert abs(synced.duration_s - 7.5) <= 0.5 / FPS


def test_beats_are_found_on_the_kicks_when_a_hi_hat_plays_between_them() -> None:
    """A hi-hat's sharp onsets half-way between the kicks lead librosa's tracker to the off-beat;
    the beats are moved back onto the kicks (the low band's onsets)."""
    from videogen.compose.beats import beat_times

    rate, beat = 22050, 60 / 112
    t = np.arange(round(12 * rate)) / rate
    y = 0.05 * np.sin(2 * np.pi * 220 * t)
    kicks = np.arange(0.3, 11.8, beat)
    k = np.arange(round(0.08 * rate)) / rate
    hat = 0.2 * np.exp(-np.arange(round(0.03 * rate)) / (0.004 * rate)) * np.random.default_rng(1).standard_normal(len(k[:round(0.03 * rate)]))
    for at in kicks:
        s = round(at * rate)
        y[s:s + len(k)] += 0.8 * np.exp(-k / 0.02) * np.sin(2 * np.pi * (120 - 400 * k) * k)
        h = round((at + beat / 2) * rate)
        y[h:h + len(hat)] += hat[:len(y) - h]
    found = beat_times(Audio(y[None].astype(np.float32), rate))
    errors = np.abs(found[:, None] - kicks[None, :]).min(axis=1)
    assert len(found) >= len(kicks) - 2 and np.median(errors) < 0.02 and errors.max() < 0.06, (found[:5], kicks[:5])


def test_pan_and_zoom_keeps_the_face_in_frame_and_never_shows_a_border(photos: list[Path]) -> None:
    from PIL import Image

    astronaut = np.asarray(Image.open(photos[0]).convert("RGB"))  # 512 x 512, a face near the top
    box, found = motion.focus(astronaut)
    assert found == "faces" and box.y1 < 256  # the face is in the upper half
    for out in ((96, 160), (160, 96), (100, 100)):  # landscape, portrait, square output of a square photo
        for zoom_in in (True, False):
            windows = motion.windows(astronaut.shape[:2], out, box, 30, zoom_in=zoom_in)
            cx, cy, w, h = windows.T
            assert np.all(cx - w / 2 >= -1e-6) and np.all(cx + w / 2 <= 512 + 1e-6)  # inside the photo: no border
            assert np.all(cy - h / 2 >= -1e-6) and np.all(cy + h / 2 <= 512 + 1e-6)
            assert np.all(cx - w / 2 <= box.x0) and np.all(cx + w / 2 >= box.x1)  # the face box inside every frame
            assert np.all(cy - h / 2 <= box.y0) and np.all(cy + h / 2 >= box.y1)
            assert np.allclose(w / h, out[1] / out[0])
            assert abs(w[0] / w[-1] - 1) > 0.03  # it moves
    coffee = np.asarray(Image.open(photos[1]).convert("RGB"))
    portrait = coffee.transpose(1, 0, 2)[:, :, :]  # 600 x 400: a portrait photo into a landscape video
    shot = motion.PanZoom(portrait, 96, 160, 24, zoom_in=True)
    for index in (0, 23):
        frame = shot.frame(index)
        assert frame.shape == (96, 160, 3)
        columns = frame.astype(float).std(axis=(0, 2))
        assert columns[:8].min() > 2 and columns[-8:].min() > 2  # no flat letterbox band at either side


def test_a_crossfade_blends_the_shots_and_a_cut_does_not(photos: list[Path], tmp_path: Path) -> None:
    options = dict(seconds_per_image=2.0, fps=FPS, **SIZE)
    cut = read_video(run_compose(photos[1:], ComposeOptions(transition="cut", **options), tmp_path / "cut.mp4").path, 100)
    fade = read_video(run_compose(photos[1:], ComposeOptions(transition="crossfade", **options), tmp_path / "f.mp4").path, 100)
    boundary = 2 * FPS
    assert len(cut.frames) == len(fade.frames) == 4 * FPS
    jump = np.abs(cut.frames[boundary].astype(float) - cut.frames[boundary - 1]).mean()
    steps = [np.abs(fade.frames[i].astype(float) - fade.frames[i - 1]).mean() for i in range(boundary - 3, boundary + 4)]
    assert jump > 20 and max(steps) < jump / 2  # the cut jumps in one frame; the crossfade spreads it


@needs_espeak
def test_narration_is_speech_in_english_and_chinese(tmp_path: Path) -> None:
    english = narration.speak("The quick brown fox jumps over the lazy dog.")
    chinese = narration.speak("今天天气很好，我们去公园散步。")
    longer = narration.speak("The quick brown fox jumps over the lazy dog, and then it runs back home to sleep.")
    for audio in (english, chinese):
        assert audio.rate == 22050 and 1.0 < audio.duration_s < 8.0
        frames = audio.samples[0][: len(audio.samples[0]) // 441 * 441].reshape(-1, 441)  # 20 ms frames
        voiced = (np.sqrt((frames ** 2).mean(axis=1)) > 0.02).mean()
        assert voiced > 0.4  # mostly voiced, not silence or a click
    assert longer.duration_s > english.duration_s * 1.5
    assert narration.language_voice("你好") == "cmn" and narration.language_voice("hello") == "en-us"
    assert narration.sentences("Hello there. How are you?\n第二行。再见！") == ["Hello there.", "How are you?", "第二行。", "再见！"]


@needs_espeak
def test_narration_over_photos_with_soft_subtitles(photos: list[Path], tmp_path: Path) -> None:
    text = "This is the first photo. 这是第二张照片。"
    result = run_compose(photos[:2], ComposeOptions(narration=text, fps=FPS, seconds_per_image=1.0, **SIZE),
                         tmp_path / "n.mp4")
    cues = result.subtitles["cues"]
    assert [c["text"] for c in cues] == ["This is the first photo.", "这是第二张照片。"] and result.subtitles["mode"] == "soft"
    assert result.duration_s >= cues[-1]["end_s"]  # the narration made it longer than 2 x 1 s
    assert [(c.text, round(c.start_s, 2)) for c in read_mov_text(result.path)] == [(c["text"], round(c["start_s"], 2)) for c in cues]
    vtt = Path(result.subtitles["webvtt"]).read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "这是第二张照片。" in vtt and "-->" in vtt
    sound = read_audio(result.path)
    assert sound is not None and result.audio["source"] == "narration (espeak)"

    def rms(start: float, end: float) -> float:
        part = sound.samples[:, round(start * sound.rate):round(end * sound.rate)]
        return float(np.sqrt((part ** 2).mean()))

    assert rms(0, 0.4) < 0.005  # silence before the first line
    assert rms(cues[0]["start_s"], cues[0]["end_s"]) > 0.03 and rms(cues[1]["start_s"], cues[1]["end_s"]) > 0.03


@needs_espeak
def test_burned_subtitles_are_drawn_while_the_line_is_said(photos: list[Path], tmp_path: Path) -> None:
    options = dict(narration="Hello.", fps=FPS, seconds_per_image=3.0, transition="cut", **SIZE)
    burned = run_compose(photos[1:2], ComposeOptions(subtitles="burn", **options), tmp_path / "burn.mp4")
    plain = run_compose(photos[1:2], ComposeOptions(subtitles="none", **options), tmp_path / "plain.mp4")
    assert burned.subtitles["mode"] == "burn" and not read_mov_text(burned.path) and plain.subtitles["mode"] == "none"
    a, b = read_video(burned.path, 100).frames.astype(float), read_video(plain.path, 100).frames.astype(float)
    cue = burned.subtitles["cues"][0]
    inside, outside = round((cue["start_s"] + 0.2) * FPS), round((cue["end_s"] + 0.5) * FPS)
    bottom = slice(int(96 * 0.6), 96)
    assert np.abs(a[inside, bottom] - b[inside, bottom]).max() > 100  # white text on the picture
    assert np.abs(a[inside, :30] - b[inside, :30]).mean() < 2  # the top is untouched
    assert np.abs(a[outside] - b[outside]).mean() < 2  # and after the line, nothing is drawn


@needs_espeak
def test_story_mode_makes_one_narrated_subtitled_video_from_three_lines(tmp_path: Path) -> None:
    from videogen.api import Engine

    story = "a red circle moving left\na blue square moving up\n一个绿色的三角形顺时针旋转"
    result = Engine(device="cpu").compose(story=story, model="shapes-t2v", output=tmp_path / "story.mp4", fps=FPS, **SIZE)
    lines = story.splitlines()
    assert [s["input"] for s in result.segments] == lines
    assert [c["text"] for c in result.subtitles["cues"]] == lines
    for segment, cue in zip(result.segments, result.subtitles["cues"]):
        assert segment["start_s"] <= cue["start_s"] < cue["end_s"] <= segment["end_s"] + 1e-6  # each line in its scene
    assert streams(Path(result.path)).keys() == {"video", "audio", "subtitle"}
    assert not list(tmp_path.glob(".compose-*"))  # the scenes' clips were made in a scratch folder, then removed
    frames = read_video(result.path, 1000).frames
    red = frames[round(result.segments[0]["end_s"] * FPS / 2)]
    assert red[..., 0].mean() > red[..., 2].mean() + 5  # the first scene draws the red circle


@needs_espeak
def test_sound_added_to_a_generated_clip_leaves_its_pixels(tmp_path: Path) -> None:
    from videogen.api import Engine

    engine = Engine(device="cpu")
    music = beat_music(tmp_path / "m.wav", 1.0)  # shorter than the clip: looped to it
    silent = engine.text_to_video("a red circle moving left", model="shapes-t2v", seed=3, output=tmp_path / "a.mp4")
    loud = engine.text_to_video("a red circle moving left", model="shapes-t2v", seed=3, output=tmp_path / "b.mp4",
                                audio=str(music), narration="A red circle.")
    assert silent.audio is None and read_audio(silent.path) is None
    lengths = streams(Path(loud.path))
    assert abs(lengths["audio"] - lengths["video"]) <= 1 / loud.fps
    assert loud.audio["source"] == "m.wav + narration (espeak)" and loud.to_json()["audio"] == loud.audio
    assert np.array_equal(read_video(silent.path, 100).frames, read_video(loud.path, 100).frames)  # not re-encoded
    from videogen.media import read_metadata

    assert read_metadata(loud.path)["audio"] == loud.audio["source"] and read_metadata(loud.path)["seed"] == 3


def test_a_clip_keeps_its_own_sound_in_a_composition(photos: list[Path], tmp_path: Path) -> None:
    t = np.arange(2 * 48000) / 48000
    tone = Audio(0.3 * np.sin(2 * np.pi * 440 * t)[None].astype(np.float32), 48000)
    clip = write_video(np.full((2 * FPS, 96, 160, 3), 90, np.uint8), tmp_path / "clip.mp4", FPS, audio=tone)
    result = run_compose([photos[1], clip], ComposeOptions(seconds_per_image=1.0, fps=FPS, transition="cut", **SIZE),
                         tmp_path / "mixed.mp4")
    assert [round(s["end_s"] - s["start_s"], 2) for s in result.segments] == [1.0, 2.0]  # the clip keeps its length
    sound = read_audio(result.path)
    photo_part = sound.samples[:, : round(0.9 * sound.rate)]
    clip_part = sound.samples[:, round(1.2 * sound.rate):round(2.8 * sound.rate)]
    assert np.abs(photo_part).max() < 0.01 and np.sqrt((clip_part ** 2).mean()) > 0.1
    assert result.audio["source"] == "the clips' own sound"


@pytest.mark.parametrize(("options", "message"), [
    (dict(beat_sync=True), "beat sync needs music"),
    (dict(transition="wipe"), "transition must be cut or crossfade"),
    (dict(subtitles="karaoke"), "subtitles must be soft, burn or none"),
    (dict(width=161, height=96), "width must be an even number"),
    (dict(seconds_per_image=0.1), "seconds_per_image must be between"),
    (dict(voice="robot"), "unknown voice 'robot'"),
    (dict(audio="PHOTO"), "has no sound"),
])
def test_bad_settings_are_refused_by_name_and_nothing_is_written(photos: list[Path], tmp_path: Path, options: dict,
                                                                   message: str) -> None:
    if options.get("audio") == "PHOTO":
        options = {**options, "audio": str(photos[0])}
    out = tmp_path / "out.mp4"
    with pytest.raises(InvalidInputError, match=message):
        run_compose(photos, ComposeOptions(**options), out)
    assert not out.exists() and not list(tmp_path.glob(".*part*"))


def test_a_cancelled_composition_leaves_no_file(photos: list[Path], tmp_path: Path) -> None:
    import threading

    from videogen.errors import GenerationCancelled

    cancel = threading.Event()
    out = tmp_path / "out.mp4"

    def report(progress) -> None:
        if progress.done >= 8:
            cancel.set()

    with pytest.raises(GenerationCancelled):
        run_compose(photos, ComposeOptions(fps=FPS, **SIZE), out, progress=report, cancel=cancel)
    assert not out.exists() and not list(tmp_path.iterdir())
    assert probe  # (the module's own import; the output is checked above)


def test_sound_made_for_a_clip_and_a_composition_by_the_text_to_audio_model(hub_env, photos: list[Path], tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Stable Audio Open's real pipeline (tiny weights, from the stand-in Hub), prompted by the clip's own prompt."""
    from tests.test_sound_models import served
    from videogen.api import Engine

    monkeypatch.setattr("videogen.api_sound.sound_model_spec", lambda model: served())
    engine = Engine(device="cpu")
    clip = engine.text_to_video("a red circle moving left", model="shapes-t2v", output=tmp_path / "c.mp4",
                                sound_model="stable-audio-open-1.0")
    assert clip.audio["source"] == "stable-audio-open-1.0: a red circle moving left"
    sound = read_audio(clip.path)
    assert abs(sound.duration_s - clip.frames / clip.fps) <= 1 / clip.fps and np.abs(sound.samples).max() > 0.01
    result = engine.compose(photos[:2], output=tmp_path / "m.mp4", sound_model="stable-audio-open-1.0",
                            sound_prompt="calm piano", seconds_per_image=2.0, fps=FPS, **SIZE)
    assert result.audio["source"] == "stable-audio-open-1.0: calm piano" and result.duration_s == 4.0
    assert np.abs(read_audio(result.path).samples).max() > 0.01
    with pytest.raises(InvalidInputError, match="a sound model needs a sound prompt"):
        engine.compose(photos[:1], output=tmp_path / "x.mp4", sound_model="stable-audio-open-1.0")
    with pytest.raises(InvalidInputError, match="not both"):
        engine.text_to_video("a red circle", model="shapes-t2v", output=tmp_path / "y.mp4", audio=str(photos[0]),
                             sound_model="stable-audio-open-1.0")
