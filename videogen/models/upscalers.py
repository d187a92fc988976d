"""Super-resolution from a weights file through spandrel: Real-ESRGAN, or any SR architecture it knows.

spandrel recognises an architecture and its sizes from a state dict's key names and shapes (Real-ESRGAN's
RRDBNet: ``conv_first``, ``body.N.rdbK.convJ``, ``conv_up1`` …; its ×2 model is the same network behind
a pixel-unshuffle, which spandrel reports as scale 2). :func:`load_upscaler` reads the file itself —
safetensors, or a pickled state dict through torch's weights-only unpickler, so a ``.pth`` can hold
tensors but never code — checks that it is a super-resolution model of RGB images at ×2 or more, and
:class:`SpandrelUpscaler` runs it over frames in overlapping tiles (:func:`~videogen.models.tiles.tiled`:
spandrel leaves tiling to its callers), so that a 1080p frame fits in memory.

A factor the model does not have is made from the one it has: ×4 with a ×2 model runs it twice;
×2 with a ×4 model runs it once and shrinks the result by 2 (area averaging). :meth:`warnings_for`
says so, for the edit's result.

torch and spandrel are imported at the top: import this module lazily (only when an upscaler is loaded).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from videogen.errors import InvalidInputError, UnsupportedModelError
from videogen.models.tiles import OVERLAP, TILE, tiled

logger = logging.getLogger(__name__)

FACTORS = (2, 4)
PICKLE_SUFFIXES = (".pth", ".pt", ".ckpt", ".bin")
WHAT_TO_GIVE = ("Give a super-resolution weights file that spandrel recognises, such as Real-ESRGAN's "
                "RealESRGAN_x4.pth (pick realesrgan-x4 or realesrgan-x2).")


def read_state_dict(path: Path) -> dict:
    """The state dict in a weights file; pickles through torch's weights-only unpickler (tensors, never code)."""
    if path.suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except (SafetensorError, OSError) as exc:
            raise UnsupportedModelError(f"{path.name} is not a readable safetensors file ({exc}). {WHAT_TO_GIVE}") from exc
    if path.suffix in PICKLE_SUFFIXES:
        try:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - the unpickler's refusal or a damaged file, said as one error
            reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            raise UnsupportedModelError(
                f"{path.name} is not a plain state dict of tensors ({reason}); videogen never unpickles code. "
                f"{WHAT_TO_GIVE}") from exc
        if not isinstance(state, dict):
            raise UnsupportedModelError(f"{path.name} holds a {type(state).__name__}, not a state dict. {WHAT_TO_GIVE}")
        return state
    raise UnsupportedModelError(f"{path.name}: weights are a .safetensors or .pth file. {WHAT_TO_GIVE}")


def describe(path: Path):  # -> spandrel.ImageModelDescriptor
    """spandrel's descriptor of the SR model in ``path``; refuses anything else with what to do."""
    import spandrel

    state = read_state_dict(path)
    try:
        model = spandrel.ModelLoader().load_from_state_dict(state)
    except spandrel.UnsupportedModelError as exc:
        raise UnsupportedModelError(f"{path.name} is not a model architecture spandrel knows. {WHAT_TO_GIVE}") from exc
    except (KeyError, RuntimeError, ValueError, IndexError) as exc:  # recognised, but the tensors do not fit
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise UnsupportedModelError(f"{path.name} looks like a spandrel model but does not load ({reason}). "
                                    f"{WHAT_TO_GIVE}") from exc
    kind = f"{model.architecture.name} {model.purpose} model"
    if not isinstance(model, spandrel.ImageModelDescriptor) or model.purpose != "SR" or model.scale < 2:
        raise UnsupportedModelError(f"{path.name} is a {kind} (scale {model.scale}), not a super-resolution model. "
                                    f"{WHAT_TO_GIVE}")
    if model.input_channels != 3 or model.output_channels != 3:
        raise UnsupportedModelError(f"{path.name} is a {kind} of {model.input_channels}-channel images; frames are RGB. "
                                    f"{WHAT_TO_GIVE}")
    return model


def passes(scale: int, factor: int) -> tuple[int, int]:
    """(times the model runs, how much its result is shrunk after) to make ``factor`` from a ×``scale`` model."""
    if factor not in FACTORS:
        raise InvalidInputError(f"upscale must be 2 or 4, got {factor!r}")
    runs, reached = 1, scale
    while reached < factor:
        runs, reached = runs + 1, reached * scale
    if reached % factor:
        raise InvalidInputError(f"a ×{scale} model cannot make ×{factor}: pick a ×2 or ×4 model")
    return runs, reached // factor


class SpandrelUpscaler:
    """A loaded SR model on a device: :meth:`upscale` over uint8 frames, tiled."""

    def __init__(self, model, device: str, name: str, *, tile: int = TILE, overlap: int = OVERLAP) -> None:
        self.name = name
        self.scale: int = int(model.scale)
        self.architecture: str = model.architecture.name
        self.device = device
        self.tile, self.overlap = tile, overlap
        half = device.startswith("cuda") and model.supports_half  # Real-ESRGAN's own default on a GPU
        self.dtype = torch.float16 if half else torch.float32
        self.model = model.to(device).to(self.dtype).eval()

    def warnings_for(self, factor: int) -> list[str]:
        """What is done to make ``factor`` from this model's own scale (empty when it is the same)."""
        runs, shrink = passes(self.scale, factor)
        if runs > 1:
            return [f"{self.name} is a ×{self.scale} model: it ran {runs} times for ×{factor}."]
        if shrink > 1:
            return [f"{self.name} is a ×{self.scale} model: its result was shrunk by {shrink} (area) for ×{factor}."]
        return []

    def _run(self, image: torch.Tensor) -> torch.Tensor:
        """(1, 3, h, w) in [0, 1] -> (1, 3, h*scale, w*scale), tile by tile. The whole picture is first padded
        to the model's multiple (spandrel would pad each tile, so the result would depend on where tiles end)."""
        _, _, h, w = image.shape
        m = max(1, self.model.size_requirements.multiple_of)
        need = self.model.size_requirements.minimum
        pad_h, pad_w = max((-h) % m, need - h, 0), max((-w) % m, need - w, 0)
        if pad_h or pad_w:
            mode = "reflect" if pad_h < h and pad_w < w else "replicate"
            image = F.pad(image, (0, pad_w, 0, pad_h), mode=mode)  # (1, 3, h', w')
        out = tiled(self.model, image, self.scale, tile=self.tile, overlap=self.overlap)  # (1, 3, h'*s, w'*s)
        return out[:, :, :h * self.scale, :w * self.scale]

    def upscale_frame(self, frame: np.ndarray, factor: int) -> np.ndarray:
        """One (H, W, 3) uint8 frame -> (H*factor, W*factor, 3) uint8."""
        runs, shrink = passes(self.scale, factor)
        x = torch.from_numpy(np.ascontiguousarray(frame)).to(self.device).permute(2, 0, 1)[None]  # (1, 3, H, W)
        x = x.to(self.dtype) / 255
        with torch.inference_mode():
            for _ in range(runs):
                x = self._run(x)  # (1, 3, H*scale^k, W*scale^k)
            if shrink > 1:
                x = F.interpolate(x.float(), scale_factor=1 / shrink, mode="area")
            if not torch.isfinite(x).all() and self.dtype != torch.float32:
                logger.warning("%s: float16 gave non-finite values; running in float32 from now on", self.name)
                self.dtype, self.model = torch.float32, self.model.float()
                return self.upscale_frame(frame, factor)
        out = x[0].float().clamp(0, 1).mul(255).round().to(torch.uint8).permute(1, 2, 0)  # (H*f, W*f, 3)
        return out.cpu().numpy()

    def upscale(self, frames: np.ndarray, factor: int, on_frame: Callable[[int, int], None] | None = None) -> np.ndarray:
        """(T, H, W, 3) uint8 -> (T, H*factor, W*factor, 3) uint8. ``on_frame(done, total)`` after each frame
        (may raise to stop)."""
        frames = np.asarray(frames)
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
            raise InvalidInputError(f"frames must be (T, H, W, 3) uint8, got {frames.shape} {frames.dtype}")
        passes(self.scale, factor)  # refuse before the first frame
        t, h, w, _ = frames.shape
        out = np.empty((t, h * factor, w * factor, 3), np.uint8)
        for i, frame in enumerate(frames):
            out[i] = self.upscale_frame(frame, factor)
            if on_frame is not None:
                on_frame(i + 1, t)
        return out


def load_upscaler(file: Path, device: str, name: str | None = None, *, tile: int = TILE,
                  overlap: int = OVERLAP) -> SpandrelUpscaler:
    """The SR model in ``file`` (Real-ESRGAN's ``.pth``, any spandrel SR file) on ``device``."""
    file = Path(file)
    model = describe(file)
    logger.info("Loaded %s from %s: %s ×%d (%s) on %s", name or file.name, file, model.architecture.name, model.scale,
                ", ".join(model.tags), device)
    return SpandrelUpscaler(model, device, name or file.stem, tile=tile, overlap=overlap)
