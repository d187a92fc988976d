"""The offline upscaler (``videogen-sr``, :mod:`videogen.embedded.upscaler`) and its shipped weights.

The weights must beat bicubic on photographs training never saw; the rest is the contract the
edit recipe relies on: shapes, tiling, progress, and bad input refused with a message that names it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from videogen.embedded import upscaler
from videogen.embedded.upscaler import FOLDERS, NAME, OfflineUpscaler, check_frames, upscale_frames
from videogen.errors import InvalidInputError, UnsupportedModelError
from videogen.training.upscaler_data import HELD_OUT, TRAIN_PHOTOS, baselines, crop_to, photo, psnr, shrink

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("factor, mean_margin", [(2, 0.5), (4, 0.3)])
def test_the_shipped_weights_beat_bicubic_on_held_out_photographs(factor: int, mean_margin: float) -> None:
    """Each held-out photograph, shrunk (area) and enlarged back, scores above OpenCV's bicubic, and
    clearly so on average (an untrained network, or the feature switched off, is bicubic or worse)."""
    gains = {}
    for name in HELD_OUT:
        hr = crop_to(photo(name), factor)
        lr = shrink(hr, factor)
        ours = upscale_frames(lr[None], factor)[0]
        gains[name] = psnr(hr, ours) - psnr(hr, baselines(lr, factor)["bicubic"])
    assert min(gains.values()) >= 0.1 and np.mean(list(gains.values())) >= mean_margin, gains


def test_the_held_out_photographs_are_not_trained_on() -> None:
    assert set(HELD_OUT).isdisjoint(TRAIN_PHOTOS)
    assert "cat" not in TRAIN_PHOTOS  # skimage's cat is chelsea again
    for factor, folder in FOLDERS.items():
        metrics = json.loads((folder / "metrics.json").read_text())
        assert metrics["held_out"] == list(HELD_OUT) and metrics["factor"] == factor
        scores = metrics["held_out_scores"]
        assert scores["mean/ours"]["psnr"] > scores["mean/bicubic"]["psnr"]


@pytest.mark.parametrize("factor", [2, 4])
def test_output_shapes(factor: int) -> None:
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, size=(3, 17, 23, 3), dtype=np.uint8)
    out = upscale_frames(frames, factor)
    assert out.shape == (3, 17 * factor, 23 * factor, 3) and out.dtype == np.uint8
    tiny = upscale_frames(np.full((1, 1, 1, 3), 200, np.uint8), factor)
    assert tiny.shape == (1, factor, factor, 3) and np.all(np.abs(tiny.astype(int) - 200) <= 2)


def test_tiled_and_whole_frames_agree() -> None:
    """A frame cut into tiles comes out as it does whole (the overlap is wider than the network's reach)."""
    frame = photo("coffee")[40:190, 200:370][None]  # (1, 150, 170, 3)
    whole = OfflineUpscaler(tile=1024).upscale(frame, 2)
    tiles = OfflineUpscaler(tile=64).upscale(frame, 2)  # 64-pixel tiles: several each way
    difference = np.abs(whole.astype(int) - tiles.astype(int))
    assert difference.max() <= 1 and (difference > 0).mean() < 0.001


def test_x4_is_the_x2_network_twice_unless_given_a_x4_network() -> None:
    assert OfflineUpscaler().passes(4) == [2, 2] and OfflineUpscaler().passes(2) == [2]
    assert OfflineUpscaler({2: FOLDERS[2], 4: FOLDERS[2]}).passes(4) == [4]
    with pytest.raises(UnsupportedModelError, match="x2 network, not x4"):
        OfflineUpscaler({2: FOLDERS[2], 4: FOLDERS[2]}).upscale(np.zeros((1, 4, 4, 3), np.uint8), 4)


def test_progress_after_each_frame_and_a_raise_stops() -> None:
    frames = np.zeros((4, 8, 8, 3), np.uint8)
    calls: list[tuple[int, int]] = []
    upscale_frames(frames, 2, lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]

    def stop(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        upscale_frames(frames, 2, stop)


@pytest.mark.parametrize("frames, factor, words", [
    (np.zeros((2, 8, 8, 3), np.uint8), 3, ("factor", "3")),
    (np.zeros((2, 8, 8, 3), np.uint8), 1, ("factor", "1")),
    (np.zeros((2, 8, 8, 3), np.uint8), 2.0, ("factor", "2.0")),
    (np.zeros((2, 8, 8, 3), np.uint8), True, ("factor", "True")),
    (np.zeros((2, 8, 8, 3), np.float32), 2, ("frames", "float32")),
    (np.zeros((8, 8, 3), np.uint8), 2, ("frames", "(8, 8, 3)")),
    (np.zeros((2, 8, 8, 4), np.uint8), 2, ("frames", "(2, 8, 8, 4)")),
    (np.zeros((0, 8, 8, 3), np.uint8), 2, ("frames", "(0, 8, 8, 3)")),
    ([[[[0, 0, 0]]]], 2, ("frames", "list")),
])
def test_bad_input_is_refused_with_its_name_and_value(frames: object, factor: object, words: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInputError) as error:
        upscale_frames(frames, factor)  # type: ignore[arg-type]
    assert all(word in str(error.value) for word in words), str(error.value)


def test_check_frames_passes_good_frames_through() -> None:
    frames = np.zeros((1, 4, 4, 3), np.uint8)
    assert check_frames(frames) is frames


def test_importing_loads_nothing_heavy() -> None:
    """The module imports without torch or OpenCV, and reads no weights until a frame is upscaled."""
    code = ("import sys; import videogen.embedded.upscaler as u\n"
            "print('torch' in sys.modules, 'cv2' in sys.modules, len(u._LOADED))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "0"]
    assert OfflineUpscaler.name == NAME == "videogen-sr"
    assert upscaler.FACTORS == (2, 4)
