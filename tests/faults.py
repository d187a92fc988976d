"""Fault injection for tests: a disk that fills up, memory that runs out, a process that is killed.

Each helper takes pytest's ``monkeypatch`` (so the fault ends with the test) and makes one real
code path fail the way the system would make it fail, at the lowest level a test can reach:

* :func:`disk_fills_while_encoding` — the MP4 muxer gets ``[Errno 28] No space left on device``
  (PyAV's ``av.error.OSError``, as FFmpeg reports it) once the clip's packets pass a byte budget;
* :func:`disk_fills_while_downloading` — huggingface_hub's download writes the part of a file that
  fits, then ``OSError(ENOSPC)``, like ``write(2)`` on a full disk;
* :func:`fail_calls` — a function raises a given error (``MemoryError``, ``torch.OutOfMemoryError``)
  for its next few calls, then works again;
* :func:`file_size_limit` — the command line of a child process whose files may not grow past a
  size (``RLIMIT_FSIZE``: writes past it fail with ``EFBIG``, as on a full disk), for faults in a
  real ``python -m videogen`` run;
* :func:`wait_for` — poll until a file appears (to kill a child at the right moment).
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ENOSPC_TEXT = os.strerror(errno.ENOSPC)  # "No space left on device"


class _FillingContainer:
    """An output container whose disk fills up after ``budget`` bytes of packets."""

    def __init__(self, real: Any, budget: int, log: list[str]) -> None:
        self._real, self._budget, self._log = real, budget, log

    def mux(self, packet: Any) -> None:
        import av

        self._budget -= packet.size
        if self._budget < 0:
            self._log.append("ENOSPC")
            raise av.error.OSError(errno.ENOSPC, ENOSPC_TEXT)
        self._real.mux(packet)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __enter__(self) -> _FillingContainer:
        return self

    def __exit__(self, *exc: Any) -> Any:
        return self._real.__exit__(*exc)


def disk_fills_while_encoding(monkeypatch: pytest.MonkeyPatch, after_bytes: int = 2000, times: int = 1) -> list[str]:
    """The next ``times`` MP4s written hit a full disk once ``after_bytes`` of packets are written
    (then the disk has room again). Returns a list that gets one entry per fault raised.
    """
    import av

    real_open = av.open
    log: list[str] = []
    remaining = [times]

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        container = real_open(file, mode, *args, **kwargs)
        if mode != "w" or remaining[0] <= 0:
            return container
        remaining[0] -= 1
        return _FillingContainer(container, after_bytes, log)

    monkeypatch.setattr(av, "open", open_)
    return log


class _FillingFile:
    """A file object on a disk with ``room`` bytes left: writes what fits, then ENOSPC."""

    def __init__(self, real: Any, room: int, log: list[str]) -> None:
        self._real, self._room, self._log = real, room, log

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            self._real.write(data[: self._room])
            self._room = 0
            self._log.append("ENOSPC")
            raise OSError(errno.ENOSPC, ENOSPC_TEXT)
        self._room -= len(data)
        return self._real.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def disk_fills_while_downloading(
    monkeypatch: pytest.MonkeyPatch, suffix: str = ".safetensors", room: int = 1000, times: int = 1,
) -> list[str]:
    """The next ``times`` downloads of files ending in ``suffix`` find ``room`` bytes left on the disk."""
    from huggingface_hub import file_download

    real_get = file_download.http_get
    log: list[str] = []
    remaining = [times]

    def http_get(url: str, temp_file: Any, *args: Any, **kwargs: Any) -> Any:
        if remaining[0] > 0 and url.split("?")[0].endswith(suffix):
            remaining[0] -= 1
            temp_file = _FillingFile(temp_file, room, log)
        return real_get(url, temp_file, *args, **kwargs)

    monkeypatch.setattr(file_download, "http_get", http_get)
    return log


def fail_calls(monkeypatch: pytest.MonkeyPatch, target: str, error: BaseException | Callable[[], BaseException],
               times: int = 1) -> list[str]:
    """``module.Class.method`` (or ``module.function``) raises ``error`` on its next ``times`` calls, then works.

    ``error`` may be a factory (a fresh exception each time). Returns a list with one entry per failure.
    """
    module_name, _, attribute = target.rpartition(".")
    owner: Any
    try:
        owner = importlib.import_module(module_name)
    except ModuleNotFoundError:  # module.Class.method
        module_name, _, class_name = module_name.rpartition(".")
        owner = getattr(importlib.import_module(module_name), class_name)
    real = getattr(owner, attribute)
    log: list[str] = []

    def failing(*args: Any, **kwargs: Any) -> Any:
        if len(log) < times:
            log.append(attribute)
            raise error() if callable(error) and not isinstance(error, BaseException) else error
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, attribute, failing)
    return log


_LIMITED = ("import os, resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]),) * 2); os.execv(sys.argv[2], sys.argv[2:])")


def file_size_limit(max_bytes: int, argv: list[str]) -> list[str]:
    """``argv`` run so that its files cannot grow past ``max_bytes`` (writes past it fail with EFBIG,
    "File too large", and SIGXFSZ is ignored so that the process sees the error). A small launcher
    sets the limit and execs ``argv``: a ``preexec_fn`` would run Python in the child of a forked
    test process, which deadlocks when another of its threads held a lock at the fork."""
    return [sys.executable, "-c", _LIMITED, str(max_bytes), *argv]


def wait_for(found: Callable[[], Any], timeout: float = 60.0, every: float = 0.02) -> Any:
    """Poll ``found()`` until it returns something truthy; that value, or None after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(every)
    return None


def partial_outputs(folder: Path) -> list[Path]:
    """The temporary outputs (``.name….part.mp4``) in ``folder``."""
    return sorted(folder.glob(".*.part.*")) if folder.exists() else []
