"""Bad input gets a clear message on every path, and odd-but-valid input simply works.

One corpus, built in code (PyAV for videos, Pillow for images), goes through the three ways in:
the Python API (:class:`videogen.api.Engine`), the command line (``videogen.cli.main`` in this
process for the whole corpus, plus a few real ``python -m videogen`` runs) and the app through
gradio_client. A refusal must be a videogen error whose message says what is wrong (the CLI: exit
code 2 and one ``error:`` line; the app: the message itself, never Gradio's bare "Error"), never a
traceback and never the last-resort "failed unexpectedly" wording, which means a library error got
through untranslated. Inputs that are odd but valid (an AVI, a 16-bit PNG, a one-frame video, a
10 000-character prompt) must work on every path.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from videogen import params
from videogen.api import Engine
from videogen.errors import VideogenError

ROOT = Path(__file__).resolve().parents[1]
T2V = dict(model="shapes-t2v", frames=4, height=32, width=32)  # the smallest clip: refusals and successes alike are quick
I2V = dict(model="shapes-i2v", frames=4)
GENERIC = re.compile(r"^(none|error|)$|traceback|unexpected|upstream gradio app", re.IGNORECASE)


# ---- the corpus ---------------------------------------------------------------------------------------

def _scene(i: int, height: int, width: int) -> np.ndarray:
    """A red square moving right on grey: a shapes-world frame."""
    image = np.full((height, width, 3), 40, np.uint8)
    side = max(1, min(height, width) // 3)
    x = (i * 3) % max(1, width - side)
    image[height // 3: height // 3 + side, x: x + side] = (220, 40, 40)
    return image


def encode(path: Path, codec: str, *, fmt: str | None = None, frames: int = 8, size: tuple[int, int] = (64, 48),
           rate: int = 8, pix_fmt: str = "yuv420p", options: dict | None = None, rotation: int | None = None,
           times_ms: list[int] | None = None, audio: bool = False) -> Path:
    width, height = size
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.options = options or {}
        if rotation is not None:
            stream.set_display_rotation(rotation)
        if times_ms is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        sound = container.add_stream("aac", rate=16000) if audio else None
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(_scene(i, height, width), format="rgb24")
            if times_ms is not None:
                frame.pts, frame.time_base = times_ms[i], Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if sound is not None:
            _add_silence(container, sound, 16000, 8)
    return path


def _add_silence(container: Any, stream: Any, rate: int, chunks: int) -> None:
    for i in range(chunks):
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = rate, i * 1024
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def audio_only(path: Path, fmt: str) -> Path:
    with av.open(str(path), "w", format=fmt) as container:
        if fmt == "mp4":
            _add_silence(container, container.add_stream("aac", rate=16000), 16000, 10)
        else:
            _add_pcm(container)
    return path


def _add_pcm(container: Any) -> None:
    stream = container.add_stream("pcm_s16le", rate=16000)
    for i in range(10):
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.int16), format="s16", layout="mono")
        frame.sample_rate, frame.pts = 16000, i * 1024
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels, with almost no data (a decompression bomb's shape)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")


# Expected outcome per input: None = must work; a pattern = must be refused with a message matching it.
# Inputs in MAY_WORK are odd enough that either outcome is right (a refusal must still match).
VIDEOS: dict[str, str | None] = {
    "one-frame.mp4": None, "mpeg4.avi": None, "mjpeg.avi": None, "h264.mkv": None, "vp8.webm": None,
    "vp9.webm": None, "rotated.mp4": None, "vfr.mp4": None, "8k.mp4": None, "thousands.mp4": None,
    "odd-size.mp4": None, "with-audio.mp4": None, "名字 with spaces 🎬.mp4": None,
    "empty.mp4": r"empty \(0 bytes\)",
    "truncated-head.mp4": r"not a readable video",
    "truncated-half.mp4": r"not a readable video|corrupt|truncated|no decodable",
    "random.mp4": r"not a readable video",
    "text.mp4": r"not a readable video",
    "png-renamed.mp4": r"not a readable video",
    "audio-only.m4a": r"no video stream",
    "audio-only.wav": r"no video stream",
}
IMAGES: dict[str, str | None] = {
    "rgba.png": None, "gray.png": None, "gray-alpha.png": None, "palette.png": None, "cmyk.jpg": None,
    "16bit.png": None, "float.tiff": None, "animated.gif": None, "exif-rotated.jpg": None, "webp.webp": None,
    "4000x10.png": None, "10x4000.png": None,
    "1x1.png": r"no object to animate", "transparent.png": r"no object to animate",  # plain: outside the shapes world
    "claims-20000x20000.png": r"too large|pixels",  # Pillow's own limit, or the app's cap first
    "claims-12000x12000.png": r"damaged|too large|pixels",
    "text.png": r"not an image file", "empty.png": r"not an image file", "random.png": r"not an image file",
    "truncated.jpg": r"damaged|not an image file", "video.mp4": r"not an image file",
}
MAY_WORK = {"png-renamed.mp4", "truncated-half.mp4", "1x1.png", "transparent.png", "claims-12000x12000.png"}


@dataclass(frozen=True)
class Corpus:
    videos: dict[str, Path]
    images: dict[str, Path]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    folder = tmp_path_factory.mktemp("corpus")
    v = folder / "videos"
    v.mkdir()
    good = encode(v / "good.mp4", "libx264", frames=16)
    data = good.read_bytes()
    videos = {
        "one-frame.mp4": encode(v / "one-frame.mp4", "libx264", frames=1),
        "mpeg4.avi": encode(v / "mpeg4.avi", "mpeg4", fmt="avi"),
        "mjpeg.avi": encode(v / "mjpeg.avi", "mjpeg", fmt="avi", pix_fmt="yuvj420p"),
        "h264.mkv": encode(v / "h264.mkv", "libx264", fmt="matroska"),
        "vp8.webm": encode(v / "vp8.webm", "libvpx", fmt="webm"),
        "vp9.webm": encode(v / "vp9.webm", "libvpx-vp9", fmt="webm"),
        "rotated.mp4": encode(v / "rotated.mp4", "libx264", rotation=90),  # a phone video: stored landscape
        "vfr.mp4": encode(v / "vfr.mp4", "libx264", rate=100, times_ms=[0, 10, 20, 500, 510, 1500, 1510, 2600]),
        "8k.mp4": encode(v / "8k.mp4", "libx264", frames=2, size=(7680, 4320), options={"preset": "ultrafast"}),
        "thousands.mp4": encode(v / "thousands.mp4", "libx264", frames=3000, size=(32, 32), rate=100,
                                options={"preset": "ultrafast", "g": "50"}),
        "odd-size.mp4": encode(v / "odd-size.mp4", "mpeg4", fmt="mp4", size=(33, 17)),
        "with-audio.mp4": encode(v / "with-audio.mp4", "libx264", audio=True),
        "名字 with spaces 🎬.mp4": encode(v / "名字 with spaces 🎬.mp4", "libx264"),
        "audio-only.m4a": audio_only(v / "audio-only.m4a", "mp4"),
        "audio-only.wav": audio_only(v / "audio-only.wav", "wav"),
    }
    for name, content in {
        "empty.mp4": b"", "truncated-head.mp4": data[:64], "truncated-half.mp4": data[: len(data) // 2],
        "random.mp4": np.random.default_rng(0).integers(0, 256, 20000, dtype=np.uint8).tobytes(),
        "text.mp4": b"hello, this is not a video\n" * 50,
    }.items():
        (v / name).write_bytes(content)
        videos[name] = v / name
    Image.new("RGB", (64, 48), (200, 10, 10)).save(v / "png-renamed.mp4", format="PNG")
    videos["png-renamed.mp4"] = v / "png-renamed.mp4"

    i = folder / "images"
    i.mkdir()
    scene = Image.fromarray(_scene(0, 64, 64))
    sixteen = np.asarray(scene.convert("L")).astype(np.uint16) * 257  # 16 bits a sample, as from a scanner
    frames = [Image.fromarray(_scene(n * 5, 64, 64)) for n in range(4)]
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° to show": a phone photo
    jpeg = io.BytesIO()
    scene.save(jpeg, "JPEG")

    def wide(width: int, height: int) -> Image.Image:
        image = np.full((height, width, 3), 40, np.uint8)
        image[height // 2 - 4: height // 2 + 4, width // 2 - 4: width // 2 + 4] = (220, 30, 30)
        return Image.fromarray(image)

    savers: dict[str, Callable[[Path], Any]] = {
        "rgba.png": lambda p: scene.convert("RGBA").save(p),
        "gray.png": lambda p: scene.convert("L").save(p),
        "gray-alpha.png": lambda p: scene.convert("LA").save(p),
        "palette.png": lambda p: scene.convert("P").save(p),
        "cmyk.jpg": lambda p: scene.convert("CMYK").save(p, "JPEG"),
        "16bit.png": lambda p: Image.fromarray(sixteen).save(p),
        "float.tiff": lambda p: Image.fromarray(np.asarray(scene.convert("L")).astype(np.float32) / 255).save(p),
        "animated.gif": lambda p: frames[0].save(p, save_all=True, append_images=frames[1:], duration=100, loop=0),
        "exif-rotated.jpg": lambda p: scene.save(p, "JPEG", exif=exif),
        "webp.webp": lambda p: scene.save(p, "WEBP"),
        "4000x10.png": lambda p: wide(4000, 10).save(p),
        "10x4000.png": lambda p: wide(10, 4000).save(p),
        "1x1.png": lambda p: Image.new("RGB", (1, 1), (255, 0, 0)).save(p),
        "transparent.png": lambda p: Image.new("RGBA", (64, 64), (0, 0, 0, 0)).save(p),
        "claims-20000x20000.png": lambda p: p.write_bytes(png_claiming(20000, 20000)),
        "claims-12000x12000.png": lambda p: p.write_bytes(png_claiming(12000, 12000)),
        "text.png": lambda p: p.write_text("not an image"),
        "empty.png": lambda p: p.write_bytes(b""),
        "random.png": lambda p: p.write_bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes()),
        "truncated.jpg": lambda p: p.write_bytes(jpeg.getvalue()[:300]),
        "video.mp4": lambda p: encode(p, "libx264"),
    }
    images = {}
    for name, save in savers.items():
        save(i / name)
        images[name] = i / name
    assert set(videos) == set(VIDEOS) and set(images) == set(IMAGES)
    return Corpus(videos, images)


# ---- judging an outcome ---------------------------------------------------------------------------

def judge(name: str, expected: str | None, message: str | None, may_work: bool = False) -> str | None:
    """What is wrong with an outcome (``message`` None: it worked), or None when it is right."""
    if message is None:
        return None if expected is None or may_work else f"{name}: accepted, expected a refusal matching {expected!r}"
    if GENERIC.search(message) or len(message) < 15:
        return f"{name}: not a clear message: {message!r}"
    if expected is None:
        return f"{name}: refused a valid input: {message}"
    if not re.search(expected, message, re.IGNORECASE):
        return f"{name}: the message does not say {expected!r}: {message}"
    return None


def api_message(call: Callable[[], Any]) -> str | None:
    """None when the call works; the message of the videogen error it raises. Any other exception
    propagates: the test fails with its traceback, which is the bug."""
    try:
        call()
    except VideogenError as exc:
        return str(exc)
    return None


def cli_message(capsys: pytest.CaptureFixture[str], *argv: str) -> str | None:
    """``videogen.cli.main(argv)`` in this process: None on exit code 0; else its one ``error:`` line,
    or a description of what breaks the contract (exit code 2, one line, no traceback)."""
    from videogen.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse: a value of the wrong type
        code = exc.code
    _, err = capsys.readouterr()
    if code == 0:
        return None
    lines = [line for line in err.splitlines() if "error:" in line]
    if code != 2 or "Traceback" in err or len(lines) != 1:
        return f"CLI contract broken (exit code {code}): {err[-500:]!r}"
    return lines[0].split("error:", 1)[1].strip()


def app_message(call: Callable[[], Any]) -> str | None:
    """None when the gradio_client call works; else the message the client got."""
    try:
        call()
    except Exception as exc:  # gradio_client's AppError carries the server's message
        return str(exc)
    return None


T2V_VALUES, I2V_VALUES = (len(t.inputs) + len(t.on("api")) for t in (params.TEXT_TO_VIDEO, params.IMAGE_TO_VIDEO))
# a raw call sends every value: the settings after the first nine (sound, marks, ...) left unset
SOUND_UNSET = [None] * (len(params.TEXT_TO_VIDEO.on("api")) - 9)
# (and the endpoint's inputs include the session's history, a State: one more value than the table's)


def raw_message(url: str, api_name: str, data: list[Any]) -> str | None:
    """Call an endpoint over plain HTTP with JSON gradio_client cannot send (NaN, a lone surrogate);
    None when it works, else the error message the server sent (None there: Gradio's bare "Error")."""
    body = json.dumps({"data": data}, allow_nan=True)  # "\ud800" goes out as the escape \ud800
    started = httpx.post(f"{url}gradio_api/call/{api_name}", content=body.encode(),
                         headers={"content-type": "application/json"}, timeout=30)
    started.raise_for_status()
    stream = httpx.get(f"{url}gradio_api/call/{api_name}/{started.json()['event_id']}", timeout=120).text
    events = re.findall(r"event: (\w+)\ndata: (.*)", stream)
    kind, payload = events[-1]
    if kind == "complete":
        return None
    return str(json.loads(payload).get("error")) if kind == "error" else f"unexpected event {kind}: {payload}"


@pytest.fixture
def engine() -> Engine:
    return Engine(device="cpu")


@pytest.fixture
def client(app_url: str) -> Iterator[Client]:
    client = Client(app_url, verbose=False, download_files=False)  # outputs stay on the server: only the answers count here
    try:
        yield client
    finally:
        client.close()


def assert_clean(problems: list[str | None]) -> None:
    found = [p for p in problems if p]
    assert not found, "\n".join(found)


# ---- videos and images ------------------------------------------------------------------------------

def test_videos_through_the_api(engine: Engine, corpus: Corpus, tmp_path: Path) -> None:
    problems = [judge(name, VIDEOS[name], api_message(lambda p=path: engine.classify(p, model="shapes-action", timeline=True)),
                      name in MAY_WORK) for name, path in corpus.videos.items()]
    problems.append(judge("missing.mp4", "not found", api_message(lambda: engine.classify(tmp_path / "missing.mp4", model="shapes-action"))))
    problems.append(judge("a folder", "not a video file", api_message(lambda: engine.classify(tmp_path, model="shapes-action"))))
    assert_clean(problems)


def test_images_through_the_api(engine: Engine, corpus: Corpus, tmp_path: Path) -> None:
    problems = [judge(name, IMAGES[name], api_message(lambda p=path: engine.image_to_video(p, "move right", **I2V)), name in MAY_WORK)
                for name, path in corpus.images.items()]
    problems.append(judge("missing.png", "not found", api_message(lambda: engine.image_to_video(tmp_path / "missing.png", "", **I2V))))
    problems.append(judge("a folder", "not an image file", api_message(lambda: engine.image_to_video(tmp_path, "", **I2V))))
    for label, array in {"float array": np.random.default_rng(0).random((64, 64, 3)), "uint16 array": np.zeros((8, 8), np.uint16),
                         "grey array": np.zeros((64, 64), np.uint8)}.items():
        array[20:40, 20:40] = 0.9 if array.dtype == float else 200
        problems.append(judge(label, r"no object", api_message(lambda a=array: engine.image_to_video(a, "", **I2V)), may_work=True))
    for label, bad in {"an empty array": np.zeros((0, 4, 3), np.uint8), "a 5-channel array": np.zeros((4, 4, 5), np.uint8),
                       "text array": np.array([["a"]]), "a number": 5}.items():
        problems.append(judge(label, r"image must be", api_message(lambda b=bad: engine.image_to_video(b, "", **I2V))))
    assert_clean(problems)


def test_odd_sized_images_animate_on_a_model_that_takes_any_picture(hub_env, corpus: Corpus, engine: Engine) -> None:
    """The shapes model needs a shape to move; a diffusers image-to-video model animates any picture,
    a single pixel or a 400:1 strip included."""
    for name in ("1x1.png", "4000x10.png", "transparent.png", "cmyk.jpg", "16bit.png"):
        result = engine.image_to_video(corpus.images[name], "moves", model="tiny/ltx", frames=9, height=32, width=32, steps=1)
        assert Path(result.path).exists() and (result.height, result.width) == (32, 32), name


def test_videos_and_images_through_the_cli(capsys: pytest.CaptureFixture[str], corpus: Corpus, tmp_path: Path) -> None:
    problems = [judge(name, VIDEOS[name], cli_message(capsys, "classify", str(path), "--model", "shapes-action", "--timeline"),
                      name in MAY_WORK) for name, path in corpus.videos.items()]
    problems.append(judge("missing.mp4", "not found", cli_message(capsys, "classify", str(tmp_path / "no.mp4"), "--model", "shapes-action")))
    out = tmp_path / "out.mp4"
    problems += [judge(name, IMAGES[name], cli_message(capsys, "i2v", str(path), "move right", "--model", "shapes-i2v",
                                                       "--frames", "4", "-o", str(out)), name in MAY_WORK)
                 for name, path in corpus.images.items()]
    assert_clean(problems)


def test_videos_and_images_through_the_app(client: Client, corpus: Corpus) -> None:
    problems = [judge(name, VIDEOS[name], app_message(lambda p=path: client.predict(handle_file(str(p)), model="shapes-action",
                                                                                     api_name="/classify")), name in MAY_WORK)
                for name, path in corpus.videos.items()]
    problems += [judge(name, IMAGES[name], app_message(lambda p=path: client.predict(handle_file(str(p)), "move right", **I2V,
                                                                                      api_name="/image_to_video")), name in MAY_WORK)
                 for name, path in corpus.images.items()]
    assert_clean(problems)


def test_file_inputs_that_are_not_uploads(app_url: str, client: Client, corpus: Corpus) -> None:
    """A server path, a URL, a malformed file object or too few values: Gradio refuses them before
    the handlers run; the client is told what to send instead, and nothing of the server is named."""
    video = str(next(iter(corpus.videos.values())))
    not_uploads = [
        "/etc/passwd", {"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}},
        {"path": video, "meta": {"_type": "gradio.FileData"}}, {"path": "../../../../etc/hostname", "meta": {"_type": "gradio.FileData"}},
        {"url": f"{app_url}gradio_api/info", "path": "info.mp4", "meta": {"_type": "gradio.FileData"}},
        {"meta": {"_type": "gradio.FileData"}}, {"path": 5, "meta": {"_type": "gradio.FileData"}}, 42,
    ]
    problems = []
    for value in not_uploads:
        for api_name, data in (("classify", [value, "shapes-action", "", "sampled"]), ("image_to_video", [value, "move right", "shapes-i2v", *[None] * (I2V_VALUES - 3)])):
            message = raw_message(app_url, api_name, data)
            problems.append(judge(f"raw {api_name} {value!r}", r"file|upload", message))
            if message and ("/etc" in message or "/tmp" in message):
                problems.append(f"{api_name} {value!r}: names a server path: {message}")
    problems.append(judge("gradio_client plain path", r"upload", app_message(
        lambda: client.predict(video, model="shapes-action", api_name="/classify"))))
    problems.append(judge("too few values", rf"1 of the {T2V_VALUES + 1} values", raw_message(app_url, "text_to_video", ["a red circle"])))
    assert_clean(problems)


def test_a_pipe_a_folder_or_a_non_path_is_refused_without_waiting(engine: Engine, tmp_path: Path) -> None:
    """A named pipe no one writes to would block any open() for good; a folder or a number is no video."""
    pipe = tmp_path / "clip.mp4"
    os.mkfifo(pipe)
    outcome: dict[str, str | None] = {}
    reader = threading.Thread(target=lambda: outcome.update(
        video=api_message(lambda: engine.classify(pipe, model="shapes-action")),
        image=api_message(lambda: engine.image_to_video(pipe, "move right", **I2V))), daemon=True)
    reader.start()
    reader.join(timeout=60)
    assert not reader.is_alive(), "a named pipe blocked the request"
    assert_clean([judge("video pipe", r"not a video file", outcome["video"]),
                  judge("image pipe", r"not an image file", outcome["image"]),
                  judge("video folder", r"not a video file", api_message(lambda: engine.classify(tmp_path, model="shapes-action"))),
                  judge("video 5", r"video must be the path", api_message(lambda: engine.classify(5, model="shapes-action"))),
                  judge("video bytes", r"video must be the path", api_message(lambda: engine.classify(b"\0\0", model="shapes-action")))])


# ---- prompts ------------------------------------------------------------------------------------------

LONG = "a red circle moving to the left on a white background, " * 180  # about 10 000 characters
PROMPTS: dict[str, tuple[str, str | None]] = {
    "empty": ("", r"prompt must be a non-empty text"),
    "whitespace": ("  \n\t ", r"prompt must be a non-empty text"),
    "10 000 characters": (LONG, r"prompt.*(long|characters)"),  # valid, unless the app caps prompt length
    "emoji": ("a 🔴 circle moving left 🚀✨", None),
    "control characters": ("a red\x07 circle\x1b[31m moving\x7f left\x00", None),
    "right to left": ("دائرة حمراء a red circle", None),
    "chinese": ("一个红色的圆向左移动", None),
    "lone surrogate": ("a red \ud800 circle", r"lone surrogate"),
}
CAPPED = {"10 000 characters"}  # either outcome is right


def test_prompts_through_the_api_and_cli(engine: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    problems = []
    for name, (prompt, expected) in PROMPTS.items():
        problems.append(judge(f"api {name}", expected, api_message(lambda p=prompt: engine.text_to_video(p, **T2V)), name in CAPPED))
        argv_prompt = prompt.replace("\x00", "")  # a command line cannot hold a NUL
        problems.append(judge(f"cli {name}", expected, cli_message(
            capsys, "t2v", argv_prompt, "--model", "shapes-t2v", "--frames", "4", "--height", "32", "--width", "32",
            "-o", str(tmp_path / "p.mp4")), name in CAPPED))
    problems.append(judge("api negative prompt with a lone surrogate", r"negative_prompt.*lone surrogate",
                          api_message(lambda: engine.text_to_video("a red circle", negative_prompt="\udcff", **T2V))))
    problems.append(judge("api prompt that is a number", r"prompt must be", api_message(lambda: engine.text_to_video(5, **T2V))))
    problems.append(judge("api i2v with no prompt", None, api_message(
        lambda: engine.image_to_video(_square_png(tmp_path), "", **I2V))))
    assert_clean(problems)


def _square_png(folder: Path) -> Path:
    path = folder / "square.png"
    Image.fromarray(_scene(0, 64, 64)).save(path)
    return path


def test_prompts_through_the_app(client: Client, app_url: str, tmp_path: Path) -> None:
    problems = []
    for name, (prompt, expected) in PROMPTS.items():
        if name == "lone surrogate":  # gradio_client cannot even encode it: sent as JSON's \ud800 escape
            message = raw_message(app_url, "text_to_video", [prompt, "shapes-t2v", None, -1, None, None, 4, 32, 32, None, *SOUND_UNSET])
        else:
            message = app_message(lambda p=prompt: client.predict(p, **T2V, api_name="/text_to_video"))
        problems.append(judge(f"app {name}", expected, message, name in CAPPED))
    image = handle_file(str(_square_png(tmp_path)))
    problems.append(judge("app i2v with no prompt", None, app_message(
        lambda: client.predict(image, "", **I2V, api_name="/image_to_video"))))
    assert_clean(problems)


# ---- numbers --------------------------------------------------------------------------------------------

NAN, INF = float("nan"), float("inf")
NUMBERS = ("frames", "steps", "height", "width", "fps", "guidance", "seed")
BAD_VALUES = (NAN, INF, -INF, "abc", "12", True, [4], -5, 10**12, 2.5, 1e300, 1e-300)
VALID = {("seed", -5), ("fps", 2.5), ("guidance", 2.5), ("guidance", 1e-300)}  # -1 or any negative seed: a random one


def valid(name: str, value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and (name, value) in VALID


def test_numbers_through_the_api(engine: Engine) -> None:
    problems = []
    for name in NUMBERS:
        for value in (*BAD_VALUES, 10**400):
            expected = None if valid(name, value) else rf"\b{name}\b"
            problems.append(judge(f"{name}={value!r:.20}", expected, api_message(
                lambda n=name, v=value: engine.text_to_video("a red circle", **{**T2V, n: v}))))
    top_k = {0: "top_k", -1: "top_k", 1001: "top_k", NAN: "top_k", 2.5: "top_k", "5": "top_k", None: "top_k", 5.0: None}
    clip = _tiny_clip(engine)
    for value, expected in top_k.items():
        problems.append(judge(f"top_k={value!r}", expected, api_message(
            lambda v=value: engine.classify(clip, model="shapes-action", top_k=v))))
    for window in (NAN, INF, -1, "4"):
        problems.append(judge(f"window_s={window!r}", "window_s", api_message(
            lambda w=window: engine.classify(clip, model="shapes-action", timeline=True, window_s=w))))
    assert_clean(problems)


def _tiny_clip(engine: Engine) -> str:
    return engine.text_to_video("a red circle moving left", **T2V).path


def test_numbers_through_the_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    problems = []
    for name in NUMBERS:
        for value in ("nan", "inf", "-inf", "abc", "-5", "1000000000000", "2.5", "1e300", ""):
            expected = None if value not in ("abc", "") and valid(name, float(value)) else rf"{name}"
            argv = ["t2v", "a red circle", "--model", "shapes-t2v", "--frames", "4", "--height", "32", "--width", "32",
                    f"--{name}", value, "-o", str(tmp_path / "n.mp4")]
            problems.append(judge(f"--{name} {value!r}", expected, cli_message(capsys, *argv)))
    clip = tmp_path / "c.mp4"
    from videogen.media import write_video

    write_video(np.zeros((8, 32, 32, 3), np.uint8), clip, 8)
    for value in ("0", "-3", "nan", "2.5"):
        problems.append(judge(f"--top-k {value}", "top.k", cli_message(capsys, "classify", str(clip), "--model", "shapes-action",
                                                                       "--top-k", value)))
    for flag, value, name in (("--gpu-memory", "nan", "gpu_memory"), ("--gpu-memory", "-1", "gpu_memory"), ("--ram", "inf", "ram"),
                              ("--ram", "0", "ram"), ("--frames", "-5", "frames"), ("--height", "0", "height")):
        problems.append(judge(f"plan {flag} {value}", name, cli_message(capsys, "plan", "ltx-video", "--gpu-memory", "24", flag, value)))
    assert_clean(problems)


def test_numbers_through_the_app(client: Client, app_url: str) -> None:
    """gradio_client sends what JSON can carry; NaN and infinity go over plain HTTP (as a browser's
    JavaScript or a hand-written client might send them)."""
    order = ["negative_prompt", "seed", "steps", "guidance", "frames", "height", "width", "fps"]
    problems = []
    for name in NUMBERS:
        for value in BAD_VALUES:
            expected = None if valid(name, value) else rf"\b{name}\b"
            if isinstance(value, float) and not np.isfinite(value):
                settings = {**dict.fromkeys(order), "seed": -1, "frames": 4, "height": 32, "width": 32, name: value}
                message = raw_message(app_url, "text_to_video", ["a red circle", "shapes-t2v", *[settings[k] for k in order],
                                                                        *SOUND_UNSET])
            else:
                message = app_message(lambda n=name, v=value: client.predict("a red circle", **{**T2V, n: v}, api_name="/text_to_video"))
            problems.append(judge(f"app {name}={value!r}", expected, message))
    assert_clean(problems)


# ---- labels and model ids -----------------------------------------------------------------------------

def test_labels(engine: Engine, capsys: pytest.CaptureFixture[str], client: Client) -> None:
    clip = _tiny_clip(engine)
    cases: dict[Any, str | None] = {"": None, " , ,\n": None, "jumping": r"takes no labels", "walking, running": r"takes no labels",
                                    "\ud800, b": r"lone surrogate|takes no labels"}
    problems = []
    for labels, expected in cases.items():
        problems.append(judge(f"api labels={labels!r}", expected, api_message(
            lambda lab=labels: engine.classify(clip, model="shapes-action", labels=lab))))
        if "\ud800" not in labels:
            problems.append(judge(f"cli labels={labels!r}", expected, cli_message(
                capsys, "classify", clip, "--model", "shapes-action", "--labels", labels)))
            problems.append(judge(f"app labels={labels!r}", expected, app_message(
                lambda lab=labels: client.predict(handle_file(clip), model="shapes-action", labels=lab, api_name="/classify"))))
    for bad in (5, [1, 2], {"a": 1}):
        problems.append(judge(f"api labels={bad!r}", r"labels must be", api_message(
            lambda b=bad: engine.classify(clip, model="shapes-action", labels=b))))
    assert_clean(problems)


def test_labels_of_a_zero_shot_model(hub_env, engine: Engine) -> None:
    """X-CLIP ranks your labels; none means the 400 Kinetics actions; one label is no choice."""
    clip = _tiny_clip(engine)
    assert len(engine.classify(clip, model="tiny/xclip", labels="", top_k=3).predictions) == 3, "Kinetics by default"
    assert len(engine.classify(clip, model="tiny/xclip", labels=" , ").predictions) == 5
    with pytest.raises(VideogenError, match="at least two"):
        engine.classify(clip, model="tiny/xclip", labels="dancing")
    assert {p["label"] for p in engine.classify(clip, model="tiny/xclip", labels=["dancing", "cooking"]).predictions} == {
        "dancing", "cooking"}


MODEL_IDS: dict[str, str] = {
    "no-such-model": r"unknown model",
    "../../etc": r"model|folder|path",
    "/etc": r"model|folder|path",
    "org/name": r"reach|not found|offline",
    "org/..": r"not a valid hub repo id|not allowed|unknown",
    "a/b/c": r"unknown model|not allowed",
    "x" * 300: r"model",
    "shapes-action": r"does classify",
    "~": r"model|folder|path",
    "/dev/null": r"unknown model|model|path",
    "org/name@no-such-branch": r"reach|not found|offline|revision",
}


def test_model_ids(engine: Engine, capsys: pytest.CaptureFixture[str], client: Client, tmp_path: Path) -> None:
    problems = []
    for model, expected in MODEL_IDS.items():
        shown = model if len(model) < 30 else f"{model[:10]}…"
        settings = {**T2V, "model": model}
        problems.append(judge(f"api {shown}", expected, api_message(lambda s=settings: engine.text_to_video("a red circle", **s))))
        problems.append(judge(f"cli {shown}", expected, cli_message(
            capsys, "t2v", "a red circle", "--model", model, "--frames", "4", "-o", str(tmp_path / "m.mp4"))))
        answer = app_message(lambda s=settings: client.predict("a red circle", **s, api_name="/text_to_video"))
        problems.append(judge(f"app {shown}", expected, answer))
        if answer and str(Path.home()) in answer and not model.startswith(str(Path.home())):
            problems.append(f"app {shown}: names the server's home folder: {answer}")
    assert_clean(problems)


def test_model_folders_that_are_not_models(engine: Engine, tmp_path: Path) -> None:
    """A folder with a config but no weights, a config that is not JSON, weights cut short: each is
    refused with a message, and the next request works."""
    no_weights = tmp_path / "no-weights"
    no_weights.mkdir()
    (no_weights / "config.json").write_text(json.dumps({"architectures": ["XCLIPModel"]}))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model_index.json").write_text("{not json")
    import shutil

    cut = tmp_path / "cut"
    shutil.copytree(ROOT / "weights" / "shapes-t2v", cut)
    weights = next(cut.rglob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:1000])
    clip = _tiny_clip(engine)
    problems = [
        judge("config, no weights", r"no weights", api_message(lambda: engine.classify(clip, model=str(no_weights)))),
        judge("config not JSON", r"cannot be used as a model|json", api_message(lambda: engine.text_to_video("a", model=str(broken)))),
        judge("weights cut short", r"could not be loaded", api_message(
            lambda: engine.text_to_video("a red circle", model=str(cut), frames=4, height=32, width=32))),
    ]
    assert_clean(problems)
    assert Path(engine.text_to_video("a red circle", **T2V).path).exists(), "the next request works"


# ---- real processes: the command line's contract end to end --------------------------------------------

def test_the_cli_process_answers_bad_input_in_one_line(corpus: Corpus, tmp_path: Path) -> None:
    """A few of the corpus through ``python -m videogen`` itself: exit code 2, one ``error:`` line, no
    traceback. A byte that is not UTF-8 on the command line arrives as a lone surrogate."""
    runs = {
        "random bytes as a video": (["classify", str(corpus.videos["random.mp4"]), "--model", "shapes-action"], r"not a readable video"),
        "a Latin-1 byte in the prompt": (["t2v", b"caf\xe9 circle", "--model", "shapes-t2v", "-o", str(tmp_path / "d.mp4")],
                                         r"lone surrogate"),
    }
    problems = []
    for name, (argv, expected) in runs.items():
        done = subprocess.run([sys.executable, "-m", "videogen", *argv], cwd=ROOT, env=dict(os.environ), capture_output=True, timeout=120)
        err = done.stderr.decode("utf-8", "replace")
        lines = [line for line in err.splitlines() if line.startswith("error: ")]
        if done.returncode != 2 or "Traceback" in err or len(lines) != 1:
            problems.append(f"{name}: exit code {done.returncode}, stderr {err[-400:]!r}")
        else:
            problems.append(judge(name, expected, lines[0][len("error: "):]))
    assert_clean(problems)
    assert not list(tmp_path.glob("*.mp4")), "nothing written for refused requests"
