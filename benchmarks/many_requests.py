"""Memory and disk over many requests on the embedded text-to-video model, through the Python API
and through the app (gradio_client against the app in this process).

    python benchmarks/many_requests.py [--requests 200] [--frames 8] [--size 32] [--users 4]

Prints one JSON line per path: the RSS of the process that serves (this one for the API, the app's
own process for the app) after the first request (models loaded) and after the last one, the growth of the output folder (the clips, which are kept) and of Gradio's cache (the
copies it serves), and the seconds per request. Nothing is downloaded; the output folders are
temporary. ``tests/test_concurrency.py`` runs a shorter version with a bound on the RSS growth.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COLORS = ("red", "green", "blue", "yellow")
SHAPES = ("circle", "square", "triangle")


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.exists() else 0


def prompt(i: int) -> str:
    return f"a {COLORS[i % 4]} {SHAPES[i % 3]} moving left"


def through_the_api(requests: int, frames: int, size: int) -> dict:
    import psutil

    from videogen.api import Engine
    from videogen.config import load_settings

    engine = Engine(device="cpu")
    process, outputs = psutil.Process(), load_settings().output_dir
    settings = dict(model="shapes-t2v", frames=frames, height=size, width=size)
    engine.text_to_video(prompt(0), seed=0, **settings)
    gc.collect()
    rss, disk, tick = process.memory_info().rss, folder_bytes(outputs), time.perf_counter()
    for i in range(requests):
        engine.text_to_video(prompt(i), seed=i, **settings)
    seconds = time.perf_counter() - tick
    gc.collect()
    return {"path": "python api", "requests": requests, "rss_first_mb": round(rss / 1e6, 1),
            "rss_last_mb": round(process.memory_info().rss / 1e6, 1),
            "rss_growth_mb": round((process.memory_info().rss - rss) / 1e6, 1),
            "outputs_growth_mb": round((folder_bytes(outputs) - disk) / 1e6, 2), "clips": len(list(outputs.glob("*.mp4"))),
            "partial_files": len(list(outputs.glob(".*.part.*"))), "seconds_per_request": round(seconds / requests, 3)}


def serve() -> None:
    """The app in this process (the child of :func:`through_the_app`): prints its URL, serves until killed."""
    from videogen.ui.app import build_demo
    from videogen.ui.handlers import Handlers

    demo = build_demo(Handlers(device="cpu"))
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", server_port=None)
    print(url, flush=True)
    threading.Event().wait()


def through_the_app(requests: int, frames: int, size: int, users: int) -> dict:
    """The app in a child process (so that its RSS is the server's alone), ``users`` gradio_client
    users in this one, each asking in turn."""
    import subprocess

    import psutil
    from gradio_client import Client

    from videogen.config import load_settings

    child = subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True)
    try:
        url = child.stdout.readline().strip()
        server, outputs, cache = psutil.Process(child.pid), load_settings().output_dir, Path(os.environ["GRADIO_TEMP_DIR"])
        settings = dict(model="shapes-t2v", frames=frames, height=size, width=size, api_name="/text_to_video")
        clients = [Client(url, verbose=False, download_files=False) for _ in range(users)]
        clients[0].predict(prompt(0), seed=0, **settings)
        rss, disk, cached, tick = server.memory_info().rss, folder_bytes(outputs), folder_bytes(cache), time.perf_counter()
        samples = []

        def user(k: int) -> None:
            for i in range(k, requests, users):
                clients[k].predict(prompt(i), seed=i, **settings)
                if k == 0 and i % (10 * users) == 0:
                    samples.append(round((server.memory_info().rss - rss) / 1e6, 1))

        threads = [threading.Thread(target=user, args=(k,)) for k in range(users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - tick
        for client in clients:
            client.close()
        return {"path": f"app via gradio_client, {users} users", "requests": requests,
                "server_rss_first_mb": round(rss / 1e6, 1), "server_rss_last_mb": round(server.memory_info().rss / 1e6, 1),
                "server_rss_growth_mb": round((server.memory_info().rss - rss) / 1e6, 1), "growth_every_40_mb": samples,
                "outputs_growth_mb": round((folder_bytes(outputs) - disk) / 1e6, 2),
                "gradio_cache_growth_mb": round((folder_bytes(cache) - cached) / 1e6, 2),
                "clips": len(list(outputs.glob("*.mp4"))), "partial_files": len(list(outputs.glob(".*.part.*"))),
                "seconds_per_request": round(seconds / requests, 3)}
    finally:
        child.kill()
        child.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--users", type=int, default=4, help="simultaneous gradio_client users for the app run")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the app run's server process
    args = parser.parse_args()
    if args.serve:
        return serve()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(VIDEOGEN_OUTPUT_DIR=f"{tmp}/api", VIDEOGEN_DEVICE="cpu", GRADIO_TEMP_DIR=f"{tmp}/gradio",
                          GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
        print(json.dumps(through_the_api(args.requests, args.frames, args.size)), flush=True)
        os.environ["VIDEOGEN_OUTPUT_DIR"] = f"{tmp}/app"
        print(json.dumps(through_the_app(args.requests, args.frames, args.size, args.users)), flush=True)


if __name__ == "__main__":
    main()
