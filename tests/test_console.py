"""What ``python app.py`` prints when it starts: where the app is, and our own ``--share`` flag
(not Gradio's advice to edit ``launch()``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_and_read(*flags: str, until: str = "Ctrl+C", timeout: float = 120) -> str:
    """Start the app, read its console until the line containing ``until``, then stop it."""
    app = subprocess.Popen([sys.executable, "app.py", *flags], cwd=ROOT, env=dict(os.environ),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    watchdog = threading.Timer(timeout, app.kill)
    watchdog.start()
    lines: list[str] = []
    try:
        for line in app.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if until in line:
                break
    finally:
        watchdog.cancel()
        app.terminate()
        app.wait(timeout=30)
    return "".join(lines)


def test_console_names_the_url_and_the_share_flag() -> None:
    port = free_port()
    console = start_and_read("--port", str(port), "--offline")
    assert f"videogen is running at http://127.0.0.1:{port}/" in console, console
    assert "Add --share for a temporary public link." in console, console
    assert "share=True" not in console and "launch()" not in console, console
