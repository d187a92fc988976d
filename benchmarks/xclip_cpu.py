"""CPU seconds per clip for X-CLIP at full size, as the default recognizer runs it.

Builds ``XCLIPModel`` from the published configuration of ``microsoft/xclip-base-patch32`` (and with
``--patch 16`` of base/16) with random weights: the timing does not depend on the weights, and
nothing is downloaded. The 400 Kinetics label texts are encoded once (reported separately, as the
app does on the first request); each clip then runs the vision side, the multi-frame integration
transformer and the video-specific prompt generator over the cached text features
(:class:`videogen.models.classifiers.XCLIPClassifier`). The code is :func:`videogen.bench.models.xclip_measure`,
which ``python -m videogen bench`` also runs (next to its matmul floor).

    python benchmarks/xclip_cpu.py                  # base/32, 8 frames of 224x224, threads = cores
    python benchmarks/xclip_cpu.py --patch 32 16 --clips 5

Prints one JSON line per model.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from videogen.bench.models import xclip_measure  # noqa: E402

logger = logging.getLogger("xclip_cpu")


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
        print(json.dumps(xclip_measure(patch, args.clips)), flush=True)


if __name__ == "__main__":
    main()
