"""Uploads the browser cannot play, shown through a playable H.264 copy.

Browsers play H.264 (yuv420p) or AV1 in MP4, VP8/VP9/AV1 in WebM and Theora in Ogg. Any other
upload (AVI, MKV, MOV, HEVC in MP4, 10-bit H.264) shows "Video not playable" although PyAV reads it
and the models classify it. When such a video is uploaded, the tab swaps it for an H.264 MP4 copy
(:func:`playable_copy`): the whole video, its long side at most :data:`MAX_SIDE` pixels and at
most :data:`MAX_FPS` frames a second, frames at the same times, with the upload's sound (as AAC,
in step with the frames), so the copy plays as the upload would and classifies as it does. A video longer than
:data:`MAX_SECONDS` is left as uploaded (copying it would keep the user waiting), with a note.
"""

from __future__ import annotations

import glob
import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from videogen.errors import InvalidVideoError, VideogenError
from videogen.ui.i18n import locale_of, tr

logger = logging.getLogger(__name__)

MAX_SIDE = 640  # pixels, the copy's long side (never enlarged)
MAX_FPS = 30.0
MAX_SECONDS = 120.0  # longer uploads are not copied (a minute of 720p takes about 15 s on 2 cores)
# (container, codec) pairs that browsers play, as Gradio's own check has them
PLAYABLE = {("mp4", "h264"), ("mp4", "av1"), ("webm", "vp8"), ("webm", "vp9"), ("webm", "av1"), ("ogg", "theora")}
CONTAINERS = {".mp4": "mp4", ".m4v": "mp4", ".webm": "webm", ".ogg": "ogg", ".ogv": "ogg"}


def browser_playable(path: str | Path) -> bool:
    """Whether browsers play this file as it is (by its extension, video codec and pixel format)."""
    import av

    container = CONTAINERS.get(Path(path).suffix.lower())
    if container is None:
        return False
    try:
        with av.open(str(path)) as opened:
            if not opened.streams.video:
                return False
            context = opened.streams.video[0].codec_context
            codec, pixels = context.name, context.pix_fmt
    except (av.error.FFmpegError, OSError):
        return False
    if (container, codec) not in PLAYABLE:
        return False
    return codec != "h264" or pixels in ("yuv420p", "yuvj420p")  # browsers decode 8-bit 4:2:0 H.264 only


def original_of(path: str) -> str:
    """The upload a playable copy was made from (``<name>.<ext>`` beside ``<name>.playable.mp4``), or
    ``path`` itself: an edit works on the original's pixels, rate and sound, not the smaller copy."""
    copy = Path(path)
    if not copy.name.endswith(".playable.mp4"):
        return path
    stem = copy.name[: -len(".playable.mp4")]
    found = sorted(p for p in copy.parent.glob(f"{glob.escape(stem)}.*") if p != copy and not p.name.startswith("."))
    return str(found[0]) if found else path


def playable_copy(path: str | Path, *, max_side: int = MAX_SIDE, max_fps: float = MAX_FPS) -> Path:
    """An H.264 MP4 copy of the video next to it (``<name>.playable.mp4``; reused if there).

    The copy runs as long as the video: frame ``n`` shows what the video shows at ``n / fps``, with
    the video's frame rate capped at ``max_fps``; rotation metadata is applied to the pixels; the
    sound (if the video has one FFmpeg decodes) goes along as AAC.
    """
    import av

    from videogen.media import open_video, probe, read_audio
    from videogen.media.audio import AacTrack

    source = Path(path)
    target = source.with_name(f"{source.stem}.playable.mp4")
    if target.is_file():
        return target
    partial = target.with_name(f".{target.stem}.part.mp4")
    try:
        sound = read_audio(source)
    except (VideogenError, av.error.FFmpegError) as exc:  # the picture still plays; the page says nothing of it
        logger.warning("the sound of %s is left out of its playable copy: %s", source.name, exc)
        sound = None
    try:
        with open_video(source) as container, av.open(str(partial), mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            rate = min(float(stream.average_rate or stream.guessed_rate or 25), max_fps)
            start = float(stream.start_time * stream.time_base) if stream.start_time is not None else None
            encoder: Any = None
            track: AacTrack | None = None
            shown: tuple[Any, np.ndarray] | None = None  # the last decoded frame and its picture
            written = 0

            def write(picture: np.ndarray) -> None:
                nonlocal encoder, track, written
                if encoder is None:  # sized by the first picture (after rotation); the sound's stream beside it
                    encoder = out.add_stream("libx264", rate=Fraction(rate).limit_denominator(1001))
                    encoder.height, encoder.width = picture.shape[:2]
                    encoder.pix_fmt = "yuv420p"
                    encoder.options = {"crf": "23", "preset": "veryfast"}
                    if sound is not None:
                        track = AacTrack(out, sound, Fraction(round(probe(source).duration * 1000), 1000))
                for packet in encoder.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                    out.mux(packet)
                written += 1
                if track is not None:
                    track.until(written / rate)

            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                start = frame.time if start is None else start
                while shown is not None and written / rate < frame.time - start - 1e-6:
                    write(shown[1])  # the slots before this frame show the previous one
                shown = (frame, _picture(frame, max_side))
            if shown is None:
                raise InvalidVideoError(f"{source.name} has a video stream but no decodable frames.")
            end = shown[0].time - start + 1 / float(stream.average_rate or rate)
            while written == 0 or written / rate < end - 1e-6:
                write(shown[1])
            for packet in encoder.encode():
                out.mux(packet)
            if track is not None:
                track.finish()
        partial.replace(target)
    except av.error.FFmpegError as exc:
        raise InvalidVideoError(f"{source.name} could not be converted for the browser ({exc}).") from exc
    finally:
        partial.unlink(missing_ok=True)
    logger.info("playable copy of %s: %s", source.name, target)
    return target


def _picture(frame: Any, max_side: int) -> np.ndarray:
    """A decoded frame as RGB, its long side at most ``max_side``, even-sized, turned as shown."""
    from videogen.media import even_size, rotate

    scale = min(1.0, max_side / max(frame.width, frame.height))
    width, height = max(2, round(frame.width * scale)), max(2, round(frame.height * scale))
    picture = frame.to_ndarray(format="rgb24", width=width, height=height, interpolation="AREA")
    rotation = float(getattr(frame, "rotation", 0) or 0)
    picture = rotate(picture, rotation) if rotation else picture
    return even_size(picture[None])[0]


def cheap_to_copy(path: str | Path) -> bool:
    """Whether copying decodes at most :data:`MAX_SECONDS` of 60 fps frames of at most 8K, counted
    from the packets before anything is decoded (a header can understate the frames: this runs on
    every upload, in public mode too)."""
    from videogen.errors import InvalidInputError
    from videogen.serving.caps import Policy
    from videogen.serving.files import check_video_file

    limits = Policy(max_video_seconds=MAX_SECONDS, max_video_frames=int(MAX_SECONDS * 60), max_image_pixels=8192 * 4320)
    try:
        check_video_file(path, limits)
    except InvalidInputError:
        return False
    return True


def show_playable(video: str | None, request: gr.Request | None = None) -> Any:
    """The Video input's upload event: the upload, or its playable copy in its place."""
    locale = locale_of(request)
    if not video or browser_playable(video):
        return gr.skip()
    from videogen.media import probe

    name = Path(video).name
    try:
        duration = probe(video).duration
        if duration > MAX_SECONDS:
            gr.Info(tr("Your browser cannot play {name}, and at {minutes:.0f} minutes it is too long to convert here; it is "
                       "classified as uploaded all the same.", locale, name=name, minutes=duration / 60), title=tr("Info", locale))
            return gr.skip()
        if not cheap_to_copy(video):
            gr.Info(tr("Your browser cannot play {name}, and it has too many frames to convert here; it is classified as "
                       "uploaded all the same.", locale, name=name), title=tr("Info", locale))
            return gr.skip()
        return str(playable_copy(video))
    except VideogenError as exc:
        gr.Warning(str(exc), title=tr("Warning", locale))
        return gr.skip()
