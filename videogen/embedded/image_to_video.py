"""The embedded image-to-video model of the shapes world (``shapes-i2v``): image + motion prompt in, clip out.

A layered image animator, trained from scratch on rendered clips by
:mod:`videogen.training.train_image_to_video`; shipped in ``weights/shapes-i2v/`` (``config.json`` +
``model.safetensors``) and loaded with transformers' ``from_pretrained``. How an image becomes a clip::

    image --segment()--> background colour, object layer (premultiplied RGB + alpha),      analytic
                         backdrop, pivot and radius of the object
    prompt --parse_prompt--> motion, speed modifier                                        rules
    (motion, speed, tau = t/(T-1), geometry of the object and frame)
        --embeddings + MLP--> per-frame transform (dx, dy, log-scale, angle)               learned
    warp the layer about the pivot (affine_grid + grid_sample), composite on the backdrop   analytic

Only the motion is learned: how far, in which direction and how fast the object moves, grows or
turns, given where it is and how big it is (so that it stays inside the frame, as in the world). The
network's output is multiplied by tau, so frame 0 is the identity; it is also copied from the input
image, so the clip starts exactly on it. The clip is a deterministic function of the image and the
prompt: the seed is not used.

Segmentation (:func:`segment`, not learned): the background colour is the median of the image's
2-pixel border; the object is the largest connected region whose RGB distance from it is over half
the object's contrast (the 90th percentile of the clearly-not-background distances), closed and with
its holes filled (the white interior of a gray-outlined white object on white belongs to it); its
alpha is that distance over the contrast (so anti-aliased edges get partial alpha), 1 in filled holes,
0 more than a pixel away from the region. Pivot and radius are the centre and radius of the minimum
enclosing circle of the alpha >= 0.5 pixels: for the world's squares, triangles and (notched) circles,
the rotation centre and the circumradius. An image with no such object raises
:class:`~videogen.errors.InvalidInputError`: there is nothing to animate.

A plain disc cannot visibly rotate; as in the world (:mod:`videogen.shapes.render`), a round object
asked to rotate gets a 60 degree notch, cut in the background colour, from frame 1 on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from transformers import PretrainedConfig, PreTrainedModel
from transformers import initialization as init

from videogen.errors import InvalidInputError
from videogen.shapes import vocab
from videogen.shapes.judge import BORDER, MIN_CONTRAST, estimate_background, object_mask
from videogen.shapes.prompt import ParsedPrompt, parse_prompt
from videogen.shapes.render import NOTCH_DEGREES
from videogen.shapes.world import image_warnings

logger = logging.getLogger(__name__)

__all__ = [
    "Foreground",
    "ShapesImageToVideo",
    "ShapesImageToVideoConfig",
    "ShapesImageToVideoModel",
    "enclosing_circle",
    "geometry_features",
    "load_generator",
    "object_alpha",
    "premultiply",
    "segment",
    "warp_layers",
]

SPEED_WORDS: tuple[str, ...] = ("normal", *vocab.SPEEDS)  # id 0: no speed word in the prompt
MIN_AREA = 4  # pixels: a smaller object is "no object"
ROUND_TOLERANCE = 0.1  # alpha change under a 45 degree turn, relative to the area, below which it is round
CHUNK_PIXELS = 1 << 21  # frames x height x width warped at once (bounds memory at large sizes)
NUM_GEOMETRY = 10


class ShapesImageToVideoConfig(PretrainedConfig):
    """Configuration of :class:`ShapesImageToVideoModel` (a transformers config: saved as ``config.json``)."""

    model_type = "shapes_i2v"

    motions: list[str] | None = None  # motion names in embedding order; None: videogen.shapes.vocab.MOTIONS
    speeds: list[str] | None = None  # speed words in embedding order; None: SPEED_WORDS
    embed_dim: int = 16  # per embedding (motion, speed)
    hidden_dim: int = 128
    num_layers: int = 3  # linear layers of the MLP
    output_scale: list[float] | tuple[float, ...] = (0.5, 0.5, 1.0, math.pi)  # dx, dy, log-scale, angle (rad)

    def __post_init__(self, **kwargs: Any) -> None:
        self.motions = list(self.motions) if self.motions else list(vocab.MOTIONS)
        self.speeds = list(self.speeds) if self.speeds else list(SPEED_WORDS)
        self.output_scale = [float(s) for s in self.output_scale]
        if len(self.output_scale) != 4 or self.num_layers < 2:
            raise ValueError(f"need 4 output scales and >= 2 layers, got {self.output_scale}, {self.num_layers}")
        super().__post_init__(**kwargs)


class ShapesImageToVideoModel(PreTrainedModel):
    """(motion, speed, geometry, tau) -> transform (N, 4): dx, dy (fractions of the frame's width and
    height), log-scale and angle (radians, clockwise on screen), all exactly 0 at tau = 0."""

    config: ShapesImageToVideoConfig
    config_class = ShapesImageToVideoConfig
    base_model_prefix = "shapes_i2v"
    main_input_name = "tau"
    _no_split_modules: list[str] = []

    def __init__(self, config: ShapesImageToVideoConfig) -> None:
        super().__init__(config)
        self.motion_embed = nn.Embedding(len(config.motions), config.embed_dim)
        self.speed_embed = nn.Embedding(len(config.speeds), config.embed_dim)
        width = config.hidden_dim
        layers: list[nn.Module] = [nn.Linear(2 * config.embed_dim + NUM_GEOMETRY + 1, width), nn.SiLU()]
        for _ in range(config.num_layers - 2):
            layers += [nn.Linear(width, width), nn.SiLU()]
        self.mlp = nn.Sequential(*layers)
        self.head = nn.Linear(width, 4)
        self.post_init()

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        if module is getattr(self, "head", None):  # start at the identity transform
            init.zeros_(module.weight)
            init.zeros_(module.bias)
        elif isinstance(module, nn.Linear):
            init.xavier_uniform_(module.weight)
            init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            init.normal_(module.weight, 0.0, 1.0)

    def forward(
        self, motion: torch.Tensor, speed: torch.Tensor, geometry: torch.Tensor, tau: torch.Tensor
    ) -> torch.Tensor:
        """Ids (N,), geometry (N, NUM_GEOMETRY) from :func:`geometry_features`, tau (N,) -> (N, 4)."""
        x = torch.cat([self.motion_embed(motion), self.speed_embed(speed), geometry, tau[:, None]], dim=-1)  # (N, in)
        scale = torch.tensor(self.config.output_scale, dtype=x.dtype, device=x.device)  # (4,)
        return tau[:, None] * self.head(self.mlp(x)) * scale  # (N, 4)


# --- segmentation (analytic) -------------------------------------------------------------------------


@dataclass
class Foreground:
    """An image split into a movable object layer and what stays behind (colours in [0, 1])."""

    background: np.ndarray  # (3,) the background colour
    contrast: float  # RGB distance (0-255 units) of the object from the background
    alpha: np.ndarray  # (H, W) object coverage
    color: np.ndarray  # (H, W, 3) premultiplied object colour: image - (1 - alpha) * background, 0 where alpha is 0
    backdrop: np.ndarray  # (H, W, 3) the image, with the background colour where the object was
    pivot: tuple[float, float]  # x, y in pixels (pixel (i, j) covers [j, j+1) x [i, i+1))
    radius: float  # pixels


def object_alpha(pixels: np.ndarray, background: np.ndarray, contrast: float) -> np.ndarray:
    """Soft coverage (H, W) float32 of the main object of ``pixels`` ((H, W, 3), 0-255 floats)."""
    dist = np.linalg.norm(pixels - background, axis=-1)  # (H, W)
    threshold = max(MIN_CONTRAST, 0.5 * contrast)
    mask = object_mask(dist > threshold)
    region = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    alpha = np.where(region, np.clip(dist / max(contrast, 1e-6), 0.0, 1.0), 0.0).astype(np.float32)
    alpha[mask & (dist <= threshold)] = 1.0  # filled holes: the inside of an outlined object
    return alpha


def premultiply(pixels: np.ndarray, alpha: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Colours (H, W, 3) in [0, 1], alpha (H, W) and the background colour (3,) -> the layer (H, W, 4):
    premultiplied colour ``pixels - (1 - alpha) * background`` (0 where alpha is 0), and alpha."""
    color = np.where(alpha[..., None] > 0, pixels - (1.0 - alpha[..., None]) * background, 0.0)
    return np.dstack([color, alpha]).astype(np.float32)


def enclosing_circle(alpha: np.ndarray) -> tuple[tuple[float, float], float, int]:
    """Centre (x, y) and radius, in pixels, of the minimum enclosing circle of the alpha >= 0.5
    pixels, and how many there are (a circle of zero radius at the origin when there are none)."""
    solid = np.argwhere(alpha >= 0.5)  # (n, 2) rows, cols
    if len(solid) == 0:
        return (0.0, 0.0), 0.0, 0
    (cx, cy), radius = cv2.minEnclosingCircle(solid[:, ::-1].astype(np.float32))  # OpenCV: pixel centres
    return (float(cx) + 0.5, float(cy) + 0.5), float(radius) + 0.5, len(solid)


def segment(image: np.ndarray) -> Foreground:
    """Split an (H, W, 3) uint8 RGB image into background colour, object layer, pivot and radius."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3 or min(image.shape[:2]) < 2 * BORDER + 2:
        raise InvalidInputError(f"image must be an (H, W, 3) array of at least 6x6 pixels, got shape {image.shape}")
    pixels = image.astype(np.float32)
    background = estimate_background(pixels[None])  # (3,)
    dist = np.linalg.norm(pixels - background, axis=-1)
    salient = dist[dist > MIN_CONTRAST]
    contrast = float(np.percentile(salient, 90)) if salient.size >= MIN_AREA else 0.0
    alpha = object_alpha(pixels, background, contrast) if contrast > 0 else np.zeros(dist.shape, np.float32)
    pivot, radius, count = enclosing_circle(alpha)
    if count < MIN_AREA:
        raise InvalidInputError(
            "found no object to animate in the image: shapes-i2v moves the one shape that stands out from "
            "the image's border colour, and this image looks plain. Use an image of one shape on a plain background."
        )
    bg = (background / 255.0).astype(np.float32)
    layer = premultiply(pixels / 255.0, alpha, bg)  # (H, W, 4)
    backdrop = np.where(alpha[..., None] > 0, bg, pixels / 255.0).astype(np.float32)
    return Foreground(background=bg, contrast=contrast, alpha=alpha, color=layer[..., :3], backdrop=backdrop,
                      pivot=pivot, radius=radius)


def is_round(fg: Foreground) -> bool:
    """Whether the object looks the same turned by 45 degrees about its pivot (a plain disc)."""
    height, width = fg.alpha.shape
    turn = cv2.getRotationMatrix2D((fg.pivot[0] - 0.5, fg.pivot[1] - 0.5), 45.0, 1.0)
    turned = cv2.warpAffine(fg.alpha, turn, (width, height), flags=cv2.INTER_LINEAR)
    return float(np.abs(fg.alpha - turned).sum()) < ROUND_TOLERANCE * float(fg.alpha.sum())


def notch_coverage(height: int, width: int, pivot: tuple[float, float]) -> np.ndarray:
    """(H, W) float32 coverage of the world's notch: a 60 degree wedge from the pivot, opening upwards."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32) + 0.5
    rx, ry = xs - pivot[0], ys - pivot[1]
    off = np.abs((np.degrees(np.arctan2(ry, rx)) + 90.0 + 180.0) % 360.0 - 180.0)  # degrees from "up"
    outside = np.radians(off - NOTCH_DEGREES / 2) * np.hypot(rx, ry)  # pixels beyond the wedge's edge
    return np.clip(0.5 - outside, 0.0, 1.0).astype(np.float32)


def geometry_features(
    pivot: tuple[float, float], radius: float, height: int, width: int, num_frames: int
) -> np.ndarray:
    """The network's view of the object and the frame (resolution independent): (NUM_GEOMETRY,) float32."""
    x, y = pivot
    dim = min(height, width)
    edge = max(min(x, width - x, y, height - y), 0.5)
    return np.array([
        x / width - 0.5, y / height - 0.5, radius / dim,
        math.log(width / height), math.log(max(num_frames - 1, 1) / 15.0),
        (x - radius) / width, (width - x - radius) / width,  # room to the left / right
        (y - radius) / height, (height - y - radius) / height,  # room above / below
        math.log(edge / max(radius, 0.5)),  # room to grow
    ], np.float32)


# --- warping (differentiable) ------------------------------------------------------------------------


def affine_theta(transforms: torch.Tensor, pivots: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Transforms (N, 4) and pivots (N, 2) in pixels -> ``affine_grid`` matrices (N, 2, 3).

    The object is scaled by exp(log-scale) and turned clockwise on screen (y points down) about its
    pivot, which moves by (dx * width, dy * height). The grid maps each output pixel to its source."""
    dx, dy, log_scale, angle = transforms.unbind(-1)  # each (N,)
    cos, sin, inv = torch.cos(angle), torch.sin(angle), torch.exp(-log_scale)
    a11, a12, a21, a22 = cos * inv, sin * inv, -sin * inv, cos * inv  # R(-angle) / scale
    cx, cy = pivots.unbind(-1)
    tx, ty = cx + dx * width, cy + dy * height  # where the pivot goes
    bx, by = cx - (a11 * tx + a12 * ty), cy - (a21 * tx + a22 * ty)  # source = A @ output + b (pixels)
    hw, hh = width / 2.0, height / 2.0  # pixels = (normalised + 1) * (hw, hh)
    row1 = torch.stack([a11, a12 * hh / hw, (a11 * hw + a12 * hh + bx) / hw - 1.0], dim=-1)
    row2 = torch.stack([a21 * hw / hh, a22, (a21 * hw + a22 * hh + by) / hh - 1.0], dim=-1)
    return torch.stack([row1, row2], dim=1)  # (N, 2, 3)


def warp_layers(
    layers: torch.Tensor, backdrop: torch.Tensor, transforms: torch.Tensor, pivots: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Warp premultiplied layers (N, 4, H, W) and composite them on backdrops (N, 3, H, W).

    Returns the frames (N, 3, H, W) in [0, 1] (unclipped) and the warped alpha (N, H, W)."""
    n, _, height, width = layers.shape
    theta = affine_theta(transforms, pivots, height, width)  # (N, 2, 3)
    grid = F.affine_grid(theta, [n, 4, height, width], align_corners=False)  # (N, H, W, 2)
    warped = F.grid_sample(layers, grid, mode="bilinear", padding_mode="zeros", align_corners=False)  # (N, 4, H, W)
    alpha = warped[:, 3]  # (N, H, W)
    return warped[:, :3] + (1.0 - alpha[:, None]) * backdrop, alpha


# --- the app's generator interface ---------------------------------------------------------------------


def understood_line(parsed: ParsedPrompt) -> str:
    """``understood: moving left (slow); shape, colour and background from the image ...``."""
    spec = parsed.spec
    motion = f"{spec.motion} ({spec.speed})" if spec.speed else spec.motion
    line = f"understood: {motion}; shape, colour and background from the image"
    if "motion" in parsed.defaulted:
        line += " (defaulted: motion)"
    unused = [parsed.understood[f] for f in ("size", "color", "shape", "background") if f in parsed.understood]
    if unused:
        line += f"; not used (the image decides): {', '.join(repr(w) for w in unused)}"
    if parsed.ignored:
        line += f"; ignored: {', '.join(repr(w) for w in parsed.ignored)}"
    return line


@dataclass
class ShapesImageToVideo:
    """The shipped model behind :class:`videogen.models.VideoGenerator`'s interface."""

    spec: Any  # videogen.registry.ModelSpec
    model: ShapesImageToVideoModel
    device: str = "cpu"
    progress_stage = "draw"  # on_step counts batches of frames: this model has no denoising steps

    @torch.inference_mode()
    def transforms(
        self, fg: Foreground, motion: str, speed: str | None, num_frames: int, height: int, width: int
    ) -> torch.Tensor:
        """The network's per-frame transforms (T, 4) for this object, motion and clip length."""
        config = self.model.config
        geometry = geometry_features(fg.pivot, fg.radius, height, width, num_frames)
        tau = (torch.linspace(0.0, 1.0, num_frames) if num_frames > 1 else torch.zeros(1)).to(self.device)  # (T,)
        motion_id, speed_id = config.motions.index(motion), config.speeds.index(speed or SPEED_WORDS[0])
        ids = torch.tensor([motion_id, speed_id], device=self.device)  # (2,)
        return self.model(
            ids[0].expand(num_frames), ids[1].expand(num_frames),
            torch.from_numpy(geometry).to(self.device).expand(num_frames, -1), tau,
        ).float()  # (T, 4)

    @torch.inference_mode()
    def animate(
        self, image: np.ndarray, motion: str, speed: str | None, num_frames: int,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """(H, W, 3) uint8 image -> (num_frames, H, W, 3) uint8 clip whose frame 0 is the image,
        warped in frame batches; ``on_batch(done, total)`` after each (progress; it may raise to stop)."""
        if motion not in vocab.MOTIONS or (speed is not None and speed not in vocab.SPEEDS):
            raise InvalidInputError(
                f"motion must be one of {list(vocab.MOTIONS)} and speed one of {[None, *vocab.SPEEDS]}, "
                f"got {motion!r}, {speed!r}"
            )
        if not 1 <= num_frames <= 1024:
            raise InvalidInputError(f"num_frames must be between 1 and 1024, got {num_frames}")
        image = np.ascontiguousarray(image, dtype=np.uint8)
        fg = segment(image)  # checks the shape
        height, width, _ = image.shape
        transforms = self.transforms(fg, motion, speed, num_frames, height, width)  # (T, 4)
        layer = np.concatenate([fg.color, fg.alpha[..., None]], axis=-1)  # (H, W, 4)
        layers = [torch.from_numpy(layer).permute(2, 0, 1)]  # frame 0's layer, (4, H, W)
        if motion in vocab.ROTATIONS and is_round(fg):
            keep = 1.0 - notch_coverage(height, width, fg.pivot)[..., None]  # (H, W, 1)
            layers.append(torch.from_numpy(layer * keep).permute(2, 0, 1))  # frames 1.. show the notch
        backdrop = torch.from_numpy(fg.backdrop).permute(2, 0, 1).to(self.device)  # (3, H, W)
        pivot = torch.tensor(fg.pivot, dtype=torch.float32, device=self.device)  # (2,)
        frames = np.empty((num_frames, height, width, 3), np.uint8)
        frames[0] = image
        chunk = max(1, CHUNK_PIXELS // (height * width))
        batches = max(1, -(-(num_frames - 1) // chunk))
        for index, start in enumerate(range(1, num_frames, chunk)):
            stop = min(start + chunk, num_frames)
            n = stop - start
            source = layers[-1].to(self.device).expand(n, -1, -1, -1)  # (n, 4, H, W)
            rgb, _ = warp_layers(source, backdrop.expand(n, -1, -1, -1), transforms[start:stop], pivot.expand(n, -1))
            frames[start:stop] = (rgb.clamp(0, 1) * 255.0).round().byte().permute(0, 2, 3, 1).cpu().numpy()
            if on_batch is not None:
                on_batch(index + 1, batches)
        if on_batch is not None and num_frames == 1:
            on_batch(1, 1)
        return frames

    def input_warnings(self, prompt: str, image: Any | None) -> list[str]:
        """Warnings when the image is not a shapes-world picture (:func:`videogen.shapes.world.image_warnings`)."""
        return image_warnings(self.spec, image)

    def generate(self, params: Any, image: Any | None, on_step: Any) -> tuple[np.ndarray, str]:
        """``params``: :class:`videogen.generate.common.GenerationParams`; ``image``: an RGB PIL image
        (the pipeline has already fitted it to ``params.width`` x ``params.height``). The seed is not used."""
        if image is None:
            raise InvalidInputError(f"{getattr(self.spec, 'id', 'shapes-i2v')} animates an image: give one.")
        pixels = np.asarray(image.convert("RGB") if hasattr(image, "convert") else image, dtype=np.uint8)
        if pixels.shape[:2] != (params.height, params.width):
            logger.debug("resizing the image from %s to %dx%d", pixels.shape[:2], params.width, params.height)
            pixels = cv2.resize(pixels, (params.width, params.height), interpolation=cv2.INTER_AREA)
        parsed = parse_prompt(params.prompt)
        frames = self.animate(pixels, parsed.spec.motion, parsed.spec.speed, params.frames, on_step)
        return frames, understood_line(parsed)


def load_generator(spec: Any, folder: Path, plan: Any) -> ShapesImageToVideo:
    """Load ``folder`` (config.json + model.safetensors) onto ``plan.device``, in float32 whatever
    ``plan.dtype`` says (about 23 thousand parameters: half precision would only add rounding)."""
    model = ShapesImageToVideoModel.from_pretrained(
        str(folder), use_safetensors=True, local_files_only=True, dtype=torch.float32
    )
    model.to(plan.device).eval()
    logger.info("Loaded %s (%s) on %s", getattr(spec, "id", folder), type(model).__name__, plan.device)
    return ShapesImageToVideo(spec, model, str(plan.device))
