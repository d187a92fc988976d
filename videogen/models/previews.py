"""Cheap previews while a clip denoises: the latents mapped to RGB by a small linear projection.

Decoding with the VAE every few steps would cost as much as the final decode. Instead each latent
pixel's channels are mapped to a colour by a ``(C, 3)`` matrix and a bias, fitted once per loaded
model from the model's own VAE: a few smooth synthetic colour images are encoded, normalised the way
the pipeline normalises its latents, and the projection is the least-squares map from each latent
pixel to the mean colour of the pixels it covers. Previews are then one matrix product per frame.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

FIT_IMAGES = 16  # synthetic images encoded to fit the projection
FIT_LATENT_SIDE = 8  # their size in latent pixels
PREVIEW_FRAMES = 4  # frames shown side by side


def fit_projection(latents: np.ndarray, colors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least squares ``colors ~ latents @ weight + bias``: (N, C), (N, 3) -> (C, 3), (3,)."""
    design = np.concatenate([latents, np.ones((len(latents), 1), latents.dtype)], axis=1)  # (N, C + 1)
    solution, *_ = np.linalg.lstsq(design, colors, rcond=None)  # (C + 1, 3)
    return solution[:-1], solution[-1]


def spatial_factor(pipe: Any, family: str) -> int:
    """Pixels per latent pixel along height/width."""
    if family == "ltx":
        return int(pipe.vae_spatial_compression_ratio)
    return int(pipe.vae_scale_factor_spatial)


def normalize(pipe: Any, family: str, raw: Any) -> Any:
    """Raw VAE latents (B, C, F, H, W) -> the pipeline's latent space (what the transformer denoises)."""
    import torch

    vae = pipe.vae
    if family == "ltx":
        return pipe._normalize_latents(raw, vae.latents_mean, vae.latents_std, vae.config.scaling_factor)
    mean = torch.tensor(vae.config.latents_mean, dtype=raw.dtype, device=raw.device).view(1, -1, 1, 1, 1)
    std = torch.tensor(vae.config.latents_std, dtype=raw.dtype, device=raw.device).view(1, -1, 1, 1, 1)
    return (raw - mean) / std


def video_latents(pipe: Any, family: str, latents: Any, frames: int, height: int, width: int) -> Any:
    """The denoising latents as (C, F', H', W'): LTX keeps them packed as (B, sequence, C)."""
    if family == "ltx":
        f = (frames - 1) // pipe.vae_temporal_compression_ratio + 1
        h, w = height // pipe.vae_spatial_compression_ratio, width // pipe.vae_spatial_compression_ratio
        latents = pipe._unpack_latents(latents, f, h, w, pipe.transformer_spatial_patch_size,
                                       pipe.transformer_temporal_patch_size)
    return latents[0]


@dataclass
class LatentPreview:
    """A fitted latent-to-RGB projection for one loaded pipeline."""

    weight: np.ndarray  # (C, 3)
    bias: np.ndarray  # (3,)
    factor: int  # pixels per latent pixel

    @classmethod
    def fit(cls, pipe: Any, family: str, seed: int = 0) -> LatentPreview:
        import torch

        factor = spatial_factor(pipe, family)
        side = FIT_LATENT_SIDE * factor
        rng = torch.Generator().manual_seed(seed)
        grid = torch.rand(FIT_IMAGES, 3, 3, 3, generator=rng)  # (N, RGB, 3, 3) random colour grids
        images = torch.nn.functional.interpolate(grid, size=(side, side), mode="bicubic", align_corners=True).clamp(0, 1)
        vae = pipe.vae
        device = next((p.device for p in vae.parameters() if p.device.type != "meta"), torch.device("cpu"))
        with torch.inference_mode():
            video = (images * 2 - 1).unsqueeze(2).to(device, vae.dtype)  # (N, 3, 1, side, side) in [-1, 1]
            raw = vae.encode(video).latent_dist.mode()  # (N, C, 1, 8, 8)
            latents = normalize(pipe, family, raw.float())[:, :, 0]  # (N, C, 8, 8)
        colors = torch.nn.functional.avg_pool2d(images, factor)  # (N, 3, 8, 8): what each latent pixel covers
        x = latents.permute(0, 2, 3, 1).reshape(-1, latents.shape[1]).cpu().numpy()  # (N*64, C)
        y = colors.permute(0, 2, 3, 1).reshape(-1, 3).numpy()  # (N*64, 3)
        weight, bias = fit_projection(x.astype(np.float64), y.astype(np.float64))
        logger.debug("fitted a %dx3 latent preview for %s", weight.shape[0], type(pipe).__name__)
        return cls(weight.astype(np.float32), bias.astype(np.float32), factor)

    def image(self, latents: Any) -> np.ndarray:
        """(C, F', H', W') latents -> uint8 (H, W * k, 3): up to four frames side by side, at pixel scale."""
        values = latents.float().cpu().numpy()  # (C, F', H', W')
        picks = np.unique(np.linspace(0, values.shape[1] - 1, min(PREVIEW_FRAMES, values.shape[1])).round().astype(int))
        tiles = []
        for f in picks:
            rgb = np.einsum("chw,ck->hwk", values[:, f], self.weight) + self.bias  # (H', W', 3)
            tiles.append(np.clip(rgb * 255.0, 0, 255).astype(np.uint8))
        strip = np.concatenate(tiles, axis=1)  # (H', W' * k, 3)
        return strip.repeat(self.factor, axis=0).repeat(self.factor, axis=1)
