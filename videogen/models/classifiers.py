"""Transformers video classifiers, and which recognizer runs when none is named.

Two kinds, behind the classifier interface of :mod:`videogen.models`:

* :class:`TransformersClassifier`: a closed-set classifier (VideoMAE-style) that chooses among the
  classes it was trained on (``config.id2label``).
* :class:`XCLIPClassifier`: X-CLIP, which scores a video against label texts. Without labels it
  chooses among the 400 Kinetics actions (:func:`kinetics400_labels`); with labels, among those.
  The text side of X-CLIP does not depend on the video, so the label features are computed once
  per label set and kept (:attr:`XCLIPClassifier.cache_size` sets); each video then runs only the
  vision side and X-CLIP's video-specific prompt generator (:func:`xclip_logits`).

:func:`default_recognizer` picks the X-CLIP for the machine when it can run (downloaded, or the Hub
answers). Loading goes through ``from_pretrained`` from a local folder, safetensors only, never
``trust_remote_code``.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from videogen import hub
from videogen.device import DeviceChoice
from videogen.errors import UnsupportedModelError
from videogen.registry import ModelSpec, find

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

KINETICS400_FILE = Path(__file__).resolve().parents[1] / "data" / "kinetics400_labels.txt"
TEXT_CACHE_SIZE = 4  # label sets whose text features stay computed (Kinetics-400 + a few of the user's)
DEFAULT_RECOGNIZER = {"cuda": "xclip-base-16", "cpu": "xclip-base-32"}  # registry ids


@functools.cache
def kinetics400_labels() -> tuple[str, ...]:
    """The 400 Kinetics-400 class names, in the dataset's index order (0 = "abseiling")."""
    labels = tuple(line.strip() for line in KINETICS400_FILE.read_text(encoding="utf-8").splitlines() if line.strip())
    if len(labels) != 400:
        raise UnsupportedModelError(
            f"{KINETICS400_FILE} has {len(labels)} labels, not 400: restore it from the repository."
        )
    return labels


# ----------------------------------------------------------------------------------------------
# Which recognizer


def default_recognizer(*, cuda: bool, offline: bool) -> ModelSpec | None:
    """The X-CLIP the classify task uses when no model is named, or None when none can run.

    X-CLIP base/16 with a GPU, base/32 on CPU: when it is downloaded, or (not offline) when the Hub
    answers. Else the other size if that one is downloaded. None means: no real recognizer without
    a download that cannot happen now (the caller falls back to the shipped shapes-world model).
    """
    preferred = find(DEFAULT_RECOGNIZER["cuda" if cuda else "cpu"], "classify")
    other = find(DEFAULT_RECOGNIZER["cpu" if cuda else "cuda"], "classify")
    assert preferred is not None and other is not None, "DEFAULT_RECOGNIZER names registry entries"
    if hub.is_downloaded(preferred):
        return preferred
    if not offline and hub.hub_reachable():
        return preferred
    if hub.is_downloaded(other):
        return other
    return None


# ----------------------------------------------------------------------------------------------
# Closed-set classifiers


class HubClassifier:
    """What both transformers classifiers share: the processor's input size, one clip as a batch of
    one, and no warnings (they know real footage)."""

    processor: Any

    @property
    def input_size(self) -> int:
        """The shortest side the processor resizes frames to (reading frames smaller loses nothing)."""
        return processor_short_side(self.processor)

    def classify(self, frames: np.ndarray, labels: list[str] | None) -> list[tuple[str, float]]:
        return self.classify_batch([frames], labels)[0]  # type: ignore[attr-defined]

    def input_warnings(self, frames: np.ndarray) -> list[str]:
        return []


@dataclass
class TransformersClassifier(HubClassifier):
    """A transformers video classifier with its own classes (VideoMAE-style): ``labels`` is unused."""

    spec: ModelSpec
    model: Any
    processor: Any
    device_choice: DeviceChoice
    num_frames: int

    def classify_batch(self, clips: list[np.ndarray], labels: list[str] | None) -> list[list[tuple[str, float]]]:
        """:meth:`classify` for several clips (each ``num_frames`` frames) in one forward pass."""
        import torch

        videos = [list(frames) for frames in clips]  # each video: a list of (H, W, 3) uint8 frames
        with torch.inference_mode():
            inputs = self.processor(videos, return_tensors="pt")
            pixels = inputs["pixel_values"].to(self.device_choice.device, self.device_choice.dtype)  # (B, T, 3, H, W)
            logits = self.model(pixel_values=pixels).logits  # (B, num_classes)
            id2label = self.model.config.id2label
            names = [id2label.get(i, str(i)) for i in range(logits.shape[-1])]
            probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        return [_ranked(names, row) for row in probs]


# ----------------------------------------------------------------------------------------------
# X-CLIP


@dataclass
class XCLIPClassifier(HubClassifier):
    """X-CLIP over the Kinetics-400 labels, or over the labels given; label text features cached."""

    spec: ModelSpec
    model: Any  # transformers.XCLIPModel
    processor: Any  # transformers.XCLIPProcessor
    device_choice: DeviceChoice
    num_frames: int
    default_labels: tuple[str, ...] = field(default_factory=kinetics400_labels)
    cache_size: int = TEXT_CACHE_SIZE
    _text: OrderedDict[tuple[str, ...], Any] = field(default_factory=OrderedDict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def classify_batch(self, clips: list[np.ndarray], labels: list[str] | None) -> list[list[tuple[str, float]]]:
        """:meth:`classify` for several clips (each ``num_frames`` frames) in one pass of the vision side."""
        import torch

        names = tuple(labels) if labels else self.default_labels
        with torch.inference_mode():
            text_embeds = self.text_features(names)  # (K, D)
            inputs = self.processor(videos=[list(frames) for frames in clips], return_tensors="pt")
            pixels = inputs["pixel_values"].to(self.device_choice.device, self.device_choice.dtype)  # (B, T, 3, H, W)
            video_embeds, visual = xclip_video_features(self.model, pixels)
            logits = xclip_logits(self.model, text_embeds, video_embeds, visual)  # (B, K)
            probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        return [_ranked(list(names), row) for row in probs]

    def text_features(self, labels: tuple[str, ...]) -> torch.Tensor:
        """Projected text embeddings (K, D) of the labels: computed on first use, then reused."""
        import torch

        with self._lock:
            if labels in self._text:
                self._text.move_to_end(labels)
                return self._text[labels]
        tokens = self.processor.tokenizer(list(labels), padding=True, return_tensors="pt")
        with torch.inference_mode():
            text = self.model.text_model(
                input_ids=tokens["input_ids"].to(self.device_choice.device),
                attention_mask=tokens["attention_mask"].to(self.device_choice.device),
            )
            features = self.model.text_projection(text.pooler_output)  # (K, text hidden) -> (K, D)
        logger.info("%s: text features of %d labels computed", self.spec.id, len(labels))
        with self._lock:
            self._text[labels] = features
            while len(self._text) > self.cache_size:
                self._text.popitem(last=False)
        return features


def xclip_video_features(model: Any, pixel_values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The video side of ``XCLIPModel.forward``: (video embeddings (B, D), prompt visuals (B, N, D)).

    ``pixel_values`` is (B, T, 3, H, W). N is the number of patches per frame.
    """
    batch, frames, channels, height, width = pixel_values.shape
    vision = model.vision_model(pixel_values=pixel_values.reshape(-1, channels, height, width))
    cls = model.visual_projection(vision.pooler_output)  # (B*T, D)
    video_embeds = model.mit(cls.view(batch, frames, -1)).pooler_output  # (B, T, D) -> (B, D)
    visual = model.prompts_visual_layernorm(vision.last_hidden_state[:, 1:, :])  # (B*T, N, vision hidden)
    visual = visual @ model.prompts_visual_projection  # (B*T, N, D)
    visual = visual.view(batch, frames, -1, video_embeds.shape[-1]).mean(dim=1)  # (B, N, D)
    return video_embeds, visual


def xclip_logits(
    model: Any, text_embeds: torch.Tensor, video_embeds: torch.Tensor, visual: torch.Tensor
) -> torch.Tensor:
    """What ``XCLIPModel.forward`` does after the text encoder: logits per video (B, K).

    ``text_embeds`` (K, D) are the projected text features (:meth:`XCLIPClassifier.text_features`);
    ``video_embeds`` (B, D) and ``visual`` (B, N, D) come from :func:`xclip_video_features`.
    """
    import torch

    text = text_embeds.unsqueeze(0).expand(video_embeds.shape[0], -1, -1)  # (B, K, D)
    text = text + model.prompts_generator(text, visual)  # video-specific prompts: (B, K, D)
    video = video_embeds / video_embeds.norm(p=2, dim=-1, keepdim=True)  # (B, D)
    text = text / text.norm(p=2, dim=-1, keepdim=True)  # (B, K, D)
    return torch.einsum("bd,bkd->bk", video, model.logit_scale.exp() * text)  # (B, K)


# ----------------------------------------------------------------------------------------------
# Loading


def load_classifier(spec: ModelSpec, folder: Path, device_choice: DeviceChoice) -> TransformersClassifier | XCLIPClassifier:
    """Load a transformers classifier (closed-set, or X-CLIP) from a local folder."""
    import transformers

    model_cls = getattr(transformers, spec.pipeline_class)
    model = model_cls.from_pretrained(str(folder), dtype=device_choice.dtype, use_safetensors=True, local_files_only=True)
    model.to(device_choice.device).eval()
    if spec.family_info.zero_shot:
        processor = transformers.AutoProcessor.from_pretrained(str(folder), local_files_only=True)
        return XCLIPClassifier(spec, model, processor, device_choice, int(model.config.vision_config.num_frames))
    processor = transformers.AutoImageProcessor.from_pretrained(str(folder), local_files_only=True)
    return TransformersClassifier(spec, model, processor, device_choice, int(model.config.num_frames))


def processor_short_side(processor: Any, default: int = 224) -> int:
    """The shortest side a transformers video processor resizes frames to (``size.shortest_edge``,
    else the smaller of ``size.height``/``size.width``); ``default`` when it says neither."""
    image = getattr(processor, "image_processor", None) or processor  # XCLIPProcessor wraps one
    size = getattr(image, "size", None)
    read = size.get if isinstance(size, dict) else (lambda key: getattr(size, key, None))
    side = read("shortest_edge") or min((v for v in (read("height"), read("width")) if v), default=None)
    return int(side) if side else default


def _ranked(names: list[str], probs: np.ndarray) -> list[tuple[str, float]]:
    """All (label, probability) pairs, best first (ties keep the label order)."""
    order = np.argsort(-probs, kind="stable")
    return [(names[i], float(probs[i])) for i in order]
