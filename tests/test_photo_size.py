"""Image to Video keeps the photo's shape (issue 17, item 7): the clip follows the photo's aspect
ratio on the model's grid, the page offers sizes up to the photo's own, and a clip smaller than the
photo says so and how to ask for more."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from videogen.api import Engine
from videogen.generate.common import photo_sizes
from videogen.registry import find


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    data = pytest.importorskip("skimage.data")
    path = tmp_path / "coffee-528x300.png"
    Image.fromarray(data.coffee()[50:350, 36:564]).save(path)  # 528x300: wider than the model's square
    return path


@pytest.mark.parametrize("model", ["shapes-i2v", "ltx-video", "wan2.2-ti2v-5b"])
def test_the_sizes_offered_keep_the_photos_shape_on_the_models_grid(model: str) -> None:
    spec = find(model, "i2v")
    for size in [(528, 300), (4000, 3000), (300, 900)]:
        options = photo_sizes(spec, size, max_side=1280)
        assert options == sorted(options, key=lambda hw: hw[0] * hw[1]) and len(options) >= 2
        for height, width in options:
            assert height % spec.size_step == 0 and width % spec.size_step == 0 and max(height, width) <= 1280
            assert width / height == pytest.approx(size[0] / size[1], rel=0.12), (model, size, (height, width))


def test_a_clip_smaller_than_the_photo_says_why_and_how_to_ask_for_its_size(photo: Path, tmp_path: Path) -> None:
    engine = Engine(device="cpu")
    followed = engine.image_to_video(photo, "moving right", model="shapes-i2v", seed=1, output_dir=tmp_path)
    assert (followed.width, followed.height) == (168, 96)  # the photo's 1.76:1 at the model's 128x128 pixel count
    [note] = [w for w in followed.warnings if "smaller than" in w]
    assert "The clip is 168×96, smaller than the 528×300 photo" in note and "height 300 and width 528" in note

    asked = engine.image_to_video(photo, "moving right", model="shapes-i2v", seed=1, height=300, width=528,
                                  frames=8, output_dir=tmp_path)
    assert (asked.width, asked.height) == (528, 300) and not [w for w in asked.warnings if "smaller than" in w]


def test_the_page_offers_the_photos_sizes(photo: Path) -> None:
    from videogen.ui.handlers import Handlers

    update = Handlers(device="cpu").photo_sizes("shapes-i2v", str(photo))
    assert update["visible"] and [value for _, value in update["choices"]] == ["96x168", "136x240", "300x528"]
    assert update["choices"][-1][0] == "528×300 (the photo's)" and update["value"] == "96x168"
    assert Handlers(device="cpu").photo_sizes("shapes-i2v", None)["visible"] is False
