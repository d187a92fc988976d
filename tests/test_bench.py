"""``python -m videogen bench``: one command, a JSON of figures each next to a baseline from the same run.

Timings are not asserted (they are noise on a shared machine); the structure, the ratios being
positive numbers, and the decode counts are.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import av
import pytest

from videogen.bench import SECTIONS, format_table
from videogen.bench.media import QUICK_FILES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "videogen", "bench", "--quick", "--skip", "generators", "--json", str(out), "--workdir", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "-- decode" in done.stdout and "ratio" in done.stdout  # the table
    return json.loads(out.read_text())


def test_the_quick_suite_writes_every_section_but_the_generators(report: dict) -> None:
    assert report["quick"] is True
    assert report["sections"] == [s for s in SECTIONS if s != "generators"]
    assert {row["section"] for row in report["rows"]} == set(report["sections"])
    machine = report["machine"]
    assert machine["cores"] >= 1 and machine["ram_gib"] > 0


def test_the_machine_is_the_one_that_ran_it(report: dict) -> None:
    """The subprocess ran this interpreter on this computer: the machine object says so, and the
    table's first line names it."""
    machine = report["machine"]
    cpuinfo = Path("/proc/cpuinfo")
    models = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
              if line.startswith("model name")] if cpuinfo.is_file() else []
    assert machine["cpu"] == (models[0] if models else platform.processor())
    assert machine["cores"] == os.cpu_count()
    assert machine["python"] == platform.python_version() and machine["av"] == av.__version__
    assert format_table(report).splitlines()[0].startswith(f"{machine['cpu']}, {machine['cores']} cores, {machine['ram_gib']} GiB RAM")


def test_every_figure_is_a_positive_ratio_to_a_baseline_of_the_same_run(report: dict) -> None:
    measured = [row for row in report["rows"] if "skipped" not in row]
    assert len(measured) >= 10
    for row in measured:
        assert row["baseline"] and row["baseline_s"] > 0 and row["seconds"] > 0, row
        assert isinstance(row["ratio"], float) and row["ratio"] > 0, row
        assert row["ratio"] == pytest.approx(row["seconds"] / row["baseline_s"], rel=0.02)
    for row in report["rows"]:
        if "skipped" in row:  # a peer that is not installed says so
            assert row["section"] == "decode" and row["skipped"], row
    print(format_table(report))


def test_decode_rows_count_the_frames_videogen_decoded(report: dict) -> None:
    decode = [row for row in report["rows"] if row["section"] == "decode" and "skipped" not in row]
    for spec in QUICK_FILES:
        rows = {row["measure"]: row for row in decode if row["item"] == spec.name}
        assert rows["full decode (PyAV)"]["frames_decoded"] == spec.frames
        default, exact = rows["videogen read_frames(default)"], rows["videogen read_frames(exact=True)"]
        assert 16 <= default["frames_decoded"] <= exact["frames_decoded"] <= spec.frames
        assert exact["exact_frames"] == 16 and default["exact_frames"] <= 16
