"""RIFE 4.13's IFNet, written here, loading the weights of ``imaginairy/rife-interpolation``.

RIFE (Huang et al., ECCV 2022; hzwer/Practical-RIFE, MIT) makes the frame at a time ``t`` between
two frames by estimating the *intermediate* flow directly: from the new frame back to each of the
two. Version 4.13 (Practical-RIFE's 4.x line) is:

* ``encode``: a small feature head (3 convolutions, the first of stride 2, and a transposed one back
  to full size) giving 8 feature channels per frame;
* ``block0`` … ``block3``: coarse-to-fine :class:`IFBlock` s at 1/8, 1/4, 1/2 and full size. Each
  sees both frames warped by the flow so far, their warped features, ``t`` as a constant channel
  and the last blend mask, and adds a correction to the 4-channel flow (frame 0 ← new, frame 1 ←
  new) and a new mask logit;
* the result: both frames warped to ``t`` and blended by ``sigmoid(mask)``.

The published checkpoint is a bare state dict with these module names (``encode.cnn0.weight``,
``block0.conv0.0.0.weight``, ``block2.convblock.7.beta``, ``block3.lastconv.0.bias`` …); Practical-RIFE's
own ``flownet.pkl`` has the same names behind a ``module.`` prefix, which is dropped. The sizes
(:class:`RifeConfig`) are read from the tensors' shapes, so a reduced copy of the architecture (the
tests' tiny RIFE) loads from the same file format.

:class:`RifeInterpolator` runs it over (T, H, W, 3) uint8 frames: each pair once for all the times
``k / factor`` (v4 takes any ``t``, no recursion), frames padded to the network's multiple (edges
repeated) and cropped back; float32 on a CPU, float16 on CUDA with the warps in float32 (a float16 sampling grid
is off by half a pixel at 1920 px) and a float32 retry if a result is not finite.

torch is imported at the top: import this module lazily (only when a RIFE model is loaded).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from videogen.errors import InvalidInputError, UnsupportedModelError

logger = logging.getLogger(__name__)

MAX_FACTOR = 16  # new frames per pair are factor - 1, all in one batch
LARGE_FRAME_PIXELS = 2560 * 1440  # above this the flow is estimated at half size (Practical-RIFE's --scale 0.5 for 4K)


@dataclass(frozen=True)
class RifeConfig:
    """The sizes of an IFNet; the defaults are RIFE 4.13's."""

    block_channels: tuple[int, ...] = (192, 128, 96, 64)  # one IFBlock each, coarse to fine
    res_convs: int = 8  # ResConv layers in each block
    head_channels: int = 32  # the feature head's width
    feature_channels: int = 8  # features per frame that the blocks see (warped)

    @property
    def scales(self) -> tuple[int, ...]:
        """Each block's downscale: 8, 4, 2, 1 for four blocks."""
        n = len(self.block_channels)
        return tuple(2 ** (n - 1 - i) for i in range(n))


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.LeakyReLU(0.2, True))


class FeatureHead(nn.Module):
    """Per-frame features at full size (checkpoint prefix ``encode.``): (N, 3, H, W) -> (N, F, H, W)."""

    def __init__(self, width: int, features: int) -> None:
        super().__init__()
        self.cnn0 = nn.Conv2d(3, width, 3, 2, 1)  # half size
        self.cnn1 = nn.Conv2d(width, width, 3, 1, 1)
        self.cnn2 = nn.Conv2d(width, width, 3, 1, 1)
        self.cnn3 = nn.ConvTranspose2d(width, features, 4, 2, 1)  # back to full size
        self.relu = nn.LeakyReLU(0.2, True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.cnn0(x))
        x = self.relu(self.cnn1(x))
        x = self.relu(self.cnn2(x))
        return self.cnn3(x)


class ResConv(nn.Module):
    """A 3x3 convolution scaled per channel by a learned ``beta``, added to its input."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)
        self.beta = nn.Parameter(torch.ones((1, c, 1, 1)))
        self.relu = nn.LeakyReLU(0.2, True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.conv(x) * self.beta + x)


class IFBlock(nn.Module):
    """One scale: inputs at 1/``scale`` size, down 4x more inside, out as a flow (4 ch) and a mask logit."""

    def __init__(self, cin: int, c: int, res_convs: int) -> None:
        super().__init__()
        self.conv0 = nn.Sequential(_conv(cin, c // 2, 2), _conv(c // 2, c, 2))
        self.convblock = nn.Sequential(*(ResConv(c) for _ in range(res_convs)))
        self.lastconv = nn.Sequential(nn.ConvTranspose2d(c, 4 * 6, 4, 2, 1), nn.PixelShuffle(2))  # 6 ch, up 4x

    def forward(self, x: torch.Tensor, flow: torch.Tensor | None, scale: float) -> tuple[torch.Tensor, torch.Tensor]:
        if scale != 1:
            x = F.interpolate(x, scale_factor=1 / scale, mode="bilinear", align_corners=False)
        if flow is not None:  # the flow so far, in this scale's pixels
            flow = F.interpolate(flow, scale_factor=1 / scale, mode="bilinear", align_corners=False) / scale
            x = torch.cat((x, flow), 1)
        out = self.lastconv(self.convblock(self.conv0(x)))  # (N, 6, H/scale, W/scale)
        if scale != 1:
            out = F.interpolate(out, scale_factor=scale, mode="bilinear", align_corners=False)
        return out[:, :4] * scale, out[:, 4:5]  # flow (N, 4, H, W) in pixels, mask logit (N, 1, H, W)


def warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Sample ``image`` (N, C, H, W) at each pixel plus ``flow`` (N, 2, H, W, in pixels: x then y),
    bilinear, borders repeated. Computed in float32 whatever the dtype, returned in the image's."""
    n, _, h, w = flow.shape
    ys = torch.arange(h, device=flow.device, dtype=torch.float32).view(1, h, 1)
    xs = torch.arange(w, device=flow.device, dtype=torch.float32).view(1, 1, w)
    flow = flow.float()
    # grid_sample's coordinates: -1 and 1 are the centres of the first and last pixels (align_corners)
    gx = (xs + flow[:, 0]) * (2 / max(w - 1, 1)) - 1  # (N, H, W)
    gy = (ys + flow[:, 1]) * (2 / max(h - 1, 1)) - 1
    grid = torch.stack((gx, gy), dim=-1)  # (N, H, W, 2)
    out = F.grid_sample(image.float(), grid, mode="bilinear", padding_mode="border", align_corners=True)
    return out.to(image.dtype)


class IFNet(nn.Module):
    """RIFE 4.x's flow network: two frames and times -> the frames at those times."""

    def __init__(self, config: RifeConfig | None = None) -> None:
        super().__init__()
        self.config = config or RifeConfig()
        f = self.config.feature_channels
        self.encode = FeatureHead(self.config.head_channels, f)
        for i, c in enumerate(self.config.block_channels):
            # block0: both frames, their features and t; later: warped frames and features, t, mask (+ flow, inside)
            cin = 3 + 3 + 2 * f + 1 if i == 0 else 3 + 3 + 2 * f + 1 + 1 + 4
            self.add_module(f"block{i}", IFBlock(cin, c, self.config.res_convs))

    @property
    def blocks(self) -> list[IFBlock]:
        return [getattr(self, f"block{i}") for i in range(len(self.config.block_channels))]

    @staticmethod
    def multiple(scales: tuple[float, ...]) -> int:
        """What the height and width must be a multiple of: each block halves its input twice more."""
        return int(math.ceil(4 * max(scales)))

    def forward(self, img0: torch.Tensor, img1: torch.Tensor, times: torch.Tensor,
                scales: tuple[float, ...] | None = None) -> torch.Tensor:
        """``img0``, ``img1``: (1, 3, H, W) in [0, 1], H and W multiples of :meth:`multiple`; ``times``: (N,)
        in (0, 1). Returns the N frames at those times, (N, 3, H, W)."""
        scales = scales or self.config.scales
        n, (_, _, h, w) = times.shape[0], img0.shape
        f0, f1 = self.encode(torch.cat((img0, img1))).chunk(2)  # (1, F, H, W) each
        img0, img1 = img0.expand(n, -1, -1, -1), img1.expand(n, -1, -1, -1)  # (N, 3, H, W)
        f0, f1 = f0.expand(n, -1, -1, -1), f1.expand(n, -1, -1, -1)
        t = times.to(img0.dtype).view(n, 1, 1, 1).expand(n, 1, h, w)  # (N, 1, H, W)
        flow: torch.Tensor | None = None
        mask = torch.zeros_like(t)
        warped0, warped1 = img0, img1
        for block, scale in zip(self.blocks, scales):
            if flow is None:
                flow, mask = block(torch.cat((img0, img1, f0, f1, t), 1), None, scale)
            else:
                wf0, wf1 = warp(f0, flow[:, :2]), warp(f1, flow[:, 2:4])
                delta, mask = block(torch.cat((warped0, warped1, wf0, wf1, t, mask), 1), flow, scale)
                flow = flow + delta  # (N, 4, H, W)
            warped0, warped1 = warp(img0, flow[:, :2]), warp(img1, flow[:, 2:4])
        m = torch.sigmoid(mask)  # (N, 1, H, W): how much of frame 0
        return warped0 * m + warped1 * (1 - m)


# ----------------------------------------------------------------------------------------------
# Weights


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a RIFE file: safetensors, or Practical-RIFE's ``flownet.pkl`` (torch's weights-only
    unpickler, never code); a ``module.`` prefix (Practical-RIFE's DataParallel) dropped."""
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(str(path))
    elif path.suffix in (".pkl", ".pth", ".pt", ".ckpt"):
        try:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - an unpickler refusal or a damaged file, said as one error
            raise UnsupportedModelError(
                f"{path.name} is not a plain tensor file ({str(exc).splitlines()[0][:200]}). videogen reads RIFE "
                "weights from safetensors (imaginairy/rife-interpolation) or a state dict of tensors only."
            ) from exc
    else:
        raise UnsupportedModelError(f"{path.name}: RIFE weights are a .safetensors file (or Practical-RIFE's flownet.pkl).")
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise UnsupportedModelError(f"{path.name} is not a state dict of tensors: not RIFE weights.")
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    return state


def config_from_state(state: dict[str, torch.Tensor], source: str) -> RifeConfig:
    """The IFNet sizes a state dict was saved from, read from its tensors' shapes."""
    n_blocks = 0
    while f"block{n_blocks}.conv0.1.0.weight" in state:
        n_blocks += 1
    if n_blocks == 0 or "encode.cnn0.weight" not in state or "encode.cnn3.weight" not in state:
        found = ", ".join(sorted(state)[:4]) or "no tensors"
        raise UnsupportedModelError(
            f"{source} is not RIFE 4.13's IFNet (its tensors begin {found}; expected encode.* and block0.* …). "
            "videogen runs RIFE 4.13 (imaginairy/rife-interpolation's file): pick rife-4.13."
        )
    res_convs = 0
    while f"block0.convblock.{res_convs}.conv.weight" in state:
        res_convs += 1
    return RifeConfig(
        block_channels=tuple(int(state[f"block{i}.conv0.1.0.weight"].shape[0]) for i in range(n_blocks)),
        res_convs=res_convs,
        head_channels=int(state["encode.cnn0.weight"].shape[0]),
        feature_channels=int(state["encode.cnn3.weight"].shape[1]),  # ConvTranspose2d: (in, out, k, k)
    )


def load_ifnet(path: Path) -> IFNet:
    """An :class:`IFNet` with the weights of ``path``; every tensor must fit, none may be left over."""
    state = read_state_dict(path)
    net = IFNet(config_from_state(state, path.name))
    try:
        result = net.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # a shape that does not fit
        reason = str(exc).strip().splitlines()[-1].strip()[:300]
        raise UnsupportedModelError(f"{path.name} does not fit RIFE 4.13's IFNet ({reason}): another RIFE version?") from exc
    if result.missing_keys or result.unexpected_keys:
        missing, extra = result.missing_keys[:5], result.unexpected_keys[:5]
        raise UnsupportedModelError(
            f"{path.name} does not fit RIFE 4.13's IFNet (missing {missing}, unexpected {extra}): another RIFE version? "
            "videogen runs the 4.13 layout (4 blocks and a feature head)."
        )
    return net.eval()


# ----------------------------------------------------------------------------------------------
# Running it over frames


class RifeInterpolator:
    """A loaded RIFE on a device: :meth:`interpolate` over uint8 frames (see the module docstring)."""

    def __init__(self, net: IFNet, device: str, name: str = "rife-4.13") -> None:
        self.name = name
        self.device = device
        self.dtype = torch.float16 if device.startswith("cuda") else torch.float32
        self.net = net.to(device=device, dtype=self.dtype).eval()

    def _scales(self, height: int, width: int) -> tuple[float, ...]:
        base = self.net.config.scales
        return tuple(s * 2 for s in base) if height * width > LARGE_FRAME_PIXELS else tuple(float(s) for s in base)

    def _pair(self, a: np.ndarray, b: np.ndarray, times: torch.Tensor, scales: tuple[float, ...]) -> np.ndarray:
        """The frames at ``times`` between (H, W, 3) uint8 ``a`` and ``b``: (N, H, W, 3) uint8."""
        h, w = a.shape[:2]
        m = IFNet.multiple(scales)
        # right and bottom, the edge repeated: Practical-RIFE pads zeros, and a flow pointing there pulls black in
        pad = (0, (-w) % m, 0, (-h) % m)
        x = torch.from_numpy(np.stack((a, b))).to(self.device).permute(0, 3, 1, 2)  # (2, 3, H, W) uint8
        x = F.pad(x.to(self.dtype) / 255, pad, mode="replicate")  # (2, 3, H', W') in [0, 1]
        with torch.inference_mode():
            out = self.net(x[:1], x[1:], times.to(self.device), scales)  # (N, 3, H', W')
            if not torch.isfinite(out).all() and self.dtype != torch.float32:
                logger.warning("%s: float16 gave non-finite values; running in float32 from now on", self.name)
                self.dtype = torch.float32
                self.net = self.net.float()
                return self._pair(a, b, times, scales)
        out = out[:, :, :h, :w].float().clamp(0, 1).mul(255).round().to(torch.uint8)
        return out.permute(0, 2, 3, 1).cpu().numpy()  # (N, H, W, 3)

    def interpolate(self, frames: np.ndarray, factor: int, on_pair: Callable[[int, int], None] | None = None) -> np.ndarray:
        """``factor - 1`` new frames between each pair of (T, H, W, 3) uint8 ``frames``: ((T - 1) * factor + 1,
        H, W, 3) uint8. ``on_pair(done, total)`` after each pair (may raise to stop)."""
        frames = np.asarray(frames)
        if not isinstance(factor, (int, np.integer)) or not 2 <= factor <= MAX_FACTOR:
            raise InvalidInputError(f"interpolate must be a whole number from 2 to {MAX_FACTOR}, got {factor!r}")
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
            raise InvalidInputError(f"frames must be (T, H, W, 3) uint8, got {frames.shape} {frames.dtype}")
        if len(frames) < 2:
            return frames.copy()
        times = torch.arange(1, factor, dtype=torch.float32) / factor  # (factor - 1,)
        scales = self._scales(*frames.shape[1:3])
        out = np.empty(((len(frames) - 1) * factor + 1, *frames.shape[1:]), np.uint8)
        out[0] = frames[0]
        for i in range(len(frames) - 1):
            out[i * factor + 1:(i + 1) * factor] = self._pair(frames[i], frames[i + 1], times, scales)
            out[(i + 1) * factor] = frames[i + 1]
            if on_pair is not None:
                on_pair(i + 1, len(frames) - 1)
        return out


def load_rife(path: Path, device: str, name: str = "rife-4.13") -> RifeInterpolator:
    """RIFE from its weights file ``path`` (or a folder holding one ``.safetensors``) on ``device``."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.safetensors"))
        if len(files) != 1:
            raise UnsupportedModelError(f"{path} should hold one RIFE .safetensors file; it holds {len(files)}.")
        path = files[0]
    logger.info("Loading RIFE from %s on %s", path, device)
    return RifeInterpolator(load_ifnet(path), device, name)
