"""Diffusers generators: loading follows the plan, each family's settings, the CPU text encoder path."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from videogen import generators
from videogen.api import Engine
from videogen.device import pick_device
from videogen.errors import OutOfMemoryError
from videogen.generators import family_kwargs, wan_flow_shift
from videogen.models import ModelCache, resolve
from videogen.pipelines.common import GenerationRequest, resolve_params
from videogen.video_io import read_metadata

TINY = dict(height=32, width=32, steps=2, seed=7, fps=8)


def _loaded(folder: Path, frames: int = 5):
    cache = ModelCache(pick_device("cpu"))
    spec = resolve(str(folder), "t2v")
    params = resolve_params(spec, GenerationRequest("a red ball moving", frames=frames, **TINY))
    return cache, spec, params, cache.generator(spec, None, params)


def test_loading_follows_the_plan(tiny_model_dirs: dict[str, Path]) -> None:
    _cache, _spec, _params, generator = _loaded(tiny_model_dirs["wan"])
    plan = generator.plan
    assert plan.strategy == "cpu" and plan.fits and plan.dtype == "bfloat16"
    assert {c.name: c.dtype for c in plan.components} == {"text_encoder": "bfloat16", "transformer": "bfloat16", "vae": "float32"}
    pipe = generator.pipe
    assert pipe.transformer.dtype == torch.bfloat16 and pipe.text_encoder.dtype == torch.bfloat16
    assert pipe.vae.dtype == torch.float32  # as the WanPipeline docstring loads it
    assert plan.vae_tiling and pipe.vae.use_tiling


def test_text_encoder_on_the_cpu_gives_the_same_clip(tiny_model_dirs: dict[str, Path]) -> None:
    """The plan's text_encoder_cpu path (encode_prompt on the CPU, embeddings to the device) matches."""
    for family in ("wan", "ltx"):
        cache, spec, params, generator = _loaded(tiny_model_dirs[family], frames=9)
        direct, _ = generator.generate(params, None, lambda *args, **kwargs: None)
        generator.plan = replace(generator.plan, strategy="text_encoder_cpu")
        calls = []
        original = generator.pipe.encode_prompt
        generator.pipe.encode_prompt = lambda *a, **k: calls.append(k["device"]) or original(*a, **k)
        via_cpu, _ = generator.generate(params, None, lambda *args, **kwargs: None)
        assert torch.device("cpu") in calls
        assert np.abs(direct.astype(int) - via_cpu.astype(int)).max() <= 1, family


def test_family_settings() -> None:
    assert wan_flow_shift(480, 832) == 3.0 and wan_flow_shift(720, 1280) == 5.0 and wan_flow_shift(704, 1280) == 5.0

    ltx = Engine(device="cpu").resolve("ltx-video", "t2v")
    ltx_params = resolve_params(ltx, GenerationRequest("x", seed=1))
    plain_vae = SimpleNamespace(vae=SimpleNamespace(config=SimpleNamespace(timestep_conditioning=False)))
    aware_vae = SimpleNamespace(vae=SimpleNamespace(config=SimpleNamespace(timestep_conditioning=True)))
    assert family_kwargs(plain_vae, ltx, ltx_params) == {"frame_rate": 24}
    assert family_kwargs(aware_vae, ltx, ltx_params) == {"frame_rate": 24, "decode_timestep": 0.05, "decode_noise_scale": 0.025}


def test_wan_scheduler_gets_the_flow_shift_for_the_size(tiny_model_dirs: dict[str, Path]) -> None:
    _cache, spec, params, generator = _loaded(tiny_model_dirs["wan"])
    kwargs = family_kwargs(generator.pipe, spec, params)
    assert generator.pipe.scheduler.config.flow_shift == 3.0 and kwargs["max_sequence_length"] == 512
    family_kwargs(generator.pipe, spec, replace(params, height=720, width=1280))
    assert generator.pipe.scheduler.config.flow_shift == 5.0


def test_failed_load_frees_memory_and_the_next_request_works(tiny_model_dirs, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    released = []
    original_apply, original_release = generators.apply_plan, generators.release_memory

    def out_of_memory(pipe, device, plan):
        raise torch.OutOfMemoryError("CUDA out of memory (injected)")

    monkeypatch.setattr(generators, "apply_plan", out_of_memory)
    monkeypatch.setattr(generators, "release_memory", lambda: released.append(1) or original_release())
    engine = Engine(device="cpu")
    folder = str(tiny_model_dirs["wan"])
    with pytest.raises(OutOfMemoryError, match="out of memory while loading"):
        engine.text_to_video("a ball", model=folder, frames=5, output=tmp_path / "a.mp4", **TINY)
    assert released and engine.models.loaded_generator is None
    monkeypatch.setattr(generators, "apply_plan", original_apply)
    result = engine.text_to_video("a ball", model=folder, frames=5, output=tmp_path / "b.mp4", **TINY)
    assert result.frames == 5


def test_plan_refuses_before_downloading(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A CPU host with 4 GiB of RAM is told Wan will not fit, without a download being tried."""
    monkeypatch.setattr("videogen.models.ram_bytes", lambda available=False: 4 * 2**30)
    engine = Engine(device="cpu")
    with pytest.raises(OutOfMemoryError, match="RAM") as info:
        engine.text_to_video("a ball", model="wan2.1-t2v-1.3b", output=tmp_path / "a.mp4")
    assert "4 GiB" in str(info.value)


def test_metadata_names_the_commit(hub_env, tmp_path: Path) -> None:
    engine = Engine(device="cpu")
    result = engine.text_to_video("a red ball", model="tiny/wan", frames=5, output=tmp_path / "c.mp4", **TINY)
    meta = read_metadata(result.path)
    assert len(meta["revision"]) == 40 and meta["revision"] == hub_env._repos["tiny/wan"].sha
