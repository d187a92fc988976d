"""``python -m videogen bench``: how fast videogen is, each figure next to a baseline timed in the same run.

Timings differ from machine to machine and from run to run, so every row carries the seconds of a
baseline measured by the same process minutes apart, and the ratio of the two (``ratio`` =
seconds / baseline seconds: below 1 is faster than the baseline). Sections (``--only``, ``--skip``):

* ``decode``: sampling 16 frames from long H.264 files (built here with libx264: a key frame every
  250 or 600 frames), against decoding every frame with PyAV, and next to torchcodec, decord and
  OpenCV seeks where they are installed. Each of videogen's rows says how many frames it decoded.
* ``startup``: ``python app.py`` until its page answers, against a bare ``gr.Blocks`` app launched
  the same way.
* ``embedded``: the shapes models. Load time (first use, with the imports it triggers, and again in
  a new engine) against reading their weights (safetensors); seconds per clip against the clip's
  H.264 encode (generators) or decode (recognizer), from the same call.
* ``xclip``: X-CLIP base/32 at full size with random weights (nothing is downloaded): seconds per
  clip with the 400 label texts encoded once, against the *matmul floor*: the clip's FLOPs (counted
  by ``torch.utils.flop_counter``) at the dense-matmul rate measured in this run.
* ``generators``: LTX-Video and Wan 2.1 1.3B components at full size with random weights, built
  from the published configs (:func:`videogen.components.build_component`), one subprocess each:
  a transformer forward (one denoising step), the VAE decode and the text encoder forward, with
  the peak RAM (``ru_maxrss``), against the matmul floor. On the CPU, and on a GPU when there is one.

``--quick`` uses smaller files, fewer repeats, and leaves the generators out unless asked for by
``--only generators`` (then at reduced sizes). ``--device cpu`` (or ``cuda``) runs the model
sections on that device only. The JSON has a ``machine`` object and one ``rows``
list; the table groups the rows by section.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

SECTIONS = ("decode", "startup", "embedded", "xclip", "generators")
SAMPLES = 16  # frames sampled per video in the decode section, as recognition reads them
GIB = 1024**3


# ----------------------------------------------------------------------------------------------
# rows and the machine


def row(section: str, item: str, measure: str, seconds: float, baseline: str, baseline_s: float, **extra: Any) -> dict[str, Any]:
    """One figure: its seconds, the baseline's, and their ratio (seconds / baseline seconds)."""
    return {
        "section": section, "item": item, "measure": measure, "seconds": round(seconds, 6), "baseline": baseline,
        "baseline_s": round(baseline_s, 6), "ratio": float(f"{seconds / baseline_s:.4g}") if baseline_s > 0 else None, **extra,
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import av
    import psutil
    import torch

    model = platform.processor() or ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    info = {
        "cpu": model, "cores": os.cpu_count(), "ram_gib": round(psutil.virtual_memory().total / GIB, 1),
        "torch_threads": torch.get_num_threads(), "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "python": platform.python_version(), "torch": torch.__version__, "av": av.__version__, "os": platform.platform(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    return info


def matmul_rate(dtype: str = "float32", device: str = "cpu") -> float:
    """Dense matmul FLOP/s here (the best of a few 2048x2048 products): the floor's rate."""
    import torch

    n = 2048 if device == "cpu" else 8192
    a = torch.randn(n, n, dtype=getattr(torch, dtype), device=device)
    b = torch.randn(n, n, dtype=getattr(torch, dtype), device=device)
    best = float("inf")
    for _ in range(4):
        _sync(device)
        start = time.perf_counter()
        a @ b
        _sync(device)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def count_flops(fn: Callable[[], Any]) -> tuple[int, Any]:
    """FLOPs of one call (matmuls, convolutions, attention), and its result."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        result = fn()
    return counter.get_total_flops(), result


# ----------------------------------------------------------------------------------------------
# decode: test files and the samplers


@dataclass(frozen=True)
class VideoSpec:
    name: str
    width: int
    height: int
    seconds: int
    gop: int  # frames between key frames
    fps: int = 30

    @property
    def frames(self) -> int:
        return self.seconds * self.fps


FULL_FILES = (
    VideoSpec("3 min 720p, key frame every 250", 1280, 720, 180, 250),
    VideoSpec("60 s 1080p, key frame every 600", 1920, 1080, 60, 600),
    VideoSpec("10 min 360p, key frame every 250", 640, 360, 600, 250),
)
QUICK_FILES = (
    VideoSpec("20 s 720p, key frame every 250", 1280, 720, 20, 250),
    VideoSpec("60 s 360p, key frame every 250", 640, 360, 60, 250),
)


def make_video(spec: VideoSpec, folder: Path) -> Path:
    """The test file (kept in ``folder`` for the next run). One group of pictures is encoded with
    libx264 (veryfast, CRF 23, B-frames; a textured background scrolling under a moving box) and
    its packets repeated with shifted timestamps: decoding costs what a long encode would, the
    build takes seconds."""
    import av

    path = folder / f"{spec.width}x{spec.height}-{spec.seconds}s-gop{spec.gop}.mp4"
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    repeats, tail = divmod(spec.frames, spec.gop)
    pieces = [(_encode_piece(spec, spec.gop, folder / "piece.mp4"), repeats)]
    if tail:
        pieces.append((_encode_piece(spec, tail, folder / "tail.mp4"), 1))
    partial = path.with_suffix(".part.mp4")
    with av.open(str(partial), "w") as out:
        stream = None
        offset = 0.0  # seconds
        for piece, count in pieces:
            for _ in range(count):
                with av.open(str(piece)) as source:
                    template = source.streams.video[0]
                    if stream is None:
                        stream = out.add_stream_from_template(template)
                    length = 0.0
                    for packet in source.demux(template):
                        if not packet.size:
                            continue
                        shift = round(offset / packet.time_base)
                        length = max(length, float((packet.pts + packet.duration) * packet.time_base))
                        packet.pts += shift
                        packet.dts += shift
                        packet.stream = stream
                        out.mux(packet)
                offset += length
    partial.rename(path)
    for piece, _ in pieces:
        piece.unlink()
    return path


def _encode_piece(spec: VideoSpec, frames: int, path: Path) -> Path:
    import av

    rng = np.random.default_rng(0)
    texture = np.kron(rng.integers(0, 256, (spec.height // 8 + 2, spec.width // 8 + 2, 3), dtype=np.uint8),
                      np.ones((8, 8, 1), np.uint8))
    box = spec.height // 4
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=spec.fps)
        stream.width, stream.height, stream.pix_fmt = spec.width, spec.height, "yuv420p"
        stream.options = {"g": str(spec.gop), "keyint_min": str(spec.gop), "sc_threshold": "0", "preset": "veryfast", "crf": "23"}
        for i in range(frames):
            dx, dy = (i * 2) % 8, (i // 3) % 8
            image = texture[dy:dy + spec.height, dx:dx + spec.width].copy()
            x = (i * 5) % (spec.width - box)
            image[spec.height // 3:spec.height // 3 + box, x:x + box] = (255, i % 256, 0)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def sample_times(path: Path, count: int = SAMPLES) -> tuple[list[float], float]:
    """The centres of ``count`` equal slices of the video (what read_frames targets), and its fps."""
    from videogen.video_io import probe

    info = probe(path)
    return [(i + 0.5) * info.duration / count for i in range(count)], info.fps


def full_decode(path: Path, targets: list[float]) -> int:
    """Decode every frame (PyAV, threads on) and convert the one on screen at each target."""
    import av

    chosen = []
    shown = None
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            while len(chosen) < len(targets) and frame.time > targets[len(chosen)] + 1e-6:
                chosen.append(shown or frame)
            shown = frame
    chosen += [shown] * (len(targets) - len(chosen))
    arrays = {id(f): f.to_ndarray(format="rgb24") for f in chosen}
    return len(arrays)


def torchcodec_sampler(mode: str) -> Callable[[Path, list[float], float], Any] | None:
    try:
        from torchcodec.decoders import VideoDecoder
    except Exception:  # not installed, or no FFmpeg libraries for it (ImportError, OSError, RuntimeError)
        return None

    def sample(path: Path, targets: list[float], fps: float) -> Any:
        decoder = VideoDecoder(str(path), seek_mode=mode, num_ffmpeg_threads=0)
        return decoder.get_frames_played_at(seconds=targets).data

    return sample


def decord_sampler() -> Callable[[Path, list[float], float], Any] | None:
    try:
        import decord
    except Exception:
        return None

    def sample(path: Path, targets: list[float], fps: float) -> Any:
        reader = decord.VideoReader(str(path), ctx=decord.cpu(0), num_threads=0)
        last = len(reader) - 1
        return reader.get_batch([min(int(t * fps + 1e-6), last) for t in targets]).asnumpy()

    return sample


def opencv_sampler() -> Callable[[Path, list[float], float], Any] | None:
    try:
        import cv2
    except Exception:
        return None

    def sample(path: Path, targets: list[float], fps: float) -> Any:
        capture = cv2.VideoCapture(str(path))
        try:
            frames = []
            for t in targets:
                capture.set(cv2.CAP_PROP_POS_FRAMES, int(t * fps + 1e-6))
                ok, image = capture.read()
                if ok:
                    frames.append(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
            return frames
        finally:
            capture.release()

    return sample


def _best(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def bench_decode(workdir: Path, quick: bool) -> list[dict[str, Any]]:
    from videogen.video_io import read_frames

    peers = {
        "torchcodec (exact seeks)": torchcodec_sampler("exact"),
        "torchcodec (approximate seeks)": torchcodec_sampler("approximate"),
        "decord": decord_sampler(),
        "OpenCV seeks": opencv_sampler(),
    }
    repeats = 2 if quick else 1
    rows = []
    for spec in QUICK_FILES if quick else FULL_FILES:
        path = make_video(spec, workdir / "videos")
        targets, fps = sample_times(path)
        about = {"frames_in_file": spec.frames, "size_mb": round(path.stat().st_size / 1e6, 1)}
        base_s, _ = _best(lambda: full_decode(path, targets), repeats)
        baseline = "full decode (PyAV)"
        rows.append(row("decode", spec.name, baseline, base_s, baseline, base_s, frames_decoded=spec.frames, **about))
        peer_s = {}
        for name, sampler in peers.items():
            if sampler is None:
                rows.append({"section": "decode", "item": spec.name, "measure": name, "skipped": "not installed"})
                continue
            try:
                seconds, _ = _best(lambda: sampler(path, targets, fps), repeats)
            except Exception as exc:  # a peer that fails on a file is reported, not fatal
                rows.append({"section": "decode", "item": spec.name, "measure": name, "skipped": f"failed: {exc}"[:200]})
                continue
            peer_s[name] = seconds
            rows.append(row("decode", spec.name, name, seconds, baseline, base_s, **about))
        fastest = min(peer_s, key=peer_s.get) if peer_s else None
        for exact in (False, True):
            seconds, sampled = _best(lambda: read_frames(path, SAMPLES, exact=exact), repeats)
            extra = {"frames_decoded": sampled.stats.decoded, "packets_skipped": sampled.stats.skipped,
                     "seeks": sampled.stats.seeks, "exact_frames": sum(sampled.exact),
                     "max_offset_s": round(max(abs(a - b) for a, b in zip(sampled.times, sampled.targets)), 3)}
            if fastest:
                extra.update(fastest_peer=fastest, ratio_to_fastest_peer=round(seconds / peer_s[fastest], 4))
            measure = f"videogen read_frames({'exact=True' if exact else 'default'})"
            rows.append(row("decode", spec.name, measure, seconds, baseline, base_s, **about, **extra))
    return rows


# ----------------------------------------------------------------------------------------------
# startup: the app against a bare Gradio app

BARE_APP = """
import sys
import gradio as gr
with gr.Blocks() as demo:
    gr.Markdown("bare")
demo.launch(server_name="127.0.0.1", server_port=int(sys.argv[1]), prevent_thread_lock=True, quiet=True)
demo.block_thread()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_to_page(command: list[str], port: int, timeout: float = 180.0) -> float:
    """Seconds from starting ``command`` until http://127.0.0.1:port/ answers 200; stops it after."""
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        while time.perf_counter() - start < timeout:
            if process.poll() is not None:
                raise RuntimeError(f"{command[1]} exited with {process.returncode} before its page answered")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"no page on port {port} after {timeout:.0f} s")
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def bench_startup(quick: bool) -> list[dict[str, Any]]:
    app = Path(__file__).resolve().parent.parent / "app.py"
    if not app.is_file():
        return [{"section": "startup", "item": "python app.py", "measure": "until the page answers",
                 "skipped": "app.py is not next to the package (installed from a wheel)"}]
    bare_s, app_s = float("inf"), float("inf")
    for _ in range(1 if quick else 2):  # alternated, so both find the same warm file cache
        port = _free_port()
        bare_s = min(bare_s, time_to_page([sys.executable, "-c", BARE_APP, str(port)], port))
        port = _free_port()
        app_s = min(app_s, time_to_page([sys.executable, str(app), "--host", "127.0.0.1", "--port", str(port),
                                         "--offline", "--device", "cpu"], port))
    return [row("startup", "python app.py", "until the page answers", app_s, "bare gr.Blocks app", bare_s)]


# ----------------------------------------------------------------------------------------------
# embedded models


def _weights_read_s(folder: Path) -> float:
    from safetensors.torch import load_file

    start = time.perf_counter()
    for file in sorted(folder.rglob("*.safetensors")):
        load_file(str(file))
    return time.perf_counter() - start


def bench_embedded(workdir: Path, quick: bool) -> list[dict[str, Any]]:
    from videogen.api import Engine
    from videogen.registry import find
    from videogen.shapes import SceneSpec, render_clip, sample_params
    from videogen.video_io import write_video

    clips = 2 if quick else 5
    rows = []
    picture = render_clip(sample_params(SceneSpec("square", "red", "black", "moving right"), None, num_frames=1, randomize=False))[0]
    action_clip = write_video(
        render_clip(sample_params(SceneSpec("circle", "blue", "black", "moving up"), None, num_frames=16, randomize=False)),
        workdir / "action-clip.mp4", fps=8)
    calls: dict[str, Callable[[Engine, int], dict[str, float]]] = {
        "shapes-t2v": lambda engine, i: engine.text_to_video(
            "a red circle moving right", model="shapes-t2v", seed=i, output=workdir / "t2v.mp4").timings,
        "shapes-i2v": lambda engine, i: engine.image_to_video(
            picture, "moving down", model="shapes-i2v", seed=i, output=workdir / "i2v.mp4").timings,
        "shapes-action": lambda engine, i: engine.classify(action_clip, model="shapes-action").timings,
    }
    for model, call in calls.items():
        engine = Engine(device="cpu")
        first = call(engine, 0)
        task = {"shapes-t2v": "t2v", "shapes-i2v": "i2v", "shapes-action": "classify"}[model]
        weights_s = min(_weights_read_s(Path(find(model, task).repo_id)) for _ in range(3))
        again = call(Engine(device="cpu"), 0)  # a second engine: the imports are done, the model is built again
        base = "reading its weights (safetensors)"
        rows.append(row("embedded", model, "load, first use (imports included)", first["load_s"], base, weights_s))
        rows.append(row("embedded", model, "load again (a new engine)", again["load_s"], base, weights_s))
        timings = [call(engine, i + 1) for i in range(clips)]
        if model == "shapes-action":
            seconds = statistics.median(t["classify_s"] for t in timings)
            base = statistics.median(t["decode_s"] for t in timings)
            rows.append(row("embedded", model, "seconds per clip (classify)", seconds, "decoding the clip", base,
                            clips_per_s=round(1 / seconds, 2) if seconds else None))
        else:
            seconds = statistics.median(t["generate_s"] for t in timings)
            base = statistics.median(t["encode_s"] for t in timings)
            rows.append(row("embedded", model, "seconds per clip (generate)", seconds, "encoding the clip (H.264)", base,
                            clips_per_s=round(1 / seconds, 2) if seconds else None))
    return rows


# ----------------------------------------------------------------------------------------------
# X-CLIP base/32 at full size, random weights (also benchmarks/xclip_cpu.py)

XCLIP_FRAMES = 8
XCLIP_SIZE = 224


def xclip_build(patch: int = 32) -> Any:
    """XCLIPModel as the published ``microsoft/xclip-base-patch{32,16}`` configs describe it (they use
    the library defaults except the patch size), random weights."""
    import torch
    from transformers import XCLIPConfig, XCLIPModel

    config = XCLIPConfig(vision_config={"patch_size": patch, "num_frames": XCLIP_FRAMES, "image_size": XCLIP_SIZE})
    torch.manual_seed(0)
    return XCLIPModel(config).eval()


def xclip_tokens(count: int, length: int, vocab: int) -> dict[str, Any]:
    """Token ids shaped like the 400 Kinetics labels (BOS, words, EOS, padding): no tokenizer download."""
    import torch

    from videogen.classifiers import kinetics400_labels

    rng = np.random.default_rng(0)
    lengths = [min(length, 2 + len(label.split()) + 1) for label in kinetics400_labels()[:count]]
    width = max(lengths)
    ids = torch.full((count, width), vocab - 1, dtype=torch.long)  # CLIP pads with the EOS id
    mask = torch.zeros((count, width), dtype=torch.long)
    for r, n in enumerate(lengths):
        ids[r, :n] = torch.from_numpy(rng.integers(1, vocab - 2, n))
        ids[r, 0], ids[r, n - 1] = vocab - 2, vocab - 1  # BOS, EOS (argmax pooling finds EOS)
        mask[r, :n] = 1
    return {"input_ids": ids, "attention_mask": mask}


def xclip_measure(patch: int = 32, clips: int = 5, device: str = "cpu") -> dict[str, Any]:
    """Build time, the 400 label texts once, then seconds per clip over the cached text features
    (as :class:`videogen.classifiers.XCLIPClassifier` runs); with the clip's FLOPs."""
    import torch

    from videogen.classifiers import xclip_logits, xclip_video_features

    start = time.perf_counter()
    model = xclip_build(patch).to(device)
    built_s = time.perf_counter() - start
    text_cfg = model.config.text_config
    tokens = {k: v.to(device) for k, v in xclip_tokens(400, text_cfg.max_position_embeddings, text_cfg.vocab_size).items()}
    pixels = torch.randn(1, XCLIP_FRAMES, 3, XCLIP_SIZE, XCLIP_SIZE, device=device)  # what the processor returns for one clip
    with torch.inference_mode():
        _sync(device)
        start = time.perf_counter()
        text = model.text_model(**tokens)
        text_embeds = model.text_projection(text.pooler_output)  # (400, 512), computed once and cached
        _sync(device)
        text_s = time.perf_counter() - start
        flops, logits = count_flops(lambda: xclip_logits(model, text_embeds, *xclip_video_features(model, pixels)))  # warm-up
        times = []
        for _ in range(clips):
            _sync(device)
            start = time.perf_counter()
            logits = xclip_logits(model, text_embeds, *xclip_video_features(model, pixels))
            _sync(device)
            times.append(time.perf_counter() - start)
    assert logits.shape == (1, 400)
    return {
        "model": f"xclip-base-{patch}", "params": sum(p.numel() for p in model.parameters()), "device": device,
        "threads": torch.get_num_threads(), "frames": XCLIP_FRAMES, "size": XCLIP_SIZE, "labels": 400,
        "build_s": round(built_s, 2), "text_features_once_s": round(text_s, 3), "clip_s_median": round(statistics.median(times), 4),
        "clip_s_min": round(min(times), 4), "clips": clips, "clip_gflop": round(flops / 1e9, 1),
    }


def bench_xclip(quick: bool, devices: list[str]) -> list[dict[str, Any]]:
    rows = []
    for device in devices:
        measured = xclip_measure(32, 2 if quick else 5, device)
        rate = matmul_rate("float32", device)
        floor_s = measured["clip_gflop"] * 1e9 / rate
        rows.append(row("xclip", f"xclip-base-32 ({device})", "seconds per clip (text features cached)", measured["clip_s_median"],
                        "matmul floor (its FLOPs at this run's matmul rate)", floor_s, device=device,
                        matmul_gflops=round(rate / 1e9, 1), **{k: measured[k] for k in ("params", "clip_gflop", "text_features_once_s", "build_s")}))
    return rows


# ----------------------------------------------------------------------------------------------
# generator components at full size, random weights, one subprocess each


@dataclass(frozen=True)
class ComponentJob:
    model: str  # registry id
    part: str  # "transformer", "vae", "text_encoder"
    frames: int
    height: int
    width: int
    tokens: int  # text length

    @property
    def label(self) -> str:
        what = {"transformer": "transformer forward (one step)", "vae": "VAE decode", "text_encoder": "text encoder forward"}[self.part]
        size = f"{self.tokens} tokens" if self.part == "text_encoder" else f"{self.frames} frames {self.width}x{self.height}"
        return f"{what}, {size}"


def generator_jobs(quick: bool) -> list[ComponentJob]:
    if quick:  # reduced sizes, no text encoders (building them takes longer than the rest together)
        return [ComponentJob("ltx-video", p, 9, 128, 192, 128) for p in ("transformer", "vae")] + \
               [ComponentJob("wan2.1-t2v-1.3b", p, 5, 128, 224, 512) for p in ("transformer", "vae")]
    return [ComponentJob("ltx-video", p, 25, 256, 384, 128) for p in ("transformer", "vae", "text_encoder")] + \
           [ComponentJob("wan2.1-t2v-1.3b", p, 17, 256, 448, 512) for p in ("transformer", "vae", "text_encoder")]


def _component_inputs(spec: Any, job: ComponentJob, module: Any, device: str, dtype: Any) -> Callable[[], Any]:
    """A call of the component on random inputs of the job's size."""
    import torch

    generator = torch.Generator("cpu").manual_seed(0)

    def randn(*shape: int) -> Any:
        return torch.randn(*shape, generator=generator).to(device=device, dtype=dtype)

    if job.part == "text_encoder":
        ids = torch.randint(0, module.config.vocab_size, (1, job.tokens), generator=generator).to(device)
        mask = torch.ones_like(ids)
        return lambda: module(input_ids=ids, attention_mask=mask).last_hidden_state
    if spec.family == "ltx":
        t, h, w = (job.frames - 1) // 8 + 1, job.height // 32, job.width // 32
        if job.part == "vae":
            z = randn(1, module.config.latent_channels, t, h, w)
            return lambda: module.decode(z, return_dict=False)[0]
        cfg = module.config
        hidden = randn(1, t * h * w, cfg.in_channels)
        text = randn(1, job.tokens, cfg.caption_channels)
        mask = torch.ones(1, job.tokens, dtype=torch.long, device=device)
        step = torch.tensor([500.0], device=device)
        scale = (8 / 25, 32, 32)  # the pipeline's rope interpolation at 25 fps
        return lambda: module(hidden_states=hidden, encoder_hidden_states=text, timestep=step, encoder_attention_mask=mask,
                              num_frames=t, height=h, width=w, rope_interpolation_scale=scale, return_dict=False)[0]
    t, h, w = (job.frames - 1) // 4 + 1, job.height // 8, job.width // 8  # Wan
    if job.part == "vae":
        z = randn(1, module.config.z_dim, t, h, w)
        return lambda: module.decode(z, return_dict=False)[0]
    hidden = randn(1, module.config.in_channels, t, h, w)
    text = randn(1, job.tokens, module.config.text_dim)
    step = torch.tensor([500.0], device=device)
    return lambda: module(hidden_states=hidden, timestep=step, encoder_hidden_states=text, return_dict=False)[0]


def run_component(job: ComponentJob, device: str, dtype_name: str) -> dict[str, Any]:
    """In this process: build one component (random weights), count its FLOPs on the meta device,
    time one call, and report the peak memory. The parent runs each in a fresh process."""
    import torch

    from videogen.components import build_component, published
    from videogen.registry import find

    spec = find(job.model, "t2v")
    entry = published(spec.repo_id)["components"][job.part]
    dtype = getattr(torch, dtype_name)
    with torch.inference_mode():
        meta = build_component(entry, device="meta", dtype=dtype)
        try:
            flops, _ = count_flops(_component_inputs(spec, job, meta, "meta", dtype))
        except Exception as exc:  # an operation without a meta kernel: count during the timed call instead
            logger.info("counting on meta failed (%s); counting the timed call", exc)
            flops = None
        del meta
        start = time.perf_counter()
        module = build_component(entry, device=device, dtype=dtype)
        built_s = time.perf_counter() - start
        call = _component_inputs(spec, job, module, device, dtype)
        if device.startswith("cuda"):
            call()  # warm-up: kernels, cuDNN plans
            torch.cuda.reset_peak_memory_stats()
        _sync(device)
        start = time.perf_counter()
        if flops is None:
            flops, _ = count_flops(call)
        else:
            call()
        _sync(device)
        seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() if device.startswith("cuda") else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": seconds, "build_s": built_s, "gflop": flops / 1e9, "params": sum(p.numel() for p in module.parameters()),
            "peak_gib": peak / GIB, "matmul_flops": matmul_rate(dtype_name, device)}


def _component_dtype(spec: Any, job: ComponentJob, device: str) -> tuple[str | None, str]:
    """The dtype the app would run the component in, if it fits in memory here (bfloat16 for a text
    encoder whose float32 copy does not fit in RAM); None and why, when nothing fits."""
    import psutil

    from videogen.components import DTYPE_BYTES, run_dtypes
    from videogen.device import pick_device

    wanted = run_dtypes(spec, pick_device(device).dtype_name)[job.part]
    params = dict(spec.components).get(job.part, 0)
    room = psutil.virtual_memory().available * 0.8 if device == "cpu" else float("inf")
    for dtype in (wanted, "bfloat16"):
        if params * DTYPE_BYTES[dtype] * 1.15 < room:
            return dtype, "" if dtype == wanted else f"{wanted} needs {params * DTYPE_BYTES[wanted] / GIB:.0f} GiB of RAM"
    return None, f"needs {params * 2 / GIB:.0f} GiB in bfloat16; {room / GIB:.0f} GiB free"


def bench_generators(quick: bool, devices: list[str], timeout: float = 1800.0) -> list[dict[str, Any]]:
    from videogen.registry import find

    rows = []
    for device in devices:
        for job in generator_jobs(quick):
            spec = find(job.model, "t2v")
            item = f"{job.model} {job.part} ({device})"
            dtype, why = _component_dtype(spec, job, device)
            if dtype is None:
                rows.append({"section": "generators", "item": item, "measure": job.label, "skipped": why})
                continue
            command = [sys.executable, "-m", "videogen.bench", "--component", json.dumps([job.__dict__, device, dtype])]
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
                result = json.loads(done.stdout.strip().splitlines()[-1])
            except (subprocess.SubprocessError, ValueError, IndexError) as exc:
                detail = getattr(exc, "stderr", "") or ""
                rows.append({"section": "generators", "item": item, "measure": job.label,
                             "skipped": f"failed: {exc} {detail.strip().splitlines()[-1] if detail.strip() else ''}"[:300]})
                continue
            floor_s = result["gflop"] * 1e9 / result["matmul_flops"]
            rows.append(row("generators", item, job.label, result["seconds"], "matmul floor (its FLOPs at this run's matmul rate)",
                            floor_s, device=device, dtype=dtype, params=result["params"], gflop=round(result["gflop"], 1),
                            build_s=round(result["build_s"], 1), peak_gib=round(result["peak_gib"], 2),
                            matmul_gflops=round(result["matmul_flops"] / 1e9, 1), **({"note": why} if why else {})))
            print(f"  {item}: {result['seconds']:.2f} s", file=sys.stderr, flush=True)
    return rows


# ----------------------------------------------------------------------------------------------
# the whole run


def bench_devices(requested: str | None) -> list[str]:
    """Where the model sections run: the CPU, and a GPU when there is one (``--device`` picks one)."""
    import torch

    from videogen.errors import InvalidInputError

    requested = (requested or "auto").lower()
    if requested == "auto":
        return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if requested != "cpu" and not torch.cuda.is_available():
        raise InvalidInputError(f"--device {requested}: no CUDA GPU is available to torch here")
    return [requested]


def run(sections: list[str], *, quick: bool, workdir: Path, devices: list[str]) -> dict[str, Any]:
    report: dict[str, Any] = {"machine": machine(), "quick": quick, "sections": sections, "rows": []}
    started = time.perf_counter()
    for section in sections:
        print(f"bench: {section}...", file=sys.stderr, flush=True)
        tick = time.perf_counter()
        if section == "decode":
            rows = bench_decode(workdir, quick)
        elif section == "startup":
            rows = bench_startup(quick)
        elif section == "embedded":
            rows = bench_embedded(workdir, quick)
        elif section == "xclip":
            rows = bench_xclip(quick, devices)
        else:
            rows = bench_generators(quick, devices)
        report["rows"] += rows
        report.setdefault("section_s", {})[section] = round(time.perf_counter() - tick, 1)
    report["total_s"] = round(time.perf_counter() - started, 1)
    return report


def format_table(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [f"{m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM" + (f", {m['gpu']}" if m["gpu"] else "")
             + f"; torch {m['torch']}, PyAV {m['av']}"]
    header = ("item", "measure", "seconds", "baseline", "baseline s", "ratio")
    table = [header]
    for r in report["rows"]:
        if "skipped" in r:
            table.append((r["item"], r["measure"], "-", r["skipped"], "", ""))
            continue
        measure = r["measure"]
        if "frames_decoded" in r and not measure.startswith("full"):
            measure += f" [{r['frames_decoded']} frames decoded]"
        table.append((r["item"], measure, f"{r['seconds']:.3f}", r["baseline"], f"{r['baseline_s']:.3f}", f"{r['ratio']:.3g}x"))
    widths = [max(len(str(line[i])) for line in table) for i in range(len(header))]
    section = None
    for r, line in zip([None, *report["rows"]], table):
        if r is not None and r["section"] != section:
            section = r["section"]
            lines.append(f"-- {section}")
        lines.append("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip())
    lines.append(f"total {report['total_s']} s")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON here")
    parser.add_argument("--quick", action="store_true", help="small files, fewer repeats, no generators unless --only asks")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION", help=f"run only these ({', '.join(SECTIONS)})")
    parser.add_argument("--skip", nargs="+", choices=SECTIONS, default=[], metavar="SECTION", help="leave these out")
    parser.add_argument("--workdir", type=Path, help="where the test videos are built and kept (default: ~/.cache/videogen/bench)")


def main(args: argparse.Namespace) -> int:
    sections = [s for s in (args.only or SECTIONS) if s not in args.skip]
    if args.quick and not args.only and "generators" in sections:
        sections.remove("generators")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    workdir = args.workdir or cache / "videogen" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    report = run(sections, quick=args.quick, workdir=workdir, devices=bench_devices(getattr(args, "device", None)))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    print(format_table(report))
    return 0


if __name__ == "__main__":  # the generator section's subprocesses: python -m videogen.bench --component JSON
    if len(sys.argv) == 3 and sys.argv[1] == "--component":
        job_fields, job_device, job_dtype = json.loads(sys.argv[2])
        print(json.dumps(run_component(ComponentJob(**job_fields), job_device, job_dtype)))
    else:
        parser = argparse.ArgumentParser(prog="python -m videogen.bench", description=__doc__.split("\n\n")[0])
        parser.add_argument("--device", help="auto (default: the CPU, and the GPU when there is one), cpu, cuda")
        add_arguments(parser)
        sys.exit(main(parser.parse_args()))
