"""Diffusers generators: loading follows the plan, each family's settings, the CPU text encoder path."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from videogen.models import diffusers_generator as generators
from videogen.api import Engine
from videogen.device import pick_device
from videogen.errors import OutOfMemoryError
from videogen.models.diffusers_generator import family_kwargs, wan_flow_shift
from videogen.models import ModelCache, resolve
from videogen.generate.common import GenerationRequest, resolve_params
from videogen.media import read_metadata

TINY = dict(height=32, width=32, steps=2, seed=7, fps=8)


def _loaded(folder: Path, frames: int = 5):
    cache = ModelCache(pick_device("cpu"))
    spec = resolve(str(folder), "t2v")
    params = resolve_params(spec, GenerationRequest("a red ball moving", frames=frames, **TINY))
    return cache, spec, params, cache.generator(spec, None, params)


def test_loading_follows_the_plan(tiny_model_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIDEOGEN_CPU_COMPUTE", "bfloat16")  # a CPU with fast bfloat16 (AMX); float32 compute: below
    _cache, _spec, _params, generator = _loaded(tiny_model_dirs["wan"])
    plan = generator.plan
    assert plan.strategy == "cpu" and plan.fits and plan.dtype == "bfloat16"
    assert {c.name: c.dtype for c in plan.components} == {"text_encoder": "bfloat16", "transformer": "bfloat16", "vae": "float32"}
    pipe = generator.pipe
    assert pipe.transformer.dtype == torch.bfloat16 and pipe.text_encoder.dtype == torch.bfloat16
    assert pipe.vae.dtype == torch.float32  # as the WanPipeline docstring loads it
    assert not plan.vae_tiling and not pipe.vae.use_tiling  # a small clip decodes whole on a CPU: tiles overlap
    assert not plan.free_text_encoder and pipe.text_encoder is not None  # RAM to spare: the encoder stays


def test_a_cpu_without_fast_bfloat16_computes_in_float32(tiny_model_dirs: dict[str, Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """AVX2 emulates bfloat16 matmuls ~70x slower than float32: the transformer and VAE load in float32,
    the text encoder stays in bfloat16 (half the RAM) and runs each block in float32; the clip is the
    bfloat16 one within rounding."""
    monkeypatch.setenv("VIDEOGEN_CPU_COMPUTE", "bfloat16")
    *_, params, fast = _loaded(tiny_model_dirs["wan"])
    in_bfloat16, _ = fast.generate(params, None, lambda *args, **kwargs: None)
    monkeypatch.setenv("VIDEOGEN_CPU_COMPUTE", "float32")
    *_, slow = _loaded(tiny_model_dirs["wan"])
    plan, pipe = slow.plan, slow.pipe
    assert plan.upcast_text_encoder and "float32" in plan.summary()
    assert {c.name: c.dtype for c in plan.components} == {"text_encoder": "bfloat16", "transformer": "float32", "vae": "float32"}
    assert pipe.transformer.dtype == torch.float32 and pipe.text_encoder.dtype == torch.bfloat16
    seen = []
    block = max((m for m in pipe.text_encoder.modules() if isinstance(m, torch.nn.ModuleList)), key=len)[0]
    first = next(m for m in block.modules() if isinstance(m, torch.nn.Linear))
    first.register_forward_hook(lambda module, args, out: seen.append((module.weight.dtype, out.dtype)))
    in_float32, _ = slow.generate(params, None, lambda *args, **kwargs: None)
    assert seen and set(seen) == {(torch.float32, torch.float32)}, "each encoder block computes in float32"
    assert pipe.text_encoder.dtype == torch.bfloat16, "and goes back to bfloat16 after"
    assert np.abs(in_bfloat16.astype(int) - in_float32.astype(int)).mean() < 12  # the same clip, less rounding


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
    anyflow = Engine(device="cpu").resolve("anyflow-wan2.1-t2v-1.3b", "t2v")
    assert family_kwargs(None, anyflow, resolve_params(anyflow, GenerationRequest("x"))) == {"max_sequence_length": 512}


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


def test_the_distilled_model_runs_from_the_hub_with_its_defaults(
    hub_env, tiny_model_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """The registry's AnyFlow entry, served under its real repo id with the configs as published (NVlabs'
    class names), downloads, loads and runs 4 steps at guidance 1: one transformer pass per step."""
    import shutil

    from diffusers import AnyFlowTransformer3DModel

    from tests.tiny_models import with_nvlabs_class_names

    spec = Engine(device="cpu").resolve("anyflow-wan2.1-t2v-1.3b", "t2v")
    hub_env.add_repo(spec.repo_id, with_nvlabs_class_names(shutil.copytree(tiny_model_dirs["anyflow"], tmp_path / "repo")))
    monkeypatch.setattr("videogen.models.ram_bytes", lambda available=False: 64 * 2**30)  # the plan is for full size
    batches = []
    forward = AnyFlowTransformer3DModel.forward
    monkeypatch.setattr(AnyFlowTransformer3DModel, "forward",
                        lambda self, hidden_states, *a, **k: batches.append(hidden_states.shape[0]) or forward(self, hidden_states, *a, **k))
    result = Engine(device="cpu").text_to_video("a red ball", model=spec.id, frames=9, height=32, width=32, seed=3,
                                                output=tmp_path / "clip.mp4")
    assert (result.steps, result.guidance) == (4, 1.0) and result.frames == 9
    assert batches == [1, 1, 1, 1]  # guidance 1: no unconditional pass
    assert read_metadata(result.path)["revision"] == hub_env._repos[spec.repo_id].sha


def test_a_freed_text_encoder_is_read_again_only_for_a_new_prompt(tiny_model_dirs: dict[str, Path]) -> None:
    """A CPU plan short of RAM frees the text encoder after encoding; the clips are the same."""
    cache, spec, params, generator = _loaded(tiny_model_dirs["anyflow"], frames=9)
    quiet = lambda *args, **kwargs: None  # noqa: E731
    other = replace(params, prompt="a blue bird flying")
    kept = [generator.generate(p, None, quiet)[0] for p in (params, other)]
    generator.plan = replace(generator.plan, free_text_encoder=True)
    reads = []
    reload = generator._reload_text_encoder
    generator._reload_text_encoder = lambda: reads.append(1) or reload()
    freed = [generator.generate(p, None, quiet)[0] for p in (params, params, other)]
    assert generator.pipe.text_encoder is None
    assert len(reads) == 1  # not for the first prompt (loaded), not for the same prompt again
    for clip, expected in zip(freed, (kept[0], kept[0], kept[1])):
        assert np.abs(clip.astype(int) - expected.astype(int)).max() <= 1


def test_anyflow_previews_read_its_latent_layout(tiny_model_dirs: dict[str, Path]) -> None:
    """AnyFlowPipeline denoises (batch, frames, channels, h, w) latents; the preview shows frames side by side."""
    _cache, _spec, params, generator = _loaded(tiny_model_dirs["anyflow"], frames=9)
    latents = torch.randn(1, 3, 16, 4, 4)  # 9 frames -> 3 latent frames of 32/8 = 4 latent pixels a side
    strip = generator.preview(latents, params)
    assert strip.shape == (32, 3 * 32, 3) and strip.dtype == np.uint8


def test_a_freed_text_encoder_stays_freed_for_the_other_task(tiny_model_dirs: dict[str, Path]) -> None:
    """LTX image to video shares the text-to-video components (``from_pipe``): it encodes as they did."""
    from PIL import Image

    _cache, _spec, params, generator = _loaded(tiny_model_dirs["ltx"], frames=9)
    generator.plan = replace(generator.plan, free_text_encoder=True)
    generator.generate(params, None, lambda *args, **kwargs: None)
    assert generator.pipe.text_encoder is None
    i2v = resolve(str(tiny_model_dirs["ltx"]), "i2v")
    other = generators.load_generator(i2v, tiny_model_dirs["ltx"], "cpu", replace(generator.plan, free_text_encoder=False),
                                      reuse=generator.pipe)
    assert other.plan.free_text_encoder and other.pipe.text_encoder is None
    assert other.pipe.transformer is generator.pipe.transformer and other.pipe.vae.dtype == torch.bfloat16  # shared as is
    clip, _ = other.generate(resolve_params(i2v, GenerationRequest("a red ball", frames=9, **TINY)),
                             Image.new("RGB", (32, 32), (200, 30, 30)), lambda *args, **kwargs: None)
    assert clip.shape == (9, 32, 32, 3)


def test_the_other_task_shares_the_components_in_their_dtypes(tiny_model_dirs: dict[str, Path]) -> None:
    """Wan 2.2 TI2V: image to video over the text-to-video components keeps the float32 VAE and the
    bfloat16 rest (``from_pipe`` would cast them all, the loaded pipeline's too, to float32)."""
    _cache, _spec, _params, generator = _loaded(tiny_model_dirs["wan22"])
    i2v = resolve(str(tiny_model_dirs["wan22"]), "i2v")
    other = generators.load_generator(i2v, tiny_model_dirs["wan22"], "cpu", generator.plan, reuse=generator.pipe)
    assert type(other.pipe).__name__ == "WanImageToVideoPipeline" and other.pipe.config.expand_timesteps
    for pipe in (generator.pipe, other.pipe):
        assert pipe.vae.dtype == torch.float32 and pipe.transformer.dtype == torch.bfloat16
