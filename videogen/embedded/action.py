"""The embedded action classifier of the shapes world: which of the nine motions a clip shows.

A small R(2+1)D network (torchvision's video ResNet building blocks, with narrow widths) trained
from scratch on rendered clips by :mod:`videogen.training.train_action`; shipped in
``weights/shapes-action/`` (``config.json`` + ``model.safetensors``) and loaded with transformers'
``from_pretrained``.

Architecture (``image_size`` S, ``num_frames`` T, widths w0..w3)::

    pixel_values (B, 3, T, S, S)
    minus its mean over T (subtract_temporal_mean: only what changes, i.e. the motion)    (B, 3, T, S, S)
    stem:   Conv3d 1x3x3 stride (1,2,2) -> BN -> ReLU -> Conv3d 3x1x1 -> BN -> ReLU   (B, w0, T, S/2, S/2)
    layer1: BasicBlock(Conv2Plus1D)                                                  (B, w0, T, S/2, S/2)
    layer2: BasicBlock(Conv2Plus1D), stride 2 in time and space                      (B, w1, T/2, S/4, S/4)
    layer3: idem                                                                     (B, w2, T/4, S/8, S/8)
    layer4: idem                                                                     (B, w3, T/8, S/16, S/16)
    global average pool -> dropout -> Linear                                         (B, num_labels)

The labels are :data:`videogen.shapes.vocab.MOTIONS`, in that order. The model is not zero-shot: it
always scores all nine motions.

Input convention (:func:`preprocess`): ``num_frames`` frames sampled uniformly over the clip (the
frame shown at the centre of each of ``num_frames`` equal slices), each resized to S x S with
``cv2.INTER_AREA`` (the aspect ratio is not kept), scaled to [0, 1] and normalised with the
config's ``mean`` and ``std``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn
from torchvision.models.video.resnet import BasicBlock, Conv2Plus1D
from transformers import PretrainedConfig, PreTrainedModel
from transformers import initialization as init
from transformers.modeling_outputs import ImageClassifierOutput

from videogen.errors import InvalidInputError
from videogen.shapes.vocab import MOTIONS

logger = logging.getLogger(__name__)

__all__ = [
    "EmbeddedActionClassifier",
    "ShapesActionConfig",
    "ShapesActionModel",
    "load_classifier",
    "preprocess",
    "resample_frames",
    "sample_indices",
]


class ShapesActionConfig(PretrainedConfig):
    """Configuration of :class:`ShapesActionModel` (a transformers config: saved as ``config.json``).

    ``labels`` defaults to the nine motions; ``id2label``/``label2id`` are derived from it.
    """

    model_type = "shapes_action"

    labels: list[str] | None = None  # class names, in logit order; None: videogen.shapes.vocab.MOTIONS
    num_frames: int = 16  # frames the model sees
    image_size: int = 48  # frames are resized to image_size x image_size
    channels: int = 3  # RGB
    stem_width: int = 16  # channels of the stem's spatial convolution
    widths: list[int] | tuple[int, ...] = (16, 32, 64, 128)  # channels of layer1..layer4
    blocks: list[int] | tuple[int, ...] = (1, 1, 1, 1)  # BasicBlocks per layer
    dropout: float = 0.2  # before the classifier
    # Subtract each pixel's mean over the clip first, so that the network sees only what changes: the
    # motion, not the static look of the scene. Without it, training sat at chance for hundreds of steps.
    subtract_temporal_mean: bool = True
    mean: list[float] | tuple[float, ...] = (0.5, 0.5, 0.5)  # normalisation of [0, 1] pixels
    std: list[float] | tuple[float, ...] = (0.5, 0.5, 0.5)

    def __post_init__(self, **kwargs: Any) -> None:
        self.labels = list(self.labels) if self.labels else list(MOTIONS)
        self.widths, self.blocks = [int(w) for w in self.widths], [int(b) for b in self.blocks]
        self.mean, self.std = [float(m) for m in self.mean], [float(s) for s in self.std]
        if len(self.widths) != len(self.blocks) or not self.widths:
            raise ValueError(f"widths and blocks must have the same, non-zero length: {self.widths}, {self.blocks}")
        if len(self.mean) != self.channels or len(self.std) != self.channels:
            raise ValueError(f"mean and std need {self.channels} values each")
        if self.num_frames < 1 or self.image_size < 16:
            raise ValueError(f"num_frames must be >= 1 and image_size >= 16, got {self.num_frames}, {self.image_size}")
        kwargs.pop("num_labels", None)
        self.id2label = dict(enumerate(self.labels))
        self.label2id = {label: i for i, label in enumerate(self.labels)}
        super().__post_init__(**kwargs)


def _stem(channels: int, mid: int, out: int) -> nn.Sequential:
    """A narrow R(2+1)D stem (torchvision's ``R2Plus1dStem`` is fixed at 45 -> 64 channels)."""
    return nn.Sequential(
        nn.Conv3d(channels, mid, kernel_size=(1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1), bias=False),
        nn.BatchNorm3d(mid),
        nn.ReLU(inplace=True),
        nn.Conv3d(mid, out, kernel_size=(3, 1, 1), stride=(1, 1, 1), padding=(1, 0, 0), bias=False),
        nn.BatchNorm3d(out),
        nn.ReLU(inplace=True),
    )


def _layer(inplanes: int, planes: int, blocks: int, stride: int) -> nn.Sequential:
    """``blocks`` torchvision BasicBlocks with (2+1)D convolutions, as ``VideoResNet._make_layer``."""
    downsample = None
    if stride != 1 or inplanes != planes:
        downsample = nn.Sequential(
            nn.Conv3d(inplanes, planes, kernel_size=1, stride=Conv2Plus1D.get_downsample_stride(stride), bias=False),
            nn.BatchNorm3d(planes),
        )
    layers = [BasicBlock(inplanes, planes, Conv2Plus1D, stride, downsample)]
    layers += [BasicBlock(planes, planes, Conv2Plus1D) for _ in range(1, blocks)]
    return nn.Sequential(*layers)


class ShapesActionModel(PreTrainedModel):
    """R(2+1)D video classifier: ``pixel_values`` (B, C, T, H, W) -> ``logits`` (B, num_labels)."""

    config: ShapesActionConfig
    config_class = ShapesActionConfig
    base_model_prefix = "shapes_action"
    main_input_name = "pixel_values"
    input_modalities = ("video",)
    _no_split_modules: list[str] = []

    def __init__(self, config: ShapesActionConfig) -> None:
        super().__init__(config)
        widths = config.widths
        self.stem = _stem(config.channels, config.stem_width, widths[0])
        stages = []
        inplanes = widths[0]
        for i, (planes, blocks) in enumerate(zip(widths, config.blocks)):
            stages.append(_layer(inplanes, planes, blocks, stride=1 if i == 0 else 2))
            inplanes = planes
        self.layers = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(widths[-1], len(config.labels))
        self.post_init()

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        """torchvision's VideoResNet initialisation."""
        if isinstance(module, nn.Conv3d):
            init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm3d):
            init.ones_(module.weight)
            init.zeros_(module.bias)
            init.zeros_(module.running_mean)
            init.ones_(module.running_var)
            if getattr(module, "num_batches_tracked", None) is not None:
                init.zeros_(module.num_batches_tracked)
        elif isinstance(module, nn.Linear):
            init.normal_(module.weight, 0.0, 0.01)
            init.zeros_(module.bias)

    def forward(
        self,
        pixel_values: torch.Tensor,
        labels: torch.Tensor | None = None,
        return_dict: bool | None = None,
        **kwargs: Any,
    ) -> ImageClassifierOutput | tuple[torch.Tensor, ...]:
        """``pixel_values`` (B, C, T, H, W) normalised -> logits (B, num_labels); loss with ``labels`` (B,)."""
        if self.config.subtract_temporal_mean:
            pixel_values = pixel_values - pixel_values.mean(dim=2, keepdim=True)  # (B, C, T, H, W): what changes
        x = self.stem(pixel_values)  # (B, w0, T, H/2, W/2)
        x = self.layers(x)  # (B, w3, T/8, H/16, W/16)
        x = self.pool(x).flatten(1)  # (B, w3)
        logits = self.classifier(self.dropout(x))  # (B, num_labels)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels)
        if return_dict is False:
            return (logits,) if loss is None else (loss, logits)
        return ImageClassifierOutput(loss=loss, logits=logits)


# --- preprocessing ---------------------------------------------------------------------------------


def sample_indices(total: int, num_frames: int, offset: float = 0.0) -> np.ndarray:
    """Indices of ``num_frames`` frames spread uniformly over ``total`` frames: the frame shown at the
    centre of each of ``num_frames`` equal slices (as :func:`videogen.media.read_frames` samples by
    time). ``offset`` (frames) shifts all the sampling points, for training-time jitter. Frames
    repeat when ``total < num_frames``."""
    if total < 1 or num_frames < 1:
        raise InvalidInputError(f"need at least one frame, got total={total}, num_frames={num_frames}")
    points = (np.arange(num_frames) + 0.5) * total / num_frames + offset  # (num_frames,) in frame units
    return np.clip(np.floor(points), 0, total - 1).astype(np.int64)


def _as_uint8(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.shape[0] < 1 or min(frames.shape[1:3]) < 1:
        raise InvalidInputError(f"frames must have shape (T, H, W, 3) with T >= 1, got {frames.shape}")
    if frames.dtype == np.uint8:
        return frames
    if np.issubdtype(frames.dtype, np.floating) and frames.size and float(frames.max()) <= 1.0:
        frames = frames * 255.0  # floats in [0, 1]
    return np.clip(np.round(frames), 0, 255).astype(np.uint8)


def resample_frames(frames: np.ndarray, num_frames: int, size: int, offset: float = 0.0) -> np.ndarray:
    """(T, H, W, 3) RGB -> (num_frames, size, size, 3) uint8: uniform temporal sampling
    (:func:`sample_indices`) and an area resize of each chosen frame."""
    frames = _as_uint8(frames)
    indices = sample_indices(len(frames), num_frames, offset)
    out = np.empty((num_frames, size, size, 3), np.uint8)
    for i, t in enumerate(indices):
        frame = frames[t]
        if frame.shape[:2] != (size, size):
            frame = cv2.resize(frame, (size, size), interpolation=cv2.INTER_AREA)
        out[i] = frame
    return out


def normalise(frames: torch.Tensor, config: ShapesActionConfig) -> torch.Tensor:
    """uint8 (B, T, S, S, C) -> float32 (B, C, T, S, S) normalised with the config's mean/std."""
    x = frames.permute(0, 4, 1, 2, 3).float().div_(255.0)  # (B, C, T, S, S) in [0, 1]
    mean = torch.tensor(config.mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1, 1)
    std = torch.tensor(config.std, dtype=x.dtype, device=x.device).view(1, -1, 1, 1, 1)
    return (x - mean) / std


def preprocess(frames: np.ndarray, config: ShapesActionConfig) -> torch.Tensor:
    """(T, H, W, 3) uint8 RGB, any T >= 1 and any size -> (1, 3, num_frames, S, S) float32."""
    clip = resample_frames(frames, config.num_frames, config.image_size)  # (T', S, S, 3) uint8
    return normalise(torch.from_numpy(clip)[None], config)  # (1, 3, T', S, S)


# --- the app's classifier interface -----------------------------------------------------------------


@dataclass
class EmbeddedActionClassifier:
    """The shipped classifier behind :class:`videogen.models.VideoClassifier`'s interface."""

    spec: Any  # videogen.registry.ModelSpec
    model: ShapesActionModel
    device: str = "cpu"

    @property
    def num_frames(self) -> int:
        return int(self.model.config.num_frames)

    @property
    def input_size(self) -> int:
        """Frames are resized to ``image_size`` squared: reading them smaller loses nothing."""
        return int(self.model.config.image_size)

    @property
    def labels(self) -> list[str]:
        return list(self.model.config.labels)

    def input_warnings(self, frames: np.ndarray) -> list[str]:
        """Warnings when the clip is not a shapes-world clip (:func:`videogen.shapes.world.video_warnings`)."""
        from videogen.shapes.world import video_warnings

        return video_warnings(self.spec, frames)

    def classify(self, frames: np.ndarray, labels: list[str] | None = None) -> list[tuple[str, float]]:
        """All the model's labels with their softmax probabilities, best first.

        ``labels`` is ignored: the model is not zero-shot, it always scores its own nine motions.
        """
        return self.classify_batch([frames], labels)[0]

    def classify_batch(self, clips: list[np.ndarray], labels: list[str] | None = None) -> list[list[tuple[str, float]]]:
        """:meth:`classify` for several clips in one forward pass (a timeline's windows)."""
        if labels:
            logger.debug("%s is not zero-shot; ignoring the %d labels given", getattr(self.spec, "id", "?"), len(labels))
        pixels = torch.cat([preprocess(frames, self.model.config) for frames in clips]).to(self.device)  # (B, 3, T, S, S)
        with torch.inference_mode():
            logits = self.model(pixel_values=pixels).logits  # (B, num_labels)
            probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        names = self.labels
        return [[(names[i], float(row[i])) for i in np.argsort(-row, kind="stable")] for row in probs]


def load_classifier(spec: Any, folder: Path, plan: Any) -> EmbeddedActionClassifier:
    """Load ``folder`` (config.json + model.safetensors) onto ``plan.device``.

    The model always runs in float32 (``plan.dtype`` is not used): it is about 0.8 M parameters, so
    half precision saves nothing worth its rounding.
    """
    model = ShapesActionModel.from_pretrained(str(folder), use_safetensors=True, local_files_only=True, dtype=torch.float32)
    model.to(plan.device).eval()
    logger.info("Loaded %s (%s) on %s", getattr(spec, "id", folder), type(model).__name__, plan.device)
    return EmbeddedActionClassifier(spec, model, str(plan.device))
