"""Run a long job in a worker thread and stream its progress to the Gradio request.

Gradio's progress object only works from the request's own thread, while downloads report from
huggingface_hub's worker threads and generation blocks for minutes. So the job runs in a thread,
its reports go through a queue, and the request's generator drains the queue: it updates the
progress bar and yields status text until the job returns (FramePack's pattern).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from videogen.hub import Progress


@dataclass
class _Done:
    value: Any


@dataclass
class _Failed:
    error: BaseException


def run_streaming(job: Callable[[Callable[[Progress], None]], Any]) -> Iterator[Progress | _Done]:
    """Yield each Progress the job reports, then ``_Done(result)``; re-raise the job's exception."""
    reports: queue.Queue[Progress | _Done | _Failed] = queue.Queue()

    def target() -> None:
        try:
            reports.put(_Done(job(reports.put)))
        except BaseException as exc:  # handed to the request's thread, which re-raises it
            reports.put(_Failed(exc))

    threading.Thread(target=target, name="videogen-job", daemon=True).start()
    while True:
        item = reports.get()
        if isinstance(item, _Failed):
            raise item.error
        yield item
        if isinstance(item, _Done):
            return


def describe(report: Progress) -> str:
    """One status line for a progress report."""
    if report.unit == "B" and report.total:
        return f"{report.message}: {report.done / 1e6:,.1f} / {report.total / 1e6:,.1f} MB"
    return report.message or report.stage


class CancelBoard:
    """One cancel flag per browser session: Cancel sets it, the next denoising step stops.

    Owned by the app instance (not module state), keyed by Gradio's session hash.
    """

    def __init__(self) -> None:
        self._events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def start(self, session: str) -> threading.Event:
        with self._lock:
            event = self._events[session] = threading.Event()
            return event

    def cancel(self, session: str) -> bool:
        with self._lock:
            event = self._events.get(session)
        if event is None:
            return False
        event.set()
        return True

    def finish(self, session: str, event: threading.Event) -> None:
        with self._lock:
            if self._events.get(session) is event:
                del self._events[session]
