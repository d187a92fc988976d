"""Many users: simultaneous API clients each get their own clip; a client that goes away frees its
place; memory stays bounded over many requests (``benchmarks/many_requests.py`` runs 200 and
reports the numbers)."""

from __future__ import annotations

import gc
import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from gradio_client import Client

from tests.conftest import running_app
from videogen.api import Engine
from videogen.config import load_settings
from videogen.media import read_metadata

USERS = 16
COLORS = ("red", "green", "blue", "yellow")
SHAPES = ("circle", "square", "triangle", "ball")
MOTIONS = ("moving left", "moving right", "moving up", "moving down")


def raw_values(prompt: str, **settings: object) -> list[object]:
    """The values a raw HTTP call to /text_to_video sends: every parameter, in the API's order (the
    settings table's), unset ones as null."""
    from videogen import params

    return [prompt, *(settings.get(p.name) for p in params.TEXT_TO_VIDEO.on("api"))]


def jobs_running() -> int:
    return sum(thread.name == "videogen-job" for thread in threading.enumerate())


def test_sixteen_simultaneous_api_users_each_get_their_own_clip(app_url: str, tmp_path: Path) -> None:
    """16 clients ask at the same moment, each with its own prompt and seed: all are served (the
    queue holds them), and the recipe stored in each MP4 is the one its client asked for."""
    prompts = [f"a {color} {shape} {MOTIONS[i % 4]}" for i, (color, shape) in enumerate(itertools.product(COLORS, SHAPES))]
    assert len(set(prompts)) == USERS
    start = threading.Barrier(USERS)
    answers: dict[int, tuple] = {}
    failures: dict[int, BaseException] = {}

    def user(i: int) -> None:
        try:
            client = Client(app_url, verbose=False, download_files=str(tmp_path / f"user{i}"))
            start.wait(timeout=60)
            answers[i] = client.predict(prompts[i], model="shapes-t2v", seed=1000 + i, frames=4, height=32, width=32,
                                        api_name="/text_to_video")
            client.close()
        except BaseException as exc:  # reported below, per user
            failures[i] = exc

    threads = [threading.Thread(target=user, args=(i,)) for i in range(USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not failures, {i: repr(exc) for i, exc in failures.items()}
    assert sorted(answers) == list(range(USERS)), "every user is served"
    served = set()
    for i, (video, status, seed) in answers.items():
        meta = read_metadata(video)
        assert (meta["prompt"], meta["seed"], seed) == (prompts[i], 1000 + i, 1000 + i), f"user {i} got another request's clip"
        assert f"seed {1000 + i}" in status
        served.add(Path(video).name)
    assert len(served) == USERS, "each clip is its own file"
    outputs = sorted(load_settings().output_dir.glob("*.mp4"))
    assert len(outputs) == USERS and not list(load_settings().output_dir.glob(".*.part.*"))


def test_a_client_that_disconnects_frees_its_place_and_stops_its_job(app_url: str) -> None:
    """A client that drops the connection mid-job (a closed tab, a killed script): the job stops and
    the next user is served; nothing is written for the dropped job."""
    outputs = load_settings().output_dir
    big = {"data": raw_values("a green triangle rotating clockwise", model="shapes-t2v", seed=-1, frames=257,
                              height=1024, width=1024)}
    event = httpx.post(f"{app_url}gradio_api/call/text_to_video", json=big, timeout=30).json()["event_id"]
    with httpx.stream("GET", f"{app_url}gradio_api/call/text_to_video/{event}", timeout=60) as stream:
        lines = stream.iter_lines()
        deadline = time.monotonic() + 60
        while not jobs_running() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert jobs_running(), "the job started"
        next(lines)
    dropped = time.monotonic()  # the connection is closed here
    while jobs_running() and time.monotonic() - dropped < 30:
        time.sleep(0.1)
    assert not jobs_running(), "the job kept running after its client went away"
    assert time.monotonic() - dropped < 20
    client = Client(app_url, verbose=False, download_files=False)
    video, status, _ = client.predict("a red circle moving left", model="shapes-t2v", frames=4, height=32, width=32,
                                      api_name="/text_to_video")
    client.close()
    assert "Done" in status
    assert len(list(outputs.glob("*.mp4"))) == 1, "only the served request wrote a clip"


def test_a_job_whose_results_nobody_reads_is_stopped(monkeypatch: pytest.MonkeyPatch, isolated_env: Path) -> None:
    """An HTTP client that starts a job (POST /call) and never reads its results holds the queue
    until its job is stopped: after VIDEOGEN_UNREAD_TIMEOUT_S (public mode: 60 s) without a reader.
    Nothing is written for it, and the next user is served."""
    monkeypatch.setenv("VIDEOGEN_UNREAD_TIMEOUT_S", "2")
    big = {"data": raw_values("a green triangle rotating clockwise", model="shapes-t2v", seed=-1, frames=257,
                              height=1024, width=1024)}
    with running_app() as (_, url):
        httpx.post(f"{url}gradio_api/call/text_to_video", json=big, timeout=30).raise_for_status()
        deadline = time.monotonic() + 60
        while not jobs_running() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert jobs_running(), "the job started"
        started = time.monotonic()
        while jobs_running() and time.monotonic() - started < 60:
            time.sleep(0.1)
        assert not jobs_running(), "the unread job ran on"
        client = Client(url, verbose=False, download_files=False)
        _, status, _ = client.predict("a red circle moving left", model="shapes-t2v", frames=4, height=32, width=32,
                                      api_name="/text_to_video")
        client.close()
    assert "Done" in status
    assert len(list(load_settings().output_dir.glob("*.mp4"))) == 1, "only the served request wrote a clip"


REQUESTS = 60  # benchmarks/many_requests.py runs 200 (and through the app)
RSS_GROWTH_BOUND = 150e6


def test_memory_stays_bounded_over_many_requests() -> None:
    """RSS after many requests is within a bound of RSS after the first (the models stay loaded, the
    clips go to disk); the output folder grows by the clips and nothing else."""
    engine = Engine(device="cpu")
    process = psutil.Process()
    outputs = load_settings().output_dir
    engine.text_to_video("a red circle moving left", model="shapes-t2v", frames=1, height=16, width=16, seed=0)  # load
    gc.collect()
    rss_before = process.memory_info().rss
    disk_before = sum(f.stat().st_size for f in outputs.iterdir())
    for i in range(REQUESTS):
        engine.text_to_video(f"a {COLORS[i % 4]} {SHAPES[i % 4]} moving left", model="shapes-t2v", frames=1, height=16, width=16, seed=i)
    gc.collect()
    growth = process.memory_info().rss - rss_before
    files = list(outputs.iterdir())
    disk_growth = sum(f.stat().st_size for f in files) - disk_before
    assert growth < RSS_GROWTH_BOUND, f"RSS grew {growth / 1e6:.1f} MB over {REQUESTS} requests"
    assert len(files) == REQUESTS + 1 and all(f.suffix == ".mp4" and not f.name.startswith(".") for f in files)
    assert disk_growth < REQUESTS * 20_000, f"{disk_growth / 1e6:.1f} MB for {REQUESTS} one-frame clips"
