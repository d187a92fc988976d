"""The sequence lengths and the width a generator's transformer works at.

Both the memory plan (:mod:`videogen.sizing.memory`: activation bytes) and the time estimate
(:mod:`videogen.sizing.estimate`: FLOPs) are counted from them: the text tokens the pipeline pads a
prompt to, the latent tokens of a clip, and the transformer's hidden size, feed-forward size and
depth from its published config (:func:`videogen.sizing.components.published`).
"""

from __future__ import annotations

import math
from dataclasses import replace

from videogen.registry import ModelSpec
from videogen.sizing.components import published

TEXT_TOKENS = {"wan": 512, "anyflow": 512, "ltx": 128, "ltx2": 1024}  # the pipelines' max_sequence_length
T5_XXL = {"vocab": 32128, "hidden": 4096, "ffn": 10240, "layers": 24}  # the text encoder when none is published


def text_encoder_shape(spec: ModelSpec) -> dict[str, int]:
    """The text encoder's ``vocab``, ``hidden``, ``ffn`` and ``layers`` from its published config (T5's
    ``d_model``/``d_ff``/``num_layers``; Gemma 3's ``text_config``: ``hidden_size``/``intermediate_size``/
    ``num_hidden_layers``), or a registry model's of its family, else T5-XXL's."""
    from videogen.registry import MODELS

    for repo_id in [spec.repo_id, *(m.repo_id for m in MODELS if m.family == spec.family and not m.local)]:
        try:
            config = published(repo_id)["components"]["text_encoder"]["config"]
        except (FileNotFoundError, KeyError):
            continue
        config = config.get("text_config", config)
        return {"vocab": config["vocab_size"], "hidden": config.get("d_model") or config["hidden_size"],
                "ffn": config.get("d_ff") or config["intermediate_size"],
                "layers": config.get("num_layers") or config["num_hidden_layers"]}
    return dict(T5_XXL)


def transformer_width(spec: ModelSpec, transformer_params: int) -> tuple[int, int, int]:
    """(hidden size, feed-forward size, layers) from the published config, else scaled from the family's."""
    try:
        config = published(spec.repo_id)["components"]["transformer"]["config"]
    except (FileNotFoundError, KeyError):
        template = {"wan": ("Wan-AI/Wan2.1-T2V-1.3B-Diffusers", 1_418_996_800), "ltx": ("Lightricks/LTX-Video", 1_923_385_472),
                    "ltx2": ("rootonchair/LTX-2-19b-distilled", 18_876_174_592)}
        repo, params = template.get(spec.family, template["wan"])
        hidden, ffn, layers = transformer_width(replace(spec, repo_id=repo), params)
        scale = math.sqrt(max(transformer_params, 1) / params)  # width grows as sqrt(params) at fixed depth
        return int(hidden * scale), int(ffn * scale), layers
    hidden = config["num_attention_heads"] * config["attention_head_dim"]
    ffn = config.get("ffn_dim") or 4 * hidden
    return hidden, ffn, config["num_layers"]


def latent_tokens(spec: ModelSpec, frames: int, height: int, width: int) -> int:
    """Transformer sequence length: latent frames x (height / size step) x (width / size step).

    The size step is the VAE's spatial compression times the patch size (Wan 2.1: 8 x 2, Wan 2.2
    TI2V: 16 x 2, LTX: 32 x 1); latent frames are (frames - 1) / frame_step + 1.
    """
    step = spec.size_step
    latent_frames = (frames - 1) // spec.family_info.frame_step + 1
    return latent_frames * (height // step) * (width // step)
