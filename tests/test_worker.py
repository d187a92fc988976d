"""Jobs in a worker: progress with time left, and a Cancel that stops the work and writes nothing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from videogen import hub as hubmod
from videogen.api import Engine
from videogen.errors import GenerationCancelled
from videogen.hub import Progress
from videogen.ui.worker import CancelBoard, ReaderWatch, TimeLeft, describe, run_streaming
from videogen.media import write_video

BIG = dict(model="shapes-t2v", frames=257, height=768, width=768, seed=1)  # ~5 s of work on 2 cores, 37 frame batches


def _job_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "videogen-job"]


def _outputs(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.mp4")) if folder.exists() else []


def _wait_for_no_jobs(timeout: float) -> float:
    start = time.monotonic()
    while _job_threads() and time.monotonic() - start < timeout:
        time.sleep(0.02)
    return time.monotonic() - start


def test_cancel_stops_an_embedded_model_between_frame_batches(tmp_path: Path) -> None:
    engine = Engine(device="cpu")
    cancel = threading.Event()
    reports: list[Progress] = []
    cancelled_at = [0.0]

    def job(report):
        return engine.text_to_video("a red circle moving left", output=tmp_path / "big.mp4", progress=report, cancel=cancel, **BIG)

    stream = run_streaming(job, cancel)
    with pytest.raises(GenerationCancelled):
        for item in stream:
            reports.append(item)
            if getattr(item, "stage", "") == "draw" and item.done == 2:
                cancelled_at[0] = time.monotonic()
                cancel.set()
    stopped_after = time.monotonic() - cancelled_at[0]
    assert stopped_after < 1.5, f"stopped {stopped_after:.2f} s after Cancel"
    denoise = [r for r in reports if getattr(r, "stage", "") == "draw"]  # frame batches: no steps in the shapes world
    assert denoise[0].total > 10 and max(r.done for r in denoise) < denoise[0].total  # stopped part-way
    assert _outputs(tmp_path) == [] and list(tmp_path.glob(".*part*")) == []


def test_a_closed_request_stops_its_job(tmp_path: Path) -> None:
    """A closed tab or a cancelled API job closes the handler's generator: the worker must stop too."""
    engine = Engine(device="cpu")
    cancel = threading.Event()
    stream = run_streaming(
        lambda report: engine.text_to_video("a blue square growing", output=tmp_path / "gone.mp4", progress=report,
                                            cancel=cancel, **BIG),
        cancel,
    )
    for item in stream:
        if getattr(item, "stage", "") == "draw":
            break
    stream.close()  # what Gradio does when the client goes away
    assert cancel.is_set()
    assert _wait_for_no_jobs(3.0) < 1.5
    time.sleep(0.2)
    assert _outputs(tmp_path) == []


def test_cancel_during_encoding_leaves_no_file(tmp_path: Path) -> None:
    frames = np.zeros((40, 64, 64, 3), np.uint8)

    def stop_at_20(index: int, total: int) -> None:
        if index == 20:
            raise GenerationCancelled("Cancelled.")

    with pytest.raises(GenerationCancelled):
        write_video(frames, tmp_path / "half.mp4", fps=8, on_frame=stop_at_20)
    assert list(tmp_path.iterdir()) == []  # neither the file nor its partial
    write_video(frames, tmp_path / "whole.mp4", fps=8)
    assert [p.name for p in tmp_path.iterdir()] == ["whole.mp4"]


def test_cancel_during_download(hub_env, tmp_path: Path) -> None:
    engine = Engine(device="cpu")
    cancel = threading.Event()

    def job(report):
        return engine.text_to_video("a ball", model="tiny/wan", frames=5, height=32, width=32, steps=2, seed=1,
                                    output=tmp_path / "x.mp4", progress=report, cancel=cancel)

    with pytest.raises(GenerationCancelled):
        for item in run_streaming(job, cancel):
            if getattr(item, "stage", "") == "download":
                cancel.set()
    assert not hubmod.is_downloaded(engine.resolve("tiny/wan", "t2v"))
    assert _outputs(tmp_path) == []
    # and the next request works (the download resumes)
    result = engine.text_to_video("a ball", model="tiny/wan", frames=5, height=32, width=32, steps=2, seed=1,
                                  output=tmp_path / "y.mp4")
    assert Path(result.path).exists()


def test_time_left_from_the_measured_pace() -> None:
    left = TimeLeft()
    assert left.update(Progress("denoise", 1, 50), now=100.0) is None  # the first step includes warm-up
    assert left.update(Progress("denoise", 2, 50), now=102.0) == pytest.approx(96.0)  # 48 steps x 2 s
    assert left.update(Progress("denoise", 11, 50), now=110.0) == pytest.approx(39.0)  # 10 s for 10 steps
    assert left.update(Progress("encode", 0, 1), now=111.0) is None  # a new stage starts over
    line = describe(Progress("denoise", 11, 50, "step", "Denoising step 11/50"), 95.0)
    assert line == "Denoising step 11/50 · 1:35 left"


def test_a_job_nobody_reads_is_noticed() -> None:
    """Unread messages that only pile up (nobody reading) mark the job abandoned after the patience;
    a reader that takes them, even a step behind, keeps it alive."""
    sizes = iter([1, 2, 3, 4, 5, 6])
    unread = ReaderWatch(lambda: next(sizes), patience_s=10)
    assert [unread.abandoned(now=t) for t in (0.0, 4.0, 8.0, 12.0)] == [False, False, False, True]
    behind = iter([2, 1, 2, 2, 1, 3])  # a reader one message behind at times
    read = ReaderWatch(lambda: next(behind), patience_s=10)
    assert not any(read.abandoned(now=t) for t in (0.0, 8.0, 16.0, 24.0, 32.0, 40.0))
    assert not ReaderWatch(lambda: None, patience_s=10).abandoned(now=1e9), "unknown: never stopped"
    assert not ReaderWatch(lambda: 99, patience_s=None).abandoned(now=1e9), "no timeout (a local run)"


def test_cancel_reaches_a_job_in_another_process_through_the_folder(tmp_path: Path) -> None:
    """ZeroGPU: the job's board is the worker process's copy. Two boards on one folder stand for the
    two processes: Cancel on the page's board stops the job started on the worker's."""
    page, worker = CancelBoard(folder=tmp_path), CancelBoard(folder=tmp_path)
    assert not page.cancel("alice"), "nothing running"
    flag = worker.start("alice")
    assert not CancelBoard().cancel("alice"), "without the folder the page cannot reach it"
    assert page.cancel("alice") and flag.wait(timeout=5), "the job's flag is set"
    worker.finish("alice", flag)
    assert list(tmp_path.iterdir()) == [] and not page.cancel("alice"), "no files left; nothing to cancel"
    other = worker.start("bob")
    page.cancel("alice")
    assert not other.wait(timeout=3 * CancelBoard.POLL_S), "another session's job runs on"
    worker.finish("bob", other)
