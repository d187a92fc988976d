"""One composition: photos and clips, with music, narration and subtitles, into one video.

The length: with an audio file, exactly the audio's (to the nearest frame); without, each photo's
``seconds_per_image`` and each clip's own length, made longer if the narration needs it. Photos
share the time the clips leave; with ``beat_sync`` every cut moves to the music's nearest beat
(:mod:`.beats`). Shots are joined by a cut or a crossfade, whose middle is the cut. The sound: the
audio file, or else the clips' own sound at their places; narration over it, the music ducked
while a line is said; the whole as AAC beside the picture, as long as it to the sample. Subtitles
of the narration: ``soft`` (a text track in the MP4 and a WebVTT file beside it, for the browser),
``burn`` (drawn into the picture) or ``none``.

Story mode (``scene_lines``: one narration line per input, the inputs being the scenes' clips):
each scene lasts as long as its clip or its line, whichever is longer (the clip slowed to fill
it), and its line is spoken from its start.

Frames are drawn one at a time and streamed to the encoder, so a long composition never sits in
memory, and nothing is written unless the whole of it is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from videogen.compose import beats as rhythm
from videogen.compose import narration as speech
from videogen.compose.add_sound import looped
from videogen.compose.captions import Burner
from videogen.compose.shots import ClipShot, PhotoShot, read_source
from videogen.errors import GenerationCancelled, InvalidInputError
from videogen.hub import Progress, ProgressFn
from videogen.media import Audio
from videogen.media.audio import aac_rate, fit, read_sound_file
from videogen.media.encode import VideoWriter
from videogen.media.mixing import join
from videogen.media.subtitles import write_webvtt
from videogen.provenance.label import labelled

TRANSITIONS = ("cut", "crossfade")
SUBTITLES = ("soft", "burn", "none")
CROSSFADE_S = 0.5
SCENE_PAD_S = 0.8  # story mode: a scene lasts this much longer than its line
MAX_FRAME_PIXELS = 400_000_000  # clips decoded at once, frames x height x width, when no policy says
SIDES = {"landscape": (1280, 720), "portrait": (720, 1280), "square": (1080, 1080)}


@dataclass(frozen=True)
class ComposeOptions:
    """How to put the inputs together; see the module's docstring."""

    audio: str | None = None
    sound_model: str | None = None  # a text-to-audio model makes the music (its maker is passed to run_compose)
    sound_prompt: str | None = None
    narration: str | None = None
    scene_lines: tuple[str, ...] | None = None
    voice: str | None = None
    subtitles: str | None = None  # None: "soft" when there is narration
    seconds_per_image: float = 3.0
    transition: str = "crossfade"
    beat_sync: bool = False
    width: int | None = None
    height: int | None = None
    fps: float = 24.0
    label: bool = False  # the visible "AI-generated" label drawn into every frame (videogen.provenance.label)

    def check(self) -> None:
        if self.transition not in TRANSITIONS:
            raise InvalidInputError(f"transition must be cut or crossfade, got {self.transition!r}")
        if self.subtitles is not None and self.subtitles not in SUBTITLES:
            raise InvalidInputError(f"subtitles must be soft, burn or none, got {self.subtitles!r}")
        if not 0.5 <= self.seconds_per_image <= 60:
            raise InvalidInputError(f"seconds_per_image must be between 0.5 and 60, got {self.seconds_per_image:g}")
        if not 1 <= self.fps <= 60:
            raise InvalidInputError(f"fps must be between 1 and 60, got {self.fps:g}")
        for name in ("width", "height"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int) and 16 <= value <= 4096 and value % 2 == 0):
                raise InvalidInputError(f"{name} must be an even number of pixels from 16 to 4096, got {value!r}")
        if self.beat_sync and not (self.audio or self.sound_model):
            raise InvalidInputError("beat sync needs music: give an audio file (--audio) to cut on its beats")
        if self.audio and self.sound_model:
            raise InvalidInputError("give an audio file or a sound model, not both: each is the video's music")
        if self.sound_model and not (self.sound_prompt or "").strip():
            raise InvalidInputError("a sound model needs a sound prompt: say what the music is (--sound-prompt)")
        if self.narration and self.scene_lines:
            raise InvalidInputError("give a narration or a story's lines, not both")
        if speech.is_espeak(self.voice):  # any other voice is checked by whoever loads it (the speaker)
            speech.check_voice(self.voice)

    @property
    def subtitle_mode(self) -> str:
        narrated = bool(self.narration or self.scene_lines)
        return (self.subtitles or "soft") if narrated else "none"


@dataclass
class ComposeResult:
    """The CLI's ``--json`` object for one composition."""

    path: str
    frames: int
    width: int
    height: int
    fps: float
    audio: dict[str, Any] | None
    segments: list[dict[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    subtitles: dict[str, Any] | None = None
    beats: dict[str, Any] | None = None

    @property
    def duration_s(self) -> float:
        return round(self.frames / self.fps, 3)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "duration_s": self.duration_s, "frames": self.frames, "width": self.width,
                "height": self.height, "fps": self.fps, "audio": self.audio, "segments": self.segments,
                "subtitles": self.subtitles, "beats": self.beats, "timings": self.timings, "warnings": self.warnings}


def output_size(options: ComposeOptions, first: tuple[int, int]) -> tuple[int, int]:
    """(height, width): as asked (one side given: the other from the first input's aspect), else
    720p in the first input's orientation."""
    height, width = first
    if options.width and options.height:
        return options.height, options.width
    if options.width or options.height:
        if options.width:
            return max(16, round(options.width * height / width / 2) * 2), options.width
        return options.height, max(16, round(options.height * width / height / 2) * 2)  # type: ignore[return-value]
    shape = "square" if abs(width - height) < 0.05 * max(width, height) else "landscape" if width > height else "portrait"
    out_w, out_h = SIDES[shape]
    return out_h, out_w


def shot_lengths(wanted: list[float], fixed: list[bool], total: float | None) -> list[float]:
    """Each shot's seconds: ``wanted``, or, to fill ``total``, the photos (not ``fixed``) sharing the
    time the clips leave, or everything scaled when there is no such time."""
    if total is None:
        return wanted
    clips = sum(w for w, f in zip(wanted, fixed) if f)
    photos = sum(1 for f in fixed if not f)
    if photos and total - clips >= rhythm.MIN_SHOT_S * photos:
        share = (total - clips) / photos
        return [w if f else share for w, f in zip(wanted, fixed)]
    scale = total / sum(wanted)
    return [w * scale for w in wanted]


def run_compose(inputs: list[str | Path], options: ComposeOptions, output: str | Path, *,
                max_frame_pixels: int | None = None, progress: ProgressFn | None = None,
                cancel: threading.Event | None = None, maker: Callable[[str, float], Audio] | None = None,
                speaker: speech.Speaker | None = None) -> ComposeResult:
    """Put ``inputs`` (photos and clips, in order) together as ``options`` say; see the module's docstring.
    ``maker(prompt, seconds)``: the sound model, when ``options.sound_model`` names one; ``speaker(line)``:
    the neural voice, when ``options.voice`` is not eSpeak NG's."""
    # 1. Check, and read everything in: the inputs, the music, the narration spoken.
    options.check()
    if not inputs:
        raise InvalidInputError("give at least one photo or clip to compose")
    if options.scene_lines is not None and len(options.scene_lines) != len(inputs):
        raise InvalidInputError(f"a story needs one line per scene: {len(options.scene_lines)} lines for {len(inputs)} clips")
    start = time.perf_counter()
    sources = [read_source(p, max_frame_pixels or MAX_FRAME_PIXELS) for p in inputs]
    music = read_sound_file(options.audio) if options.audio else None
    warnings: list[str] = []
    lines = list(options.scene_lines) if options.scene_lines else speech.sentences(options.narration or "")
    say = speech.speaker_for(options.voice, speaker)
    spoken = [say(line) for line in lines]
    read = time.perf_counter()

    # 2. The timeline: each shot's length, the whole length, the cuts (on the beats when asked).
    fps = float(options.fps)
    height, width = output_size(options, sources[0].size)
    if options.scene_lines:
        wanted = [max(s.duration_s if not s.is_photo else options.seconds_per_image, a.duration_s + SCENE_PAD_S)
                  for s, a in zip(sources, spoken)]
    else:
        wanted = [options.seconds_per_image if s.is_photo else s.duration_s for s in sources]
    total = music.duration_s if music is not None else None
    if total is None and spoken and not options.scene_lines:  # the narration sets the length if it is longer
        needed = 0.5 + sum(a.duration_s for a in spoken) + speech.GAP_S * (len(spoken) - 1) + 0.5
        total = needed if needed > sum(wanted) else None
    lengths = shot_lengths(wanted, [not s.is_photo for s in sources], total)
    duration = total if total is not None else sum(lengths)
    count = max(1, round(duration * fps))
    if options.sound_model:  # the music made for it, as long as it (looped past the model's longest)
        if maker is None:
            raise InvalidInputError(f"the sound model {options.sound_model} was named but not loaded (Engine.compose loads it)")
        music = looped(maker(options.sound_prompt or "", duration), duration)
    targets = np.cumsum(lengths)[:-1]
    beat_info = None
    if options.beat_sync and music is not None:
        found = rhythm.beat_times(music)
        targets, on_beat = rhythm.cut_times(targets, duration, found)
        beat_info = {"found": int(len(found)), "cuts_on_beats": on_beat, "cuts": len(targets)}
        if not len(found):
            warnings.append("No beat was found in the music (too short, too quiet or without rhythm): the cuts are "
                            "spread evenly.")
    bounds = [0, *np.clip(rhythm.on_frames(targets, fps), 1, count - 1).tolist(), count]
    bounds = [int(b) for b in np.maximum.accumulate(bounds)]

    # 3. The sound: music (or the clips' own), the narration over it; the subtitles.
    if options.scene_lines:
        placed = [speech.Spoken(line, audio, bounds[i] / fps + 0.3) for i, (line, audio) in enumerate(zip(lines, spoken))]
    else:
        placed = speech.place(lines, spoken)
    base = music if music is not None else _clips_sound(sources, bounds, fps)
    voice = speech.voice_track(placed, count / fps, aac_rate(base.rate) if base else speech.RATE,
                               base.channels if base else 1) if placed else None
    audio = speech.mix(base, voice, count / fps)
    cues = speech.cues(placed, count / fps)
    if placed and placed[-1].end_s > count / fps + 0.05:
        warnings.append(f"The narration runs {placed[-1].end_s - count / fps:.1f} s past the end of the audio: its "
                        "end is cut. Shorten it, or give longer music.")

    # 4. Draw and encode, frame by frame (crossfades centred on the cuts).
    mode = options.subtitle_mode
    burner = Burner(cues, height, width) if mode == "burn" and cues else None
    fade = 0
    if options.transition == "crossfade" and len(sources) > 1:
        fade = min(round(CROSSFADE_S * fps), min(b - a for a, b in zip(bounds[:-1], bounds[1:])) // 2)
    shots = _shots(sources, bounds, fade, fps, height, width, bool(options.scene_lines))
    path = Path(output)
    metadata = {"compose": {"inputs": [Path(p).name for p in inputs], "cuts_s": [round(b / fps, 3) for b in bounds[1:-1]],
                            "transition": options.transition, "audio": _source_name(options, music, base, voice)}}
    with VideoWriter(path, fps, count, height, width, metadata=metadata, audio=audio,
                     subtitles=cues if mode == "soft" else None) as writer:
        for index in range(count):
            if cancel is not None and cancel.is_set():
                raise GenerationCancelled("Composition cancelled.")
            if progress is not None and index % 8 == 0:
                progress(Progress("compose", index, count, "frame", "Composing: frame {done}/{total}".format(done=index, total=count)))
            frame = _frame_at(index, shots, bounds, fade, fps)
            frame = burner(frame, index / fps) if burner is not None else frame
            writer.write(labelled(frame) if options.label else frame)
    vtt = write_webvtt(cues, path.with_suffix(".vtt")) if mode == "soft" and cues else None
    done = time.perf_counter()

    # 5. What was made.
    segments = [{"input": str(p), "start_s": round(a / fps, 3), "end_s": round(b / fps, 3)}
                for p, a, b in zip(inputs, bounds[:-1], bounds[1:])]
    audio_json = None if audio is None else {
        "codec": "aac", "sample_rate": aac_rate(audio.rate), "channels": audio.channels,
        "duration_s": round(count / fps, 3), "source": _source_name(options, music, base, voice)}
    subtitles = None if not cues else {"mode": mode, "cues": [c.__dict__ for c in cues],
                                       "webvtt": str(vtt) if vtt else None}
    return ComposeResult(str(path), count, width + width % 2, height + height % 2, fps, audio_json, segments,
                         {"read_s": round(read - start, 3), "compose_s": round(done - read, 3)}, warnings,
                         subtitles, beat_info)


def _shots(sources: list[Any], bounds: list[int], fade: int, fps: float, height: int, width: int,
           stretch: bool) -> list[Any]:
    shots = []
    for index, source in enumerate(sources):
        frames = bounds[index + 1] - bounds[index]
        if source.is_photo:
            shots.append(PhotoShot(source, height, width, frames + 2 * fade, index))
        else:
            shots.append(ClipShot(source, height, width, frames / fps, stretch))
    return shots


def _frame_at(index: int, shots: list[Any], bounds: list[int], fade: int, fps: float) -> np.ndarray:
    """Output frame ``index``: its shot's frame, or two shots blended inside a crossfade."""
    shot = int(np.searchsorted(bounds, index, side="right")) - 1
    shot = min(shot, len(shots) - 1)

    def of(k: int) -> np.ndarray:
        return shots[k].frame(index - bounds[k] + fade, (index - bounds[k]) / fps)

    half = fade // 2
    if fade and shot + 1 < len(shots) and index >= bounds[shot + 1] - half:
        k, cut = shot, bounds[shot + 1]
    elif fade and shot > 0 and index < bounds[shot] + (fade - half):
        k, cut = shot - 1, bounds[shot]
    else:
        return of(shot)
    alpha = (index - (cut - half) + 0.5) / fade  # 0 → all of shot k, 1 → all of shot k + 1
    mixed = of(k).astype(np.float32) * (1 - alpha) + of(k + 1).astype(np.float32) * alpha
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


def _clips_sound(sources: list[Any], bounds: list[int], fps: float) -> Audio | None:
    """The clips' own sound at their shots (silence under photos); None when no clip has sound."""
    parts = [s.audio if not s.is_photo and s.audio is not None else None for s in sources]
    durations = [(b - a) / fps for a, b in zip(bounds[:-1], bounds[1:])]
    return join([None if a is None else fit(a, d) for a, d in zip(parts, durations)], durations)


def _source_name(options: ComposeOptions, music: Audio | None, base: Audio | None, voice: Audio | None) -> str | None:
    parts = []
    if options.sound_model:
        parts.append(f"{options.sound_model}: {options.sound_prompt}")
    elif music is not None:
        parts.append(Path(options.audio or "").name)
    elif base is not None:
        parts.append("the clips' own sound")
    if voice is not None:
        parts.append(f"narration ({options.voice or speech.DEFAULT_VOICE})")
    return " + ".join(parts) or None
