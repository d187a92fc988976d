"""Sound made for a clip, from the Hub (issue 19, item 2): Stable Audio Open 1.0 as diffusers'
``StableAudioPipeline``, a tiny one of the real classes served by the stand-in Hub, the gated repo's
refusal, and the full-size model's parameters and memory plan from its published configs."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.hubserver import StandInHub
from tests.tiny_models import TINY_AUDIO_RATE
from videogen.device import pick_device
from videogen.errors import GatedModelError, GenerationCancelled, InvalidInputError, ModelNotFoundError, UnsupportedModelError
from videogen.hub import Progress
from videogen.models.sound_models import SoundModel, SoundModelCache, load_sound_model, sound_model_spec
from videogen.registry import (
    EDIT_MODELS,
    FAMILIES,
    MODELS,
    RESTYLE_MODELS,
    SOUND_MODELS,
    SOUND_TASKS,
    TASKS,
    Family,
    family_from_config,
    find_sound_model,
    models_for,
)
from videogen.sizing.memory import GIB, MemoryRequest

PROMPT = "rain on the sea at night"
GATED = "tiny/stable-audio-gated"


def served(repo_id: str = "tiny/stable-audio"):
    """The registry entry, from the stand-in Hub's tiny copy (sized from its folder: no published configs)."""
    return replace(find_sound_model("stable-audio-open-1.0"), repo_id=repo_id, revision="main", components=())


@pytest.fixture(scope="module")
def gated_hub(hub: StandInHub, tiny_model_dirs: dict[str, Path]) -> StandInHub:
    hub.add_repo(GATED, tiny_model_dirs["stable-audio"], gated=True)
    return hub


@pytest.fixture(scope="module")
def model(tiny_model_dirs: dict[str, Path]) -> Iterator[SoundModel]:
    """The tiny Stable Audio loaded once from its folder, on the CPU."""
    folder = tiny_model_dirs["stable-audio"]
    spec = replace(served(), id="tiny-stable-audio", repo_id=str(folder), local=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VIDEOGEN_CPU_COMPUTE", "float32")
        loaded = load_sound_model(spec, pick_device("cpu"))
    yield loaded
    loaded.close()


# ---- the registry and the published configs ---------------------------------------------------


def test_stable_audio_is_listed_apart_from_the_generators() -> None:
    import diffusers

    spec = find_sound_model("stable-audio-open-1.0")
    assert (spec.repo_id, spec.task, spec.pipeline_class) == ("stabilityai/stable-audio-open-1.0", "t2a", "StableAudioPipeline")
    assert hasattr(diffusers, spec.pipeline_class) and "stability-ai-community" in spec.license and "gated" in spec.license
    assert not spec.non_commercial  # the Community License allows commercial use below its revenue threshold
    assert (spec.defaults.steps, spec.defaults.guidance, spec.defaults.duration_s) == (100, 7.0, 47.55)  # the pipeline's
    assert TASKS == ("t2v", "i2v", "classify") and set(SOUND_TASKS) == {"t2a", "t2av", "tts"}
    assert not {m.id for m in MODELS + EDIT_MODELS + RESTYLE_MODELS} & {m.id for m in SOUND_MODELS}
    assert models_for("t2v") == [m for m in MODELS if m.task == "t2v"]  # the dropdowns are unchanged
    assert find_sound_model("wan2.1-t2v-1.3b") is None and sound_model_spec(None) == spec == sound_model_spec(spec.id)
    with pytest.raises(ModelNotFoundError, match="Unknown sound model 'mmaudio'.*stable-audio-open-1.0"):
        sound_model_spec("mmaudio")
    assert family_from_config({"_class_name": "StableAudioPipeline"}, "x") is FAMILIES["stable-audio"]
    assert isinstance(FAMILIES["stable-audio"], Family) and Family.__module__ == "videogen.families"  # re-exported


def test_the_full_size_counts_are_the_published_configs_on_meta() -> None:
    """Counted on the meta device: T5-base 109.6 M, the DiT 1,057 M, the VAE 156 M (the paper's figures);
    the DiT and the VAE together are the 1.21 B published, 1.32 B with the frozen text encoder."""
    from videogen.sizing.components import build_component, component_sizes, count_params, published
    from videogen.sizing.sound import longest_s

    spec = find_sound_model("stable-audio-open-1.0")
    doc = published(spec.repo_id)
    counted = {name: count_params(build_component(entry)) for name, entry in doc["components"].items()}
    assert counted == dict(spec.components)
    assert [round(counted[n] / 1e6) for n in ("text_encoder", "transformer", "vae")] == [110, 1057, 156]
    assert round((counted["transformer"] + counted["vae"]) / 1e9, 2) == 1.21
    assert round(sum(counted.values()) / 1e9, 2) == 1.32
    assert spec.download_gb == round(sum(counted.values()) * 4 / 1e9, 2) == 5.29  # float32 safetensors
    assert doc["pipeline"]["class"] == spec.pipeline_class
    assert doc["pipeline"]["scheduler"]["class"] == "CosineDPMSolverMultistepScheduler"
    assert round(longest_s(spec), 2) == 47.55 and doc["components"]["vae"]["config"]["sampling_rate"] == 44100
    sizes = {c.name: c for c in component_sizes(spec, "float16")}
    assert round(sum(c.bytes for c in sizes.values()) / GIB, 2) == 2.46


def test_the_memory_plan_of_the_full_size_model() -> None:
    from videogen.sizing.sound import sound_memory_plan

    spec = find_sound_model("stable-audio-open-1.0")
    for gpu_gib, strategy in ((80, "resident"), (12, "resident"), (8, "model_offload")):
        plan = sound_memory_plan(spec, MemoryRequest("cuda", gpu_gib * GIB, 32 * GIB, 0, 0, 0, dtype="float16"))
        assert plan.fits and plan.strategy == strategy, plan.reason
        assert f"of {gpu_gib} GiB GPU" in plan.reason and {c.name for c in plan.components} == set(dict(spec.components))
    small = sound_memory_plan(spec, MemoryRequest("cuda", 4 * GIB, 32 * GIB, 0, 0, 0, dtype="float16"))
    assert not small.fits and "GiB of GPU memory" in small.reason and "--device cpu" in small.suggestions[0]
    cpu = sound_memory_plan(spec, MemoryRequest("cpu", 0, 16 * GIB, 0, 0, 0, cpu_compute="float32"))
    assert cpu.fits and cpu.strategy == "cpu" and cpu.dtype == "float32" and 10 * GIB < cpu.peak_ram_bytes < 13 * GIB
    assert not sound_memory_plan(spec, MemoryRequest("cpu", 0, 4 * GIB, 0, 0, 0)).fits


def test_torchsde_is_a_declared_dependency() -> None:
    root = Path(__file__).resolve().parents[1]
    dependencies = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.startswith("torchsde") for d in dependencies)
    from diffusers.utils import is_torchsde_available

    assert is_torchsde_available()  # diffusers' CosineDPMSolverMultistepScheduler imports it


# ---- through the stand-in Hub ---------------------------------------------------------------


def test_downloads_with_byte_progress_loads_and_makes_the_asked_duration(hub_env: StandInHub) -> None:
    reports: list[Progress] = []
    sound = load_sound_model(served(), pick_device("cpu"), reports.append)
    downloads = [r for r in reports if r.stage == "download"]
    assert downloads[0].unit == "B" and downloads[-1].done == downloads[-1].total > 0
    assert [r.done for r in reports if r.stage == "load"] == [0, 1]
    fetched = {r.path.split("/resolve/", 1)[1].split("/", 1)[1] for r in hub_env.requests if "/resolve/" in r.path}
    assert "README.md" not in fetched and "single-file-checkpoint.safetensors" not in fetched  # the pipeline's only
    assert {"transformer/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors"} <= fetched
    assert type(sound.pipe).__name__ == "StableAudioPipeline" and sound.plan.strategy == "cpu"
    assert (sound.name, sound.rate, sound.channels, sound.longest_s) == ("stable-audio-open-1.0", TINY_AUDIO_RATE, 2, 2.0)
    for seconds in (1.25, 0.3, 2.0):
        audio = sound.make(PROMPT, seconds, seed=1, steps=2)
        assert audio.rate == TINY_AUDIO_RATE and audio.samples.shape == (2, round(seconds * TINY_AUDIO_RATE))
        assert audio.samples.dtype == np.float32 and np.abs(audio.samples).max() <= 1.0
        assert audio.samples.std() > 1e-4, "not silence"
    cache = SoundModelCache(pick_device("cpu"))
    first = cache.get(served())
    assert cache.get(served()) is first and cache.loaded == served()  # kept: found again, not read again
    cache.unload()
    assert first.pipe is None and cache.loaded is None


def test_a_gated_repo_says_which_terms_to_accept_and_to_set_hf_token(gated_hub: StandInHub, monkeypatch) -> None:
    from huggingface_hub.utils import close_session

    close_session()
    monkeypatch.setenv("HF_ENDPOINT", gated_hub.url)
    with pytest.raises(GatedModelError) as refused:
        load_sound_model(served(GATED), pick_device("cpu"))
    message = str(refused.value)
    assert "is gated" in message and "Stability AI Community License" in message
    assert f"{gated_hub.url}/{GATED}" in message and "HF_TOKEN" in message and "hf auth login" in message
    assert isinstance(refused.value, PermissionError)


# ---- making sound ----------------------------------------------------------------------------


def test_the_seed_decides_the_sound(model: SoundModel) -> None:
    first = model.make(PROMPT, 1.0, seed=3, steps=2)
    assert np.array_equal(first.samples, model.make(PROMPT, 1.0, seed=3, steps=2).samples)
    assert not np.array_equal(first.samples, model.make(PROMPT, 1.0, seed=4, steps=2).samples)
    other = model.make("a dog in the snow", 1.0, seed=3, steps=2, negative_prompt="low quality", guidance=3.0)
    assert not np.array_equal(first.samples, other.samples)
    model.make(PROMPT, 0.5, steps=1)
    assert model.last_seed is not None  # drawn, and said, when none is given


def test_each_step_is_reported_and_raising_stops(model: SoundModel) -> None:
    calls: list[tuple[int, int]] = []
    model.make(PROMPT, 0.5, seed=1, steps=3, on_step=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]

    def cancel(done: int, total: int) -> None:
        calls.append((done, total))
        raise GenerationCancelled("Generation cancelled.")

    calls.clear()
    with pytest.raises(GenerationCancelled):
        model.make(PROMPT, 0.5, seed=1, steps=5, on_step=cancel)
    assert calls == [(1, 5)], "stopped at the first step"


def test_bad_settings_are_refused_by_name(model: SoundModel) -> None:
    for bad in (0, -1.0, 2.5, float("nan"), "long", None, True):
        with pytest.raises(InvalidInputError, match=r"duration_s must be more than 0 and at most 2.00 s"):
            model.make(PROMPT, bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="prompt"):
        model.make("  ", 1.0)
    with pytest.raises(InvalidInputError, match="steps"):
        model.make(PROMPT, 1.0, steps=0)
    with pytest.raises(InvalidInputError, match="seed"):
        model.make(PROMPT, 1.0, seed=-1)
    with pytest.raises(InvalidInputError, match="guidance"):
        model.make(PROMPT, 1.0, guidance="strong")  # type: ignore[arg-type]


def test_what_is_not_a_sound_model_is_refused(monkeypatch: pytest.MonkeyPatch, tiny_model_dirs: dict[str, Path]) -> None:
    import diffusers.utils

    with pytest.raises(UnsupportedModelError, match="does not make sound from a prompt: use one of stable-audio-open-1.0"):
        load_sound_model(MODELS[0], pick_device("cpu"))
    monkeypatch.setattr(diffusers.utils, "is_torchsde_available", lambda: False)
    local = replace(served(), repo_id=str(tiny_model_dirs["stable-audio"]), local=True)
    with pytest.raises(UnsupportedModelError, match="needs the torchsde package: pip install torchsde"):
        load_sound_model(local, pick_device("cpu"))
