"""Progress reports: the :class:`Progress` type every stage reports with, and the download's byte counter.

Downloads, loading, denoising, decoding and classification all report :class:`Progress` objects to
a :data:`ProgressFn` the caller passes in (the CLI prints them, the app shows a bar). During a
download, huggingface_hub counts bytes in tqdm bars on its worker threads:
:func:`byte_progress_class` turns those into ``download`` reports.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Progress:
    """One progress report: ``done`` of ``total`` units in a named stage."""

    stage: str  # "download", "load", "denoise" (steps), "draw" (the shapes world's frame batches), "decode", "encode", "classify"
    done: float
    total: float | None = None
    unit: str = ""  # "B" for bytes, "step", "frame"
    message: str = ""
    preview: Any = None  # an RGB image (H, W, 3) uint8 of the clip so far, now and then while denoising

    @property
    def fraction(self) -> float | None:
        return None if not self.total else min(1.0, self.done / self.total)


ProgressFn = Callable[[Progress], None]


def human_size(size: float | None) -> str:
    """``1536`` -> ``"1.5 KB"``, for the download's log line."""
    if not size:
        return "size unknown"
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return ""


def byte_progress_class(progress: ProgressFn | None, model_id: str, expected_total: int | None) -> type:
    """A tqdm class for ``snapshot_download`` that forwards byte counts to ``progress``.

    ``snapshot_download`` updates its byte bars from worker threads, where Gradio's progress object
    does nothing; this class only calls ``progress`` (which callers make thread-safe, e.g. by putting
    the report on a queue the request's own thread drains).
    """
    from tqdm.auto import tqdm

    lock = threading.Lock()

    class ByteProgress(tqdm):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            kwargs.pop("name", None)
            self._is_bytes = kwargs.get("unit") == "B" and str(kwargs.get("desc", "")).startswith("Reconstruct")
            self._done = 0
            super().__init__(*args, **{**kwargs, "disable": True})

        def update(self, n: float | None = 1) -> bool | None:
            if not self._is_bytes or progress is None or not n:
                return None
            with lock:
                self._done += n
                total = expected_total or self.total or None
                done = min(self._done, total) if total else self._done
            progress(Progress("download", done, total, "B", f"Downloading {model_id}"))
            return None

    return ByteProgress
