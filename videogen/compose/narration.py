"""Narration: text spoken by a real speech engine, placed on a timeline, mixed over the music.

The offline voice is eSpeak NG (Debian's ``espeak-ng``: formant synthesis, no download, English and
Mandarin Chinese among its languages). :func:`speak` says one line; the voice ``"espeak"`` picks
the language from the text (Chinese characters: Mandarin, else American English), and
``"espeak:VOICE"`` names any of ``espeak-ng --voices`` (``espeak:en-gb``, ``espeak:cmn``). Any other
voice (the neural ones, ``kokoro:af_heart``) is said by a :data:`Speaker` the caller passes in, so that
this room never loads a model.
:func:`sentences` splits a narration into the lines that are spoken and subtitled one by one;
:func:`place` lays spoken lines one after another and :func:`mix` puts them over the music, which is
turned down (ducked) while someone speaks.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import wave
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from videogen.errors import InvalidInputError, SpeechError
from videogen.media.audio import Audio, fit, resample
from videogen.media.subtitles import Cue

logger = logging.getLogger(__name__)

VOICES = {"espeak": "eSpeak NG, offline; English or Mandarin chosen from the text",
          "espeak:en-us": "eSpeak NG, American English", "espeak:en-gb": "eSpeak NG, British English",
          "espeak:cmn": "eSpeak NG, Mandarin Chinese"}
DEFAULT_VOICE = "espeak"
RATE = 22050  # espeak-ng's output rate
WORDS_PER_MINUTE = 160
GAP_S = 0.35  # between two spoken lines
DUCK = 0.3  # the music's level while someone speaks
MAX_LINE_CHARS = 1000
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*")

Speaker = Callable[[str], Audio]  # a line -> its speech, in the voice the caller chose


@dataclass(frozen=True)
class Spoken:
    """A line and its speech; ``start_s`` where it is placed on the timeline."""

    text: str
    audio: Audio
    start_s: float = 0.0

    @property
    def end_s(self) -> float:
        return self.start_s + self.audio.duration_s


def language_voice(text: str) -> str:
    """The espeak-ng voice for ``text``: Mandarin when it has Chinese characters, else American English."""
    return "cmn" if _CJK.search(text) else "en-us"


def is_espeak(voice: str | None) -> bool:
    """Whether ``voice`` is eSpeak NG's (unset, ``espeak`` or ``espeak:VOICE``), said by :func:`speak`."""
    voice = (voice or DEFAULT_VOICE).strip()
    return voice == "espeak" or voice.startswith("espeak:")


def check_voice(voice: str | None) -> str:
    """``voice`` as an eSpeak NG voice, or a clear refusal."""
    voice = (voice or DEFAULT_VOICE).strip()
    if voice not in VOICES and not re.fullmatch(r"espeak:[A-Za-z0-9-]{2,24}", voice):
        raise InvalidInputError(f"unknown voice {voice!r}: the voices are {', '.join(VOICES)} "
                                "(or espeak:VOICE for any voice `espeak-ng --voices` lists)")
    return voice


def speak(text: str, voice: str | None = None) -> Audio:
    """``text`` spoken by eSpeak NG: mono float samples at 22.05 kHz."""
    text = " ".join(text.split())
    if not text:
        raise InvalidInputError("there is nothing to say: the narration line is empty")
    if len(text) > MAX_LINE_CHARS:
        raise InvalidInputError(f"a narration line is {len(text)} characters, over {MAX_LINE_CHARS}: split it into sentences")
    voice = check_voice(voice)
    name = language_voice(text) if voice == "espeak" else voice.split(":", 1)[1]
    engine = shutil.which("espeak-ng")
    if engine is None:
        raise SpeechError("Narration needs eSpeak NG, which is not installed: on Debian or Ubuntu `apt-get install "
                          "espeak-ng` (macOS: `brew install espeak-ng`), then try again.")
    run = subprocess.run([engine, "-v", name, "-s", str(WORDS_PER_MINUTE), "--stdout", "--", text],
                         capture_output=True, timeout=120, check=False)
    if run.returncode != 0 or not run.stdout.startswith(b"RIFF"):
        reason = run.stderr.decode(errors="replace").strip()[:200] or f"exit code {run.returncode}"
        raise SpeechError(f"eSpeak NG could not say the line with voice {name!r} ({reason}): pick another voice.")
    return _wav(run.stdout)


def _wav(data: bytes) -> Audio:
    """16-bit PCM WAV bytes as float samples. espeak-ng writes a streaming header whose sizes are
    unset, so the frame count comes from the data's length."""
    with wave.open(io.BytesIO(data)) as reader:
        rate, channels, width = reader.getframerate(), reader.getnchannels(), reader.getsampwidth()
        start = data.find(b"data") + 8
    if width != 2:
        raise SpeechError(f"eSpeak NG wrote {8 * width}-bit samples; 16-bit were expected")
    pcm = np.frombuffer(data[start:start + (len(data) - start) // (2 * channels) * 2 * channels], "<i2")
    return Audio(pcm.reshape(-1, channels).T.astype(np.float32) / 32768.0, rate)


def speaker_for(voice: str | None, neural: Speaker | None) -> Speaker:
    """What says each line: eSpeak NG for its voices, else ``neural`` (which the caller made for
    ``voice``); a voice that is neither is refused."""
    if is_espeak(voice):
        check_voice(voice)
        return lambda line: speak(line, voice)
    if neural is None:
        raise InvalidInputError(f"unknown voice {voice!r} here: eSpeak NG's are {', '.join(VOICES)}; a neural voice "
                                "(kokoro:af_heart) is loaded by videogen.compose / Engine.compose, which pass it in")
    return neural


def sentences(text: str) -> list[str]:
    """A narration split into lines: one per line of the text, and each line at its sentence ends."""
    lines = []
    for line in text.splitlines():
        lines += [part.strip() for part in _SENTENCE_END.split(line) if part.strip()]
    return lines


def place(lines: list[str], audios: list[Audio], lead_s: float = 0.5) -> list[Spoken]:
    """The spoken lines one after another from ``lead_s``, :data:`GAP_S` between them."""
    spoken: list[Spoken] = []
    for line, audio in zip(lines, audios):
        start = spoken[-1].end_s + GAP_S if spoken else lead_s
        spoken.append(Spoken(line, audio, start))
    return spoken


def cues(spoken: list[Spoken], duration_s: float) -> list[Cue]:
    """A subtitle per spoken line, on screen while it is said (at least 1 s), inside the video."""
    out = []
    for line in spoken:
        start = min(line.start_s, duration_s)
        end = min(max(line.end_s, start + 1.0), duration_s)
        if end > start:
            out.append(Cue(round(start, 3), round(end, 3), line.text))
    return out


def voice_track(spoken: list[Spoken], duration_s: float, rate: int, channels: int) -> Audio:
    """The spoken lines laid on silence ``duration_s`` long at ``rate`` (cut at the end)."""
    track = np.zeros((channels, round(duration_s * rate)), np.float32)
    for line in spoken:
        samples = resample(line.audio, rate).samples.mean(axis=0)
        begin = round(line.start_s * rate)
        end = min(begin + len(samples), track.shape[1])
        if end > begin:
            track[:, begin:end] += samples[:end - begin]
    return Audio(track, rate)


def mix(music: Audio | None, voice: Audio | None, duration_s: float) -> Audio | None:
    """The voice over the music, the music ducked to :data:`DUCK` under speech; ``duration_s`` long,
    kept under full scale. None when there is neither."""
    if music is None and voice is None:
        return None
    if voice is None:
        return fit(music, duration_s)  # type: ignore[arg-type]
    if music is None:
        return _limited(fit(voice, duration_s))
    music = fit(music, duration_s)
    voice = fit(resample(voice, music.rate), duration_s)
    level = np.abs(voice.samples).max(axis=0)
    window = max(1, round(0.15 * music.rate))  # speech's envelope, smoothed over 150 ms either side
    envelope = np.convolve((level > 0.01).astype(np.float32), np.ones(2 * window + 1, np.float32) / (2 * window + 1),
                           mode="same")
    gain = 1 - (1 - DUCK) * np.clip(envelope * 3, 0, 1)
    speech = voice.samples.mean(axis=0, keepdims=True)
    return _limited(Audio(music.samples * gain + speech, music.rate))


def _limited(audio: Audio) -> Audio:
    peak = float(np.abs(audio.samples).max(initial=0))
    return Audio(audio.samples * (0.98 / peak), audio.rate) if peak > 0.98 else audio
