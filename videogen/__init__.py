"""videogen: text to video, image to video and action recognition, in a browser app and a CLI.

The public API (``text_to_video``, ``image_to_video``, ``classify``, ``download``, ``list_models``,
``Engine``, ``GenerationRequest``) lives in :mod:`videogen.api`; it is imported on first attribute access so that
``import videogen`` stays cheap (no torch, no diffusers) until a model is actually needed.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = {"Engine", "GenerationRequest", "text_to_video", "image_to_video", "classify", "edit", "download", "list_models", "ModelStatus"}
__all__ = sorted(_API | {"__version__"})


def __getattr__(name: str) -> Any:
    if name in _API:
        from videogen import api

        return getattr(api, name)
    raise AttributeError(f"module 'videogen' has no attribute {name!r}")
