"""Which of a Hub repo's files a model needs: config and tokenizer files, and one precision of the
``.safetensors`` weights of the components its pipeline uses; never pickled weights.

Pure functions of file names (and the parsed ``model_index.json`` / ``config.json``): no network,
no cache. Used to choose a download (:func:`videogen.hub.download`), to check a cached snapshot is
complete (:func:`videogen.hub.cache.cached_snapshot`), and to size a repo from its headers
(:mod:`videogen.sizing.components`).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from videogen.errors import UnsupportedModelError

CONFIG_FILES = ("model_index.json", "config.json")  # diffusers, transformers
_KEEP_SUFFIXES = (".json", ".txt", ".model", ".tiktoken", ".safetensors")
_PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
# `name.fp16.safetensors`, `name.fp16-00001-of-00002.safetensors`: the same weights in another precision
_VARIANT = re.compile(r"\.(fp16|bf16|fp32|fp8|int8)(?=[.-])")
# What from_pretrained reads: `model.safetensors` (transformers), `diffusion_pytorch_model.safetensors`
# (diffusers), their shards (`model-00001-of-00002.safetensors`) and precisions (`model.fp16.safetensors`).
_STANDARD = re.compile(r"^(model|diffusion_pytorch_model)([.-])")


def select_files(files: list[str], config_name: str, config: dict) -> list[str]:
    """The files a model needs, from a repo's full file list.

    ``config_name`` is ``model_index.json`` (a diffusers pipeline: keep only the folders of the
    components it names) or ``config.json`` (a transformers model: keep the top-level files).
    Raises :class:`UnsupportedModelError` when a component has pickled weights but no safetensors.
    """
    if config_name == "model_index.json":
        folders = {key for key, value in config.items() if not key.startswith("_") and is_component(value)}
        wanted = [f for f in files if PurePosixPath(f).parts[0] in folders and len(PurePosixPath(f).parts) > 1]
    else:
        wanted = [f for f in files if "/" not in f]

    by_folder: dict[str, list[str]] = {}
    for f in wanted:
        by_folder.setdefault(str(PurePosixPath(f).parent), []).append(f)

    selected = [config_name]
    for folder, names in sorted(by_folder.items()):
        weights = [n for n in names if n.endswith(".safetensors")]
        if not weights and any(n.endswith(_PICKLE_SUFFIXES) for n in names):
            where = "the repo" if folder == "." else f"{folder}/"
            raise UnsupportedModelError(
                f"{where} has only pickled (.bin/.pt) weights; videogen loads safetensors only. "
                "Look for a safetensors revision of the model (e.g. a refs/pr/N branch) and pass it."
            )
        selected += [n for n in names if n.endswith(_KEEP_SUFFIXES) and not n.endswith(".safetensors")]
        selected += one_precision(_standard_names(weights))
    return sorted(set(selected) - {"README.md"})


def _standard_names(weights: list[str]) -> list[str]:
    """The weights ``from_pretrained`` reads, when a folder has them beside others (a single-file
    checkpoint at a repo's root: ``ltx-video-2b-v0.9.safetensors``); else all of them."""
    standard = [w for w in weights if _STANDARD.match(PurePosixPath(w).name)]
    return standard or weights


def is_component(value: object) -> bool:
    """Whether a ``model_index.json`` entry names a component (``["library", "Class"]``, neither None)."""
    return isinstance(value, list) and len(value) == 2 and value[0] is not None and value[1] is not None


def one_precision(weights: list[str]) -> list[str]:
    """Plain weights if the folder has them, else one variant (bf16 > fp16 > others)."""
    plain = [w for w in weights if not _VARIANT.search(PurePosixPath(w).name)]
    if plain or not weights:
        return plain
    variants = sorted({_VARIANT.search(PurePosixPath(w).name).group(1) for w in weights})
    chosen = next((v for v in ("bf16", "fp16") if v in variants), variants[0])
    return [w for w in weights if f".{chosen}" in PurePosixPath(w).name]


def variant_of(files: list[str]) -> str | None:
    """The precision variant among downloaded weights (for ``from_pretrained(variant=...)``)."""
    for f in files:
        match = _VARIANT.search(PurePosixPath(f).name)
        if match and f.endswith(".safetensors"):
            return match.group(1)
    return None
