"""CPU seconds per clip for X-CLIP at full size, as the default recognizer runs it.

Builds ``XCLIPModel`` from the published configuration of ``microsoft/xclip-base-patch32`` (and with
``--patch 16`` of base/16) with random weights: the timing does not depend on the weights, and
nothing is downloaded. The 400 Kinetics label texts are encoded once (reported separately, as the
app does on the first request); each clip then runs the vision side, the multi-frame integration
transformer and the video-specific prompt generator over the cached text features
(:class:`videogen.classifiers.XCLIPClassifier`).

    python benchmarks/xclip_cpu.py                  # base/32, 8 frames of 224x224, threads = cores
    python benchmarks/xclip_cpu.py --patch 32 16 --clips 5

Prints one JSON line per model.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from videogen.classifiers import kinetics400_labels, xclip_logits, xclip_video_features  # noqa: E402

logger = logging.getLogger("xclip_cpu")

# The published configs (config.json of the two repos) use the library defaults except the patch size:
# text 12 layers x 512 (8 heads), vision ViT-B 12 layers x 768 (12 heads), MIT 1 layer x 512,
# 8 frames of 224x224, projection 512, prompt generator 2 layers.
NUM_FRAMES = 8
IMAGE_SIZE = 224


def build(patch: int) -> torch.nn.Module:
    from transformers import XCLIPConfig, XCLIPModel

    config = XCLIPConfig(vision_config={"patch_size": patch, "num_frames": NUM_FRAMES, "image_size": IMAGE_SIZE})
    torch.manual_seed(0)
    return XCLIPModel(config).eval()


def fake_tokens(count: int, length: int, vocab: int) -> dict[str, torch.Tensor]:
    """Token ids shaped like the 400 Kinetics labels (BOS, words, EOS, padding): no tokenizer download."""
    rng = np.random.default_rng(0)
    lengths = [min(length, 2 + len(label.split()) + 1) for label in kinetics400_labels()[:count]]
    width = max(lengths)
    ids = torch.full((count, width), vocab - 1, dtype=torch.long)  # CLIP pads with the EOS id
    mask = torch.zeros((count, width), dtype=torch.long)
    for row, n in enumerate(lengths):
        ids[row, :n] = torch.from_numpy(rng.integers(1, vocab - 2, n))
        ids[row, 0], ids[row, n - 1] = vocab - 2, vocab - 1  # BOS, EOS (argmax pooling finds EOS)
        mask[row, :n] = 1
    return {"input_ids": ids, "attention_mask": mask}


def measure(patch: int, clips: int) -> dict[str, object]:
    start = time.perf_counter()
    model = build(patch)
    built_s = time.perf_counter() - start
    params = sum(p.numel() for p in model.parameters())
    tokens = fake_tokens(400, model.config.text_config.max_position_embeddings, model.config.text_config.vocab_size)
    pixels = torch.randn(1, NUM_FRAMES, 3, IMAGE_SIZE, IMAGE_SIZE)  # what the processor returns for one clip

    with torch.inference_mode():
        start = time.perf_counter()
        text = model.text_model(**tokens)
        text_embeds = model.text_projection(text.pooler_output)  # (400, 512), computed once and cached
        text_s = time.perf_counter() - start

        xclip_logits(model, text_embeds, *xclip_video_features(model, pixels))  # warm-up
        times = []
        for _ in range(clips):
            start = time.perf_counter()
            logits = xclip_logits(model, text_embeds, *xclip_video_features(model, pixels))
            times.append(time.perf_counter() - start)
    assert logits.shape == (1, 400)
    return {
        "model": f"xclip-base-{patch}", "params": params, "threads": torch.get_num_threads(),
        "frames": NUM_FRAMES, "size": IMAGE_SIZE, "labels": 400, "build_s": round(built_s, 2),
        "text_features_once_s": round(text_s, 3), "clip_s_median": round(statistics.median(times), 3),
        "clip_s_min": round(min(times), 3), "clips": clips,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patch", type=int, nargs="+", default=[32], choices=[16, 32])
    parser.add_argument("--clips", type=int, default=5, help="timed clips per model (after one warm-up)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads (default: cores)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(args.threads)
    capability = torch.backends.cpu.get_cpu_capability()
    logger.info("torch %s, %d threads, %s", torch.__version__, torch.get_num_threads(), capability)
    for patch in args.patch:
        print(json.dumps(measure(patch, args.clips)), flush=True)


if __name__ == "__main__":
    main()
