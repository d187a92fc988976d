"""videogen: text to video, image to video and action recognition, in a browser app and a CLI.

The public API (``text_to_video``, ``image_to_video``, ``classify``, ``edit``, ``compose``, ``download``, ``list_models``,
``Engine``, ``GenerationRequest``) lives in :mod:`videogen.api`; it is imported on first attribute access so that
``import videogen`` stays cheap (no torch, no diffusers) until a model is actually needed.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = {"Engine", "GenerationRequest", "text_to_video", "image_to_video", "classify", "edit", "compose", "download", "list_models", "ModelStatus"}
__all__ = sorted(_API | {"__version__"})


def __getattr__(name: str) -> Any:
    if name in _API:
        from videogen import api

        # Set as the package's attributes, once: importing the api imports the subpackages edit and
        # compose, which would otherwise shadow the functions of the same names after the first call.
        globals().update({n: getattr(api, n) for n in _API})
        return globals()[name]
    raise AttributeError(f"module 'videogen' has no attribute {name!r}")
