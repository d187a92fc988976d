"""What ``python -m videogen`` prints when it is not asked for ``--json``: progress bars on stderr,
each result in a line or a few, the warnings, the memory plan, ``edit --list``."""

from __future__ import annotations

import sys
from typing import Any

from videogen.hub import Progress


class ConsoleProgress:
    """Progress reports -> one tqdm bar per stage on stderr."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._stage = ""

    def __call__(self, report: Progress) -> None:
        from tqdm.auto import tqdm

        if report.stage != self._stage or self._bar is None:
            self.close()
            self._stage = report.stage
            self._bar = tqdm(
                total=report.total, desc=report.message or report.stage, unit=report.unit or "it",
                unit_scale=report.unit == "B", file=sys.stderr, leave=False, dynamic_ncols=True,
            )
        if report.total and self._bar.total != report.total:
            self._bar.total = report.total
        self._bar.n = report.done
        self._bar.set_description_str(report.message or report.stage, refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def print_edit_list() -> None:
    """`edit --list`: the operations in the order they apply, the styles, and each operation's models
    (the offline one first, then the Hub's, with what they download)."""
    from videogen.edit.operations import OPERATIONS
    from videogen.edit.restyle import STYLES
    from videogen.registry import models_for
    from videogen.units import download_gib

    print("operations (applied in this order):")
    for op in OPERATIONS:
        print(f"  {op.name:12} {op.option:28} {op.what}")
    print("styles (--style):")
    for name, what in STYLES.items():
        print(f"  {name:12} {what}")
    for op in OPERATIONS:
        if op.task is None:
            continue
        print(f"models for {op.name} (--model):")
        for spec in models_for(op.task):  # type: ignore[arg-type]
            where = (("offline: code, no weights" if spec.family == "dis-flow" else "offline, in weights/") if spec.local
                     else f"{spec.repo_id} ({spec.license}; ~{download_gib(spec.download_gb)} to download)")
            print(f"  {spec.id:22} {where}")


def print_video(result: Any) -> None:
    line = f"{result.path}  ({result.frames} frames, {result.width}x{result.height}, {result.fps:g} fps, seed {result.seed}, {result.timings['generate_s']:.2f} s)"
    print(line)
    if result.understood:
        print(f"  {result.understood}")


def print_warnings(result: Any) -> None:
    """An item's warnings (e.g. input outside a shapes model's world) on stderr, in every output mode."""
    for warning in getattr(result, "warnings", None) or []:
        print(f"warning: {warning}", file=sys.stderr)


def print_timeline(timeline: Any) -> None:
    """The spans of a timeline (windows sharing their top action), then its summary."""
    print(f"  timeline: {timeline.stats['windows']} windows of {timeline.window_s:g} s every {timeline.stride_s:g} s")
    for span in timeline.spans:
        print(f"    {clock(span['start_s'])}-{clock(span['end_s'])}  {span['label']}")
    summary = timeline.summary
    print(f"  summary: {summary['label']} ({summary['score']:.2%} mean over the windows)")


def clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:04.1f}"


def print_plan(plan: Any) -> None:
    from videogen.sizing.estimate import Estimate
    from videogen.units import GIB, gib

    print(f"{plan.model}: {plan.frames} frames at {plan.width}x{plan.height} on {plan.device} ({plan.dtype})")
    for c in plan.components:
        print(f"  {c.name:14} {c.params / 1e9:6.2f} B params  {c.bytes / GIB:6.2f} GiB {c.dtype:9} -> {c.placement}")
    print(f"strategy {plan.strategy}{' + VAE tiling' if plan.vae_tiling else ''}: peak GPU {gib(plan.peak_gpu_bytes)}, "
          f"peak RAM {gib(plan.peak_ram_bytes)}")
    print(("fits: " if plan.fits else "does not fit: ") + plan.reason)
    for line in plan.suggestions:
        print(f"  {line}")
    if plan.fits and plan.estimate:
        print("on this CPU: " + Estimate.from_json(plan.estimate).sentence())


def print_composition(result: Any) -> None:
    sound = result.audio["source"] if result.audio else "no sound"
    print(f"{result.path}  ({result.frames} frames, {result.width}x{result.height}, {result.fps:g} fps, "
          f"{result.duration_s:g} s; {len(result.segments)} shots; {sound})")
    for segment in result.segments:
        print(f"  {clock(segment['start_s'])}-{clock(segment['end_s'])}  {segment['input']}")
