"""Which files a download fetches: only what the pipeline loads, one precision, safetensors only."""

from __future__ import annotations

import pytest

from videogen.errors import UnsupportedModelError
from videogen.hub.files import select_files, variant_of

LTX_INDEX = {
    "_class_name": "LTXPipeline",
    "scheduler": ["diffusers", "FlowMatchEulerDiscreteScheduler"],
    "text_encoder": ["transformers", "T5EncoderModel"],
    "tokenizer": ["transformers", "T5TokenizerFast"],
    "transformer": ["diffusers", "LTXVideoTransformer3DModel"],
    "vae": ["diffusers", "AutoencoderKLLTXVideo"],
}
LTX_FILES = [
    ".gitattributes", "README.md", "model_index.json", "ltx-video-2b-v0.9.safetensors", "ltx-video-2b-v0.9.1.safetensors",
    "media/trailer.gif", "scheduler/scheduler_config.json",
    "text_encoder/config.json", "text_encoder/model-00001-of-00002.safetensors", "text_encoder/model-00002-of-00002.safetensors",
    "text_encoder/model.safetensors.index.json",
    "tokenizer/special_tokens_map.json", "tokenizer/spiece.model", "tokenizer/tokenizer_config.json",
    "transformer/config.json", "transformer/diffusion_pytorch_model.safetensors",
    "transformer/diffusion_pytorch_model.fp16.safetensors", "transformer/diffusion_pytorch_model.bin",
    "vae/config.json", "vae/diffusion_pytorch_model.safetensors",
]


def test_diffusers_repo_fetches_only_the_pipeline_components() -> None:
    chosen = select_files(LTX_FILES, "model_index.json", LTX_INDEX)
    assert "ltx-video-2b-v0.9.safetensors" not in chosen  # single-file checkpoints at the root
    assert "transformer/diffusion_pytorch_model.fp16.safetensors" not in chosen  # duplicate precision
    assert "transformer/diffusion_pytorch_model.bin" not in chosen  # pickle beside safetensors
    assert "media/trailer.gif" not in chosen and "README.md" not in chosen
    assert set(chosen) == {
        "model_index.json", "scheduler/scheduler_config.json", "text_encoder/config.json",
        "text_encoder/model-00001-of-00002.safetensors", "text_encoder/model-00002-of-00002.safetensors",
        "text_encoder/model.safetensors.index.json", "tokenizer/special_tokens_map.json", "tokenizer/spiece.model",
        "tokenizer/tokenizer_config.json", "transformer/config.json", "transformer/diffusion_pytorch_model.safetensors",
        "vae/config.json", "vae/diffusion_pytorch_model.safetensors",
    }


def test_variant_only_folder_takes_one_precision() -> None:
    files = ["model_index.json", "vae/config.json", "vae/diffusion_pytorch_model.fp16.safetensors",
             "vae/diffusion_pytorch_model.bf16.safetensors"]
    chosen = select_files(files, "model_index.json", {"vae": ["diffusers", "AutoencoderKLWan"]})
    assert chosen == ["model_index.json", "vae/config.json", "vae/diffusion_pytorch_model.bf16.safetensors"]
    assert variant_of(chosen) == "bf16"


def test_transformers_repo_fetches_top_level_safetensors() -> None:
    files = ["config.json", "model.safetensors", "pytorch_model.bin", "tf_model.h5", "preprocessor_config.json",
             "vocab.json", "merges.txt", "onnx/model.onnx", "README.md", "single-file-checkpoint.safetensors"]
    chosen = select_files(files, "config.json", {"architectures": ["XCLIPModel"]})
    assert chosen == ["config.json", "merges.txt", "model.safetensors", "preprocessor_config.json", "vocab.json"]


def test_pickle_only_weights_are_refused() -> None:
    with pytest.raises(UnsupportedModelError, match="safetensors only"):
        select_files(["config.json", "pytorch_model.bin"], "config.json", {"architectures": ["VideoMAEForVideoClassification"]})
