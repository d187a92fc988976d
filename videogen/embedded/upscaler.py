"""The offline upscaler, ``videogen-sr``: ×2 and ×4 super-resolution by a small network shipped in ``weights/``.

Trained from scratch on real photographs that scikit-image and scikit-learn ship (a held-out set
never seen in training) by :mod:`videogen.training.train_upscaler`; ``weights/upscale-x2/`` holds
``config.json`` (an :class:`UpscalerConfig`) and ``model.safetensors``. ×4 runs the ×2 network
twice: that measured better than a ×4 network of its own trained the same way
(``train_upscaler --factor 4``; ``benchmarks/upscaling.py --x4 FOLDER`` compares the two).

Architecture (factor f, ``channels`` C, ``layers`` L; everything at the input's resolution)::

    x (N, 3, h, w) RGB in [0, 1]
    head:  Conv 3x3, 3 -> C, ReLU                               (N, C, h, w)
    body:  L - 2 x (Conv 3x3, C -> C, ReLU)                     (N, C, h, w)
    tail:  Conv 3x3, C -> 3 f^2, PixelShuffle(f)                (N, 3, f h, f w)   the residual
    out  = bicubic(x, f) + residual, clamped to [0, 1]          (N, 3, f h, f w)

The network only predicts what bicubic interpolation misses (the tail starts at zero, so an
untrained network is exactly bicubic). An output pixel depends on L input pixels each side (bicubic
on 2), fewer than the tiling overlap (:data:`videogen.models.tiles.OVERLAP`), so a
large frame cut into tiles (:func:`videogen.models.tiles.tiled`) comes out as it would whole.

Nothing heavy is imported with this module: torch is imported inside the functions, and each
network is read from its folder the first time it is needed.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from videogen.errors import InvalidInputError, UnsupportedModelError
from videogen.registry import WEIGHTS_DIR

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

__all__ = [
    "FACTORS",
    "NAME",
    "OfflineUpscaler",
    "UpscalerConfig",
    "build",
    "check_factor",
    "check_frames",
    "forward",
    "load",
    "upscale_frames",
]

NAME = "videogen-sr"
MODEL_TYPE = "videogen_sr"  # config.json's model_type
FACTORS = (2, 4)
FOLDERS = {2: WEIGHTS_DIR / "upscale-x2"}  # x4: the x2 network twice (OfflineUpscaler.passes)
TILE = 256  # input pixels per side of a tile (larger frames go in tiles); 0.9 s for 960x540 -> 1080p here, 1.1 s at 384
BICUBIC_REACH = 2  # input pixels a bicubic output pixel depends on, each side


@dataclass(frozen=True)
class UpscalerConfig:
    """One network's settings, saved as its ``config.json``."""

    factor: int = 2  # output pixels per input pixel, each side
    channels: int = 32  # feature channels of the head and body
    layers: int = 8  # 3x3 convolutions in all (head + body + tail)
    model_type: str = MODEL_TYPE

    def __post_init__(self) -> None:
        if self.model_type != MODEL_TYPE:
            raise UnsupportedModelError(f"not a {NAME} network: model_type {self.model_type!r}")
        if self.factor not in FACTORS or self.channels < 1 or self.layers < 2:
            raise UnsupportedModelError(f"bad {NAME} config: factor {self.factor}, channels {self.channels}, "
                                        f"layers {self.layers}")

    @property
    def reach(self) -> int:
        """Input pixels each side that an output pixel depends on (the receptive field's radius)."""
        return max(self.layers, BICUBIC_REACH)

    @classmethod
    def from_file(cls, path: Path) -> UpscalerConfig:
        raw = json.loads(Path(path).read_text())
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def build(config: UpscalerConfig) -> torch.nn.Module:
    """The network of ``config`` with fresh weights: ``x`` (N, 3, h, w) -> the residual (N, 3, f h, f w).

    Run it with :func:`forward`, which adds the bicubic base. The tail starts at zero (bicubic)."""
    from collections import OrderedDict

    from torch import nn

    c, f = config.channels, config.factor
    parts: OrderedDict[str, nn.Module] = OrderedDict(head=nn.Conv2d(3, c, 3, padding=1), head_act=nn.ReLU(inplace=True))
    for i in range(config.layers - 2):
        parts[f"body{i}"] = nn.Conv2d(c, c, 3, padding=1)
        parts[f"body{i}_act"] = nn.ReLU(inplace=True)
    parts["tail"] = nn.Conv2d(c, 3 * f * f, 3, padding=1)
    parts["shuffle"] = nn.PixelShuffle(f)
    network = nn.Sequential(parts)
    for name, module in network.named_children():
        if isinstance(module, nn.Conv2d):
            if name == "tail":
                nn.init.zeros_(module.weight)
            else:
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)
    return network


def forward(network: torch.nn.Module, x: torch.Tensor, factor: int) -> torch.Tensor:
    """``x`` (N, 3, h, w) in [0, 1] -> (N, 3, f h, f w): bicubic plus the network's residual (not clamped)."""
    from torch.nn import functional as F

    base = F.interpolate(x, scale_factor=factor, mode="bicubic", align_corners=False)  # (N, 3, f h, f w)
    return base + network(x - 0.5)  # (N, 3, f h, f w)


def load(folder: str | Path) -> torch.nn.Module:
    """The network in ``folder`` (``config.json`` + ``model.safetensors``), float32, in eval mode on
    the CPU; its :class:`UpscalerConfig` is ``network.config``."""
    from safetensors.torch import load_file

    folder = Path(folder)
    if not (folder / "config.json").is_file() or not (folder / "model.safetensors").is_file():
        raise UnsupportedModelError(f"{folder} has no {NAME} network (config.json + model.safetensors)")
    config = UpscalerConfig.from_file(folder / "config.json")
    network = build(config)
    network.load_state_dict(load_file(str(folder / "model.safetensors")))
    network.config = config  # type: ignore[assignment]
    logger.info("Loaded %s x%d from %s", NAME, config.factor, folder)
    return network.float().eval()


def check_factor(factor: Any) -> int:
    """``factor`` as an int of :data:`FACTORS`, or :class:`InvalidInputError` naming the bad value."""
    if isinstance(factor, bool) or not isinstance(factor, int | np.integer) or int(factor) not in FACTORS:
        raise InvalidInputError(f"factor must be 2 or 4, got {factor!r}")
    return int(factor)


def check_frames(frames: Any) -> np.ndarray:
    """``frames`` as a (T, H, W, 3) uint8 array, or :class:`InvalidInputError` naming what is wrong."""
    if not isinstance(frames, np.ndarray):
        raise InvalidInputError(f"frames must be a numpy array (T, H, W, 3) of uint8, got {type(frames).__name__}")
    if frames.dtype != np.uint8:
        raise InvalidInputError(f"frames must be uint8 (T, H, W, 3), got dtype {frames.dtype}")
    if frames.ndim != 4 or frames.shape[-1] != 3 or min(frames.shape[:3], default=0) < 1:
        raise InvalidInputError(f"frames must have shape (T, H, W, 3) with T, H, W >= 1, got shape {frames.shape}")
    return frames


class OfflineUpscaler:
    """``videogen-sr`` behind the edit recipe's upscaler interface: ``name`` and :meth:`upscale`.

    ``folders`` maps a factor to the folder of its network (default: ``weights/upscale-x2``); a
    factor without a folder of its own is reached by running the ×2 network repeatedly (×4: twice).
    Each network is read on first use and kept (one copy per folder per process, shared by every
    instance)."""

    name = NAME
    factors = FACTORS
    scale = 2  # its network's own factor (the edit models' interface)

    def __init__(self, folders: dict[int, Path] | None = None, *, tile: int = TILE) -> None:
        self.folders = dict(folders or FOLDERS)
        self.tile = tile

    def network(self, factor: int) -> torch.nn.Module:
        """The network of ``folders[factor]``, loaded once."""
        network = _cached(Path(self.folders[factor]))
        if network.config.factor != factor:
            raise UnsupportedModelError(f"{self.folders[factor]} holds a x{network.config.factor} network, "
                                        f"not x{factor}")
        return network

    def warnings_for(self, factor: int) -> list[str]:
        """Nothing to say: ×4 by two ×2 passes is this model's way (measured better than a ×4 network of
        its own: weights/upscale-x2/README.md)."""
        return []

    def passes(self, factor: int) -> list[int]:
        """The networks' factors that make ``factor``, in order: [4] with a ×4 network, else [2, 2]."""
        return [factor] if factor in self.folders else [2] * (factor // 2)

    def enlarge(self, x: torch.Tensor, factor: int) -> torch.Tensor:
        """``x`` (1, 3, H, W) in [0, 1] -> (1, 3, f H, f W) in [0, 1], in tiles where it is large."""
        from videogen.models.tiles import OVERLAP, tiled

        for step in self.passes(factor):
            network = self.network(step)
            overlap = max(OVERLAP, network.config.reach)
            x = tiled(lambda piece, n=network, f=step: forward(n, piece, f), x, step, tile=self.tile, overlap=overlap)
            x = x.clamp_(0.0, 1.0)  # (1, 3, step H, step W)
        return x

    def upscale(
        self, frames: np.ndarray, factor: int, on_frame: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """(T, H, W, 3) uint8 -> (T, H*factor, W*factor, 3) uint8, frame by frame.

        ``on_frame(done, total)`` is called after each frame (progress); it may raise to stop."""
        import torch

        factor, frames = check_factor(factor), check_frames(frames)
        for step in set(self.passes(factor)):
            self.network(step)  # a missing or wrong folder fails before any work
        count, height, width = frames.shape[:3]
        out = np.empty((count, height * factor, width * factor, 3), np.uint8)
        with torch.inference_mode():
            for t in range(count):
                x = torch.from_numpy(frames[t]).permute(2, 0, 1)[None].float().div_(255.0)  # (1, 3, H, W)
                y = self.enlarge(x, factor).mul_(255.0).round_()  # (1, 3, f H, f W)
                out[t] = y[0].permute(1, 2, 0).to(torch.uint8).numpy()
                if on_frame is not None:
                    on_frame(t + 1, count)
        return out


_LOADED: dict[Path, Any] = {}
_LOCK = threading.Lock()


def _cached(folder: Path) -> torch.nn.Module:
    with _LOCK:
        if folder not in _LOADED:
            _LOADED[folder] = load(folder)
        return _LOADED[folder]


def upscale_frames(frames: np.ndarray, factor: int, on_frame: Callable[[int, int], None] | None = None) -> np.ndarray:
    """(T, H, W, 3) uint8 -> (T, H*factor, W*factor, 3) uint8 with the shipped networks (factor 2 or 4).

    ``on_frame(done, total)`` after each frame; it may raise (e.g. to cancel) and the upscaling stops."""
    return OfflineUpscaler().upscale(frames, factor, on_frame)
