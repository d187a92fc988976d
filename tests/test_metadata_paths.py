"""A clip's MP4 metadata names its model, never a path of the machine that made it (issue 9, item 8):
a shipped model by its registry id, a model in a folder by the folder's name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from videogen.api import Engine
from videogen.registry import WEIGHTS_DIR
from videogen.shapes import SceneSpec, render_clip, sample_params
from videogen.media import read_metadata


def assert_no_paths(meta: dict, *paths: Path) -> None:
    text = json.dumps(meta, ensure_ascii=False)
    for path in (WEIGHTS_DIR, *paths):
        assert str(path) not in text, f"{path} in {text}"
    assert "/" not in text, f"a path in {text}"


def test_shipped_text_to_video_records_the_model_id(tmp_path: Path) -> None:
    result = Engine(device="cpu").text_to_video("a red circle moving left", model="shapes-t2v", output=tmp_path / "c.mp4", seed=1)
    meta = read_metadata(result.path)
    assert meta["model"] == "shapes-t2v" and meta["prompt"] == "a red circle moving left"
    assert_no_paths(meta, tmp_path, Path.cwd(), Path.home())


def test_image_to_video_records_neither_the_image_path_nor_the_weights(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frame = render_clip(sample_params(SceneSpec("square", "blue", "white", "moving right"), rng, height=96, width=96))[0]
    image = tmp_path / "my photo.png"
    Image.fromarray(frame).save(image)
    result = Engine(device="cpu").image_to_video(str(image), "moving right", model="shapes-i2v", output=tmp_path / "i.mp4", seed=1)
    meta = read_metadata(result.path)
    assert meta["model"] == "shapes-i2v" and "my photo" not in json.dumps(meta)
    assert_no_paths(meta, tmp_path, Path.cwd(), Path.home())


def test_a_model_folder_is_recorded_by_its_name(tmp_path: Path) -> None:
    folder = shutil.copytree(WEIGHTS_DIR / "shapes-t2v", tmp_path / "models" / "my-shapes")
    result = Engine(device="cpu").text_to_video("a green square spinning", model=str(folder), output=tmp_path / "f.mp4", seed=2)
    meta = read_metadata(result.path)
    assert meta["model"] == "my-shapes"
    assert "repo" not in meta and "revision" not in meta, "a folder has no Hub repo or commit"
    assert_no_paths(meta, tmp_path, Path.cwd(), Path.home())
