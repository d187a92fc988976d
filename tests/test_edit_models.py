"""The edit's Hub models (issue 18): RIFE 4.13 and Real-ESRGAN through the stand-in Hub, as tiny models of
the real architectures; the real checkpoints only with ``--real``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.tiny_models import TINY_RIFE_CHANNELS
from videogen.errors import HubUnreachableError, InvalidInputError, ModelNotFoundError, UnsupportedModelError
from videogen.hub import Progress
from videogen.edit.interpolate import FlowInterpolator
from videogen.models.edit_models import EditModelCache, default_edit_model, edit_model_spec
from videogen.models.rife import IFNet, RifeConfig, load_rife, warp
from videogen.models.upscalers import load_upscaler
from videogen.registry import EDIT_MODELS, EDIT_TASKS, FAMILIES, MODELS, TASKS, find, models_for


def served(model_id: str, task: str, repo_id: str):
    """The registry entry, from the stand-in Hub's tiny copy (at its ``main``)."""
    return replace(find(model_id, task), repo_id=repo_id, revision="main")


def frames_of(t: int, h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (t, h, w, 3), dtype=np.uint8)


# ---- the registry -------------------------------------------------------------------------------


def test_the_edit_models_are_listed_apart_from_the_generators() -> None:
    ids = [m.id for m in EDIT_MODELS]
    assert len(ids) == len(set(ids))  # an id names its operation: `--model rife-4.13,realesrgan-x4`
    assert TASKS == ("t2v", "i2v", "classify") and not {m.task for m in MODELS} & set(EDIT_TASKS)
    for spec in EDIT_MODELS:
        assert spec.task in EDIT_TASKS and spec.family in FAMILIES and spec.license and spec.description
        assert spec.local or (spec.file and spec.revision)
    assert [m.id for m in models_for("interpolate")] == ["dis-flow", "rife-4.13"]
    assert [m.id for m in models_for("upscale")] == ["videogen-sr", "realesrgan-x2", "realesrgan-x4"]
    rife = find("rife-4.13", "interpolate")
    assert (rife.repo_id, rife.file, rife.license) == ("imaginairy/rife-interpolation", "rife-flownet-4.13.2.safetensors", "mit")
    assert find("realesrgan-x4", "upscale").file == "RealESRGAN_x4.pth" and find("realesrgan-x2", "upscale").scale == 2
    assert default_edit_model("interpolate").id == "dis-flow"


def test_published_sizes_match_the_registry() -> None:
    """Parameters of the full-size networks, counted on the meta device: what download_gb says (fp32)."""
    from spandrel.architectures.ESRGAN import ESRGAN

    with torch.device("meta"):
        rife = sum(p.numel() for p in IFNet().parameters())
        x4 = sum(p.numel() for p in ESRGAN(in_nc=3, out_nc=3, num_filters=64, num_blocks=23, scale=4).parameters())
        x2 = sum(p.numel() for p in ESRGAN(in_nc=12, out_nc=3, num_filters=64, num_blocks=23, scale=4,
                                             shuffle_factor=2).parameters())
    assert rife == 5_364_312 and x4 == 16_697_987 and x2 == 16_703_171
    assert find("rife-4.13", "interpolate").download_gb == round(rife * 4 / 1e9, 2)
    assert find("realesrgan-x4", "upscale").download_gb == round(x4 * 4 / 1e9, 2) == round(x2 * 4 / 1e9, 2)


def test_unknown_missing_and_misplaced_models_say_what_to_do(hub_env, tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="Use one of: dis-flow, rife-4.13"):
        edit_model_spec("rife-9", "interpolate")
    with pytest.raises(UnsupportedModelError, match="realesrgan-x4 does upscaling, not frame interpolation"):
        edit_model_spec("realesrgan-x4", "interpolate")
    with pytest.raises(ModelNotFoundError, match="There is no file"):
        edit_model_spec(str(tmp_path / "nothing.pth"), "upscale")
    with pytest.raises(ModelNotFoundError, match="Unknown model"):  # public mode: registry ids only
        edit_model_spec(str(tmp_path / "nothing.pth"), "upscale", listed_only=True)
    cache = EditModelCache("cpu")
    with pytest.raises(ModelNotFoundError, match="tiny/no-such-repo was not found"):
        cache.get(served("realesrgan-x4", "upscale", "tiny/no-such-repo"))
    with pytest.raises(ModelNotFoundError, match="has no file RealESRGAN_x4.pth"):
        cache.get(served("realesrgan-x4", "upscale", "tiny/rife"))


def test_offline_and_not_downloaded(hub_env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(HubUnreachableError, match="offline mode is on.*dis-flow"):
        EditModelCache("cpu").get(served("rife-4.13", "interpolate", "tiny/rife"))
    assert EditModelCache("cpu").interpolator(None) is None  # the offline default: the recipe runs it, nothing to load
    assert EditModelCache("cpu").interpolator("dis-flow") is None
    assert FlowInterpolator().interpolate(frames_of(2, 16, 16), 2).shape == (3, 16, 16, 3)
    assert hub_env.requests == []


# ---- RIFE ---------------------------------------------------------------------------------------


def test_rife_downloads_with_byte_progress_loads_and_interpolates(hub_env, tiny_model_dirs: dict[str, Path]) -> None:
    saved = tiny_model_dirs["rife"] / "rife-flownet-4.13.2.safetensors"
    reports: list[Progress] = []
    cache = EditModelCache("cpu")
    rife = cache.get(served("rife-4.13", "interpolate", "tiny/rife"), reports.append)
    downloads = [r for r in reports if r.stage == "download"]
    assert downloads and all(r.unit == "B" for r in downloads)
    assert downloads[-1].done == downloads[-1].total == saved.stat().st_size
    assert any(r.done > 0 and r.message == "Downloading rife-4.13" for r in downloads)  # from the byte counter
    assert [r.stage for r in reports][-2:] == ["load", "load"]
    fetched = {r.path.rsplit("/", 1)[-1] for r in hub_env.requests if "/resolve/" in r.path}
    assert fetched == {"rife-flownet-4.13.2.safetensors"}  # one file; the repo's decoys stay on the Hub
    # loaded lazily once: the same object again, without a request
    hub_env.clear_log()
    assert cache.get(served("rife-4.13", "interpolate", "tiny/rife")) is rife and hub_env.requests == []
    # every saved tensor is in the network as saved, the sizes read from the shapes
    from safetensors.torch import load_file

    assert rife.name == "rife-4.13" and rife.net.config == RifeConfig(**TINY_RIFE_CHANNELS)
    state = rife.net.state_dict()
    assert all(torch.equal(state[k], v) for k, v in load_file(str(saved)).items()) and len(state) == len(load_file(str(saved)))
    # (T - 1) * N + 1 frames, originals kept, at a size the network pads (40x56 is no multiple of 32)
    clip = frames_of(3, 40, 56)
    for factor in (2, 4):
        out = rife.interpolate(clip, factor)
        assert out.shape == ((3 - 1) * factor + 1, 40, 56, 3) and out.dtype == np.uint8
        assert np.array_equal(out[::factor], clip)


def test_rife_in_between_frames_are_blends_of_the_two(tiny_model_dirs: dict[str, Path]) -> None:
    """Properties of the architecture whatever its weights: the new frame blends samples of the two frames
    (so two identical flat frames give that frame, and every new pixel lies within the pair's range); with a
    zero last layer (no flow, mask 0) it is their average."""
    rife = load_rife(tiny_model_dirs["rife"], "cpu")
    flat = np.full((2, 32, 48, 3), (200, 40, 90), np.uint8)
    assert np.abs(rife.interpolate(flat, 4).astype(int) - flat[0]).max() <= 1
    a = np.zeros((64, 64, 3), np.uint8)
    a[16:40, 10:34] = (250, 180, 20)
    b = np.roll(a, 12, axis=1)  # the square moved 12 px right
    out = rife.interpolate(np.stack((a, b)), 2)[1].astype(int)
    low, high = np.minimum(a, b).min(axis=(0, 1)).astype(int), np.maximum(a, b).max(axis=(0, 1)).astype(int)
    assert (out >= low - 1).all() and (out <= high + 1).all()
    for block in rife.net.blocks:
        torch.nn.init.zeros_(block.lastconv[0].weight)
        torch.nn.init.zeros_(block.lastconv[0].bias)
    out = rife.interpolate(np.stack((a, b)), 2)[1].astype(int)
    assert np.abs(out - (a.astype(int) + b) / 2).max() <= 1


def test_warp_moves_pixels_by_the_flow() -> None:
    image = torch.rand(1, 3, 8, 10)
    flow = torch.zeros(1, 2, 8, 10)
    flow[:, 0] = 2  # sample 2 px to the right: the picture moves left
    assert torch.allclose(warp(image, flow)[..., :8], image[..., 2:], atol=1e-5)
    assert torch.allclose(warp(image.half(), flow.half()).float()[..., :8], image[..., 2:], atol=2e-3)


def test_rife_reports_each_pair_and_stops_when_told(tiny_model_dirs: dict[str, Path]) -> None:
    rife = load_rife(tiny_model_dirs["rife"], "cpu")
    seen: list[tuple[int, int]] = []
    rife.interpolate(frames_of(4, 32, 32), 2, lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rife.interpolate(frames_of(4, 32, 32), 2, stop)
    with pytest.raises(InvalidInputError, match="uint8"):
        rife.interpolate(frames_of(2, 32, 32).astype(np.float32), 2)


def test_a_file_that_is_not_rife_is_refused(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    save_file({"conv.weight": torch.zeros(3, 3)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(UnsupportedModelError, match="not RIFE 4.13's IFNet.*pick rife-4.13"):
        load_rife(tmp_path / "other.safetensors", "cpu")


# ---- Real-ESRGAN through spandrel ---------------------------------------------------------------


@pytest.mark.parametrize("model_id,scale", [("realesrgan-x2", 2), ("realesrgan-x4", 4)])
def test_realesrgan_through_the_hub_and_spandrel(hub_env, model_id: str, scale: int) -> None:
    reports: list[Progress] = []
    upscaler = EditModelCache("cpu").get(served(model_id, "upscale", "tiny/realesrgan"), reports.append)
    assert reports[0].stage == "download" and reports[0].unit == "B" and reports[0].total > 0
    assert any(r.done > 0 and r.message == f"Downloading {model_id}" for r in reports)  # bytes as they come
    assert [r for r in reports if r.stage == "download"][-1].done == reports[0].total
    assert (upscaler.name, upscaler.scale, upscaler.architecture) == (model_id, scale, "ESRGAN")
    fetched = {r.path.rsplit("/", 1)[-1] for r in hub_env.requests if "/resolve/" in r.path}
    assert fetched == {f"RealESRGAN_x{scale}.pth"}
    clip = frames_of(2, 20, 28)
    seen: list[tuple[int, int]] = []
    out = upscaler.upscale(clip, scale, lambda d, t: seen.append((d, t)))
    assert out.shape == (2, 20 * scale, 28 * scale, 3) and out.dtype == np.uint8 and seen == [(1, 2), (2, 2)]
    assert upscaler.warnings_for(scale) == []


def test_the_basicsr_names_load_the_same_network(tiny_model_dirs: dict[str, Path]) -> None:
    """The tiny file's key names are Real-ESRGAN's, and spandrel maps them back to the network they came from."""
    from spandrel.architectures.ESRGAN import ESRGAN

    torch.manual_seed(0)  # as build_tiny_realesrgan builds the x4
    original = ESRGAN(in_nc=3, out_nc=3, num_filters=8, num_blocks=1, scale=4).eval()
    upscaler = load_upscaler(tiny_model_dirs["realesrgan"] / "RealESRGAN_x4.pth", "cpu")
    frame = frames_of(1, 16, 24)[0]
    with torch.no_grad():
        expected = original(torch.from_numpy(frame).permute(2, 0, 1)[None].float() / 255).clamp(0, 1)
    expected = expected[0].permute(1, 2, 0).mul(255).round().to(torch.uint8).numpy()
    assert np.abs(upscaler.upscale_frame(frame, 4).astype(int) - expected).max() <= 1


@pytest.mark.parametrize("scale,tile,overlap,size", [(4, 64, 24, (72, 101)), (2, 96, 40, (100, 150))])
def test_tiled_equals_untiled_on_a_frame_larger_than_a_tile(tiny_model_dirs: dict[str, Path], scale: int, tile: int,
                                                            overlap: int, size: tuple[int, int]) -> None:
    """With an overlap past the network's reach the seams vanish: the tiny RRDBNet sees about 19 input px, and
    twice that at x2 (the x2 network runs on a pixel-unshuffled half-size copy)."""
    file = tiny_model_dirs["realesrgan"] / f"RealESRGAN_x{scale}.pth"
    frame = frames_of(1, *size)[0]  # sides that are no multiple of 4 (the x2 network's): padded once, whole
    whole = load_upscaler(file, "cpu", tile=512).upscale_frame(frame, scale)
    tiled = load_upscaler(file, "cpu", tile=tile, overlap=overlap).upscale_frame(frame, scale)
    assert tiled.shape == whole.shape == (size[0] * scale, size[1] * scale, 3)
    diff = np.abs(tiled.astype(int) - whole)
    assert diff.max() <= 1 and diff.mean() < 0.01


def test_factors_the_model_does_not_have(tiny_model_dirs: dict[str, Path]) -> None:
    x2 = load_upscaler(tiny_model_dirs["realesrgan"] / "RealESRGAN_x2.pth", "cpu", "realesrgan-x2")
    x4 = load_upscaler(tiny_model_dirs["realesrgan"] / "RealESRGAN_x4.pth", "cpu", "realesrgan-x4")
    clip = frames_of(1, 12, 16)
    assert x2.upscale(clip, 4).shape == (1, 48, 64, 3) and "ran 2 times" in x2.warnings_for(4)[0]
    assert x4.upscale(clip, 2).shape == (1, 24, 32, 3) and "shrunk by 2 (area)" in x4.warnings_for(2)[0]
    with pytest.raises(InvalidInputError, match="upscale must be 2 or 4"):
        x4.upscale(clip, 3)


def test_files_that_are_not_super_resolution_are_refused(tmp_path: Path) -> None:
    from safetensors.torch import save_file
    from spandrel.architectures.ESRGAN import ESRGAN

    save_file({"weight": torch.randn(4, 4)}, str(tmp_path / "random.safetensors"))
    with pytest.raises(UnsupportedModelError, match="not a model architecture spandrel knows.*RealESRGAN_x4.pth"):
        load_upscaler(tmp_path / "random.safetensors", "cpu")
    torch.save(ESRGAN(in_nc=3, out_nc=3, num_filters=8, num_blocks=1, scale=1).state_dict(), tmp_path / "1x.pth")
    with pytest.raises(UnsupportedModelError, match="is a ESRGAN Restoration model \\(scale 1\\), not a super-resolution"):
        load_upscaler(tmp_path / "1x.pth", "cpu")
    torch.save({"weights": Path("/etc/passwd")}, tmp_path / "code.pth")  # an object: the weights-only unpickler refuses
    with pytest.raises(UnsupportedModelError, match="never unpickles code"):
        load_upscaler(tmp_path / "code.pth", "cpu")
    # a local file by path: through the same loader
    spec = edit_model_spec(str(tmp_path / "1x.pth"), "upscale")
    with pytest.raises(UnsupportedModelError, match="not a super-resolution model"):
        EditModelCache("cpu").get(spec)


# ---- the real checkpoints (opt-in) --------------------------------------------------------------


@pytest.mark.real
@pytest.mark.parametrize("model_id", [m.id for m in EDIT_MODELS if not m.local])
def test_real_edit_models(model_id: str) -> None:
    """The registry's repos, revisions and files load and do what they are for."""
    spec = next(m for m in EDIT_MODELS if m.id == model_id)
    model = EditModelCache("cuda" if torch.cuda.is_available() else "cpu").get(spec)
    a = np.zeros((96, 128, 3), np.uint8)
    a[32:64, 16:48] = (240, 200, 40)
    b = np.roll(a, 16, axis=1)  # the square moved 16 px right
    if spec.task == "interpolate":
        middle = model.interpolate(np.stack((a, b)), 2)[1]
        columns = np.nonzero(middle[..., 0].max(axis=0) > 120)[0]
        assert abs(columns.mean() - (31.5 + 8)) < 3  # a trained RIFE puts the square half way
    else:
        out = model.upscale(a[None], spec.scale)[0]
        assert out.shape == (96 * spec.scale, 128 * spec.scale, 3)
        assert abs(out[48 * spec.scale, 32 * spec.scale].astype(int) - (240, 200, 40)).max() < 40
