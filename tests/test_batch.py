"""Batch jobs (issue 20, item 3): the list read as users write it, each clip made with its row's
settings, and the batch's ZIP."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from videogen.errors import InvalidInputError
from videogen.generate.batch import batch_zip, read_batch


def test_plain_lines_csv_and_json_lines() -> None:
    plain = read_batch("a red circle moving left\n\n# a comment\n一个蓝色的正方形向上移动\n")
    assert [(i.prompt, i.settings, i.line) for i in plain] == [("a red circle moving left", {}, 1),
                                                               ("一个蓝色的正方形向上移动", {}, 4)]
    table = read_batch('prompt,seed,model,guidance,frames\n"a circle, red",3,shapes-t2v,,24\na square,,,7.5,\n')
    assert [(i.prompt, i.settings) for i in table] == [
        ("a circle, red", {"seed": 3, "model": "shapes-t2v", "frames": 24}), ("a square", {"guidance": 7.5})]
    lines = read_batch('{"prompt": "a triangle", "seed": 1, "steps": 2}\n{"prompt": "a circle", "negative_prompt": "blur"}')
    assert [(i.prompt, i.settings) for i in lines] == [("a triangle", {"seed": 1, "steps": 2}),
                                                       ("a circle", {"negative_prompt": "blur"})]
    assert read_batch("prompt\na\n", "list.csv")[0].prompt == "a"  # the file's name picks the format
    assert read_batch("prompt, with a comma\n", "list.txt")[0].prompt == "prompt, with a comma"


@pytest.mark.parametrize(("text", "name", "message"), [
    ("", "", "no prompt"),
    ("prompt,colour\na,red\n", "", "colour, which is not a setting"),
    ("prompt,seed\na,three\n", "", "line 2 of the batch: seed must be a number, got 'three'"),
    ('{"prompt": "a"}\n{"prompt": \n', "", "line 2 of the batch is not JSON"),
    ('["a"]\n', "x.jsonl", "not a JSON object"),
    ("seed\n1\n", "x.csv", "no 'prompt' column"),
    ('{"seed": 1}\n', "", "line 1 of the batch has no prompt"),
    ("\n".join(["a"] * 21), "", "21 prompts, over the limit of 20"),
])
def test_a_bad_list_says_which_line_and_what_to_write(text: str, name: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        read_batch(text, name, limit=20)


def test_each_row_makes_its_clip_and_the_zip_holds_them_all(tmp_path: Path) -> None:
    from videogen.api import Engine

    engine = Engine(device="cpu")
    items = read_batch("prompt,seed,frames\na red circle moving left,4,8\na blue square moving up,5,12\n")
    made = [engine.text_to_video(i.prompt, model="shapes-t2v", output_dir=tmp_path, **i.settings) for i in items]
    assert [(m.seed, m.frames) for m in made] == [(4, 8), (5, 12)]
    archive = batch_zip(made, tmp_path / "batch.zip")
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        listed = json.loads(z.read("batch.json"))
        assert z.read(names[0]) == Path(made[0].path).read_bytes()
    assert names == [f"001-{Path(made[0].path).name}", f"002-{Path(made[1].path).name}", "batch.json"]
    assert [(e["file"], e["prompt"], e["seed"]) for e in listed] == [(names[0], items[0].prompt, 4), (names[1], items[1].prompt, 5)]
    assert "path" not in listed[0] and not list(tmp_path.glob(".*part"))


def test_t2v_prompts_file_makes_each_row_and_the_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from videogen.cli import main

    batch = tmp_path / "list.jsonl"
    batch.write_text('{"prompt": "a red circle moving left", "seed": 7}\n{"prompt": "a blue square moving up", "frames": 8}\n',
                     encoding="utf-8")
    out = tmp_path / "clips"
    assert main(["t2v", "--prompts", str(batch), "--model", "shapes-t2v", "--frames", "12", "-o", str(out), "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert [(m["prompt"], m["frames"]) for m in made] == [("a red circle moving left", 12), ("a blue square moving up", 8)]
    assert made[0]["seed"] == 7  # the row's own setting wins over the options
    with zipfile.ZipFile(out / "batch.zip") as z:
        assert len(z.namelist()) == 3
    assert main(["t2v", "--prompts", str(batch), "-o", str(tmp_path / "one.mp4")]) == 2  # bad input
    assert "a batch goes to a folder" in capsys.readouterr().err


def test_cancel_between_two_clips_stops_the_rest() -> None:
    """The Batch handler, driven as Gradio drives it: Cancel pressed while the page takes in a
    finished clip (no clip running at that moment) stops the batch before its next clip."""
    from types import SimpleNamespace

    import gradio as gr

    from videogen.ui.handlers import Handlers

    handlers = Handlers(device="cpu")
    request = SimpleNamespace(session_hash="batch-session", headers={})
    run = handlers.batch("a red circle moving left\na blue square moving up\na green triangle moving down",
                         None, "shapes-t2v", frames=8, request=request, progress=lambda *a, **k: None)
    shown = []
    for video, status, history, archive in run:
        shown.append(status)
        if history is not gr.skip() and not isinstance(history, dict) and history:
            handlers.cancel(request)  # the first clip is in: the batch is between clips
    assert shown[-1].startswith("Batch cancelled: 1 of 3 clips made"), shown
    assert not any("clip 2 of 3: done" in s for s in shown if isinstance(s, str))
