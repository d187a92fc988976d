"""How sizes and parameter counts are written, everywhere the product says them: GiB (2^30 bytes)
for memory and downloads alike, and parameters in billions, component by component.

One unit system: the memory plan, the model box, the CLI's ``models`` table and the warnings all
write sizes through :func:`gib`, so that "~20 GB RAM" never stands beside "24.6 GiB".
"""

from __future__ import annotations

from collections.abc import Iterable

GIB = 1024**3
COMPONENT_NAMES = {"text_encoder": "text encoder", "transformer": "transformer", "vae": "VAE",
                   "image_encoder": "image encoder", "unet": "U-Net"}


def gib(n_bytes: float, digits: int = 1) -> str:
    """``26_900_000_000`` -> ``"25.1 GiB"`` (whole GiB with ``digits=0``)."""
    value = n_bytes / GIB
    return f"{value:.{digits}f} GiB" if digits else f"{round(value):d} GiB"


def download_gib(download_gb: float) -> str:
    """A download given in decimal GB (the Hub's listing) in GiB: ``28.9`` -> ``"26.9 GiB"``; under
    a tenth of a GiB in MiB (``0.02`` -> ``"19 MiB"``), not "0.0 GiB"."""
    if 0 < download_gb * 1e9 < 0.095 * GIB:
        return f"{download_gb * 1e9 / 2**20:.0f} MiB"
    return gib(download_gb * 1e9)


def billions(count: int) -> str:
    """``1_418_996_800`` -> ``"1.4B"``; below a billion ``"127M"``."""
    return f"{count / 1e9:.1f}B" if count >= 0.95e9 else f"{count / 1e6:.0f}M"


def parameter_breakdown(components: Iterable[tuple[str, int]], *, at_least: int = 0) -> str:
    """``"1.4B transformer + 5.7B text encoder + 127M VAE"``: the denoiser first, then the rest,
    largest first; components under ``at_least`` parameters are left out."""
    listed = [(name, count) for name, count in components if count >= at_least]
    listed.sort(key=lambda item: (item[0] not in ("transformer", "unet"), -item[1]))
    return " + ".join(f"{billions(count)} {COMPONENT_NAMES.get(name, name.replace('_', ' '))}" for name, count in listed)
