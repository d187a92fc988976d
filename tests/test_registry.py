"""The registry table and family recognition."""

from __future__ import annotations

import diffusers
import pytest
import transformers

from videogen.errors import UnsupportedModelError
from videogen.models import default_model
from videogen.registry import FAMILIES, MODELS, TASKS, family_from_config, find, spec_for_unlisted


def test_every_entry_is_complete_and_loadable_by_name() -> None:
    seen = set()
    for spec in MODELS:
        assert (spec.id, spec.task) not in seen, f"duplicate {spec.id}/{spec.task}"
        seen.add((spec.id, spec.task))
        assert spec.task in TASKS and spec.family in FAMILIES
        assert spec.license and spec.repo_id and spec.revision
        assert spec.defaults.frames >= 1
        library = diffusers if spec.library == "diffusers" else transformers
        if spec.library in ("diffusers", "transformers"):
            assert hasattr(library, spec.pipeline_class), spec.pipeline_class
        if spec.task in ("t2v", "i2v"):
            d = spec.defaults
            assert d.height % spec.size_step == 0 and d.width % spec.size_step == 0
            assert (d.frames - 1) % spec.family_info.frame_step == 0
            assert d.steps > 0 and d.fps > 0


def test_registry_has_the_required_families() -> None:
    assert find("wan2.1-t2v-1.3b", "t2v").pipeline_class == "WanPipeline"
    assert find("ltx-video", "t2v").pipeline_class == "LTXPipeline"
    assert find("ltx-video", "i2v").pipeline_class == "LTXImageToVideoPipeline"
    assert find("wan2.2-ti2v-5b", "i2v").pipeline_class == "WanImageToVideoPipeline"
    assert find("videomae-base-k400", "classify").non_commercial
    assert find("xclip-base-32", "classify").family_info.zero_shot


def test_family_from_config() -> None:
    assert family_from_config({"_class_name": "LTXPipeline"}, "x").name == "ltx"
    assert family_from_config({"architectures": ["VideoMAEForVideoClassification"]}, "x").name == "videomae"
    with pytest.raises(UnsupportedModelError, match="StableDiffusionPipeline.*Supported: .*WanPipeline"):
        family_from_config({"_class_name": "StableDiffusionPipeline"}, "org/sd")


def test_unlisted_model_takes_the_task_class_from_the_same_weights() -> None:
    spec = spec_for_unlisted("org/ltx", {"_class_name": "LTXPipeline"}, "i2v", local=False)
    assert spec.pipeline_class == "LTXImageToVideoPipeline" and spec.repo_id == "org/ltx"
    wan22 = spec_for_unlisted("org/ti2v", {"_class_name": "WanPipeline", "expand_timesteps": True}, "i2v", local=False)
    assert wan22.pipeline_class == "WanImageToVideoPipeline" and wan22.size_step == 32
    with pytest.raises(UnsupportedModelError, match="not text to video"):
        spec_for_unlisted("org/mae", {"architectures": ["VideoMAEForVideoClassification"]}, "t2v", local=False)


def test_a_distilled_model_makes_a_clip_in_a_few_steps() -> None:
    """Issue 11 item 3: AnyFlow (Wan 2.1 1.3B as a flow map) with its own defaults; guidance 1 turns CFG off."""
    spec = find("anyflow-wan2.1-t2v-1.3b", "t2v")
    assert spec.repo_id == "nvidia/AnyFlow-Wan2.1-T2V-1.3B-Diffusers" and spec.pipeline_class == "AnyFlowPipeline"
    assert 4 <= spec.defaults.steps <= 8 and spec.defaults.guidance == 1.0
    assert (spec.defaults.frames, spec.defaults.fps) == (81, 16)  # 5 s at 16 fps, as Wan 2.1
    assert spec.family_info.float32_components == ()  # AnyFlow's docs load the whole pipeline in bfloat16
    assert family_from_config({"_class_name": "WanAnyFlowPipeline"}, "x").name == "anyflow"  # as the Hub repos name it
    # the same text encoder and VAE as Wan 2.1 1.3B; a transformer of the same size plus AnyFlow's embedder
    wan = dict(find("wan2.1-t2v-1.3b", "t2v").components)
    anyflow = dict(spec.components)
    assert anyflow["text_encoder"] == wan["text_encoder"] and anyflow["vae"] == wan["vae"]
    assert 0 < anyflow["transformer"] - wan["transformer"] < 0.01 * wan["transformer"]
    assert default_model("t2v", cuda=True).id == "wan2.1-t2v-1.3b"  # the GPU default is unchanged
