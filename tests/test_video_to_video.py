"""Restyling with a prompt (issue 18): Wan 2.1 as ``WanVideoToVideoPipeline``, a tiny Wan of the real
architecture served by the stand-in Hub, and the memory plan of the full-size model."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.hubserver import StandInHub
from tests.tiny_models import build_tiny_wan
from videogen.device import pick_device
from videogen.errors import GenerationCancelled, InvalidInputError
from videogen.models import ModelCache, resolve
from videogen.models.video_to_video import (
    VideoRestyler,
    load_video_to_video,
    plan_video_to_video,
    schedule_steps,
    video_to_video_plan,
    work_shape,
)
from videogen.registry import EDIT_MODELS, MODELS, find, models_for, spec_for_unlisted
from videogen.sizing.memory import GIB, MemoryRequest
from videogen.sizing.plan import plan_memory

REPO = "tiny/wan-restyle"
PROMPT = "a red dragon in the snow"


@pytest.fixture(scope="module")
def restyle_folder(tmp_path_factory: pytest.TempPathFactory, hub: StandInHub) -> Path:
    """The tiny Wan with a VAE whose decoder shows what its latents hold, also served as ``tiny/wan-restyle``."""
    folder = build_tiny_wan(tmp_path_factory.mktemp("wan-restyle") / "wan", vae_dim=16)
    hub.add_repo(REPO, folder)
    return folder


@pytest.fixture(scope="module")
def restyler(restyle_folder: Path) -> Iterator[VideoRestyler]:
    """Loaded once from the folder, on the CPU path of a machine with fast bfloat16 (as conftest sets it)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VIDEOGEN_CPU_COMPUTE", "bfloat16")
        spec = spec_for_unlisted(str(restyle_folder), json.loads((restyle_folder / "model_index.json").read_text()),
                                 "restyle", local=True)
        yield load_video_to_video(spec, pick_device("cpu"), frames=9, height=32, width=32)


def clip(frames: int = 9, height: int = 32, width: int = 32) -> np.ndarray:
    """A real photo panned across: (frames, height, width, 3) uint8."""
    from PIL import Image
    from skimage import data

    photo = data.astronaut()  # 512 x 512
    crops = [photo[40 + 8 * i: 296 + 8 * i, 120 + 6 * i: 376 + 6 * i] for i in range(frames)]
    return np.stack([np.asarray(Image.fromarray(c).resize((width, height), Image.LANCZOS)) for c in crops])


def mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(float) - b.astype(float)).mean())


# ---- the registry ------------------------------------------------------------------------------


def test_the_restyle_model_is_wan_2_1_run_as_video_to_video() -> None:
    spec, t2v = find("wan2.1-v2v-1.3b", "restyle"), find("wan2.1-t2v-1.3b", "t2v")
    assert (spec.repo_id, spec.revision, spec.components, spec.download_gb) == (t2v.repo_id, t2v.revision, t2v.components,
                                                                                t2v.download_gb)
    assert spec.pipeline_class == "WanVideoToVideoPipeline" and hasattr(__import__("diffusers"), spec.pipeline_class)
    assert 0 < spec.defaults.strength < 1 and spec.defaults.steps > 0 and (spec.defaults.frames - 1) % 4 == 0
    assert [m.id for m in models_for("restyle")] == ["wan2.1-v2v-1.3b"]
    assert spec not in MODELS and spec not in EDIT_MODELS  # what lists those (dropdowns, `models`) is unchanged


def test_the_work_shape_is_on_the_grid_and_refuses_a_clip_too_long() -> None:
    spec = find("wan2.1-v2v-1.3b", "restyle")
    assert work_shape(spec, 81, 480, 832) == (81, 480, 832)
    assert work_shape(spec, 10, 100, 70) == (13, 96, 64)  # padded to 4k+1 frames, sides to multiples of 16
    assert work_shape(spec, 30, 1080, 1920) == (33, 480, 832)  # down to the model's area, the aspect kept
    with pytest.raises(InvalidInputError, match="at most 81 frames.*has 82.*--trim"):
        work_shape(spec, 82, 480, 832)
    assert schedule_steps(50, 0.6) == (50, 30) and schedule_steps(2, 0.5) == (2, 1)
    assert schedule_steps(2, 0.05) == (20, 1)  # one step at the schedule's lowest noise, not none


# ---- through the stand-in Hub -------------------------------------------------------------------


def test_downloads_with_byte_progress_loads_and_restyles(hub_env: StandInHub, restyle_folder: Path) -> None:
    spec = replace(find("wan2.1-v2v-1.3b", "restyle"), repo_id=REPO, revision="main", components=())
    reports = []
    started = time.perf_counter()
    restyler = load_video_to_video(spec, pick_device("cpu"), reports.append, frames=9, height=32, width=32)
    loaded = time.perf_counter()
    downloads = [r for r in reports if r.stage == "download"]
    assert downloads[-1].done == downloads[-1].total > 0 and downloads[-1].unit == "B"
    assert len({r.done for r in downloads}) >= 2, "bytes reported as they arrive"
    assert [r.done for r in reports if r.stage == "load"] == [0, 1]
    assert type(restyler.generator.pipe).__name__ == "WanVideoToVideoPipeline" and restyler.name == "wan2.1-v2v-1.3b"
    assert restyler.plan.strategy == "cpu" and restyler.generator.pipe.vae.dtype == torch.float32
    video = clip()
    out = restyler.restyle(video, PROMPT, 0.5, steps=2, seed=1)
    print(f"tiny restyle: load {loaded - started:.2f} s, 9 frames of 32x32 in {time.perf_counter() - loaded:.2f} s")
    assert out.shape == video.shape and out.dtype == np.uint8
    assert mean_difference(out, video) > 1, "redrawn"


# ---- the restyle --------------------------------------------------------------------------------


def test_the_seed_decides_the_result(restyler: VideoRestyler) -> None:
    video = clip()
    first = restyler.restyle(video, PROMPT, 0.5, steps=2, seed=3)
    assert np.array_equal(first, restyler.restyle(video, PROMPT, 0.5, steps=2, seed=3))
    assert mean_difference(first, restyler.restyle(video, PROMPT, 0.5, steps=2, seed=4)) > 0.5
    restyler.restyle(video, PROMPT, 0.5, steps=2)
    assert restyler.last_seed is not None  # drawn, and said, when none is given


def test_low_strength_keeps_the_clip_as_the_model_reads_it(restyler: VideoRestyler) -> None:
    """Strength 0.05 runs the last step of the schedule from the clip's latents barely noised; 1 draws anew
    from noise. With random weights the VAE does not give the clip back (its round trip is ~75 levels
    off the input at this size), so closeness is measured to what the VAE makes of the clip."""
    video = clip()
    pipe = restyler.generator.pipe
    with torch.no_grad():
        pixels = pipe.video_processor.preprocess_video(list(video), 32, 32).float()
        decoded = pipe.vae.decode(pipe.vae.encode(pixels).latent_dist.mode()).sample
    round_trip = np.round(pipe.video_processor.postprocess_video(decoded, output_type="np")[0] * 255)
    for seed in (1, 2):
        near = mean_difference(restyler.restyle(video, PROMPT, 0.05, steps=20, seed=seed), round_trip)
        far = mean_difference(restyler.restyle(video, PROMPT, 1.0, steps=20, seed=seed), round_trip)
        assert near < 0.9 * far, (seed, near, far)


def test_each_step_is_reported_and_raising_stops(restyler: VideoRestyler) -> None:
    calls: list[tuple[int, int]] = []
    restyler.restyle(clip(), PROMPT, 0.5, steps=4, seed=1, on_step=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]  # int(steps * strength) steps run
    calls.clear()
    restyler.restyle(clip(), PROMPT, 0.05, steps=2, seed=1, on_step=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 1)]

    def cancel(done: int, total: int) -> None:
        calls.append((done, total))
        raise GenerationCancelled("Generation cancelled.")

    calls.clear()
    with pytest.raises(GenerationCancelled):
        restyler.restyle(clip(), PROMPT, 0.8, steps=10, seed=1, on_step=cancel)
    assert calls == [(1, 8)], "stopped at the first step"


def test_bad_settings_are_refused_by_name_and_strength_0_keeps_the_clip(restyler: VideoRestyler) -> None:
    video = clip()
    for bad in (-0.1, 1.5, math.nan, "strong", None, True):
        with pytest.raises(InvalidInputError, match=r"strength must be a number from 0 to 1.*got"):
            restyler.restyle(video, PROMPT, bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="prompt"):
        restyler.restyle(video, "  ", 0.5)
    with pytest.raises(InvalidInputError, match="steps"):
        restyler.restyle(video, PROMPT, 0.5, steps=0)
    with pytest.raises(InvalidInputError, match="frames must be"):
        restyler.restyle(video.astype(np.float32), PROMPT, 0.5)
    calls = []
    kept = restyler.restyle(video, PROMPT, 0.0, on_step=lambda *a: calls.append(a))
    assert np.array_equal(kept, video) and kept is not video and calls == []  # nothing to redraw: not run


def test_any_frame_count_and_size_comes_back_as_it_came(restyler: VideoRestyler) -> None:
    video = clip(6, 40, 56)  # 6 frames (padded to 9 with the last), 40x56 (to the 16-pixel grid)
    out = restyler.restyle(video, PROMPT, 0.5, steps=2, seed=1)
    assert out.shape == video.shape and out.dtype == np.uint8


def test_a_loaded_text_to_video_shares_its_weights(restyle_folder: Path) -> None:
    """Through the model cache: one large model held, the same components, nothing read again."""
    from types import SimpleNamespace

    cache = ModelCache(pick_device("cpu"))
    t2v = cache.generator(resolve(str(restyle_folder), "t2v"), None, SimpleNamespace(frames=9, height=32, width=32))
    spec = spec_for_unlisted(str(restyle_folder), {"_class_name": "WanPipeline"}, "restyle", local=True)
    assert spec.defaults == find("wan2.1-v2v-1.3b", "restyle").defaults  # an unlisted Wan takes the listed limits
    restyler = load_video_to_video(spec, cache.device_choice, frames=9, height=32, width=32, models=cache)
    assert restyler.generator.pipe.transformer is t2v.pipe.transformer and cache.loaded_generator == spec
    assert restyler.restyle(clip(), PROMPT, 0.5, steps=2, seed=1).shape == (9, 32, 32, 3)


# ---- the memory plan ----------------------------------------------------------------------------


def test_the_full_size_plan_counts_the_input_clip() -> None:
    """Wan 2.1 1.3B at 81x480x832 (sized from the published configs, as the generators' plans are): the
    text-to-video plan plus the clip as float32 on the GPU, in GiB."""
    spec, t2v = find("wan2.1-v2v-1.3b", "restyle"), find("wan2.1-t2v-1.3b", "t2v")
    pixels = 81 * 480 * 832
    for gpu_gib, strategy in ((80, "resident"), (24, "resident"), (12, "text_encoder_cpu")):
        request = MemoryRequest("cuda", gpu_gib * GIB, 64 * GIB, 81, 480, 832)
        plan, generation = video_to_video_plan(spec, request), plan_memory(t2v, request)
        assert plan.fits and plan.strategy == strategy, plan.reason
        assert plan.peak_gpu_bytes == generation.peak_gpu_bytes + 12 * pixels
        assert plan.peak_ram_bytes == generation.peak_ram_bytes + 9 * pixels
        assert f"of {gpu_gib} GiB GPU" in plan.reason and "input clip included: ~0.36 GiB GPU" in plan.reason
        assert "GiB GPU" in plan.summary(request.gpu_bytes)
    assert 22 < video_to_video_plan(spec, MemoryRequest("cuda", 80 * GIB, 64 * GIB, 81, 480, 832)).peak_gpu_bytes / GIB < 24


def test_a_cpu_plan_times_the_steps_that_run_and_the_encode() -> None:
    spec, t2v = find("wan2.1-v2v-1.3b", "restyle"), find("wan2.1-t2v-1.3b", "t2v")
    request = MemoryRequest("cpu", 0, 32 * GIB, 17, 256, 384, steps=20)
    plan = video_to_video_plan(spec, request, strength=0.5)
    generation = plan_memory(t2v, replace(request, steps=10))
    assert plan.fits and plan.strategy == "cpu" and plan.estimate["steps"] == 10
    assert plan.estimate["decode_s"] == pytest.approx(1.59 * generation.estimate["decode_s"], rel=0.01)
    assert plan.estimate_s > generation.estimate_s
    tiny = video_to_video_plan(spec, MemoryRequest("cpu", 0, 8 * GIB, 81, 480, 832))
    assert not tiny.fits and "needs ~" in tiny.reason and "GiB RAM" in tiny.reason and tiny.suggestions
    here = plan_video_to_video(spec, 10, 100, 70, pick_device("cpu"))  # this machine now, at the work shape
    assert (here.frames, here.height, here.width) == (13, 96, 64)


def test_the_edit_restyles_with_a_prompt_through_the_engine(restyle_folder: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`edit --prompt` (the Edit tab's Restyle prompt, /edit's prompt): the registry's video-to-video
    model (here the tiny Wan in its place) redraws the clip; the result names it, the prompt, the
    strength and the seed; the clip keeps its frames and size."""
    import videogen.registry as registry
    from videogen.api import Engine
    from videogen.media import read_video, write_video

    monkeypatch.setenv("VIDEOGEN_CPU_COMPUTE", "bfloat16")
    spec = spec_for_unlisted(str(restyle_folder), json.loads((restyle_folder / "model_index.json").read_text()),
                             "restyle", local=True)
    monkeypatch.setattr(registry, "RESTYLE_MODELS", (replace(spec, id="wan2.1-v2v-1.3b"),))
    source = write_video(clip(9, 32, 48), tmp_path / "pan.mp4", fps=8)
    result = Engine(device="cpu").edit(source, output=tmp_path / "out.mp4", prompt=PROMPT, strength=0.5)
    [op] = result.operations
    assert (op["name"], op["model"], op["prompt"], op["strength"]) == ("restyle", "wan2.1-v2v-1.3b", PROMPT, 0.5)
    assert (result.frames, result.width, result.height) == (9, 48, 32)
    redrawn = read_video(result.path, 100).frames
    assert mean_difference(redrawn, read_video(source, 100).frames) > 5, "the clip was redrawn"
    with pytest.raises(InvalidInputError, match="give a style or a restyle prompt, not both"):
        Engine(device="cpu").edit(source, output=tmp_path / "no.mp4", prompt=PROMPT, style="pencil")
    with pytest.raises(InvalidInputError, match="strength goes with a restyle prompt"):
        Engine(device="cpu").edit(source, output=tmp_path / "no.mp4", strength=0.5)
