"""Sound made for a clip or a composition, for the Python API, as functions the compose room calls
(it never sees a model):

- the text-to-audio model named (a registry id of :data:`videogen.registry.SOUND_MODELS`), kept
  loaded by the engine's cache, as ``make(prompt, seconds) -> Audio``; its denoising steps are
  reported as progress and stop at the next step after Cancel;
- the neural voice named (``kokoro:af_heart``, :data:`videogen.models.voices.NEURAL_VOICES`) as
  ``say(line) -> Audio``; eSpeak NG's voices need none (the compose room runs it itself).

:func:`sound_tools` checks both names before any work starts and loads nothing until first used.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from videogen.compose import narration
from videogen.errors import GenerationCancelled, InvalidInputError
from videogen.hub import Progress, ProgressFn
from videogen.media import Audio
from videogen.models import voices
from videogen.models.sound_models import SoundModelCache, sound_model_spec

SoundMaker = Callable[[str, float], Audio]


def sound_maker(cache: SoundModelCache, model: str | None, progress: ProgressFn | None,
                cancel: threading.Event | None) -> SoundMaker | None:
    """``make(prompt, seconds)`` with the model ``model`` (None or "": no model, None back); it makes
    at most the model's longest sound (the caller loops it to a longer video)."""
    if not (model or "").strip():
        return None
    spec = sound_model_spec(model)  # refuses an id that is not a listed sound model, before any download

    def on_step(done: int, total: int) -> None:
        if cancel is not None and cancel.is_set():
            raise GenerationCancelled("Cancelled while making the sound.")
        if progress is not None:
            progress(Progress("sound", done, total, "step", f"Making the sound: step {done}/{total}"))

    def make(prompt: str, seconds: float) -> Audio:
        sound = cache.get(spec, progress)
        return sound.make(prompt, min(seconds, sound.longest_s), on_step=on_step)

    make.__name__ = spec.id
    return make


def voice_speaker(voice: str | None, progress: ProgressFn | None, cancel: threading.Event | None
                  ) -> narration.Speaker | None:
    """``say(line)`` in the neural voice ``voice``; None for eSpeak NG's voices. A voice that is
    neither is refused here, before anything is made."""
    if narration.is_espeak(voice):
        narration.check_voice(voice)
        return None
    if not voices.is_neural_voice(voice):
        raise InvalidInputError(f"unknown voice {voice!r}: the voices are {', '.join(narration.VOICES)} (offline, "
                                f"eSpeak NG; or espeak:VOICE) and {', '.join(voices.NEURAL_VOICES)} (neural, "
                                "downloaded once from the Hub)")
    name = voices.check_neural_voice(voice or "").id

    def say(line: str) -> Audio:
        if cancel is not None and cancel.is_set():
            raise GenerationCancelled("Cancelled while speaking the narration.")
        if progress is not None:
            progress(Progress("speech", 0, 1, "", f"Speaking with {name}: {line[:40]}"))
        return voices.speak(line, name, progress)

    return say


def sound_tools(cache: SoundModelCache, options: Any, progress: ProgressFn | None,
                cancel: threading.Event | None) -> dict[str, Any]:
    """The ``maker`` and ``speaker`` keyword arguments that ``options`` (a SoundOptions or ComposeOptions:
    ``sound_model``, ``voice``) need, for :func:`~videogen.compose.add_sound.with_sound` and
    :func:`~videogen.compose.recipe.run_compose`; the names are checked now, nothing is loaded yet."""
    return {"maker": sound_maker(cache, options.sound_model, progress, cancel),
            "speaker": voice_speaker(options.voice, progress, cancel)}
