"""One edit: read the inputs, apply the operations in a fixed order, write a browser-playable MP4.

The order, whatever order the options were given in, is :data:`~videogen.edit.operations.OPERATIONS`'s:
join (several inputs, fitted to the first one's size and frame rate), trim, speed, reverse, loop,
interpolate, upscale, restyle. The models are passed in (``interpolator``, ``upscaler``: the Engine
loads the ones asked for); without them the offline ones run (DIS optical flow, the upscaler in
``weights/``). The result says what came in, every operation with its model, and what came out
(frames, size, rate, duration, sound), as the CLI's ``--json`` prints it.

Nothing over the pixel budget (public mode's cap on frames × height × width) is made: the output's
size is known from the inputs' headers and the options before any new pixel is drawn.

The sound travels beside the frames: each input's audio track (if it has one) is read with its
frames, and every cut is done to both (:mod:`~videogen.edit.sound` beside
:mod:`~videogen.edit.timing`), so that it stays in step; interpolation leaves it as it is. The
output has an AAC track when an input had sound (``"audio"`` in the JSON), none otherwise.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from videogen.edit import interpolate as flow
from videogen.edit import restyle as looks
from videogen.edit import sound, timing
from videogen.errors import GenerationCancelled, InvalidInputError
from videogen.hub import Progress, ProgressFn
from videogen.media import Audio, probe, read_audio, read_video, write_video
from videogen.media.audio import aac_rate
from videogen.provenance.label import label_frames

if TYPE_CHECKING:
    from videogen.models.edit_models import FrameInterpolator, FrameUpscaler
    from videogen.models.video_to_video import VideoRestyler

MAX_FRAME_PIXELS = 400_000_000  # frames x height x width held at once when no policy says (1.2 GB of RGB)
FACTORS = (2, 4)  # interpolate and upscale take these
LARGE_SIDE = 1080  # upscaling a video whose short side is this already: a warning (bigger, hardly sharper)


@dataclass
class EditResult:
    """The CLI's ``--json`` object for one edit."""

    input: list[str]
    path: str
    sources: list[dict[str, Any]]  # each input as read: path, frames, height, width, fps, duration_s, audio
    frames: int
    height: int
    width: int
    fps: float
    operations: list[dict[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    audio: dict[str, Any] | None = None  # the output's sound: {"codec", "channels", "rate", "duration_s"}; None: silent

    @property
    def duration_s(self) -> float:
        return round(self.frames / self.fps, 3) if self.fps else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"input": self.input, "sources": self.sources, "path": self.path, "frames": self.frames, "height": self.height,
                "width": self.width, "fps": self.fps, "duration_s": self.duration_s, "operations": self.operations,
                "timings": self.timings, "warnings": self.warnings, "audio": self.audio}


@dataclass(frozen=True)
class EditOptions:
    """What to do, each None (or False) when not asked for."""

    interpolate: int | None = None  # 2 or 4
    trim: str | None = None  # "START:END", seconds
    speed: float | None = None  # 0.25-4
    reverse: bool = False
    loop: int | None = None  # boomerang this many times
    upscale: int | None = None  # 2 or 4
    style: str | None = None  # a name of videogen.edit.restyle.STYLES
    prompt: str | None = None  # restyle with a video-to-video model, as this says
    strength: float | None = None  # with a prompt: how much is redrawn, 0-1 (None: the model's)
    label: bool = False  # the visible "AI-generated" label drawn into every frame (videogen.provenance.label)

    def check(self) -> None:
        for name in ("interpolate", "upscale"):
            value = getattr(self, name)
            if value is not None and value not in FACTORS:
                raise InvalidInputError(f"{name} must be 2 or 4, got {value!r}")
        if self.style is not None and self.style not in looks.STYLES:
            raise InvalidInputError(f"unknown style {self.style!r}: the styles are {', '.join(looks.STYLES)}")
        if self.style is not None and self.prompt:
            raise InvalidInputError("give a style or a restyle prompt, not both: each redraws the whole clip")
        if self.strength is not None and not self.prompt:
            raise InvalidInputError(f"strength goes with a restyle prompt (--prompt), got strength {self.strength:g} alone")
        if self.strength is not None and not 0 <= self.strength <= 1:
            raise InvalidInputError(f"strength must be a number from 0 to 1, got {self.strength:g}")
        if self.trim is not None:
            timing.parse_span(self.trim)
        if self.speed is not None:
            low, high = timing.SPEED_RANGE
            if not low <= self.speed <= high:
                raise InvalidInputError(f"speed must be between {low:g} and {high:g}, got {self.speed:g}")
        if self.loop is not None and not (isinstance(self.loop, int) and 1 <= self.loop <= 20):
            raise InvalidInputError(f"loop must be a whole number from 1 to 20, got {self.loop!r}")


def _at_rate(frames: np.ndarray, fps: float, target: float) -> np.ndarray:
    """``frames`` shown at ``fps`` as frames at ``target`` fps (picked by time)."""
    if abs(fps - target) < 1e-6:
        return frames
    count = max(1, int(round(len(frames) * target / fps)))
    return frames[np.minimum((np.arange(count) * fps / target).astype(int), len(frames) - 1)]


def _fitted(audio: Audio | None, duration_s: float) -> Audio | None:
    """An input's sound cut or padded to its frames' duration (the rest of the edit keeps them equal)."""
    return None if audio is None else sound.fit(audio, duration_s)


def _summary(audio: Audio | None, *, written: bool = True) -> dict[str, Any] | None:
    """A sound as the JSON reports it: the output's at the rate AAC is written at (``written``), an
    input's at its own."""
    if audio is None:
        return None
    summary = {"channels": audio.channels, "rate": aac_rate(audio.rate) if written else audio.rate,
               "duration_s": round(audio.duration_s, 3)}
    return {"codec": "aac", **summary} if written else summary


def _reporter(stage: str, unit: str, message: str, progress: ProgressFn | None,
              cancel: threading.Event | None) -> Callable[[int, int], None]:
    """An operation's ``on_step(done, total)``: stops at the next step after Cancel, else reports."""

    def on_step(done: int, total: int) -> None:
        if cancel is not None and cancel.is_set():
            raise GenerationCancelled("Edit cancelled.")
        if progress is not None:
            progress(Progress(stage, done, total, unit, message.format(done=done, total=total)))

    return on_step


def _source(path: str | Path, frames: int, fps: float, height: int, width: int, audio: Audio | None) -> dict[str, Any]:
    return {"path": str(path), "frames": frames, "height": height, "width": width, "fps": round(fps, 3),
            "duration_s": round(frames / fps, 3) if fps else 0.0, "audio": _summary(audio, written=False)}


def check_budget(frames: int, height: int, width: int, options: EditOptions, budget: int) -> tuple[int, int, int]:
    """The output's (frames, height, width) after interpolating and upscaling, refused over ``budget``
    pixels (frames × height × width) before any of them is made."""
    count = (frames - 1) * options.interpolate + 1 if options.interpolate and frames > 1 else frames
    scale = options.upscale or 1
    out = (count, height * scale, width * scale)
    if out[0] * out[1] * out[2] > budget:
        asked = " and ".join(f"{name} ×{value}" for name, value in (("interpolating", options.interpolate),
                                                                      ("upscaling", options.upscale)) if value)
        raise InvalidInputError(
            f"{asked or 'this edit'} would make {out[0]} frames of {out[2]}×{out[1]}, over the {budget:,} pixels "
            f"(frames × height × width) an edit may make: trim the video first, or ask for a smaller factor.")
    return out


def run_edit(
    inputs: list[str | Path], options: EditOptions, output: str | Path, *, interpolator: FrameInterpolator | None = None,
    upscaler: FrameUpscaler | None = None, restyler: VideoRestyler | None = None, max_frame_pixels: int | None = None,
    progress: ProgressFn | None = None, cancel: threading.Event | None = None,
) -> EditResult:
    """Apply ``options`` to ``inputs`` (joined when several) and write ``output``; see the module's docstring."""
    # 1. Check the options and the inputs (their size from the header: nothing over the cap is decoded).
    options.check()
    if not inputs:
        raise InvalidInputError("give at least one video to edit")
    budget = max_frame_pixels or MAX_FRAME_PIXELS
    start = time.perf_counter()
    videos, audios = [], []
    for path in inputs:
        info = probe(path)
        videos.append(read_video(path, max(1, budget // max(info.width * info.height, 1))))
        audios.append(read_audio(path))  # None: no sound
    sources = [_source(p, len(v.frames), v.fps, *v.frames.shape[1:3], a) for p, v, a in zip(inputs, videos, audios)]
    read = time.perf_counter()

    # 2. Join, fitted to the first input's size and rate (each clip's sound as long as its frames).
    fps = videos[0].fps
    clips = [_at_rate(v.frames, v.fps, fps) for v in videos]
    frames = timing.join(clips)
    audio = sound.join([_fitted(a, v.duration_s) for a, v in zip(audios, videos)], [len(c) / fps for c in clips])
    operations: list[dict[str, Any]] = []
    warnings: list[str] = []
    if len(videos) > 1:
        operations.append({"name": "join", "model": None, "inputs": len(videos)})

    # 3. The cuts, in order: the frames and their sound alike.
    if options.trim is not None:
        begin, end = timing.parse_span(options.trim)
        first, stop = sound.frame_span(len(frames), fps, begin, end)
        frames = timing.trim(frames, fps, begin, end)
        audio = audio and sound.trim(audio, first / fps, stop / fps)
        operations.append({"name": "trim", "model": None, "start_s": begin, "end_s": end})
    if options.speed is not None:
        frames = timing.speed(frames, options.speed)
        audio = audio and sound.fit(sound.speed(audio, options.speed), len(frames) / fps)
        operations.append({"name": "speed", "model": None, "factor": options.speed})
    if options.reverse:
        frames = timing.reverse(frames)
        audio = audio and sound.reverse(audio)
        operations.append({"name": "reverse", "model": None})
    if options.loop is not None:
        frames = timing.loop(frames, options.loop)
        audio = audio and sound.loop(audio, options.loop, fps)
        operations.append({"name": "loop", "model": None, "times": options.loop})
    check_budget(len(frames), frames.shape[1], frames.shape[2], options, budget)

    # 4. Interpolation: (T - 1) * N + 1 frames at N times the rate, the same duration; the same sound.
    if options.interpolate is not None:
        if len(frames) < 2:
            warnings.append("There is one frame only: nothing to interpolate between.")
        elif bool(np.all(frames == frames[:1])):
            warnings.append("Every frame is the same (a still): interpolating adds copies of it.")
        model = interpolator or flow.FlowInterpolator()
        on_pair = _reporter("interpolate", "pair", "Interpolating: pair {done}/{total}", progress, cancel)
        frames = model.interpolate(frames, options.interpolate, on_pair)
        fps *= options.interpolate
        audio = audio and sound.fit(audio, len(frames) / fps)  # the last frame ends a little earlier
        operations.append({"name": "interpolate", "model": model.name, "factor": options.interpolate})

    # 5. Upscaling, frame by frame (tiled by the model: a 1080p frame fits in memory).
    if options.upscale is not None:
        if min(frames.shape[1:3]) >= LARGE_SIDE:
            warnings.append(f"The video is already {frames.shape[2]}×{frames.shape[1]}: upscaling it makes a larger "
                            "file, hardly a sharper picture.")
        model = upscaler or _offline_upscaler()
        warnings += model.warnings_for(options.upscale)
        on_frame = _reporter("upscale", "frame", "Upscaling: frame {done}/{total}", progress, cancel)
        frames = model.upscale(frames, options.upscale, on_frame)
        operations.append({"name": "upscale", "model": model.name, "factor": options.upscale})

    # 6. Restyling: an offline look steadied along the motion, or a video-to-video model's redraw.
    if options.style is not None:
        on_frame = _reporter("restyle", "frame", "Restyling: frame {done}/{total}", progress, cancel)
        frames = looks.restyle(frames, options.style, on_frame)
        operations.append({"name": "restyle", "model": "opencv", "style": options.style})
    if options.prompt:
        if restyler is None:
            raise InvalidInputError("a restyle prompt needs a video-to-video model: pass one (Engine.edit loads it)")
        strength = restyler.spec.defaults.strength if options.strength is None else options.strength
        on_step = _reporter("restyle", "step", "Restyling: step {done}/{total}", progress, cancel)
        frames = restyler.restyle(frames, options.prompt, strength, on_step=on_step)
        operations.append({"name": "restyle", "model": restyler.name, "prompt": options.prompt, "strength": strength,
                           "seed": restyler.last_seed})
    edited = time.perf_counter()

    # 7. Encode (H.264, faststart, AAC beside it), the operations in the file's metadata; the label first, if asked.
    if options.label:
        frames = label_frames(frames)
    if progress is not None:
        progress(Progress("encode", 0, 1, "", "Encoding H.264"))
    path = write_video(frames, output, fps, metadata={"edit": operations, "inputs": [Path(p).name for p in inputs]},
                       audio=audio)
    done = time.perf_counter()
    height, width = frames.shape[1] + frames.shape[1] % 2, frames.shape[2] + frames.shape[2] % 2  # as encoded
    return EditResult([str(p) for p in inputs], str(path), sources, len(frames), height, width, fps, operations,
                      {"read_s": round(read - start, 3), "edit_s": round(edited - read, 3), "encode_s": round(done - edited, 3)},
                      warnings, _summary(audio))


def _offline_upscaler() -> FrameUpscaler:
    """The upscaler in ``weights/`` (ours: no download), loaded on first use."""
    from videogen.embedded.upscaler import OfflineUpscaler

    return OfflineUpscaler()
