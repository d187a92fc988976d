"""Builders of tiny, randomly initialised models for offline tests.

Every builder uses the libraries' own classes (diffusers pipelines, transformers models,
tokenizers and processors), seeds the random number generator so that builds are
deterministic, and saves the result with ``save_pretrained(..., safe_serialization=True)``:
a folder holds only ``*.json``, ``*.safetensors`` and tokenizer files (``*.txt`` merges for
the CLIP tokenizer), never a pickled ``*.bin``.

The saved folders load with the production classes (``WanPipeline``,
``WanImageToVideoPipeline``, ``LTXPipeline``, ``LTXImageToVideoPipeline``, ``AnyFlowPipeline``,
``VideoMAEForVideoClassification`` with ``AutoImageProcessor``, ``XCLIPModel`` with
``XCLIPProcessor``) and run on CPU in well under a second at 32x32 pixels.

The folders can be served by :class:`tests.hubserver.StandInHub` to exercise download code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from transformers import T5Tokenizer

# Words of the tiny T5-style vocabulary: enough for typical video prompts; anything else
# (unknown words, Chinese text) becomes ``<unk>``.
_PROMPT_WORDS: tuple[str, ...] = (
    "a", "an", "the", "of", "in", "on", "at", "with", "and", "or", "to", "from", "by", "for",
    "is", "are", "was", "it", "its", "this", "that", "over", "under", "into", "through",
    "cat", "dog", "bird", "fish", "horse", "person", "man", "woman", "child", "people",
    "car", "boat", "train", "plane", "robot", "astronaut", "dragon", "tree", "flower",
    "river", "ocean", "sea", "beach", "mountain", "forest", "city", "street", "sky",
    "cloud", "clouds", "sun", "sunset", "sunrise", "moon", "night", "day", "rain", "snow",
    "water", "fire", "light", "wind", "field", "grass", "road", "space", "stars",
    "runs", "running", "walks", "walking", "flies", "flying", "swims", "swimming",
    "jumps", "jumping", "dances", "dancing", "plays", "playing", "sits", "sitting",
    "moves", "moving", "rides", "riding", "waves", "falling", "slowly", "quickly",
    "red", "blue", "green", "yellow", "white", "black", "golden", "bright", "dark",
    "big", "small", "little", "old", "young", "beautiful", "cinematic", "realistic",
    "video", "shot", "camera", "close", "up", "wide", "aerial", "view", "scene",
    "high", "quality", "detailed", "style", "4k", "hd", "blurry", "low", "worst",
)
_PUNCTUATION: tuple[str, ...] = (",", ".", "!", "?", ";", ":", "'", '"', "-", "(", ")")

# Readable label names for the tiny video classifier (Kinetics-400 style); labels past the
# end of this list are named "class <index>".
_KINETICS_LIKE_LABELS: tuple[str, ...] = (
    "abseiling", "air drumming", "answering questions", "applauding", "archery",
    "arm wrestling", "baking cookies", "balloon blowing", "bandaging", "bartending",
    "bee keeping", "bending back", "biking through snow", "blowing glass", "bowling",
    "brushing teeth", "building cabinet", "canoeing or kayaking", "catching fish",
    "cooking chicken", "dancing ballet", "dribbling basketball", "driving car",
    "eating ice cream", "feeding birds", "flying kite", "juggling balls", "playing guitar",
    "playing piano", "riding a bike", "running on treadmill", "skateboarding", "skiing",
    "surfing water", "swimming", "walking the dog", "washing dishes", "yoga",
)

#: Frames per clip expected by the tiny VideoMAE classifier.
VIDEOMAE_NUM_FRAMES = 4
#: Frames per clip expected by the tiny X-CLIP model (X-CLIP base/32 uses 8).
XCLIP_NUM_FRAMES = 8
#: Side of the square frames the tiny image models expect.
TINY_IMAGE_SIZE = 32


def _seed() -> None:
    """Fix the random number generator so that every build produces identical weights."""
    torch.manual_seed(0)


def build_tiny_tokenizer(folder: str | Path) -> T5Tokenizer:
    """Build a tiny T5-style (Unigram) tokenizer, save it to ``folder`` and return it.

    The tokenizer is a ``transformers.T5Tokenizer`` (the tokenizers-backed T5 tokenizer of
    transformers v5; ``T5TokenizerFast`` is an alias of it) built from an explicit vocabulary:
    ``<pad>`` = 0, ``</s>`` = 1, ``<unk>`` = 2, then common English words (lower case and
    capitalised) and punctuation, with no ``<extra_id_*>`` sentinels. Its pre-tokenizer
    splits on whitespace (metaspace ``▁``) and the Unigram model splits punctuation off words;
    ``</s>`` is appended to every sequence. Unknown words and Chinese text map to ``<unk>``.

    T5Tokenizer rebuilds its backend from the vocabulary when loaded, so a custom normaliser
    would not survive ``from_pretrained``; capitalised words are in the vocabulary instead.
    """
    from transformers import T5Tokenizer

    folder = Path(folder)
    vocab: list[tuple[str, float]] = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -4.0)]
    seen: set[str] = set()
    for word in _PROMPT_WORDS:
        for form in (word, word.capitalize()):
            if form not in seen:
                seen.add(form)
                vocab.append((f"▁{form}", -2.0))
    vocab.extend((mark, -3.0) for mark in _PUNCTUATION)
    tokenizer = T5Tokenizer(vocab=vocab, extra_ids=0, model_max_length=512)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(str(folder))
    return tokenizer


def _tiny_t5_config(vocab_size: int, *, umt5: bool):
    """Config of a 2-layer T5 (or UMT5) encoder with ``d_model`` 32."""
    from transformers import T5Config, UMT5Config

    config_class = UMT5Config if umt5 else T5Config
    return config_class(
        vocab_size=vocab_size,
        d_model=32,
        d_kv=8,
        d_ff=37,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
        relative_attention_max_distance=32,
        dropout_rate=0.0,
        feed_forward_proj="gated-gelu" if umt5 else "relu",
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )


def _tiny_wan_transformer(channels: int):
    """A 2-layer ``WanTransformer3DModel`` with ``channels`` latent channels and text_dim 32."""
    from diffusers import WanTransformer3DModel

    return WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=channels,
        out_channels=channels,
        text_dim=32,
        freq_dim=256,
        ffn_dim=32,
        num_layers=2,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
    )


def _wan_scheduler():
    """The flow-matching UniPC scheduler that the released Wan checkpoints ship."""
    from diffusers import UniPCMultistepScheduler

    return UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0)


def _save_pipeline(pipeline, folder: Path) -> Path:
    """Save a diffusers pipeline as safetensors into ``folder`` and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    pipeline.save_pretrained(str(folder), safe_serialization=True)
    return folder


def build_tiny_wan(folder: str | Path, *, vae_dim: int = 3) -> Path:
    """Build a tiny Wan2.1-style text-to-video ``WanPipeline`` into ``folder``.

    Components follow diffusers' own pipeline tests: a 3-channel-base ``AutoencoderKLWan``
    with 16 latent channels, a 2-layer ``WanTransformer3DModel``, a flow UniPC scheduler, a
    tiny ``UMT5EncoderModel`` (``d_model`` 32 = the transformer's ``text_dim``) and the tiny
    tokenizer of :func:`build_tiny_tokenizer`. The folder also loads as ``WanVideoToVideoPipeline``.

    ``vae_dim``: the VAE's base channels. With 3, its random decoder draws nearly the same frames
    whatever the latents; with 16 (250k parameters) what the latents hold shows in the pixels, as
    video-to-video's tests need (tests/test_video_to_video.py).
    """
    from diffusers import AutoencoderKLWan, WanPipeline
    from transformers import UMT5EncoderModel

    folder = Path(folder)
    tokenizer = build_tiny_tokenizer(folder / "tokenizer")
    _seed()
    vae = AutoencoderKLWan(
        base_dim=vae_dim,
        z_dim=16,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        temperal_downsample=[False, True, True],
    )
    _seed()
    transformer = _tiny_wan_transformer(16)
    _seed()
    text_encoder = UMT5EncoderModel(_tiny_t5_config(len(tokenizer), umt5=True))
    pipeline = WanPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        vae=vae,
        scheduler=_wan_scheduler(),
        transformer=transformer,
    )
    return _save_pipeline(pipeline, folder)


def build_tiny_wan22(folder: str | Path) -> Path:
    """Build a tiny Wan2.2 TI2V-5B-shaped ``WanPipeline`` (``expand_timesteps=True``).

    The VAE is the Wan2.2 residual VAE (48 latent channels, patch size 2, 16x spatial and
    4x temporal compression) and the transformer has 48 input/output channels. The same
    folder also loads as ``WanImageToVideoPipeline`` (no image encoder: TI2V conditions on
    the first latent frame) and runs image-to-video.
    """
    from diffusers import AutoencoderKLWan, WanPipeline
    from transformers import UMT5EncoderModel

    folder = Path(folder)
    tokenizer = build_tiny_tokenizer(folder / "tokenizer")
    _seed()
    vae = AutoencoderKLWan(
        base_dim=3,
        z_dim=48,
        in_channels=12,
        out_channels=12,
        is_residual=True,
        patch_size=2,
        latents_mean=[0.0] * 48,
        latents_std=[1.0] * 48,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        scale_factor_spatial=16,
        scale_factor_temporal=4,
        temperal_downsample=[False, True, True],
    )
    _seed()
    transformer = _tiny_wan_transformer(48)
    _seed()
    text_encoder = UMT5EncoderModel(_tiny_t5_config(len(tokenizer), umt5=True))
    pipeline = WanPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        vae=vae,
        scheduler=_wan_scheduler(),
        transformer=transformer,
        expand_timesteps=True,
    )
    return _save_pipeline(pipeline, folder)


def build_tiny_ltx(folder: str | Path) -> Path:
    """Build a tiny ``LTXPipeline`` into ``folder`` (also loads as ``LTXImageToVideoPipeline``).

    Components follow diffusers' LTX pipeline tests: a one-layer
    ``LTXVideoTransformer3DModel`` with 8 latent channels, an ``AutoencoderKLLTXVideo`` with
    8-channel blocks (4x spatial, 4x temporal compression), ``FlowMatchEulerDiscreteScheduler``
    and a tiny ``T5EncoderModel`` with ``d_model`` 32 (= ``caption_channels``).
    """
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5EncoderModel

    folder = Path(folder)
    tokenizer = build_tiny_tokenizer(folder / "tokenizer")
    _seed()
    transformer = LTXVideoTransformer3DModel(
        in_channels=8,
        out_channels=8,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=4,
        attention_head_dim=8,
        cross_attention_dim=32,
        num_layers=1,
        caption_channels=32,
    )
    _seed()
    vae = AutoencoderKLLTXVideo(
        in_channels=3,
        out_channels=3,
        latent_channels=8,
        block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False),
        decoder_inject_noise=(False, False, False, False, False),
        upsample_residual=(False, False, False, False),
        upsample_factor=(1, 1, 1, 1),
        timestep_conditioning=False,
        patch_size=1,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=False,
    )
    _seed()
    text_encoder = T5EncoderModel(_tiny_t5_config(len(tokenizer), umt5=False))
    pipeline = LTXPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        transformer=transformer,
    )
    return _save_pipeline(pipeline, folder)


def build_tiny_anyflow(folder: str | Path) -> Path:
    """Build a tiny ``AnyFlowPipeline`` (Wan 2.1 distilled into a flow map) into ``folder``.

    As diffusers' AnyFlow pipeline tests build it: the tiny Wan VAE of :func:`build_tiny_wan`, a
    2-layer ``AnyFlowTransformer3DModel`` (dual-timestep embedder, gate 0.25, ``deltatime_type``
    "r"), ``FlowMapEulerDiscreteScheduler`` with the released checkpoints' shift of 5, and the tiny
    UMT5 encoder and tokenizer.
    """
    from diffusers import AnyFlowPipeline, AnyFlowTransformer3DModel, AutoencoderKLWan, FlowMapEulerDiscreteScheduler
    from transformers import UMT5EncoderModel

    folder = Path(folder)
    tokenizer = build_tiny_tokenizer(folder / "tokenizer")
    _seed()
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True])
    _seed()
    transformer = AnyFlowTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16, out_channels=16,
        text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True, rope_max_seq_len=32,
        gate_value=0.25, deltatime_type="r",
    )
    _seed()
    text_encoder = UMT5EncoderModel(_tiny_t5_config(len(tokenizer), umt5=True))
    pipeline = AnyFlowPipeline(
        tokenizer=tokenizer, text_encoder=text_encoder, transformer=transformer, vae=vae,
        scheduler=FlowMapEulerDiscreteScheduler(num_train_timesteps=1000, shift=5.0),
    )
    return _save_pipeline(pipeline, folder)


def with_nvlabs_class_names(folder: str | Path) -> Path:
    """Rewrite an AnyFlow folder's configs to name NVlabs' classes, as the Hub repos were published
    (diffusers PR #13745): stock diffusers cannot import those, the weights are the same."""
    folder = Path(folder)
    names = {
        "model_index.json": ("WanAnyFlowPipeline", None),
        "transformer/config.json": ("FAR_Wan_Transformer3DModel", None),
        "scheduler/scheduler_config.json": ("FlowMapDiscreteScheduler", None),
    }
    for path, (class_name, _) in names.items():
        config = json.loads((folder / path).read_text())
        config["_class_name"] = class_name
        if path == "model_index.json":
            config["transformer"] = ["far.models.transformer_far_wan_model", "FAR_Wan_Transformer3DModel"]
            config["scheduler"] = ["far.schedulers.scheduling_flowmap_euler_discrete", "FlowMapDiscreteScheduler"]
        if path.startswith("transformer"):
            config.update(init_flowmap_model=True, init_far_model=False)  # NVlabs' flags, unknown to diffusers
        (folder / path).write_text(json.dumps(config, indent=2))
    return folder


def _label_names(num_labels: int) -> list[str]:
    """``num_labels`` distinct readable label names."""
    known = list(_KINETICS_LIKE_LABELS[:num_labels])
    return known + [f"class {index}" for index in range(len(known), num_labels)]


def _videomae_image_processor():
    """A ``VideoMAEImageProcessor`` configured like the released checkpoints, at 32 pixels."""
    from transformers import VideoMAEImageProcessor

    return VideoMAEImageProcessor(
        do_resize=True,
        size={"shortest_edge": TINY_IMAGE_SIZE},
        do_center_crop=True,
        crop_size={"height": TINY_IMAGE_SIZE, "width": TINY_IMAGE_SIZE},
        do_rescale=True,
        rescale_factor=1 / 255,
        do_normalize=True,
        image_mean=[0.485, 0.456, 0.406],
        image_std=[0.229, 0.224, 0.225],
    )


def build_tiny_videomae(folder: str | Path, num_labels: int = 400) -> Path:
    """Build a tiny ``VideoMAEForVideoClassification`` plus its image processor into ``folder``.

    The model takes clips of :data:`VIDEOMAE_NUM_FRAMES` frames of 32x32 pixels and has
    ``num_labels`` classes with readable names in ``config.id2label``.
    """
    from transformers import VideoMAEConfig, VideoMAEForVideoClassification

    folder = Path(folder)
    labels = _label_names(num_labels)
    config = VideoMAEConfig(
        image_size=TINY_IMAGE_SIZE,
        patch_size=8,
        num_channels=3,
        num_frames=VIDEOMAE_NUM_FRAMES,
        tubelet_size=2,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        use_mean_pooling=True,
        id2label=dict(enumerate(labels)),
        label2id={label: index for index, label in enumerate(labels)},
    )
    _seed()
    model = VideoMAEForVideoClassification(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(folder), safe_serialization=True)
    _videomae_image_processor().save_pretrained(str(folder))
    return folder


def _bytes_to_unicode() -> dict[int, str]:
    """The byte-to-printable-character table of GPT-2/CLIP byte-level BPE."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    codes = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return {byte: chr(code) for byte, code in zip(printable, codes)}


def _write_clip_vocab(folder: Path) -> tuple[Path, Path]:
    """Write a tiny CLIP ``vocab.json``/``merges.txt`` pair into ``folder``.

    Like the real CLIP vocabulary, it starts with the 256 byte-level characters and the same
    characters with the ``</w>`` end-of-word suffix, followed by a few merges and the two
    special tokens, so any text (Chinese included) tokenizes without unknown pieces.
    """
    characters = list(_bytes_to_unicode().values())
    tokens = characters + [f"{character}</w>" for character in characters]
    merges = [("t", "h"), ("th", "e</w>"), ("a", "t</w>"), ("c", "at</w>"), ("o", "g</w>"), ("d", "og</w>")]
    tokens += ["".join(pair) for pair in merges]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    vocab_file = folder / "vocab.json"
    merges_file = folder / "merges.txt"
    vocab_file.write_text(json.dumps({token: index for index, token in enumerate(tokens)}), encoding="utf-8")
    merges_file.write_text(
        "#version: 0.2\n" + "".join(f"{left} {right}\n" for left, right in merges), encoding="utf-8"
    )
    return vocab_file, merges_file


def build_tiny_xclip(folder: str | Path) -> Path:
    """Build a tiny ``XCLIPModel`` plus ``XCLIPProcessor`` into ``folder``.

    The processor combines a 32-pixel ``VideoMAEImageProcessor`` with a ``CLIPTokenizer``
    built from a locally written byte-level vocabulary. The model takes clips of
    :data:`XCLIP_NUM_FRAMES` frames; ``model(**processor(text=..., videos=...))`` gives
    ``logits_per_video`` of shape ``(videos, texts)``.
    """
    from transformers import CLIPTokenizer, XCLIPConfig, XCLIPModel, XCLIPProcessor

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vocab_file, merges_file = _write_clip_vocab(folder)
    tokenizer = CLIPTokenizer(vocab=str(vocab_file), merges=str(merges_file), model_max_length=77)
    config = XCLIPConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 37,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "max_position_embeddings": 77,
            "bos_token_id": tokenizer.bos_token_id,
            "eos_token_id": tokenizer.eos_token_id,
            "pad_token_id": tokenizer.pad_token_id,
        },
        vision_config={
            "image_size": TINY_IMAGE_SIZE,
            "patch_size": 8,
            "num_frames": XCLIP_NUM_FRAMES,
            "hidden_size": 32,
            "intermediate_size": 37,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "mit_hidden_size": 32,
            "mit_intermediate_size": 37,
            "mit_num_hidden_layers": 1,
            "mit_num_attention_heads": 2,
        },
        projection_dim=32,
        prompt_layers=1,
        prompt_num_attention_heads=2,
    )
    _seed()
    model = XCLIPModel(config)
    model.save_pretrained(str(folder), safe_serialization=True)
    processor = XCLIPProcessor(image_processor=_videomae_image_processor(), tokenizer=tokenizer)
    processor.save_pretrained(str(folder))
    return folder


#: The tiny RIFE's sizes: RIFE 4.13's layout (4 blocks at 1/8 … 1/1, a feature head) with few channels.
TINY_RIFE_CHANNELS = dict(block_channels=(16, 16, 12, 8), res_convs=2, head_channels=8, feature_channels=4)


def build_tiny_rife(folder: str | Path) -> Path:
    """A tiny RIFE 4.13 IFNet (videogen's own class, reduced channels) saved as the Hub copy's file is:
    ``rife-flownet-4.13.2.safetensors``, a bare state dict with the IFNet's key names. Returns the folder."""
    from safetensors.torch import save_file

    from videogen.models.rife import IFNet, RifeConfig

    _seed()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    net = IFNet(RifeConfig(**TINY_RIFE_CHANNELS))
    with torch.no_grad():  # betas as a trained net has them (not all ones), so that loading them is checked
        for name, param in net.named_parameters():
            if name.endswith("beta"):
                param.uniform_(0.1, 1.0)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(folder / "rife-flownet-4.13.2.safetensors"))
    return folder


def _basicsr_names(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """spandrel's ESRGAN key names (``model.0``, ``model.1.sub.0.RDB1.conv1.0`` …) as Real-ESRGAN's (basicsr's
    RRDBNet: ``conv_first``, ``body.0.rdb1.conv1`` …), as its published checkpoints name them."""
    import re

    blocks = max(int(m.group(1)) for k in state if (m := re.match(r"model\.1\.sub\.(\d+)\.RDB", k))) + 1
    fixed = {"model.0": "conv_first", f"model.1.sub.{blocks}": "conv_body", "model.3": "conv_up1", "model.6": "conv_up2",
             "model.8": "conv_hr", "model.10": "conv_last"}
    out = {}
    for key, value in state.items():
        stem, _, kind = key.rpartition(".")
        if m := re.fullmatch(r"model\.1\.sub\.(\d+)\.RDB(\d)\.conv(\d)\.0", stem):
            out[f"body.{m.group(1)}.rdb{m.group(2)}.conv{m.group(3)}.{kind}"] = value
        else:
            out[f"{fixed[stem]}.{kind}"] = value
    return out


def build_tiny_realesrgan(folder: str | Path) -> Path:
    """Tiny Real-ESRGAN x2 and x4 as ai-forever/Real-ESRGAN publishes them: ``RealESRGAN_x2.pth`` and
    ``RealESRGAN_x4.pth``, pickled state dicts of an RRDBNet (spandrel's class, 1 block of 8 features; the
    growth channels stay 32 as spandrel builds them) under basicsr's key names; x2 is the x4 network behind a
    pixel-unshuffle by 2 (12 input channels). Returns the folder."""
    from spandrel.architectures.ESRGAN import ESRGAN

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for scale, shuffle in ((2, 2), (4, None)):
        _seed()
        net = ESRGAN(in_nc=3 * (shuffle or 1) ** 2, out_nc=3, num_filters=8, num_blocks=1, scale=4, shuffle_factor=shuffle)
        torch.save(_basicsr_names(net.state_dict()), folder / f"RealESRGAN_x{scale}.pth")
    return folder


#: The tiny Stable Audio's rate and window: 1024 samples a second, 256 latents of 8 samples = 2 s at most.
TINY_AUDIO_RATE = 1024
TINY_AUDIO_LATENTS = 256


def build_tiny_stable_audio(folder: str | Path) -> Path:
    """Build a tiny Stable Audio Open-style ``StableAudioPipeline`` into ``folder``.

    The real classes at diffusers' pipeline-test sizes: a 2-layer ``T5EncoderModel`` (``d_model`` 32)
    with the tiny tokenizer (padded to 32 tokens), a ``StableAudioProjectionModel`` to 16 dimensions
    (seconds 0-512, as the real one), a 2-layer ``StableAudioDiTModel`` over 256 latents of 4
    channels and an ``AutoencoderOobleck`` (stereo, x8: strides 2 and 4) at :data:`TINY_AUDIO_RATE`
    Hz, with Stable Audio Open's ``CosineDPMSolverMultistepScheduler`` (needs torchsde). At most
    2 s of sound; a run of 2 steps takes a few hundredths of a second on a CPU.
    """
    from diffusers import (
        AutoencoderOobleck,
        CosineDPMSolverMultistepScheduler,
        StableAudioDiTModel,
        StableAudioPipeline,
        StableAudioProjectionModel,
    )
    from transformers import T5EncoderModel

    folder = Path(folder)
    tokenizer = build_tiny_tokenizer(folder / "tokenizer")
    tokenizer.model_max_length = 32  # the real one pads to 128
    tokenizer.save_pretrained(str(folder / "tokenizer"))
    _seed()
    text_encoder = T5EncoderModel(_tiny_t5_config(len(tokenizer), umt5=False))
    _seed()
    projection_model = StableAudioProjectionModel(text_encoder_dim=32, conditioning_dim=16, min_value=0, max_value=512)
    _seed()
    transformer = StableAudioDiTModel(
        sample_size=TINY_AUDIO_LATENTS, in_channels=4, num_layers=2, attention_head_dim=8, num_attention_heads=2,
        num_key_value_attention_heads=1, out_channels=4, cross_attention_dim=16, time_proj_dim=8,
        global_states_input_dim=32, cross_attention_input_dim=16,
    )
    _seed()
    vae = AutoencoderOobleck(
        encoder_hidden_size=6, downsampling_ratios=[2, 4], decoder_channels=6, decoder_input_channels=4,
        audio_channels=2, channel_multiples=[1, 2], sampling_rate=TINY_AUDIO_RATE,
    )
    scheduler = CosineDPMSolverMultistepScheduler(sigma_min=0.3, sigma_max=500, solver_order=2,
                                                  prediction_type="v_prediction", sigma_data=1.0,
                                                  sigma_schedule="exponential")
    pipeline = StableAudioPipeline(vae=vae, text_encoder=text_encoder, projection_model=projection_model,
                                   tokenizer=tokenizer, transformer=transformer, scheduler=scheduler)
    return _save_pipeline(pipeline, folder)


def build_all(root: str | Path) -> dict[str, Path]:
    """Build every tiny model into a sub-folder of ``root``; return ``{name: folder}``.

    Keys: ``"wan"``, ``"wan22"``, ``"ltx"``, ``"anyflow"``, ``"videomae"``, ``"xclip"``, ``"rife"``,
    ``"realesrgan"``, ``"stable-audio"``, ``"ltx2"``.
    """
    root = Path(root)
    builders = {
        "wan": build_tiny_wan,
        "wan22": build_tiny_wan22,
        "ltx": build_tiny_ltx,
        "anyflow": build_tiny_anyflow,
        "videomae": build_tiny_videomae,
        "xclip": build_tiny_xclip,
        "rife": build_tiny_rife,
        "realesrgan": build_tiny_realesrgan,
        "stable-audio": build_tiny_stable_audio,
        "ltx2": build_tiny_ltx2,
    }
    return {name: builder(root / name) for name, builder in builders.items()}


# The tiny Kokoro's phonemes: misaki's English set, its Chinese v1.1 (Zhuyin and the finals it writes as
# characters) and v1.0 (IPA with tone arrows) sets, and punctuation. Any other character is dropped by KModel.
TINY_KOKORO_SYMBOLS = (
    " !\"(),.:;?—…“”/12345"
    "AIOQSTWYabcdefhijklmnopqrstuvwxyzæçðøŋœɐɑɒɔɕəɚɛɜɟɡɣɤɥɨɪɯɰɹɾʁʂʃʈʊʋʌʎʒʔʤʦʧʨᵊᵻθχˈˌː↓↗↘→"
    "ㄅㄆㄇㄈㄉㄊㄋㄌㄍㄎㄏㄐㄑㄒㄓㄔㄕㄖㄗㄘㄙㄚㄛㄜㄝㄞㄟㄠㄡㄢㄣㄤㄥㄦㄧㄨㄩㄭ"
    "十月压言阳要阴应用又中穵外万王为文瓮我元云"
)


def build_tiny_kokoro(folder: str | Path, weights: str = "kokoro-v1_0.pth", voices: tuple[str, ...] = ("af_heart",)
                      ) -> Path:
    """Build a Kokoro-82M-style repo into ``folder``: ``config.json``, the ``KModel`` weights as ``weights``
    (the kokoro package's state dict: one entry per part) and a voice pack ``voices/NAME.pt`` per name.

    The real class with random weights. Kokoro fixes the decoder's widths (1024 and 512 channels) and
    the style's 2 x 128 values whatever the config says, so only PL-BERT (1 layer of 32), the prosody
    predictor's depth (1 layer) and the vocoder's resblocks (one kernel) shrink: 58 M parameters, stored
    in float16 (about 115 MB; KModel copies them into its float32 parameters). ``max_dur`` 3 keeps each
    phoneme 1 or 2 frames (25 ms each at 24 kHz), so that a line of text is a second or two of sound.
    A voice pack is Kokoro's shape: 510 rows (one per phoneme count) x 1 x 256.
    """
    from kokoro import KModel

    folder = Path(folder)
    (folder / "voices").mkdir(parents=True, exist_ok=True)
    vocab = {symbol: i + 1 for i, symbol in enumerate(dict.fromkeys(TINY_KOKORO_SYMBOLS))}  # 0: <bos>/<eos>/pad
    config = {
        "vocab": vocab, "n_token": len(vocab) + 1, "hidden_dim": 512, "style_dim": 128, "n_layer": 1, "max_dur": 3,
        "dropout": 0.0, "text_encoder_kernel_size": 5, "n_mels": 80,
        "plbert": {"hidden_size": 32, "num_attention_heads": 2, "intermediate_size": 64, "max_position_embeddings": 512,
                   "num_hidden_layers": 1, "dropout": 0.1},
        "istftnet": {"upsample_kernel_sizes": [20, 12], "upsample_rates": [10, 6], "gen_istft_hop_size": 5,
                     "gen_istft_n_fft": 20, "resblock_dilation_sizes": [[1, 3, 5]], "resblock_kernel_sizes": [3],
                     "upsample_initial_channel": 512},
    }
    (folder / "config.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    empty = folder / "empty.pth"
    torch.save({}, empty)  # KModel loads what a file holds: nothing, so the parts keep their seeded init
    _seed()
    model = KModel(repo_id="tiny/kokoro", config=config, model=str(empty))
    empty.unlink()
    parts = ("bert", "bert_encoder", "predictor", "text_encoder", "decoder")
    torch.save({part: {k: v.half() if v.is_floating_point() else v for k, v in getattr(model, part).state_dict().items()}
                for part in parts}, folder / weights)
    for i, name in enumerate(voices):
        generator = torch.Generator().manual_seed(100 + i)
        torch.save(torch.randn(510, 1, 256, generator=generator) * 0.15, folder / "voices" / f"{name}.pt")
    return folder


#: The tiny LTX-2's sound: its vocoder makes 16 kHz stereo (100 mel frames a second x 160).
TINY_LTX2_AUDIO_RATE = 16000


def _tiny_gemma_tokenizer(folder: Path):
    """A character-level ``GemmaTokenizer`` (BPE without merges): Gemma's special tokens, then each lower-case
    letter, digit and punctuation mark, bare and after ``▁`` (a word's start). Anything else is ``<unk>``."""
    from transformers import GemmaTokenizer

    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "<mask>": 4, "▁": 5}
    for char in "abcdefghijklmnopqrstuvwxyz0123456789.,!?'-":
        vocab[char] = len(vocab)
        vocab[f"▁{char}"] = len(vocab)
    tokenizer = GemmaTokenizer(vocab=vocab, merges=[])
    tokenizer.save_pretrained(str(folder))
    return tokenizer


def build_tiny_ltx2(folder: str | Path) -> Path:
    """Build a tiny LTX-2 ``LTX2Pipeline`` (picture and sound together) into ``folder``; the same folder loads as
    ``LTX2ImageToVideoPipeline``.

    Every component is the real class, shaped like diffusers' LTX-2 pipeline tests, at LTX-2's own compression so
    that the app's grid (8k+1 frames, sides of 32) holds: a 2-layer ``Gemma3ForConditionalGeneration`` (hidden 16,
    a 1-layer SigLIP tower) with a character-level ``GemmaTokenizer``; ``LTX2TextConnectors`` over its 3 stacked
    hidden states; a 2-layer ``LTX2VideoTransformer3DModel`` (video 2x8, audio 2x4, LTX-2.0's split RoPE);
    an ``AutoencoderKLLTX2Video`` with 8-channel blocks, patch 4 and three downsamples (32x spatial, 8x temporal,
    as LTX-2's); an ``AutoencoderKLLTX2Audio`` over 8 mel bins at 16 kHz, hop 160 (LTX-2's rate and hop: 25 audio
    latents a second); an ``LTX2Vocoder`` up 10 x 16 to :data:`TINY_LTX2_AUDIO_RATE` Hz stereo; LTX-2's
    ``FlowMatchEulerDiscreteScheduler``. The vocoder's weights are scaled up 3x so that what the transformer made
reaches the waveform (two seeds make two sounds). About 3 MB; a 1-second clip at 64x64 takes under a second on an
idle CPU.
    """
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        FlowMatchEulerDiscreteScheduler,
        LTX2Pipeline,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2TextConnectors, LTX2Vocoder
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration

    folder = Path(folder)
    tokenizer = _tiny_gemma_tokenizer(folder / "tokenizer")
    _seed()
    text_encoder = Gemma3ForConditionalGeneration(Gemma3Config(
        text_config={"vocab_size": 96, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
                     "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 8, "sliding_window": 64,
                     "max_position_embeddings": 2048},
        vision_config={"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                       "image_size": 28, "patch_size": 14},
        mm_tokens_per_image=4, boi_token_index=4, eoi_token_index=4, image_token_index=4,
    ))
    _seed()
    connectors = LTX2TextConnectors(
        caption_channels=16, text_proj_in_factor=3, video_connector_num_attention_heads=2,
        video_connector_attention_head_dim=8, video_connector_num_layers=1, video_connector_num_learnable_registers=8,
        audio_connector_num_attention_heads=2, audio_connector_attention_head_dim=8, audio_connector_num_layers=1,
        audio_connector_num_learnable_registers=8, connector_rope_base_seq_len=32, rope_double_precision=False,
        rope_type="split",
    )
    _seed()
    transformer = LTX2VideoTransformer3DModel(
        in_channels=4, out_channels=4, num_attention_heads=2, attention_head_dim=8, cross_attention_dim=16,
        audio_in_channels=4, audio_out_channels=4, audio_num_attention_heads=2, audio_attention_head_dim=4,
        audio_cross_attention_dim=8, num_layers=2, caption_channels=16, rope_double_precision=False,
        rope_type="split",
    )
    _seed()
    vae = AutoencoderKLLTX2Video(
        latent_channels=4, block_out_channels=(8, 16, 32, 64), decoder_block_out_channels=(8, 16, 32),
        layers_per_block=(1, 1, 1, 1, 1), decoder_layers_per_block=(1, 1, 1, 1), patch_size=4,
        decoder_causal=False, spatial_compression_ratio=32, temporal_compression_ratio=8,
    )
    _seed()
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4, ch_mult=(1,), num_res_blocks=1, resolution=32, latent_channels=2, mel_bins=8,
    )
    _seed()
    vocoder = LTX2Vocoder(
        in_channels=2 * 8, hidden_channels=32, out_channels=2, upsample_kernel_sizes=[20, 32],
        upsample_factors=[10, 16], resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]],
        output_sampling_rate=TINY_LTX2_AUDIO_RATE,
    )
    with torch.no_grad():  # at its random init the vocoder's biases drown its input: louder weights let it through
        for weight in (p for p in vocoder.parameters() if p.ndim > 1):
            weight.mul_(3.0)
    scheduler = FlowMatchEulerDiscreteScheduler(  # LTX-2's (diffusers' conversion script)
        use_dynamic_shifting=True, base_shift=0.95, max_shift=2.05, base_image_seq_len=1024, max_image_seq_len=4096,
        shift_terminal=0.1,
    )
    pipeline = LTX2Pipeline(scheduler=scheduler, vae=vae, audio_vae=audio_vae, text_encoder=text_encoder,
                            tokenizer=tokenizer, connectors=connectors, transformer=transformer, vocoder=vocoder)
    return _save_pipeline(pipeline, folder)
