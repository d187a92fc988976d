"""A clip and its sound made together (issue 19, part 2): LTX-2 through diffusers' ``LTX2Pipeline``.

A tiny LTX-2 of the real classes (tests/tiny_models.py: Gemma 3, the text connectors, the audio-video transformer,
both VAEs, the vocoder) comes from the stand-in Hub and generates through the public path; the MP4's AAC track is
the sound the pipeline made, as long as the picture. The full-size model is sized from its published configs.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.hubserver import StandInHub
from tests.tiny_models import TINY_LTX2_AUDIO_RATE
from videogen.api import Engine
from videogen.errors import GenerationCancelled, InvalidInputError
from videogen.generate.common import resolve_params
from videogen.media import probe, read_audio, read_frames
from videogen.media.encode import read_metadata
from videogen.registry import FAMILIES, find, models_for
from videogen.sizing.memory import GIB, MemoryRequest

REPO = "tiny/ltx2"
TINY = {"frames": 25, "height": 64, "width": 64, "fps": 24}  # one second on LTX-2's grid (8k+1 frames, sides of 32)
PROMPT = "a dog runs on the beach, waves"


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


@pytest.fixture
def engine(hub_env: StandInHub):
    """An engine on the CPU that downloads from the stand-in Hub."""
    engine = Engine(device="cpu")
    yield engine
    engine.models.unload_generator()


def clip(engine: Engine, tmp_path: Path, seed: int, **settings):
    return engine.text_to_video(PROMPT, model=REPO, seed=seed, steps=8, output=tmp_path / f"{seed}.mp4",
                                **{**TINY, **settings})


# ---- the registry and the published configs --------------------------------------------------


def test_ltx2_is_a_listed_generator_with_the_distilled_recipe() -> None:
    import diffusers
    from diffusers.pipelines.ltx2.utils import DISTILLED_SIGMA_VALUES

    t2v, i2v = find("ltx-2-19b-distilled", "t2v"), find("ltx-2-19b-distilled", "i2v")
    assert (t2v.pipeline_class, i2v.pipeline_class) == ("LTX2Pipeline", "LTX2ImageToVideoPipeline")
    assert all(hasattr(diffusers, s.pipeline_class) for s in (t2v, i2v)) and FAMILIES["ltx2"].joint_audio
    assert t2v in models_for("t2v") and i2v in models_for("i2v")
    d = t2v.defaults
    assert (d.steps, d.guidance, d.frames, d.width, d.height, d.fps) == (len(DISTILLED_SIGMA_VALUES), 1.0, 121, 768, 512, 24)
    assert "ltx-2-community-license" in t2v.license and not t2v.non_commercial  # free below a revenue threshold


def test_the_memory_plan_of_the_full_size_model() -> None:
    """63 GiB of bfloat16 weights: all on an 80 GB GPU (VAE tiled), the transformer streamed on a 24 GB one with
    the RAM to hold it, and refused for the RAM where there is not."""
    from videogen.sizing.components import component_sizes
    from videogen.sizing.plan import plan_memory

    spec = find("ltx-2-19b-distilled", "t2v")
    weights = sum(c.bytes for c in component_sizes(spec, "bfloat16"))
    assert 62 * GIB < weights < 64 * GIB
    d = spec.defaults
    big = plan_memory(spec, MemoryRequest("cuda", 80 * GIB, 128 * GIB, d.frames, d.height, d.width))
    assert big.fits and big.strategy in ("resident", "model_offload") and big.peak_gpu_bytes < 0.92 * 80 * GIB
    assert {c.name for c in big.components} == {"text_encoder", "connectors", "transformer", "vae", "audio_vae", "vocoder"}
    small = plan_memory(spec, MemoryRequest("cuda", 24 * GIB, 128 * GIB, d.frames, d.height, d.width))
    assert small.fits and small.strategy == "group_offload" and small.placement("transformer") == "stream"
    assert small.placement("text_encoder") == "cpu" and small.peak_gpu_bytes < 0.92 * 24 * GIB
    short = plan_memory(spec, MemoryRequest("cuda", 24 * GIB, 32 * GIB, d.frames, d.height, d.width))
    assert not short.fits and "GiB of RAM" in short.reason and short.suggestions
    cpu = plan_memory(spec, MemoryRequest("cpu", 0, 64 * GIB, 25, 256, 384))
    assert not cpu.fits and "63.0 GiB of weights" in cpu.reason


# ---- a clip with its sound, through the stand-in Hub --------------------------------------------


def test_the_clip_has_the_sound_the_pipeline_made_as_long_as_the_picture(engine: Engine, tmp_path: Path) -> None:
    """The AAC track is the sound of the pipeline (made again, it matches), as long as the picture; another seed
    makes another sound."""
    reports: list = []
    first = clip(engine, tmp_path, 1, progress=reports.append)
    info = probe(first.path)
    frames = read_frames(first.path, TINY["frames"])
    assert (first.frames, first.width, first.height, info.fps) == (25, 64, 64, 24)
    assert len(frames.frames) == 25
    sound = read_audio(first.path)
    assert sound is not None and sound.rate == TINY_LTX2_AUDIO_RATE and sound.channels == 2
    assert abs(sound.duration_s - 25 / 24) < 1 / 24, "the AAC track ends with the picture, within a frame"
    assert sound.samples.std() > 0.01, "not silence"
    assert first.audio == {"codec": "aac", "sample_rate": TINY_LTX2_AUDIO_RATE, "channels": 2,
                           "duration_s": round(25 / 24, 3), "source": f"{REPO} (made with the picture)"}
    assert read_metadata(first.path)["audio"] == first.audio["source"]
    # the track is the pipeline's own sound: made again with the same seed, it matches what was decoded
    generator = engine.models._generator
    params = resolve_params(generator.spec, PROMPT, seed=1, steps=8, **TINY)
    _frames, _understood, made = generator.generate_av(params, None, lambda *args, **kwargs: None)
    assert made.rate == sound.rate and made.samples.shape[1] == round(25 / 24 * made.rate)
    n = min(made.samples.shape[1], sound.samples.shape[1])
    assert correlation(made.samples[:, :n], sound.samples[:, :n]) > 0.9
    # progress as for the other generators: each of the 8 steps, then decoding, then encoding
    steps = [r.done for r in reports if r.stage == "denoise"]
    assert steps == list(range(1, 9)) and any(r.stage == "decode" for r in reports)
    assert any(r.stage == "encode" for r in reports)
    # the seed decides the sound
    other = read_audio(clip(engine, tmp_path, 2).path)
    n = min(other.samples.shape[1], sound.samples.shape[1])
    assert np.abs(other.samples[:, :n] - sound.samples[:, :n]).mean() > 0.01
    # narration goes over the model's own sound, which stays before the voice starts (0.3 s in)
    narrated = engine.text_to_video(PROMPT, model=REPO, seed=1, steps=8, output=tmp_path / "n.mp4", narration="Hi.",
                                    **TINY)
    assert narrated.audio["source"] == f"{REPO} (made with the picture) + narration (espeak)"
    mixed, head = read_audio(narrated.path), round(0.12 * sound.rate)
    assert correlation(mixed.samples[:, :head], sound.samples[:, :head]) > 0.9
    assert np.abs(mixed.samples[:, round(0.4 * sound.rate):] - sound.samples[:, round(0.4 * sound.rate):n]).mean() > 1e-3


def test_cancel_stops_at_the_next_step_and_keeps_no_file(engine: Engine, tmp_path: Path) -> None:
    cancel, seen = threading.Event(), []

    def progress(report) -> None:
        if report.stage == "denoise":
            seen.append(report.done)
            cancel.set()

    with pytest.raises(GenerationCancelled):
        engine.text_to_video(PROMPT, model=REPO, seed=5, output=tmp_path / "c.mp4", progress=progress, cancel=cancel,
                             **TINY)
    assert seen == [1] and not (tmp_path / "c.mp4").exists()


def test_distilled_sigmas_and_one_guidance_for_picture_and_sound(engine: Engine) -> None:
    from diffusers.pipelines.ltx2.utils import DISTILLED_SIGMA_VALUES

    from videogen.models.diffusers_generator import family_kwargs

    engine.models.generator(engine.resolve(REPO, "t2v"))
    generator = engine.models._generator
    params = resolve_params(generator.spec, PROMPT, steps=8, **TINY)
    kwargs = family_kwargs(generator.pipe, generator.spec, params)
    assert kwargs["sigmas"] == list(DISTILLED_SIGMA_VALUES) and kwargs["frame_rate"] == 24.0
    assert (kwargs["audio_guidance_scale"], kwargs["stg_scale"], kwargs["modality_scale"]) == (1.0, 0.0, 1.0)
    assert kwargs["use_cross_timestep"] is False  # LTX-2.0's transformer (no prompt modulation)
    other = family_kwargs(generator.pipe, generator.spec, replace(params, steps=4, guidance=3.0))
    assert "sigmas" not in other and other["audio_guidance_scale"] == 3.0


def test_image_to_video_and_the_cli_carry_the_sound(engine: Engine, hub_env: StandInHub, tmp_path: Path, capsys) -> None:
    image = np.full((64, 64, 3), 200, np.uint8)
    clip = engine.image_to_video(image, PROMPT, model=REPO, seed=3, steps=2, output=tmp_path / "i.mp4", **TINY)
    assert clip.audio["source"] == f"{REPO} (made with the picture)"
    assert abs(read_audio(clip.path).duration_s - 25 / 24) < 1 / 24
    from videogen.cli import main

    code = main(["t2v", PROMPT, "--model", REPO, "--frames", "9", "--height", "64", "--width", "96", "--steps", "2",
                 "--seed", "4", "-o", str(tmp_path / "c.mp4"), "--json"])
    printed = capsys.readouterr()
    assert code == 0, printed.err[-2000:]
    [answer] = json.loads(printed.out)
    assert answer["audio"]["channels"] == 2 and answer["audio"]["source"].startswith(REPO)
    assert abs(read_audio(answer["path"]).duration_s - 9 / 24) < 1 / 24
    with pytest.raises(InvalidInputError, match="height must be a multiple of 32 between 64 and 4096"):
        engine.text_to_video(PROMPT, model=REPO, height=32, width=64, frames=9)  # LTX-2's VAE cannot decode 1 latent
