"""Faults, and nothing half-written kept: a disk that fills while encoding or downloading, memory
that runs out at load or at generation, a model that fails to load, a process killed mid-job.

Each fault is injected with :mod:`tests.faults` at the level the system would raise it (the MP4
muxer's ``[Errno 28]``, a download's ``write``, a generator's ``MemoryError``, ``RLIMIT_FSIZE`` and
``SIGKILL`` for a real ``python -m videogen``); after each one the next request must work. A
connection cut mid-download is tests/test_api.py's ``test_connection_cut_mid_file_recovers`` and
``test_connection_always_cut_fails_cleanly``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from gradio_client import Client
from PIL import Image

from tests.faults import (
    disk_fills_while_downloading,
    disk_fills_while_encoding,
    fail_calls,
    file_size_limit,
    partial_outputs,
    wait_for,
)
from videogen import hub
from videogen.api import Engine
from videogen.cli import main
from videogen.config import load_settings
from videogen.errors import DownloadError, OutOfMemoryError, OutputError, UnsupportedModelError
from videogen.media import read_metadata

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(model="shapes-t2v", frames=16, height=64, width=64)


@pytest.fixture
def engine() -> Engine:
    return Engine(device="cpu")


def outputs() -> list[Path]:
    """The files in the output folder, hidden ones included (the app's examples/ folder is not a clip)."""
    folder = load_settings().output_dir
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.exists() else []


# ---- a disk that fills up -----------------------------------------------------------------------------

def test_a_disk_that_fills_while_encoding(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    faults = disk_fills_while_encoding(monkeypatch, after_bytes=1500)
    with pytest.raises(OutputError, match=r"The disk is full.*Free some space") as failure:
        engine.text_to_video("a red circle moving left", **SMALL)
    assert faults and isinstance(failure.value, OSError)
    assert outputs() == [], "no partial or 0-byte MP4 is left"
    result = engine.text_to_video("a red circle moving left", **SMALL)  # room again
    assert outputs() == [Path(result.path)] and read_metadata(result.path)["frames"] == 16


def test_a_disk_that_fills_while_the_app_encodes(app_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    faults = disk_fills_while_encoding(monkeypatch, after_bytes=1500)
    client = Client(app_url, verbose=False, download_files=str(tmp_path))
    with pytest.raises(Exception, match=r"The disk is full"):
        client.predict("a red circle moving left", **SMALL, api_name="/text_to_video")
    assert faults and outputs() == []
    video, status, _ = client.predict("a red circle moving left", **SMALL, api_name="/text_to_video")
    client.close()
    assert "Done" in status and read_metadata(video)["frames"] == 16


def test_a_cli_run_whose_file_cannot_grow(tmp_path: Path) -> None:
    """A real process whose writes fail part-way (RLIMIT_FSIZE: EFBIG, as a full disk fails them):
    one error line, exit code 2, no MP4 and no partial file; the same command works with room."""
    out = tmp_path / "clips" / "clip.mp4"
    argv = [sys.executable, "-m", "videogen", "t2v", "a green square moving up", "--model", "shapes-t2v", "--frames", "16",
            "--height", "64", "--width", "64", "--seed", "1", "-o", str(out)]
    done = subprocess.run(file_size_limit(1500, argv), cwd=ROOT, env=dict(os.environ), capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and re.search(r"largest file this system allows|disk is full", errors[0]), done.stderr[-1000:]
    assert list(out.parent.iterdir()) == [], "no MP4 and no partial file"
    assert main(argv[3:]) == 0, "the same command, with room"
    assert list(out.parent.iterdir()) == [out] and read_metadata(out)["seed"] == 1


def test_a_disk_that_fills_while_downloading(hub_env, tiny_model_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The part that fitted is not kept (nor reused): the next attempt downloads the file again, whole."""
    faults = disk_fills_while_downloading(monkeypatch, "/model.safetensors", room=1000)
    with pytest.raises(DownloadError, match=r"The disk is full.*tiny/videomae.*HF_HOME") as failure:
        Engine(device="cpu").download("tiny/videomae", task="classify")
    assert faults and isinstance(failure.value, OSError)
    cache = Path(hub.cache_dir())
    assert hub.cached_snapshot("tiny/videomae") is None
    assert not [p for p in cache.rglob("*") if p.name.endswith(".incomplete")], "no half file is kept"
    folder = Engine(device="cpu").download("tiny/videomae", task="classify")
    weights = [r for r in hub_env.requests if r.method == "GET" and r.path.endswith("/model.safetensors")]
    assert len(weights) == 2 and weights[-1].range is None, "downloaded again from the start, not resumed from the cut"
    served = tiny_model_dirs["videomae"] / "model.safetensors"
    assert (folder / "model.safetensors").read_bytes() == served.read_bytes(), "whole and right"
    assert Engine(device="cpu").classify(_clip(), model="tiny/videomae").predictions


def _clip() -> Path:
    from videogen.media import write_video

    return write_video(np.zeros((8, 32, 32, 3), np.uint8), load_settings().output_dir / "input.mp4", fps=8)


# ---- memory that runs out ------------------------------------------------------------------------------

OUT_OF_MEMORY = {
    "MemoryError": lambda: MemoryError(),
    "torch.OutOfMemoryError": lambda: torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
    "a CPU allocation": lambda: RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory"),
}


@pytest.mark.parametrize("error", list(OUT_OF_MEMORY))
def test_out_of_memory_while_generating(engine: Engine, monkeypatch: pytest.MonkeyPatch, error: str) -> None:
    failures = fail_calls(monkeypatch, "videogen.embedded.text_to_video.ShapesTextToVideo.generate", OUT_OF_MEMORY[error])
    with pytest.raises(OutOfMemoryError, match=r"ran out of memory generating 16 frames of 64×64.*fewer frames or a smaller size"):
        engine.text_to_video("a red circle moving left", **SMALL)
    assert failures and outputs() == []
    assert Path(engine.text_to_video("a red circle moving left", **SMALL).path).exists(), "the next request works"


def test_what_was_allocated_before_running_out_is_released(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The error keeps its cause for the log, but not the frames' tensors: they are freed at once."""
    import weakref

    held: list[weakref.ref] = []

    def generate(self, params, image, on_step):  # noqa: ANN001 - the generator interface
        frames = torch.empty(64, 1024, 1024)  # 256 MB of work in progress
        held.append(weakref.ref(frames))
        raise MemoryError()

    monkeypatch.setattr("videogen.embedded.text_to_video.ShapesTextToVideo.generate", generate)
    with pytest.raises(OutOfMemoryError) as failure:
        engine.text_to_video("a red circle moving left", **SMALL)
    assert isinstance(failure.value.__cause__, MemoryError), "the cause stays, for the server log"
    assert held and held[0]() is None, "the tensor of the failed run is freed"


def test_out_of_memory_while_animating_an_image(engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    image = np.full((64, 64, 3), 40, np.uint8)
    image[20:40, 20:40] = (220, 30, 30)
    Image.fromarray(image).save(tmp_path / "square.png")
    fail_calls(monkeypatch, "videogen.embedded.image_to_video.ShapesImageToVideo.generate", MemoryError)
    with pytest.raises(OutOfMemoryError, match="fewer frames or a smaller size"):
        engine.image_to_video(tmp_path / "square.png", "move right", model="shapes-i2v", frames=8)
    assert Path(engine.image_to_video(tmp_path / "square.png", "move right", model="shapes-i2v", frames=8).path).exists()


def test_out_of_memory_while_loading(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_calls(monkeypatch, "videogen.embedded.text_to_video.load_generator", MemoryError)
    with pytest.raises(OutOfMemoryError, match="while loading"):
        engine.text_to_video("a red circle moving left", **SMALL)
    assert engine.models.loaded_generator is None, "nothing half-loaded is kept"
    assert Path(engine.text_to_video("a red circle moving left", **SMALL).path).exists()


def test_the_app_keeps_serving_after_running_out_of_memory(app_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_calls(monkeypatch, "videogen.embedded.text_to_video.ShapesTextToVideo.generate", MemoryError, times=2)
    client = Client(app_url, verbose=False, download_files=False)
    for _ in range(2):
        with pytest.raises(Exception, match="ran out of memory.*fewer frames or a smaller size"):
            client.predict("a red circle moving left", **SMALL, api_name="/text_to_video")
    _, status, _ = client.predict("a red circle moving left", **SMALL, api_name="/text_to_video")
    client.close()
    assert "Done" in status


# ---- a model that fails to load ------------------------------------------------------------------------

def test_a_model_that_fails_to_load_does_not_break_later_requests(app_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    shutil.copytree(ROOT / "weights" / "shapes-t2v", broken)
    weights = next(broken.rglob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:1000])
    client = Client(app_url, verbose=False, download_files=False)
    for _ in range(2):  # the same clear message each time: no state left half-loaded
        with pytest.raises(Exception, match="could not be loaded.*whole model"):
            client.predict("a red circle moving left", model=str(broken), frames=4, height=32, width=32, api_name="/text_to_video")
        _, status, _ = client.predict("a red circle moving left", model="shapes-t2v", frames=4, height=32, width=32,
                                      api_name="/text_to_video")
        assert "Done" in status
    client.close()


def test_a_failed_load_in_the_engine_then_the_next_model(engine: Engine, tmp_path: Path) -> None:
    empty = tmp_path / "config-only"
    empty.mkdir()
    (empty / "model_index.json").write_text((ROOT / "weights" / "shapes-t2v" / "model_index.json").read_text())
    with pytest.raises(LookupError, match="no weights"):
        engine.text_to_video("a", model=str(empty), frames=4, height=32, width=32)
    broken = tmp_path / "broken"
    shutil.copytree(ROOT / "weights" / "shapes-t2v", broken)
    next(broken.rglob("*.safetensors")).write_bytes(b"\0" * 64)
    with pytest.raises(UnsupportedModelError, match="could not be loaded"):
        engine.text_to_video("a", model=str(broken), frames=4, height=32, width=32)
    assert engine.models.loaded_generator is None
    assert Path(engine.text_to_video("a red circle", **SMALL).path).exists()


# ---- killed mid-job --------------------------------------------------------------------------------------

def test_killed_while_encoding_then_run_again(tmp_path: Path) -> None:
    """``kill -9`` while the clip is being encoded: no MP4 under the final name; the partial file it
    leaves (a hidden ``.part.mp4``) is removed by the next write into that folder, which works."""
    folder = tmp_path / "clips"
    big = [sys.executable, "-m", "videogen", "t2v", "a blue circle moving right", "--model", "shapes-t2v", "--frames", "96",
           "--height", "256", "--width", "256", "-o", str(folder / "big.mp4")]
    process = subprocess.Popen(big, cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: partial_outputs(folder), timeout=150, every=0.005), "encoding never started"
    finally:
        process.send_signal(signal.SIGKILL)  # as soon as the partial file is there: mid-encode
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert not (folder / "big.mp4").exists(), "no half-written clip under the final name"
    assert partial_outputs(folder), "the killed process left its partial file"

    small = ["t2v", "a red circle moving left", "--model", "shapes-t2v", "--frames", "4", "--height", "32", "--width", "32",
             "-o", str(folder / "small.mp4")]
    assert main(small) == 0, "the next run (the restarted app's first clip, or the next command) works"
    assert read_metadata(folder / "small.mp4")["frames"] == 4
    assert sorted(p.name for p in folder.iterdir()) == ["small.mp4"], "the stale partial file is gone"


def test_stale_partial_files_are_removed_before_the_next_write(tmp_path: Path) -> None:
    """The partial files of processes that are gone, and those nobody has written to for a while,
    go; a live writer's and anything else stay."""
    from videogen.media import PARTIAL_MAX_AGE_S, remove_stale_partials, write_video

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    names = {
        f".clip.{dead}.1.part.mp4": False,  # its process has exited
        f".old.{os.getpid()}.2.part.mp4": False,  # this process, but untouched for longer than the limit
        f".live.{os.getpid()}.3.part.mp4": True,  # this process, being written
        ".other.part.mp4": True,  # not write_video's
        "kept.mp4": True,
        "notes.part.txt": True,
    }
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    old = (tmp_path / f".old.{os.getpid()}.2.part.mp4")
    os.utime(old, (old.stat().st_atime, old.stat().st_mtime - PARTIAL_MAX_AGE_S - 60))
    assert remove_stale_partials(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(name for name, kept in names.items() if kept)
    (tmp_path / f".clip.{dead}.1.part.mp4").write_bytes(b"x")
    write_video(np.zeros((2, 16, 16, 3), np.uint8), tmp_path / "new.mp4", fps=8)  # each write cleans its folder first
    assert not (tmp_path / f".clip.{dead}.1.part.mp4").exists() and (tmp_path / "new.mp4").exists()
