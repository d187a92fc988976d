"""The API's outputs signed: each function signs a finished file in place (the last write to it) and
returns what it was given. The results are taken as they are (``result.path``, ``result.operations``...):
this room knows no task's code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from videogen.provenance import Marks
from videogen.provenance import manifest as made
from videogen.provenance.sign import sign_file


def _file(value: Any) -> str | None:
    """A path given as an input (an image may also be a picture in memory: no file, no ingredient)."""
    return str(value) if isinstance(value, (str, Path)) and Path(value).is_file() else None


def sign_clip(result: Any, marks: Marks, *, image: Any = None, music: Any = None) -> Any:
    """A generated clip (``result.path``, after its sound was added): created by a trained model; the
    start ``image`` and the ``music`` file as ingredients."""
    from videogen.media import read_metadata

    credentials = made.generated(read_metadata(result.path), marks.include_prompt, image=_file(image), music=_file(music))
    sign_file(result.path, credentials)
    return result


def sign_edit(result: Any, marks: Marks) -> Any:
    """An edit (an :class:`~videogen.edit.recipe.EditResult`): its first input the parent, the rest joined."""
    sign_file(result.path, made.edited([str(p) for p in result.input], result.operations, marks.include_prompt))
    return result


def composition_type(inputs: list[str], *, made_by_model: bool, trained_sound: bool, synthetic_voice: bool) -> str:
    """The composition's digital source type (see :mod:`videogen.provenance.manifest`): a trained model's
    part (``made_by_model``: story or animated clips; ``trained_sound``: a sound model or a neural voice;
    or an input whose own credentials say AI-generated), else eSpeak's voice, else a plain composite."""
    from videogen.provenance.verify import verify

    if made_by_model or trained_sound or any(verify(p)["ai_generated"] for p in inputs):
        return made.WITH_TRAINED
    return made.SYNTHETIC if synthetic_voice else made.COMPOSITE


def sign_composition(result: Any, inputs: list[str], options: Any, marks: Marks, *, made_by_model: bool) -> Any:
    """A composition (a :class:`~videogen.compose.recipe.ComposeResult`) of ``inputs`` as ``options`` said
    (without ``marks.include_prompt``, the sound's source, which names a sound model's prompt, is left out)."""
    from videogen.media import read_metadata

    voiced = bool(options.narration or options.scene_lines)
    neural = voiced and bool(options.voice) and not str(options.voice).startswith("espeak")
    kind = composition_type(inputs, made_by_model=made_by_model, trained_sound=bool(options.sound_model) or neural,
                            synthetic_voice=voiced and not neural)
    metadata = read_metadata(result.path)
    if not marks.include_prompt and options.sound_model:
        metadata.get("compose", {}).pop("audio", None)
    sign_file(result.path, made.composed(inputs, _file(options.audio), kind, metadata))
    return result


def sign_still(picture: str | Path, video: str | Path, what: str) -> Path:
    """A frame of ``video`` saved as a picture for download (``what`` it is, e.g. "the middle frame")."""
    return sign_file(picture, made.still_of(str(video), what))
