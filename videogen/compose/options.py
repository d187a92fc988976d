"""A composition's settings as a caller sent them (the API, the page, the CLI) made into
:class:`~videogen.compose.recipe.ComposeOptions`: blank boxes unset, numbers checked by name
against the settings table (:data:`videogen.params.COMPOSE`)."""

from __future__ import annotations

from typing import Any

from videogen import params
from videogen.compose.add_sound import SoundOptions
from videogen.compose.recipe import ComposeOptions
from videogen.errors import InvalidInputError
from videogen.values import check_choice, check_range, number, whole

KEYS = ("audio", "sound_model", "sound_prompt", "narration", "voice", "subtitles", "seconds_per_image", "transition", "beat_sync", "width", "height", "fps")


def compose_options(values: dict[str, Any]) -> ComposeOptions:
    """``values`` (the settings by name; None or "" for unset) as options; an unknown name is refused."""
    unknown = sorted(set(values) - set(KEYS))
    if unknown:
        raise InvalidInputError(f"compose has no setting {', '.join(unknown)}: its settings are {', '.join(KEYS)}")
    table = {p.name: p for p in params.COMPOSE.settings}
    text = {name: (str(values.get(name) or "").strip() or None)
            for name in ("audio", "sound_model", "sound_prompt", "narration", "voice")}
    numbers: dict[str, Any] = {}
    for name in ("seconds_per_image", "fps"):
        value = number(name, values.get(name) if values.get(name) not in ("", 0) else None)
        if value is not None:
            check_range(table[name], value)
        numbers[name] = table[name].default if value is None else value
    for name in ("width", "height"):
        value = whole(name, values.get(name) or None)
        if value is not None:
            check_range(table[name], value)
        numbers[name] = value
    return ComposeOptions(
        audio=text["audio"], sound_model=text["sound_model"], sound_prompt=text["sound_prompt"],
        narration=text["narration"], voice=text["voice"],
        subtitles=check_choice(table["subtitles"], values.get("subtitles") or None),
        transition=check_choice(table["transition"], values.get("transition") or None),
        beat_sync=bool(values.get("beat_sync")), **numbers,
    )


def sound_options(policy: Any, settings: dict[str, Any]) -> SoundOptions:
    """The "Add sound" settings (:data:`videogen.params.SOUND`) taken out of a generation's
    ``settings`` (the rest are the :class:`~videogen.generate.common.GenerationRequest`'s)."""
    from videogen.serving.checks import check_text_length

    taken = {p.name: settings.pop(p.name, None) for p in params.SOUND}
    check_text_length(policy, "narration", taken["narration"])
    check_text_length(policy, "sound_prompt", taken["sound_prompt"])
    return SoundOptions(audio=(taken["audio"] or None), narration=(taken["narration"] or None),
                        voice=(taken["voice"] or None), subtitles=taken["subtitles"] or "soft",
                        sound_model=(taken["sound_model"] or None), sound_prompt=(taken["sound_prompt"] or None))
