"""A stand-in for the ``spaces`` package on ZeroGPU hardware, for the browser tests.

What the app relies on, done the way ``spaces`` does it (``spaces/zero/wrappers.py``): ``GPU(fn)``
runs the handler's generator in a forked worker process, so the job sees a copy of the app's
memory that the page's other events (Cancel) do not share, closes the server's sockets there, and
passes each yield back through a queue. When Gradio closes the request's generator, the worker closes the handler's generator at
its next yield. GPU scheduling, the duration and the reuse of one worker across calls are left out.

Put this folder first on ``PYTHONPATH`` with ``SPACE_ID`` set, and ``import spaces`` finds it.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import stat
from collections.abc import Callable, Iterator
from typing import Any

_FORK = multiprocessing.get_context("fork")


def _close_sockets() -> None:
    """Close the sockets inherited from the server (its listening socket and the browsers'
    connections), as ``spaces`` does first thing in its worker (``worker_init``)."""
    for name in os.listdir("/proc/self/fd"):
        try:
            if stat.S_ISSOCK(os.fstat(int(name)).st_mode):
                os.close(int(name))
        except OSError:  # the listing's own descriptor, gone by now
            continue


def _work(handler: Callable[..., Iterator[Any]], args: tuple, kwargs: dict, results: Any, stop: Any) -> None:
    """In the worker process: run the generator, send back each item, then ("end", None)."""
    _close_sockets()
    generator = handler(*args, **kwargs)
    try:
        for item in generator:
            if stop.is_set():
                generator.close()
                break
            results.put(("ok", item))
    except Exception as exc:  # handed to the request, as spaces does
        results.put(("error", exc))
        return
    results.put(("end", None))


def GPU(fn: Callable[..., Iterator[Any]] | None = None, *, duration: Any = None) -> Any:  # noqa: N802 (the package's name)
    def wrap(handler: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        @functools.wraps(handler)
        def in_worker(*args: Any, **kwargs: Any) -> Iterator[Any]:
            results, stop = _FORK.Queue(), _FORK.Event()
            worker = _FORK.Process(target=_work, args=(handler, args, kwargs, results, stop), daemon=True)
            worker.start()
            try:
                while True:
                    kind, value = results.get()
                    if kind == "error":
                        raise value
                    if kind == "end":
                        return
                    yield value
            finally:
                stop.set()
                worker.join(timeout=30)

        return in_worker

    return wrap(fn) if fn is not None else wrap
