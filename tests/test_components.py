"""Component sizes: the registry's counts against the published configs, and sizing unlisted models."""

from __future__ import annotations

from pathlib import Path

import pytest

from videogen.sizing.components import (
    build_component,
    build_pipeline,
    component_sizes,
    count_params,
    params_of_folder,
    params_of_hub_repo,
    published,
)
from videogen.registry import MODELS, find

GENERATORS = sorted({m.repo_id: m for m in MODELS if m.library == "diffusers"}.values(), key=lambda m: m.id)


@pytest.mark.parametrize("spec", GENERATORS, ids=lambda s: s.id)
def test_registry_counts_are_the_published_configs_counted_on_meta(spec) -> None:
    doc = published(spec.repo_id)
    counted = {name: count_params(build_component(entry)) for name, entry in doc["components"].items()}
    assert counted == dict(spec.components)
    # every component the pipeline's model_index names as a module is sized
    assert {"text_encoder", "transformer", "vae"} <= set(counted)


@pytest.mark.parametrize("spec", GENERATORS, ids=lambda s: s.id)
def test_full_size_pipeline_builds_from_the_published_configs(spec) -> None:
    """What benchmarks/gpu_smoke.py runs on a GPU: the pipeline class with full-size components."""
    pipe = build_pipeline(spec, "bfloat16", "meta")
    assert type(pipe).__name__ == spec.pipeline_class or spec.task == "i2v"
    sizes = {c.name: c for c in component_sizes(spec, "bfloat16")}
    for name, params in spec.components:
        module = getattr(pipe, name)
        assert count_params(module) == params and str(module.dtype).endswith(sizes[name].dtype), name


def test_wan_counts_match_the_published_weight_files() -> None:
    """The Hub's fp32 safetensors of Wan 2.1 1.3B are 4 bytes a parameter plus small headers."""
    spec = find("wan2.1-t2v-1.3b", "t2v")
    doc = published(spec.repo_id)
    assert doc["revision"] == spec.revision and len(spec.revision) == 40
    for name, params in spec.components:
        file_bytes = doc["weights_bytes"][name]
        assert 0 <= file_bytes - 4 * params < 0.001 * file_bytes, name


def test_published_facts_of_the_issue() -> None:
    """UMT5-XXL encoder 5.68 B parameters, ~10.6 GiB in bf16; the Wan pipeline ~13.5 GiB of weights."""
    wan = find("wan2.1-t2v-1.3b", "t2v")
    sizes = {c.name: c for c in component_sizes(wan, "bfloat16")}
    assert round(sizes["text_encoder"].params / 1e9, 2) == 5.68
    assert round(sizes["text_encoder"].bytes / 2**30, 1) == 10.6
    assert sizes["vae"].dtype == "float32" and sizes["transformer"].dtype == "bfloat16"  # WanPipeline docstring
    assert 13.3 < sum(c.bytes for c in sizes.values()) / 2**30 < 13.9
    ltx = {c.name: c for c in component_sizes(find("ltx-video", "t2v"), "bfloat16")}
    assert all(c.dtype == "bfloat16" for c in ltx.values())
    assert round(ltx["transformer"].params / 1e9, 1) == 1.9


def test_local_folder_is_sized_from_its_headers(tiny_model_dirs: dict[str, Path]) -> None:
    import diffusers

    folder = tiny_model_dirs["wan"]
    counts = params_of_folder(folder)
    pipe = diffusers.WanPipeline.from_pretrained(str(folder))
    assert counts == {name: count_params(getattr(pipe, name)) for name in ("text_encoder", "transformer", "vae")}


def test_hub_repo_is_sized_without_downloading_weights(hub_env, tiny_model_dirs: dict[str, Path]) -> None:
    counts = params_of_hub_repo("tiny/wan", "main")
    assert counts == params_of_folder(tiny_model_dirs["wan"])
    weight_gets = [r for r in hub_env.requests if r.method == "GET" and r.path.endswith(".safetensors") and not r.range]
    assert weight_gets == []  # only Range requests for the headers
    assert not any(r.path.endswith(".fp16.safetensors") for r in hub_env.requests)  # one precision only


def test_ltx2_published_facts() -> None:
    """LTX-2 19B (issue 19): Gemma 3 12B (with its SigLIP tower) 12.19 B, the audio-video transformer 18.88 B, the
    video VAE 1.22 B; every component of LTX2Pipeline is counted, its sound's VAE and vocoder included, and the whole
    is 63 GiB in bfloat16."""
    spec = find("ltx-2-19b-distilled", "t2v")
    doc = published(spec.repo_id)
    assert set(doc["components"]) == {"text_encoder", "connectors", "transformer", "vae", "audio_vae", "vocoder"}
    assert doc["components"]["vocoder"]["config"]["output_sampling_rate"] == 24000
    sizes = {c.name: c for c in component_sizes(spec, "bfloat16")}
    assert [round(sizes[n].params / 1e9, 2) for n in ("text_encoder", "transformer", "vae")] == [12.19, 18.88, 1.22]
    assert all(c.dtype == "bfloat16" for c in sizes.values())
    assert round(sum(c.bytes for c in sizes.values()) / 2**30) == 63
    assert spec.download_gb == round(sum(c.params for c in sizes.values()) * 2 / 1e9, 1)
