"""The inputs every recognition takes, checked once: the video, top_k and the labels (one clip
or a timeline of windows alike)."""

from __future__ import annotations

from typing import Any

from videogen.errors import InvalidInputError
from videogen.params import TOP_K
from videogen.values import check_range, check_utf8, whole_number
from videogen.registry import ModelSpec


def parse_labels(labels: str | list[str] | None) -> list[str] | None:
    """"a, b, c" or ["a", "b"] -> ["a", "b", "c"]; blanks and duplicates dropped."""
    if labels is None:
        return None
    if isinstance(labels, str):
        items = labels.replace("\n", ",").split(",")
    elif isinstance(labels, (list, tuple)) and all(isinstance(item, str) for item in labels):
        items = list(labels)
    else:
        raise InvalidInputError(f'labels must be a text ("walking, running") or a list of texts, got {labels!r:.80}')
    cleaned = list(dict.fromkeys(item.strip() for item in items if item and item.strip()))
    for item in cleaned:
        check_utf8("labels", item)
    return cleaned or None


def check_inputs(spec: ModelSpec, video: Any, top_k: int, labels: list[str] | None) -> None:
    if video is None or not str(video).strip():
        raise InvalidInputError("video is required, got nothing")
    check_range(TOP_K, whole_number("top_k", top_k))
    if labels and not spec.family_info.zero_shot:
        raise InvalidInputError(
            f"{spec.id} chooses among the classes it was trained on and takes no labels, got {labels!r}. "
            "Leave labels empty, or pick an X-CLIP model (xclip-base-32, xclip-base-16) to rank your own labels."
        )
    if labels and len(labels) < 2:
        raise InvalidInputError(
            f"labels needs at least two choices for {spec.id}, got {labels!r}; "
            "or leave it empty to choose among the 400 Kinetics actions"
        )
