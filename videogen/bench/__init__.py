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
  from the published configs (:func:`videogen.sizing.components.build_component`), one subprocess each:
  a transformer forward (one denoising step), the VAE decode and the text encoder forward, with
  the peak RAM (``ru_maxrss``), against the matmul floor. On the CPU, and on a GPU when there is one.

``--quick`` uses smaller files, fewer repeats, and leaves the generators out unless asked for by
``--only generators`` (then at reduced sizes). ``--device cpu`` (or ``cuda``) runs the model
sections on that device only. The JSON has a ``machine`` object and one ``rows``
list; the table groups the rows by section.

The package: this module (the sections, ``main``, the machine, the table), :mod:`~videogen.bench.media`
(the test videos and the decode section), :mod:`~videogen.bench.models` (startup, the embedded models,
X-CLIP), :mod:`~videogen.bench.generators` and :mod:`~videogen.bench.timing` (the rows and the timing
helpers they share).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from videogen.bench.timing import GIB

SECTIONS = ("decode", "startup", "embedded", "xclip", "generators")


# ----------------------------------------------------------------------------------------------
# the machine


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
    """Run the sections in order: the machine, the rows of every section, and the seconds each took."""
    from videogen.bench.generators import bench_generators
    from videogen.bench.media import bench_decode
    from videogen.bench.models import bench_embedded, bench_startup, bench_xclip

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
    """The report as a text table, grouped by section, under a line naming the machine."""
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
    """The ``bench`` command's options (``--device`` comes from the CLI's common options)."""
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON here")
    parser.add_argument("--quick", action="store_true", help="small files, fewer repeats, no generators unless --only asks")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION", help=f"run only these ({', '.join(SECTIONS)})")
    parser.add_argument("--skip", nargs="+", choices=SECTIONS, default=[], metavar="SECTION", help="leave these out")
    parser.add_argument("--workdir", type=Path, help="where the test videos are built and kept (default: ~/.cache/videogen/bench)")


def main(args: argparse.Namespace) -> int:
    """``python -m videogen bench``: run the chosen sections, print the table, write the JSON."""
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
