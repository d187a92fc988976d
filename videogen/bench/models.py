"""The model sections of ``python -m videogen bench``: ``startup`` (``python app.py`` until its page
answers, against a bare ``gr.Blocks`` app), ``embedded`` (the shapes models' load and per-clip
times, against reading their weights and the clip's H.264 encode or decode) and ``xclip`` (X-CLIP
base/32 at full size with random weights, against its matmul floor; also ``benchmarks/xclip_cpu.py``)."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from videogen.bench.timing import count_flops, matmul_rate, row, skipped, sync

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
    app = Path(__file__).resolve().parents[2] / "app.py"  # videogen/bench/models.py -> the repository
    if not app.is_file():
        return [skipped("startup", "python app.py", "until the page answers",
                        "app.py is not next to the package (installed from a wheel)")]
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
    from videogen.media import write_video

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

    from videogen.models.classifiers import kinetics400_labels

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
    (as :class:`videogen.models.classifiers.XCLIPClassifier` runs); with the clip's FLOPs."""
    import torch

    from videogen.models.classifiers import xclip_logits, xclip_video_features

    start = time.perf_counter()
    model = xclip_build(patch).to(device)
    built_s = time.perf_counter() - start
    text_cfg = model.config.text_config
    tokens = {k: v.to(device) for k, v in xclip_tokens(400, text_cfg.max_position_embeddings, text_cfg.vocab_size).items()}
    pixels = torch.randn(1, XCLIP_FRAMES, 3, XCLIP_SIZE, XCLIP_SIZE, device=device)  # what the processor returns for one clip
    with torch.inference_mode():
        sync(device)
        start = time.perf_counter()
        text = model.text_model(**tokens)
        text_embeds = model.text_projection(text.pooler_output)  # (400, 512), computed once and cached
        sync(device)
        text_s = time.perf_counter() - start
        flops, logits = count_flops(lambda: xclip_logits(model, text_embeds, *xclip_video_features(model, pixels)))  # warm-up
        times = []
        for _ in range(clips):
            sync(device)
            start = time.perf_counter()
            logits = xclip_logits(model, text_embeds, *xclip_video_features(model, pixels))
            sync(device)
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
