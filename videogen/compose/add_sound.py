"""Sound for a clip already made ("Add sound" on a generated clip): music trimmed or looped to it
with a fade, and/or narration over it with its subtitles. The picture is not re-encoded: its
packets are copied into a new MP4 beside the new AAC track (and the text track), so the clip
keeps every pixel and its metadata, which gains where the sound came from.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from videogen.compose import narration as speech
from videogen.errors import InvalidInputError
from videogen.media import Audio, probe, read_audio
from videogen.media.audio import AacTrack, aac_rate, fit, read_sound_file
from videogen.media.encode import METADATA_KEY, read_metadata
from videogen.media.probe import open_video
from videogen.media.subtitles import Cue, MovTextTrack, write_webvtt

logger = logging.getLogger(__name__)

FADE_S = 1.0  # music fades in and out over this long (at most a quarter of the clip)


@dataclass(frozen=True)
class SoundOptions:
    audio: str | None = None
    narration: str | None = None
    voice: str | None = None
    subtitles: str | None = "soft"
    sound_model: str | None = None  # a text-to-audio model makes the sound (its maker is passed in)
    sound_prompt: str | None = None  # what it makes (None: the clip's prompt)

    @property
    def asked(self) -> bool:
        return bool(self.audio or self.sound_model or (self.narration or "").strip())

    def check(self) -> None:
        if self.subtitles not in (None, "soft", "burn", "none"):
            raise InvalidInputError(f"subtitles must be soft, burn or none, got {self.subtitles!r}")
        if self.subtitles == "burn":
            raise InvalidInputError("burned-in subtitles are for compositions (compose --subtitles burn): a generated "
                                    "clip gets soft subtitles, which leave its pixels as they were made")
        if self.audio and self.sound_model:
            raise InvalidInputError("give an audio file or a sound model, not both: each is the clip's sound")
        if speech.is_espeak(self.voice):  # any other voice is checked by whoever loads it (the speaker)
            speech.check_voice(self.voice)


def looped(audio: Audio, duration_s: float) -> Audio:
    """``audio`` repeated until it is ``duration_s`` long (then cut), faded in and out."""
    count = round(duration_s * audio.rate)
    repeats = -(-count // max(1, audio.samples.shape[1]))
    samples = np.tile(audio.samples, (1, max(1, repeats)))[:, :count].copy()
    fade = min(round(FADE_S * audio.rate), count // 4)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        samples[:, :fade] *= ramp
        samples[:, count - fade:] *= ramp[::-1]
    return Audio(samples, audio.rate)


def add_sound(path: str | Path, options: SoundOptions, maker: Callable[[str, float], Audio] | None = None,
              prompt: str = "", speaker: speech.Speaker | None = None) -> dict[str, Any]:
    """Give the clip at ``path`` the sound ``options`` ask for, in place (written beside it, then
    renamed over it): an audio file, or the sound ``maker(prompt, seconds)`` makes (the text-to-audio
    model; ``options.sound_prompt``, else the clip's ``prompt``), and the narration (said by eSpeak NG,
    or by ``speaker(line)``, the neural voice the caller loaded). Returns the
    ``"audio"`` object of the clip's JSON, with ``"subtitles"``."""
    # 1. The sound: the music fitted to the clip, the narration spoken over it.
    options.check()
    path = Path(path)
    duration, recipe = probe(path).duration, read_metadata(path)
    music = looped(read_sound_file(options.audio), duration) if options.audio else None
    made = (options.sound_prompt or prompt).strip()
    if options.sound_model:
        if maker is None or not made:
            raise InvalidInputError("a sound model needs a sound prompt (what the sound is) and its maker")
        music = looped(maker(made, duration), duration)
    own = read_audio(path) if music is None else None  # a clip made with its sound (LTX-2): the voice goes over it
    music = own if music is None else music
    lines = speech.sentences(options.narration or "")
    say = speech.speaker_for(options.voice, speaker)
    placed = speech.place(lines, [say(line) for line in lines], lead_s=0.3)
    voice = speech.voice_track(placed, duration, aac_rate(music.rate) if music else speech.RATE,
                               music.channels if music else 1) if placed else None
    audio = speech.mix(music, voice, duration)
    cues = speech.cues(placed, duration) if options.subtitles != "none" else []
    if placed and placed[-1].end_s > duration + 0.05:
        logger.info("the narration of %s runs past its end and is cut", path.name)
    source = " + ".join([*([Path(options.audio).name] if options.audio else []),
                         *([f"{options.sound_model}: {made}"] if options.sound_model else []),
                         *([str(recipe.get("audio") or "the clip's own sound")] if own is not None else []),
                         *([f"narration ({options.voice or speech.DEFAULT_VOICE})"] if placed else [])])

    # 2. A new MP4: the picture's packets copied, the AAC track and the text track beside them.
    metadata = {**recipe, "audio": source}
    partial = path.with_name(f".{path.stem}.{os.getpid()}.sound.part.mp4")
    try:
        _remux(path, partial, fit(audio, duration) if audio is not None else None, cues, metadata)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    vtt = write_webvtt(cues, path.with_suffix(".vtt")) if cues else None
    summary = None if audio is None else {"codec": "aac", "sample_rate": aac_rate(audio.rate), "channels": audio.channels,
                                          "duration_s": round(duration, 3), "source": source}
    return {"audio": summary, "subtitles": {"mode": "soft", "cues": [c.__dict__ for c in cues], "webvtt": str(vtt)}
            if cues else None, "late_narration": bool(placed and placed[-1].end_s > duration + 0.05)}


def _remux(source: Path, target: Path, audio: Audio | None, cues: list[Cue], metadata: dict[str, Any]) -> None:
    import json
    from fractions import Fraction

    import av

    with open_video(source) as inp, av.open(str(target), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        out.metadata[METADATA_KEY] = json.dumps(metadata, ensure_ascii=False, sort_keys=True)
        video_in = inp.streams.video[0]
        video_out = out.add_stream_from_template(video_in)
        duration = Fraction(round(probe(source).duration * 1000), 1000)
        sound = AacTrack(out, audio, duration) if audio is not None else None
        text = MovTextTrack(out, cues) if cues else None
        for packet in inp.demux(video_in):
            if packet.dts is None and packet.pts is None:
                continue  # the demuxer's flush packet
            packet.stream = video_out
            out.mux(packet)
            if sound is not None and packet.pts is not None:
                sound.until(float(packet.pts * video_in.time_base))
        if sound is not None:
            sound.finish()
        if text is not None:
            text.write()


def with_sound(result: Any, options: SoundOptions, maker: Callable[[str, float], Audio] | None = None,
               speaker: speech.Speaker | None = None) -> Any:
    """A generated clip's result, its file given the sound ``options`` ask for (unchanged when none;
    ``maker``: the text-to-audio model, prompted by the clip's prompt unless a sound prompt is given);
    ``result.audio`` says what it has."""
    if not options.asked:
        return result
    added = add_sound(result.path, options, maker, result.prompt, speaker)
    result.audio = added["audio"]
    if added["late_narration"]:
        result.warnings.append("The narration is longer than the clip: its end is cut. Ask for more frames, or say less.")
    return result
