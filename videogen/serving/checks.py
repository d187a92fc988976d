"""The checks one request goes through before any work starts: its texts' length, its resolved
settings against every cap (:func:`check_request`), and Pillow's own image limit tied to the policy
(:func:`limit_decoders`). The caps themselves are :mod:`videogen.serving.caps`; input files are
sized in :mod:`videogen.serving.files`.

Each refusal is an :class:`~videogen.errors.InvalidInputError` naming the parameter, its value and
the cap (:meth:`~videogen.serving.caps.Policy.over_cap`); a prompt is never echoed back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from videogen.params import GENERATION, PROMPT
from videogen.serving.caps import Policy

if TYPE_CHECKING:
    from videogen.generate.common import GenerationParams, GenerationRequest
    from videogen.registry import ModelSpec


def check_text_length(policy: Policy, name: str, text: Any) -> None:
    """A prompt, negative prompt or labels no longer than the cap (never echoed back)."""
    cap = policy.max_prompt_chars
    if cap is None or not isinstance(text, (str, list, tuple)):  # not text at all: check_inputs says so, by name
        return
    size = len(text) if isinstance(text, str) else sum(len(str(item)) + 1 for item in text)
    if size > cap:
        raise policy.over_cap(name, f"{size:,} characters long", f"{cap:,} characters", "max_prompt_chars", "Shorten it.")


def check_texts(policy: Policy, request: GenerationRequest) -> None:
    """The request's texts, before anything else is looked at."""
    for param in (PROMPT, *GENERATION):
        if param.kind == "text" and param.cap:
            check_text_length(policy, param.name, getattr(request, param.name))


def check_request(policy: Policy, spec: ModelSpec, params: GenerationParams) -> None:
    """Raise :class:`InvalidInputError` when a resolved request is over one of the policy's caps:
    each setting's own cap (the settings table's ``cap``), then the caps on their products."""
    d = spec.defaults
    for param in (PROMPT, *GENERATION):
        if param.cap is None:
            continue
        value = getattr(params, param.name)
        if param.kind == "text":
            check_text_length(policy, param.name, value)
            continue
        cap = getattr(policy, param.cap)
        if cap is not None and value > cap:
            default = f"{d.width}×{d.height}" if param.name in ("height", "width") else getattr(d, param.name)
            raise policy.over_cap(param.name, f"{value}", cap, param.cap, f"{param.advice} ({spec.id}'s default is {default}).")
    pixels = params.height * params.width
    if policy.max_pixels is not None and pixels > policy.max_pixels:
        raise policy.over_cap("height × width", f"{params.height} × {params.width} = {pixels:,} pixels", policy.max_pixels,
                              "max_pixels", f"Ask for a smaller size ({spec.id}'s default is {d.width}×{d.height}).")
    total = params.frames * pixels
    if policy.max_frame_pixels is not None and total > policy.max_frame_pixels:
        raise policy.over_cap(
            "frames × height × width", f"{params.frames} × {params.height} × {params.width} = {total:,} pixels",
            policy.max_frame_pixels, "max_frame_pixels", "Ask for fewer frames or a smaller size.",
        )


def limit_decoders(policy: Policy) -> None:
    """Pillow refuses images over twice ``MAX_IMAGE_PIXELS`` when it opens them: tie that to the
    policy (a second line behind :func:`videogen.serving.files.check_image_file`, for any image
    opened anywhere)."""
    from PIL import Image

    if policy.max_image_pixels is not None:
        Image.MAX_IMAGE_PIXELS = policy.max_image_pixels
