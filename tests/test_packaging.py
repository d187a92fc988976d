"""``pip install .``: the ``videogen`` command and ``python -m videogen`` work outside the repository,
with the shipped models of weights/ installed inside the package.

The install is real (pip, setuptools, the wheel it builds) and offline: ``--no-deps`` because the
dependencies are this venv's own, ``--no-build-isolation --no-index`` so that setuptools comes from
this venv too (torch requires setuptools >= 77, so every venv made from requirements.txt has it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What a checkout holds besides the sources: never part of the install, and not copied for the build.
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                     ".gradio", "outputs")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository installed with pip into a target folder; built from a copy, so the
    working tree gets no build/ or egg-info."""
    base = tmp_path_factory.mktemp("packaging")
    source, target = base / "src", base / "site"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--no-compile", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return target


def run_installed(target: Path, *command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(target)}
    return subprocess.run(list(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_installed_package_holds_the_sources_and_weights_only(installed: Path) -> None:
    tops = {p.name for p in installed.iterdir()}
    assert tops == {"videogen", "bin", f"videogen-{_version()}.dist-info"}, "no tests/, benchmarks/ or app.py"
    package = installed / "videogen"
    assert (package / "data" / "kinetics400_labels.txt").is_file()
    assert files(package / "published") == files(ROOT / "videogen" / "published")
    assert files(ROOT / "weights") and files(package / "weights") == files(ROOT / "weights")
    sources = sorted(p.relative_to(ROOT) for p in (ROOT / "videogen").rglob("*.py"))
    assert sorted(p.relative_to(installed) for p in package.rglob("*.py")) == sources, "a subpackage missing from pyproject.toml?"


def test_models_from_another_folder_find_the_installed_weights(installed: Path, tmp_path: Path) -> None:
    done = run_installed(installed, sys.executable, "-m", "videogen", "models", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    embedded = [row for row in json.loads(done.stdout)  # dis-flow ships as code (OpenCV), with no weights
                if row["embedded"] and row["family"] != "dis-flow"]
    assert {row["id"] for row in embedded} >= {"shapes-t2v", "shapes-i2v", "shapes-action", "videogen-sr"}
    for row in embedded:
        assert row["downloaded"] is True, row["id"]
        assert Path(row["repo_id"]).is_relative_to(installed / "videogen" / "weights"), row["repo_id"]


def test_console_script_help(installed: Path, tmp_path: Path) -> None:
    done = run_installed(installed, sys.executable, str(installed / "bin" / "videogen"), "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: videogen ")
    assert all(command in done.stdout for command in ("models", "t2v", "i2v", "classify", "download"))


def test_requirements_txt_is_the_runtime_and_test_dependencies() -> None:
    """pyproject.toml declares what the product needs to run and, as the ``test`` extra, the suite's
    tools; requirements.txt (what a Space and CI install) is exactly the two together."""
    from packaging.requirements import Requirement

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {str(Requirement(line)) for line in config["dependencies"]}
    tools = {str(Requirement(line)) for line in config["optional-dependencies"]["test"]}
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    flat = {str(Requirement(line)) for line in lines if line and not line.startswith("#")}
    assert flat == runtime | tools and not runtime & tools
    names = {Requirement(line).name for line in runtime}
    assert names >= {"torch", "diffusers", "transformers", "gradio", "av"}
    assert not names & {"pytest", "playwright", "scikit-learn"}, "pip install videogen installs no test tools"


def files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def _version() -> str:
    from videogen import __version__

    return __version__
