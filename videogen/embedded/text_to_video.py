"""The embedded text-to-video model of the shapes world (``shapes-t2v``): prompt in, clip out.

A miniature of a latent video generator, built from diffusers parts and trained from scratch on
rendered clips by :mod:`videogen.training.train_text_to_video`; shipped in ``weights/shapes-t2v/``
in a diffusers folder layout (``model_index.json`` + ``decoder/config.json`` +
``decoder/diffusion_pytorch_model.safetensors``) and loaded with diffusers' ``from_pretrained``.

How a prompt becomes a clip (:meth:`ShapesTextToVideo.generate`)::

    prompt --parse_prompt--> SceneSpec (shape, colour, background, motion, size, speed)   rules, not learned
    (shape, motion, size, speed) ids + time tau of each frame
        --embeddings + Timesteps--> MLP --> latent (T, C, 8, 8)                          learned
        --diffusers Decoder (VAE decoder blocks)--> 2 coverage maps (T, 2, 64, 64)       learned
           channel 0: the object's anti-aliased coverage; channel 1: its outline's
    coverage --composite over the background colour--> RGB frames                      analytic

The network draws *where* the object is (its shape, position, size and angle at each moment, the
rotation notch of circles); the colours are painted in by the compositor from the world's palette,
exactly as :func:`videogen.shapes.render.render_clip` does, so a colour word is never drawn wrong.
It is not a diffusion model: the clip is a deterministic function of the prompt (one decoder pass
for all frames; the seed is not used), as the canonical renderer it was trained on is.

Time: ``tau = t / (T - 1)`` in [0, 1], so a clip of any length shows the whole motion (a longer clip
shows it more slowly). Size: the decoder draws 64 x 64 coverage; it is resized to the largest square
that fits the requested frame and centred there (a wide frame keeps background at its sides).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from diffusers import ConfigMixin, ModelMixin
from diffusers.configuration_utils import register_to_config
from diffusers.models.autoencoders.vae import Decoder
from diffusers.models.embeddings import TimestepEmbedding, Timesteps
from torch import nn
from torch.nn import functional as F

from videogen.errors import UnsupportedModelError
from videogen.shapes import vocab
from videogen.shapes.prompt import SceneSpec, parse_prompt, understood_summary
from videogen.shapes.render import LOW_CONTRAST, OUTLINE_COLOR, check_dims
from videogen.shapes.world import prompt_warnings

logger = logging.getLogger(__name__)

PIPELINE_CLASS = "ShapesTextToVideoPipeline"
SIZE_WORDS: tuple[str | None, ...] = (None, *vocab.SIZES)  # id 0 is "medium" (no word)
SPEED_WORDS: tuple[str | None, ...] = (None, *vocab.SPEEDS)  # id 0 is "normal" (no word)


class ShapesVideoDecoder(ModelMixin, ConfigMixin):
    """(shape, motion, size, speed, tau) -> coverage logits (N, 2, S, S), one frame per row.

    A conditioning MLP turns the scene's embeddings and the time embedding into a small latent image;
    a VAE decoder (diffusers' ``Decoder``: ResNet up-blocks) turns that into the two coverage maps.
    """

    @register_to_config
    def __init__(
        self,
        shapes: tuple[str, ...] = vocab.SHAPES,
        motions: tuple[str, ...] = vocab.MOTIONS,
        num_sizes: int = len(SIZE_WORDS),
        num_speeds: int = len(SPEED_WORDS),
        embed_dim: int = 32,  # per discrete attribute
        time_dim: int = 64,  # sinusoidal time features
        hidden_dim: int = 512,
        latent_channels: int = 8,
        latent_size: int = 8,
        block_out_channels: tuple[int, ...] = (16, 16, 32, 64),  # decoder widths; 3 doublings: 8 -> 64 px
        layers_per_block: int = 0,
        norm_num_groups: int = 8,
    ) -> None:
        super().__init__()
        self.shape_embed = nn.Embedding(len(shapes), embed_dim)
        self.motion_embed = nn.Embedding(len(motions), embed_dim)
        self.size_embed = nn.Embedding(num_sizes, embed_dim)
        self.speed_embed = nn.Embedding(num_speeds, embed_dim)
        self.time_proj = Timesteps(time_dim, flip_sin_to_cos=True, downscale_freq_shift=0)
        self.time_embed = TimestepEmbedding(time_dim, embed_dim * 2)
        self.to_latent = nn.Sequential(
            nn.Linear(embed_dim * 6, hidden_dim),
            nn.SiLU(),
            nn.Linear(hidden_dim, hidden_dim),
            nn.SiLU(),
            nn.Linear(hidden_dim, latent_channels * latent_size * latent_size),
        )
        self.decoder = Decoder(
            in_channels=latent_channels,
            out_channels=2,
            up_block_types=("UpDecoderBlock2D",) * len(block_out_channels),
            block_out_channels=tuple(block_out_channels),
            layers_per_block=layers_per_block,
            norm_num_groups=norm_num_groups,
            mid_block_add_attention=False,
        )

    @property
    def image_size(self) -> int:
        return self.config.latent_size * 2 ** (len(self.config.block_out_channels) - 1)

    def forward(
        self, shape: torch.Tensor, motion: torch.Tensor, size: torch.Tensor, speed: torch.Tensor, tau: torch.Tensor
    ) -> torch.Tensor:
        """Integer ids (N,) and times (N,) in [0, 1] -> coverage logits (N, 2, S, S)."""
        scene = torch.cat(
            [self.shape_embed(shape), self.motion_embed(motion), self.size_embed(size), self.speed_embed(speed)], dim=-1
        )  # (N, 4 * embed_dim)
        time = self.time_embed(self.time_proj(tau * 1000.0).to(scene.dtype))  # (N, 2 * embed_dim)
        latent = self.to_latent(torch.cat([scene, time], dim=-1))  # (N, C * L * L)
        c, size_ = self.config.latent_channels, self.config.latent_size
        return self.decoder(latent.view(-1, c, size_, size_))  # (N, 2, S, S)


def scene_ids(spec: SceneSpec, config: Any) -> tuple[int, int, int, int]:
    """The decoder's integer inputs for a scene: (shape, motion, size, speed)."""
    return (
        list(config.shapes).index(spec.shape),
        list(config.motions).index(spec.motion),
        SIZE_WORDS.index(spec.size),
        SPEED_WORDS.index(spec.speed),
    )


def frame_times(num_frames: int) -> np.ndarray:
    """tau of each frame: 0 at the first, 1 at the last (a single frame is tau 0)."""
    return np.linspace(0.0, 1.0, num_frames) if num_frames > 1 else np.zeros(1)


def composite(coverage: np.ndarray, color: tuple[int, int, int], background: tuple[int, int, int]) -> np.ndarray:
    """Coverage (T, H, W, 2) in [0, 1] -> uint8 RGB frames (T, H, W, 3), as ``render_clip`` paints:
    the object's colour over the background, plus a gray outline when the two are hard to tell apart."""
    bg = np.array(background, np.float32)
    fg = np.array(color, np.float32)
    frames = bg + coverage[..., :1] * (fg - bg)  # (T, H, W, 3)
    if float(np.linalg.norm(fg - bg)) < LOW_CONTRAST:
        frames += coverage[..., 1:] * (np.array(OUTLINE_COLOR, np.float32) - frames)
    return np.clip(np.round(frames), 0, 255).astype(np.uint8)


def place_square(coverage: torch.Tensor, height: int, width: int) -> np.ndarray:
    """(T, 2, S, S) coverage -> (T, height, width, 2): resized to the largest centred square."""
    side = min(height, width)
    if coverage.shape[-1] != side:
        coverage = F.interpolate(coverage, size=(side, side), mode="bilinear", align_corners=False, antialias=True)
    out = np.zeros((coverage.shape[0], height, width, 2), np.float32)
    top, left = (height - side) // 2, (width - side) // 2
    out[:, top : top + side, left : left + side] = coverage.clamp(0, 1).permute(0, 2, 3, 1).cpu().numpy()
    return out


CHUNK_PIXELS = 1 << 22  # frames x height x width drawn per batch: bounds memory, and Cancel is seen between batches


@dataclass
class ShapesTextToVideo:
    """The shipped model behind :class:`videogen.models.VideoGenerator`'s interface."""

    spec: Any  # videogen.registry.ModelSpec
    decoder: ShapesVideoDecoder
    device: str = "cpu"
    progress_stage = "draw"  # on_step counts batches of frames: this model has no denoising steps

    @torch.inference_mode()
    def draw(
        self, spec: SceneSpec, num_frames: int, height: int, width: int,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """The clip of a parsed scene: uint8 (num_frames, height, width, 3), drawn in frame batches;
        ``on_batch(done, total)`` after each (progress; it may raise to stop)."""
        check_dims(num_frames, height, width)
        ids = torch.tensor(scene_ids(spec, self.decoder.config), device=self.device)  # (4,)
        tau = torch.as_tensor(frame_times(num_frames), dtype=torch.float32, device=self.device)  # (T,)
        frames = np.empty((num_frames, height, width, 3), np.uint8)
        batch = max(1, CHUNK_PIXELS // (height * width))
        batches = -(-num_frames // batch)
        for index, start in enumerate(range(0, num_frames, batch)):
            stop = min(start + batch, num_frames)
            shape, motion, size, speed = (ids[i].expand(stop - start) for i in range(4))  # each (n,)
            coverage = torch.sigmoid(self.decoder(shape, motion, size, speed, tau[start:stop]).float())  # (n, 2, S, S)
            placed = place_square(coverage, height, width)  # (n, H, W, 2)
            frames[start:stop] = composite(placed, vocab.COLORS[spec.color], vocab.BACKGROUNDS[spec.background])
            if on_batch is not None:
                on_batch(index + 1, batches)
        return frames

    def input_warnings(self, prompt: str, image: Any | None) -> list[str]:
        """Warnings when the prompt is not about a shape (:func:`videogen.shapes.world.prompt_warnings`)."""
        return prompt_warnings(self.spec, prompt)

    def generate(self, params: Any, image: Any | None, on_step: Any) -> tuple[np.ndarray, str | None]:
        """``params``: :class:`videogen.generate.common.GenerationParams`. Returns (frames, understood)."""
        if image is not None:
            raise UnsupportedModelError(f"{self.spec.id} draws from text only; use shapes-i2v to animate an image.")
        parsed = parse_prompt(params.prompt)
        frames = self.draw(parsed.spec, params.frames, params.height, params.width, on_step)
        return frames, understood_summary(parsed)


def load_generator(spec: Any, folder: Path, plan: Any) -> ShapesTextToVideo:
    """Load ``folder`` (``model_index.json`` + ``decoder/``) onto ``plan.device``, in float32
    (half a million parameters: half precision would save nothing worth its rounding)."""
    folder = Path(folder)
    index = json.loads((folder / "model_index.json").read_text())
    if index.get("_class_name") != PIPELINE_CLASS:
        raise UnsupportedModelError(f"{folder} is not a {PIPELINE_CLASS} folder (found {index.get('_class_name')!r}).")
    decoder = ShapesVideoDecoder.from_pretrained(
        str(folder), subfolder="decoder", use_safetensors=True, local_files_only=True, dtype=torch.float32
    )
    decoder.to(plan.device).eval()
    logger.info("Loaded %s (%s) on %s", getattr(spec, "id", folder), type(decoder).__name__, plan.device)
    return ShapesTextToVideo(spec, decoder, str(plan.device))
