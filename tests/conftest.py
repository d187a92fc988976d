"""Shared fixtures: an isolated environment per test, tiny models, and a stand-in Hub serving them.

No test touches the real network: ``HF_ENDPOINT`` points at a closed local port unless a test asks
for the stand-in Hub (``hub_env``). Real Hub checkpoints run only with ``--real`` (marker ``real``).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.hubserver import StandInHub
from tests.tiny_models import build_all

CLOSED_ENDPOINT = "http://127.0.0.1:9"  # nothing listens on the discard port: requests fail at once
XCLIP_REPOS = ("microsoft/xclip-base-patch32", "microsoft/xclip-base-patch16")  # served as the tiny X-CLIP


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--real", action="store_true", help="also run tests that download real checkpoints from the Hub")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "real: downloads real checkpoints from the Hugging Face Hub (opt-in: --real)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--real"):
        return
    skip = pytest.mark.skip(reason="real Hub checkpoints: run with --real")
    for item in items:
        if "real" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's config folder: its local Content Credentials CA is made once, by the first file signed."""
    return tmp_path_factory.mktemp("config")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config_dir: Path) -> Path:
    """A fresh Hub cache, output folder and Gradio temp dir for every test; no real network; the
    session's config folder (never the user's) and no operator's signing certificate."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN", "SPACE_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", CLOSED_ENDPOINT)
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("VIDEOGEN_OUTPUT_DIR", str(tmp_path / "outputs"))
    monkeypatch.setenv("VIDEOGEN_CONFIG_DIR", str(config_dir))
    for name in ("VIDEOGEN_C2PA_CERT", "VIDEOGEN_C2PA_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VIDEOGEN_DEVICE", "cpu")
    # the CPU path of a machine with fast bfloat16, whatever this one has (AVX2 computes in float32:
    # tests/test_generators.py sets that one where it tests it)
    monkeypatch.setenv("VIDEOGEN_CPU_COMPUTE", "bfloat16")
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)
    return tmp_path


@pytest.fixture(scope="session")
def tiny_model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_all(tmp_path_factory.mktemp("tiny-models"))


# Files a real repo has beside what a pipeline loads; the downloader must never fetch them.
DECOYS = {
    "README.md": b"# tiny test model\n",
    "single-file-checkpoint.safetensors": b"\0" * 4096,
}


def _repo_copy(src: Path, dst: Path, *, diffusers: bool) -> Path:
    shutil.copytree(src, dst)
    for name, data in DECOYS.items():
        (dst / name).write_bytes(data)
    if diffusers:  # a second precision of the transformer, and pickled weights beside safetensors
        weights = dst / "transformer" / "diffusion_pytorch_model.safetensors"
        shutil.copy(weights, weights.with_name("diffusion_pytorch_model.fp16.safetensors"))
        (weights.with_name("diffusion_pytorch_model.bin")).write_bytes(b"pickle")
    return dst


@pytest.fixture(scope="session")
def hub(tiny_model_dirs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandInHub]:
    """A stand-in Hub with the tiny models as ``tiny/<family>`` plus a gated and two unusable repos.

    The tiny X-CLIP is also served under the real X-CLIP repo ids (:data:`XCLIP_REPOS`).
    """
    root = tmp_path_factory.mktemp("hub-repos")
    server = StandInHub().start()
    for name, folder in tiny_model_dirs.items():
        server.add_repo(f"tiny/{name}", _repo_copy(folder, root / name, diffusers=name in ("wan", "wan22", "ltx")))
    for repo_id in XCLIP_REPOS:  # the default recognizers' names, so that `classify` without --model runs
        server.add_repo(repo_id, _repo_copy(tiny_model_dirs["xclip"], root / repo_id.replace("/", "--"), diffusers=False))
    server.add_repo("tiny/gated", tiny_model_dirs["videomae"], gated=True)
    pickle_only = root / "pickle-only"
    pickle_only.mkdir()
    (pickle_only / "config.json").write_text(json.dumps({"architectures": ["VideoMAEForVideoClassification"]}))
    (pickle_only / "pytorch_model.bin").write_bytes(b"pickle")
    server.add_repo("tiny/pickle-only", pickle_only)
    unsupported = root / "unsupported"
    unsupported.mkdir()
    (unsupported / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))
    server.add_repo("tiny/unsupported", unsupported)
    yield server
    server.stop()


@pytest.fixture
def hub_env(hub: StandInHub, monkeypatch: pytest.MonkeyPatch) -> StandInHub:
    """Point downloads at the stand-in Hub, with an empty request log."""
    from huggingface_hub.utils import close_session

    close_session()
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    hub.clear_log()
    return hub


@contextmanager
def running_app(handlers: Any = None, **build: Any) -> Iterator[tuple[Any, str]]:
    """The app (local mode on the CPU unless ``handlers`` says otherwise) on a free port: (demo, url)."""
    from videogen.ui.app import build_demo
    from videogen.ui.handlers import Handlers

    demo = build_demo(handlers or Handlers(device="cpu"), **build)
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", server_port=None)
    try:
        yield demo, url
    finally:
        demo.close()


@pytest.fixture
def app_url(isolated_env: Path) -> Iterator[str]:
    """The URL of the app in local mode, on the CPU."""
    with running_app() as (_, url):
        yield url
