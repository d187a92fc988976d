"""Deleting the files the app no longer needs: :func:`sweep` (one pass over a folder) and
:class:`Sweeper` (a thread that sweeps the app's folders every so often).

Public mode deletes uploads and outputs ``delete_after_s`` after they were made
(:class:`~videogen.serving.caps.Policy`). Gradio's ``delete_cache`` alone is not enough: it deletes
only what its components registered, and a component that a handler updates (``gr.update``,
``gr.skip``) gets a copy per session whose files are registered nowhere (Gradio 6.31) — every
generated clip and recognition strip here.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from videogen.config import load_settings
from videogen.serving.caps import Policy

if TYPE_CHECKING:
    import gradio as gr

logger = logging.getLogger(__name__)


def sweep(
    folder: Path, older_than_s: float, *, pattern: str = "*", keep: frozenset[str] = frozenset(), now: float | None = None,
) -> int:
    """Delete the files under ``folder`` whose names match ``pattern`` and that were last modified
    more than ``older_than_s`` ago (except the paths in ``keep``), and the folders left empty;
    returns how many files went. Missing folders and races are fine."""
    if not folder.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - older_than_s
    removed = 0
    for root, _dirs, files in os.walk(folder, topdown=False):
        for name in files:
            path = Path(root) / name
            if not fnmatch.fnmatch(name, pattern) or str(path) in keep:
                continue
            try:
                if path.lstat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        if Path(root) != folder:
            try:
                Path(root).rmdir()  # only when empty
            except OSError:
                pass
    return removed


class Sweeper:
    """Deletes expired files, every ``every_s`` seconds: the sessions' clips in the output folder,
    and everything in Gradio's folder but the examples (``keep_in_cache``).

    Gradio's folder is swept only when it is not the ``<tmp>/gradio`` that other apps share.
    """

    def __init__(self, places: list[Path], every_s: float, age_s: float,
                 keep: Callable[[], frozenset[str]] = frozenset) -> None:
        self.places, self.every_s, self.age_s, self.keep = places, every_s, age_s, keep
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="videogen-sweeper", daemon=True)
        self._thread.start()

    @classmethod
    def for_app(cls, policy: Policy, demo: gr.Blocks, gradio_folder: Path) -> Sweeper:
        """The sweeper of an app (a ``gr.Blocks``) that keeps its files in ``gradio_folder``."""
        places = [load_settings().output_dir / "sessions"]
        shared = Path(tempfile.gettempdir()) / "gradio"
        if gradio_folder.resolve() != shared.resolve():
            places.append(gradio_folder)
        else:
            logger.warning("GRADIO_TEMP_DIR is the shared %s: only Gradio's delete_cache cleans it", shared)

        def keep() -> frozenset[str]:  # the examples, as Gradio's own deletion spares them
            return frozenset(path for block in demo.blocks.values() for path in getattr(block, "keep_in_cache", ()))

        return cls(places, policy.delete_every_s or 60, policy.delete_after_s or 3600, keep)

    def sweep_now(self) -> int:
        keep = self.keep()
        return sum(sweep(folder, self.age_s, keep=keep) for folder in self.places)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                removed = self.sweep_now()
            except OSError as exc:  # a full or read-only disk: try again next time
                logger.warning("Deleting expired files failed: %s", exc)
                continue
            if removed:
                logger.info("Deleted %d expired file(s)", removed)

    def stop(self) -> None:
        self._stop.set()
