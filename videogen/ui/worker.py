"""Run a long job in a worker thread, stream its progress to the Gradio request, and stop it.

Gradio's progress object only works from the request's own thread, while downloads report from
huggingface_hub's worker threads and generation blocks for minutes. So the job runs in a thread,
its reports go through a queue, and the request's generator drains the queue: it updates the
progress bar and yields status text until the job returns (FramePack's pattern).

Stopping: every report the job makes is also a point where it stops. When the job's cancel flag
is set (the Cancel button, or the request going away: a closed tab or an API client's
``job.cancel()`` closes the generator), the next report raises
:class:`~videogen.errors.GenerationCancelled` inside the job, wherever it is: between download
chunks, denoising steps, frame batches of the embedded models, or encoded frames. Nothing is
written after that (outputs are renamed into place only when complete).
"""

from __future__ import annotations

import atexit
import hashlib
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videogen.errors import GenerationCancelled
from videogen.hub import Progress
from videogen.ui.i18n import Locale, tr, tr_message

Report = Callable[[Progress], None]


@dataclass
class _Done:
    value: Any


@dataclass
class _Failed:
    error: BaseException


def cancellable(report: Report, cancel: threading.Event) -> Report:
    """``report`` that first raises GenerationCancelled once ``cancel`` is set."""

    def checked(progress: Progress) -> None:
        if cancel.is_set():
            raise GenerationCancelled("Cancelled.")
        report(progress)

    return checked


def run_streaming(job: Callable[[Report], Any], cancel: threading.Event | None = None) -> Iterator[Progress | _Done]:
    """Yield each Progress the job reports, then ``_Done(result)``; re-raise the job's exception.

    If the consumer stops early (the generator is closed: client gone, job cancelled by Gradio),
    ``cancel`` is set so the job stops at its next report instead of running on unseen.
    """
    cancel = cancel or threading.Event()
    reports: queue.Queue[Progress | _Done | _Failed] = queue.Queue()
    report = cancellable(reports.put, cancel)

    def target() -> None:
        try:
            reports.put(_Done(job(report)))
        except BaseException as exc:  # handed to the request's thread, which re-raises it
            reports.put(_Failed(exc))

    threading.Thread(target=target, name="videogen-job", daemon=True).start()
    finished = False
    try:
        while True:
            item = reports.get()
            if isinstance(item, _Failed):
                finished = True
                raise item.error
            yield item
            if isinstance(item, _Done):
                finished = True
                return
    finally:
        if not finished:
            cancel.set()


@dataclass
class TimeLeft:
    """Time left in a stage from the measured pace of its units (denoising steps, bytes, frames)."""

    _stage: str = ""
    _start: tuple[float, float] = (0.0, 0.0)  # (time, done) when the stage's pace started counting
    _last: dict[str, float] = field(default_factory=dict)

    def update(self, report: Progress, now: float | None = None) -> float | None:
        """Seconds left in this report's stage, or None while there is nothing to go on."""
        now = time.monotonic() if now is None else now
        if report.stage != self._stage or report.done < self._start[1]:
            # the first unit includes warm-up (loading kernels, allocating): the pace starts after it
            self._stage, self._start = report.stage, (now, report.done)
            return None
        start_time, start_done = self._start
        if not report.total or report.done <= start_done or now <= start_time:
            return None
        per_unit = (now - start_time) / (report.done - start_done)
        return max(0.0, (report.total - report.done) * per_unit)


def describe(report: Progress, seconds_left: float | None = None, locale: Locale = "en") -> str:
    """One status line for a progress report, with the time left when known."""
    message = tr_message(report.message, locale)
    if report.unit == "B" and report.total:
        line = f"{message}: {report.done / 1e6:,.1f} / {report.total / 1e6:,.1f} MB"
    else:
        line = message or report.stage
    if seconds_left is not None and seconds_left >= 1:
        minutes, seconds = divmod(int(round(seconds_left)), 60)
        line += tr(" · {minutes}:{seconds:02d} left", locale, minutes=minutes, seconds=seconds)
    return line


class ReaderWatch:
    """Notices a job whose progress nobody reads: an HTTP client that started it and went away.

    A client that drops its connection is seen by Gradio, which closes the request's generator
    (and so stops the job). One that never opens it (``POST /gradio_api/call/<name>`` without the
    ``GET`` for its results) is not: its messages pile up unread while the job holds the GPU queue.
    ``pending()`` is how many of the request's messages wait unread (None: unknown). Each report
    adds messages; a reader takes them as they come (it may lag by a few), so without one the count
    only grows. :meth:`abandoned` is true once it has grown at every look for ``patience_s`` seconds.
    """

    def __init__(self, pending: Callable[[], int | None], patience_s: float | None) -> None:
        self._pending = pending
        self._patience_s = patience_s
        self._last_size = 0
        self._last_read: float | None = None  # when the count last stayed put or fell

    def abandoned(self, now: float | None = None) -> bool:
        if self._patience_s is None:
            return False
        now = time.monotonic() if now is None else now
        size = self._pending()
        if self._last_read is None or size is None or size <= 1 or size <= self._last_size:
            self._last_read = now
        self._last_size = size or 0
        return now - self._last_read > self._patience_s


def gradio_pending(blocks: Any, session: str | None) -> Callable[[], int | None]:
    """``pending()`` for :class:`ReaderWatch`: the request's unread messages in Gradio's queue.

    Reads Gradio's internal per-session message queue (``Queue.pending_messages_per_session``);
    if a Gradio version lacks it the count is unknown and nothing is ever stopped for it.
    """

    def pending() -> int | None:
        queue_ = getattr(getattr(blocks, "_queue", None), "pending_messages_per_session", None)
        messages = queue_.get(session) if queue_ is not None and session else None
        return messages.qsize() if messages is not None else None

    return pending


class CancelBoard:
    """One cancel flag per browser session: Cancel sets it, the job stops at its next report.

    Owned by the app instance (not module state), keyed by Gradio's session hash. With ``folder``
    the flags are also files there, for jobs that run in another process: on ZeroGPU, ``spaces``
    runs the handlers in its GPU worker, a fork that sees the files but not this process's memory.
    A running job is marked by ``<session>.running``; Cancel, finding no job of its own, writes
    ``<session>.cancel``, which a watcher beside the job turns into its flag.
    """

    POLL_S = 0.2  # how often a job's watcher looks for its cancel file

    def __init__(self, folder: Path | None = None) -> None:
        self._events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._folder = folder

    def start(self, session: str) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._events[session] = event
        if self._folder is not None:
            self._file(session, "cancel").unlink(missing_ok=True)
            self._file(session, "running").touch()
            threading.Thread(target=self._watch, args=(session, event), name="videogen-cancel-watch", daemon=True).start()
        return event

    def cancel(self, session: str) -> bool:
        with self._lock:
            event = self._events.get(session)
        if event is not None:
            event.set()
            return True
        if self._folder is not None and self._file(session, "running").exists():
            self._file(session, "cancel").touch()  # the job is in another process
            return True
        return False

    def finish(self, session: str, event: threading.Event) -> None:
        with self._lock:
            if self._events.get(session) is event:
                del self._events[session]
        if self._folder is not None:
            for kind in ("running", "cancel"):
                self._file(session, kind).unlink(missing_ok=True)

    def _file(self, session: str, kind: str) -> Path:
        return self._folder / f"{hashlib.sha256(session.encode()).hexdigest()[:32]}.{kind}"  # type: ignore[operator]

    def _watch(self, session: str, event: threading.Event) -> None:
        """Set ``event`` when the session's cancel file appears, until its job finishes."""
        cancel = self._file(session, "cancel")
        while not event.is_set() and self._events.get(session) is event:
            if cancel.exists():
                event.set()
                return
            time.sleep(self.POLL_S)


def cancel_folder() -> Path:
    """A folder for :class:`CancelBoard`'s files, only this user can read, removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="videogen-cancel-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder
