"""The training room (videogen/training/): kept out of the runtime, its card templates all filled, and
``python -m videogen eval`` run end to end on a few clips."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.test_cli import ROOT, run_cli

CARDS = ROOT / "videogen" / "training" / "cards"


def test_the_runtime_never_imports_the_training_room() -> None:
    code = ("import sys, videogen.api, videogen.cli, videogen.ui.app; "
            "print([m for m in sys.modules if m.startswith('videogen.training')])")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_each_model_has_a_card_template_naming_its_script() -> None:
    assert {p.name for p in CARDS.iterdir()} == {"shapes-t2v.md", "shapes-i2v.md", "shapes-action.md", "upscaler.md"}
    titles = {"upscaler": "# videogen-sr ×${factor} — "}  # the model's id, not the card's file name
    for card in CARDS.iterdir():
        text = card.read_text(encoding="utf-8")
        if text.startswith("---\n"):  # a Hub model card's metadata block first
            text = text.split("\n---\n", 1)[1].lstrip("\n")
        assert text.startswith(titles.get(card.stem, f"# {card.stem} — ")) and "```\n${command}\n```" in text
        assert "videogen/embedded/train_" not in text and not re.search(r"\$(?!\{\w+\})", text), "only ${field}s"


def test_eval_on_a_few_clips(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    done = run_cli("eval", "--clips-per-class", "1", "--prompts", "2", "--images", "2", "--json-out", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["classifiers"]["shapes-action"]["clips"] == 9
    assert report["text_to_video"]["shapes-t2v"]["prompts"] == 2 and report["image_to_video"]["shapes-i2v"]["images"] == 2
    assert "shapes-action" in done.stdout and "full results:" in done.stdout
