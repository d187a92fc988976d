"""How big a generator is, component by component, without loading its weights.

A diffusers video pipeline is a few large modules: the text encoder (a T5/UMT5 encoder of 4.8-5.7 B
parameters, usually the largest), the denoising transformer, the VAE and, for some image-to-video
models, an image encoder. The memory plan (:mod:`videogen.sizing.memory`) needs each one's parameter count
and the bytes it takes at the dtype it will run in.

Where the numbers come from:

* **Registry models** carry their counts in the table (:attr:`ModelSpec.components`). They were
  counted from the published configs kept in ``videogen/published/`` (one JSON per Hub repo), and a
  test rebuilds every component from those configs on the meta device to check them.
* **Any other Hub repo**: the safetensors headers of its component folders, read with HTTP Range
  requests (a few KB each, never the weights).
* **A local folder**: the same headers, read from disk.
"""

from __future__ import annotations

import json
import logging
import struct
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from videogen.registry import ModelSpec

logger = logging.getLogger(__name__)

PUBLISHED_DIR = Path(__file__).resolve().parents[1] / "published"
DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2, "float8_e4m3fn": 1}
MODEL_COMPONENTS = ("text_encoder", "text_encoder_2", "image_encoder", "transformer", "transformer_2", "vae",
                    "projection_model",  # Stable Audio's (videogen/sizing/sound.py)
                    "connectors", "audio_vae", "vocoder")  # LTX-2's: text connectors, the sound's VAE and vocoder


@dataclass(frozen=True)
class ComponentSize:
    """One module of a pipeline: its name in the pipeline, parameter count and run dtype."""

    name: str  # "text_encoder", "transformer", "vae", "image_encoder"
    params: int
    dtype: str  # the dtype it runs in

    @property
    def bytes(self) -> int:
        return self.params * DTYPE_BYTES[self.dtype]


def run_dtypes(spec: ModelSpec, dtype: str) -> dict[str, str]:
    """The dtype each component runs in: the pipeline's, except where the family's docs say otherwise.

    Wan's pipeline docstrings load the VAE (and the I2V image encoder) in float32 while the rest runs
    in bfloat16; LTX-Video runs everything in bfloat16.
    """
    keep_fp32 = spec.family_info.float32_components
    return {name: ("float32" if name in keep_fp32 else dtype) for name in MODEL_COMPONENTS}


def component_sizes(spec: ModelSpec, dtype: str, params: dict[str, int] | None = None) -> list[ComponentSize]:
    """Each component's size at its run dtype, from the registry or from ``params`` (name -> count)."""
    counts = params if params is not None else dict(spec.components)
    dtypes = run_dtypes(spec, dtype)
    return [ComponentSize(name, int(n), dtypes.get(name, dtype)) for name, n in counts.items()]


# ----------------------------------------------------------------------------------------------
# Counting from safetensors headers: the first 8 bytes give the header length, the header gives
# every tensor's dtype and shape.


def _params_in_header(header: dict[str, Any]) -> int:
    total = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        count = 1
        for dim in info["shape"]:
            count *= int(dim)
        total += count
    return total


def read_header(path: Path) -> dict[str, Any]:
    """The JSON header of a local ``.safetensors`` file (reads a few KB, not the tensors)."""
    with path.open("rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(length))


def params_of_folder(folder: Path) -> dict[str, int]:
    """Parameter count of each component folder of a local diffusers model, from its headers."""
    counts: dict[str, int] = {}
    for name in MODEL_COMPONENTS:
        files = sorted((folder / name).glob("*.safetensors")) if (folder / name).is_dir() else []
        files = _one_variant([f.name for f in files])
        if files:
            counts[name] = sum(_params_in_header(read_header(folder / name / f)) for f in files)
    return counts


def params_of_hub_repo(repo_id: str, revision: str) -> dict[str, int]:
    """Parameter count of each component of a Hub repo, without downloading its weights.

    Exact counts come from the safetensors headers (HTTP Range requests of a few KB). If those
    cannot be read, the file listing's sizes are used at 2 bytes a parameter: for weights stored in
    float32 that counts twice the parameters, so the plan errs towards needing more memory.
    """
    from huggingface_hub import HfApi

    from videogen.config import load_settings
    from videogen.errors import DownloadError
    from videogen.hub import auth_token, remote_files, translate_hub_errors

    by_component: dict[str, dict[str, int]] = {}
    for path, size in remote_files(repo_id, revision)[1]:
        parts = PurePosixPath(path).parts
        if len(parts) == 2 and parts[0] in MODEL_COMPONENTS and path.endswith(".safetensors"):
            by_component.setdefault(parts[0], {})[parts[1]] = size or 0
    api = HfApi(endpoint=load_settings().hub_endpoint, token=auth_token())
    counts = {}
    for name, files in by_component.items():
        chosen = _one_variant(list(files))
        try:
            with translate_hub_errors(repo_id):
                counts[name] = sum(
                    sum(api.parse_safetensors_file_metadata(repo_id, f"{name}/{f}", revision=revision).parameter_count.values())
                    for f in chosen
                )
        except DownloadError as exc:
            logger.warning("Sizing %s/%s from the file listing (headers unreadable: %s)", repo_id, name, exc)
            counts[name] = sum(files[f] for f in chosen) // 2
    return counts


def _one_variant(names: list[str]) -> list[str]:
    from videogen.hub import one_precision

    return one_precision(sorted(names))


# ----------------------------------------------------------------------------------------------
# The published configs (videogen/published/*.json): building components at full size


def published(repo_id: str) -> dict[str, Any]:
    """The published configs of a registry repo (``videogen/published/<org>--<name>.json``)."""
    path = PUBLISHED_DIR / f"{repo_id.replace('/', '--')}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no published configs for {repo_id} in {PUBLISHED_DIR}")
    return json.loads(path.read_text())


def build_component(entry: dict[str, Any], *, device: str = "meta", dtype: Any = None) -> Any:
    """A module from a published config entry, with random (or no, on ``meta``) weights."""
    import torch

    config = dict(entry["config"])
    previous = torch.get_default_dtype()
    if dtype is not None:  # create the weights in their final dtype: a float32 copy of T5-XXL alone is 19 GB
        torch.set_default_dtype(dtype)
    try:
        module = _construct(entry, config, device)
    finally:
        torch.set_default_dtype(previous)
    if dtype is not None:
        module = module.to(dtype)  # buffers and anything created explicitly in float32
    return module.eval()


def _construct(entry: dict[str, Any], config: dict[str, Any], device: str) -> Any:
    import torch

    with torch.device(device):
        if entry["library"].split(".")[0] == "diffusers":  # or a pipeline's module: diffusers.pipelines.ltx2
            import importlib

            module = getattr(importlib.import_module(entry["library"]), entry["class"]).from_config(config)
        else:
            import transformers

            model_type = config.pop("model_type")
            module = getattr(transformers, entry["class"])(transformers.AutoConfig.for_model(model_type, **config))
    return module


def count_params(module: Any) -> int:
    """Distinct parameters of a module (tied weights once)."""
    return sum(p.numel() for p in module.parameters())


def build_pipeline(spec: ModelSpec, dtype: str, device: str = "cpu") -> Any:
    """A registry generator's diffusers pipeline at full size from its published configs: random
    weights (none on ``meta``), each component in its run dtype, no tokenizer (pass embeddings).
    For timing and memory checks (``benchmarks/gpu_smoke.py``): neither depends on the weight values."""
    import diffusers
    import torch

    doc = published(spec.repo_id)
    dtypes = run_dtypes(spec, dtype)
    modules = {name: build_component(entry, device=device, dtype=getattr(torch, dtypes[name]))
               for name, entry in doc["components"].items()}
    scheduler_doc = doc["pipeline"]["scheduler"]
    scheduler = getattr(diffusers, scheduler_doc["class"]).from_config(scheduler_doc["config"])
    pipe = getattr(diffusers, doc["pipeline"]["class"])(tokenizer=None, scheduler=scheduler, **modules, **doc["pipeline"]["kwargs"])
    pipe.set_progress_bar_config(disable=True)
    return pipe
