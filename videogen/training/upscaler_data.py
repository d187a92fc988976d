"""The upscaler's training run: its settings (:class:`TrainConfig`), the photographs (training and
held out), the training patches and the held-out measurements.

Photographs: those that scikit-image (``skimage.data``) and scikit-learn
(``sklearn.datasets.load_sample_image``) ship, so that training needs no network. The grey ones are
used as RGB with three equal channels. :data:`HELD_OUT` is never cut into a training patch: it is
what :func:`held_out_scores`, the tests and ``benchmarks/upscaling.py`` measure on.

A training pair is a high-resolution patch of a photograph (at a random scale of 0.5-1: a
photograph shrunk is a sharper one) and its low-resolution copy, made as a real lower-resolution
video is: an area (box-filter) shrink mostly, sometimes an antialiased bicubic one, sometimes
followed by a light JPEG. Every batch is a pure function of ``(seed, step)``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from videogen.embedded.upscaler import UpscalerConfig

# colour photographs of skimage.data / sklearn's sample images, then grey ones of skimage.data
COLOUR_PHOTOS = ("astronaut", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry", "retina", "flower")
GREY_PHOTOS = ("camera", "moon", "brick", "grass", "gravel", "coins", "clock", "text", "page")
TRAIN_PHOTOS = COLOUR_PHOTOS + GREY_PHOTOS
HELD_OUT = ("coffee", "china")  # one of skimage.data, one of sklearn's: never trained on
SKLEARN_PHOTOS = ("china", "flower")
TRAIN_STREAM, INIT_STREAM = 0, 1  # every random draw: np.random.default_rng([seed, STREAM, index])
FLAT_STD = 6.0  # a patch whose grey level varies less than this (of 255) is flat: mostly skipped


@dataclass
class TrainConfig:
    out: Path = Path("weights/upscale-x2")
    seed: int = 0
    steps: int = 1800  # optimisation steps (sets the schedule)
    minutes: float = 25.0  # safety cap on training wall time
    threads: int = 2  # torch intra-op threads
    batch_size: int = 32
    patch: int = 96  # high-resolution patch side (a multiple of the factor)
    lr: float = 1e-3
    min_lr: float = 1e-5
    warmup_steps: int = 100
    grad_clip: float = 1.0
    colour_share: float = 0.7  # of the patches, cut from a colour photograph (else a grey one)
    keep_flat: float = 0.2  # chance that a flat patch is kept
    bicubic_share: float = 0.2  # of the low-resolution copies, shrunk by antialiased bicubic (else area)
    jpeg_share: float = 0.1  # of the low-resolution copies, then saved as JPEG of quality 85-95
    log_every: int = 50
    eval_every: int = 500
    model: UpscalerConfig = field(default_factory=UpscalerConfig)


@cache
def photo(name: str) -> np.ndarray:
    """One of the shipped photographs, (H, W, 3) uint8 RGB (a grey one as three equal channels)."""
    if name in SKLEARN_PHOTOS:
        from sklearn.datasets import load_sample_image

        image = load_sample_image(f"{name}.jpg")
    else:
        from skimage import data

        image = getattr(data, name)()
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    return np.ascontiguousarray(image[..., :3]).astype(np.uint8)


def crop_to(image: np.ndarray, multiple: int) -> np.ndarray:
    """``image`` cut at the bottom and right to a multiple of ``multiple`` pixels each side."""
    height, width = image.shape[0] // multiple * multiple, image.shape[1] // multiple * multiple
    return image[:height, :width]


def shrink(image: np.ndarray, factor: int) -> np.ndarray:
    """The low-resolution copy the benchmark and the held-out scores use: an area (box) shrink."""
    height, width = image.shape[0] // factor, image.shape[1] // factor
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def degrade(hr: np.ndarray, factor: int, rng: np.random.Generator, cfg: TrainConfig) -> np.ndarray:
    """A random low-resolution copy of ``hr`` (P, P, 3): area or antialiased bicubic, maybe a JPEG."""
    size = hr.shape[0] // factor
    if rng.random() < cfg.bicubic_share:
        lr = np.asarray(Image.fromarray(hr).resize((size, size), Image.Resampling.BICUBIC))
    else:
        lr = cv2.resize(hr, (size, size), interpolation=cv2.INTER_AREA)
    if rng.random() < cfg.jpeg_share:
        buffer = io.BytesIO()
        Image.fromarray(lr).save(buffer, format="JPEG", quality=int(rng.integers(85, 96)))
        lr = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
    return lr


def random_patch(rng: np.random.Generator, cfg: TrainConfig) -> np.ndarray:
    """A (P, P, 3) uint8 patch of a training photograph, at a random scale, flipped and turned."""
    for _ in range(20):
        names = COLOUR_PHOTOS if rng.random() < cfg.colour_share else GREY_PHOTOS
        image = photo(str(rng.choice(names)))
        scale = float(rng.uniform(0.5, 1.0))
        side = min(int(round(cfg.patch / scale)), *image.shape[:2])
        top, left = (int(rng.integers(0, n - side + 1)) for n in image.shape[:2])
        patch = image[top:top + side, left:left + side]
        if side != cfg.patch:
            patch = cv2.resize(patch, (cfg.patch, cfg.patch), interpolation=cv2.INTER_AREA)
        if cv2.cvtColor(patch, cv2.COLOR_RGB2GRAY).std() >= FLAT_STD or rng.random() < cfg.keep_flat:
            break
    patch = np.rot90(patch, int(rng.integers(4)))
    if rng.random() < 0.5:
        patch = patch[:, ::-1]
    if rng.random() < 0.5:
        patch = patch[..., rng.permutation(3)]  # another colour balance
    return np.ascontiguousarray(patch)


def make_batch(cfg: TrainConfig, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Training pairs for ``step``: low-resolution (B, P/f, P/f, 3) and high-resolution (B, P, P, 3), uint8."""
    rng = np.random.default_rng([cfg.seed, TRAIN_STREAM, step])
    factor = cfg.model.factor
    highs = [random_patch(rng, cfg) for _ in range(cfg.batch_size)]
    lows = [degrade(hr, factor, rng, cfg) for hr in highs]
    return np.stack(lows), np.stack(highs)


def psnr(reference: np.ndarray, image: np.ndarray) -> float:
    """PSNR in dB of uint8 ``image`` against ``reference``, over all pixels and RGB channels."""
    mse = np.mean((reference.astype(np.float64) - image.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / max(mse, 1e-10)))


def ssim(reference: np.ndarray, image: np.ndarray) -> float:
    """SSIM of RGB uint8 images (scikit-image's, the mean over the three channels)."""
    from skimage.metrics import structural_similarity

    return float(structural_similarity(reference, image, channel_axis=-1, data_range=255))


def baselines(lr: np.ndarray, factor: int) -> dict[str, np.ndarray]:
    """``lr`` (H, W, 3) enlarged ``factor`` times by OpenCV's bicubic and Lanczos (8x8) interpolation."""
    size = (lr.shape[1] * factor, lr.shape[0] * factor)
    return {"bicubic": cv2.resize(lr, size, interpolation=cv2.INTER_CUBIC),
            "lanczos": cv2.resize(lr, size, interpolation=cv2.INTER_LANCZOS4)}


def held_out_scores(upscale: object, factor: int, names: tuple[str, ...] = HELD_OUT) -> dict[str, dict[str, float]]:
    """PSNR (RGB) and SSIM of bicubic, Lanczos and ``upscale`` (frames, factor -> frames) on the
    held-out photographs shrunk by ``factor`` (area), per photograph and their mean."""
    scores: dict[str, dict[str, float]] = {}
    for name in names:
        hr = crop_to(photo(name), factor)
        lr = shrink(hr, factor)
        guesses = baselines(lr, factor)
        guesses["ours"] = upscale(lr[None], factor)[0]  # type: ignore[operator]
        for method, guess in guesses.items():
            scores[f"{name}/{method}"] = {"psnr": round(psnr(hr, guess), 3), "ssim": round(ssim(hr, guess), 4)}
    for method in ("bicubic", "lanczos", "ours"):
        rows = [scores[f"{name}/{method}"] for name in names]
        scores[f"mean/{method}"] = {k: round(float(np.mean([r[k] for r in rows])), 4) for k in ("psnr", "ssim")}
    return scores
