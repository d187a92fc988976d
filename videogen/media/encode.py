"""Writing what every browser plays: H.264 in MP4, yuv420p, even sides, ``+faststart``.

``+faststart`` puts the index first, so playback starts before the download ends. The clip is
written under a temporary name and renamed when complete, so no half-written file is ever seen;
temporaries a killed process left are swept before each write. The generation parameters go in
as JSON in the MP4 ``comment`` tag, and :func:`read_metadata` reads them back. Sound, when given,
goes in as AAC (:mod:`videogen.media.audio`), as long as the picture.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from videogen.errors import InvalidInputError, OutputError
from videogen.media.audio import AacTrack, Audio, check_writable
from videogen.media.probe import error_reason, open_video

logger = logging.getLogger(__name__)

METADATA_KEY = "comment"  # a tag the MP4 muxer always writes

PARTIAL_MAX_AGE_S = 600  # a temporary output nobody has written to for this long was left by a process that died


def write_video(
    frames: np.ndarray,
    path: str | Path,
    fps: float,
    metadata: dict[str, Any] | None = None,
    crf: int = 18,
    on_frame: Callable[[int, int], None] | None = None,
    audio: Audio | None = None,
) -> Path:
    """Encode (T, H, W, 3) uint8 RGB frames as a browser-playable H.264 MP4.

    ``on_frame(index, total)`` is called before each frame is encoded (progress; it may raise to stop).
    ``audio`` (None: a silent file, no audio track) goes in as AAC beside the picture, cut or padded
    with silence to the video's duration (``T / fps``) exactly (:class:`~videogen.media.audio.AacTrack`).
    """
    import av

    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise InvalidInputError(f"frames must have shape (T, H, W, 3) with T > 0, got {frames.shape}")
    if frames.dtype != np.uint8:
        raise InvalidInputError(f"frames must be uint8, got {frames.dtype}")
    if not fps or fps <= 0:
        raise InvalidInputError(f"fps must be positive, got {fps}")
    if audio is not None:
        check_writable(audio)
    frames = even_size(frames)
    _, height, width, _ = frames.shape

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(exc, path) from exc
    remove_stale_partials(path.parent)
    rate = Fraction(fps).limit_denominator(1001)
    # written under a temporary name and renamed when complete: no half-written file is ever seen
    partial = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.part.mp4")
    try:
        with av.open(str(partial), mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
            if metadata:
                container.metadata[METADATA_KEY] = _metadata_text(metadata)
            stream = container.add_stream("libx264", rate=rate)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.options = {"crf": str(crf), "preset": "medium"}
            sound = AacTrack(container, audio, len(frames) / rate) if audio is not None else None
            for index, image in enumerate(frames):
                if on_frame is not None:
                    on_frame(index, len(frames))  # may raise (Cancel): the partial file is removed
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
                if sound is not None:  # the sound up to this frame's end, interleaved with the picture
                    sound.until((index + 1) / rate)
            for packet in stream.encode():
                container.mux(packet)
            if sound is not None:
                sound.finish()
        os.replace(partial, path)
    except OSError as exc:  # PyAV's write errors are OSErrors too (av.error.OSError: [Errno 28] ...)
        raise _output_error(exc, path) from exc
    finally:
        partial.unlink(missing_ok=True)
    return path


def even_size(frames: np.ndarray) -> np.ndarray:
    """Pad odd heights/widths by one edge pixel: yuv420p needs even dimensions."""
    _, height, width, _ = frames.shape
    pad_h, pad_w = height % 2, width % 2
    if not (pad_h or pad_w):
        return frames
    return np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")


def _metadata_text(metadata: dict[str, Any]) -> str:
    """The metadata as JSON, in UTF-8 where it can be (text that is not valid Unicode is escaped)."""
    text = json.dumps(metadata, ensure_ascii=False, sort_keys=True)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (in a folder's name, say): \udXXX escapes instead
        text = json.dumps(metadata, ensure_ascii=True, sort_keys=True)
    return text


def _output_error(exc: OSError, path: Path) -> OutputError:
    """What went wrong writing ``path``, and what to do about it."""
    folder = path.parent
    if exc.errno == errno.EFBIG:
        return OutputError(
            f"{path.name} grew past the largest file this system allows ({exc.strerror}). Ask for fewer frames or a "
            "smaller size. Nothing half-written was kept."
        )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        try:
            free = f"{shutil.disk_usage(folder).free / 1e6:,.1f} MB free"
        except OSError:
            free = "no free space"
        return OutputError(
            f"The disk is full: {path.name} could not be written to {folder} ({free}). Free some space there (old "
            "clips can go) or write somewhere else (VIDEOGEN_OUTPUT_DIR, or -o), then try again. Nothing half-written was kept."
        )
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):  # a file where a folder of the path should be
        return OutputError(f"{folder} is not a folder (a file has that name). Write somewhere else (VIDEOGEN_OUTPUT_DIR, or -o).")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(
            f"{folder} cannot be written to ({exc.strerror}). Write somewhere else (VIDEOGEN_OUTPUT_DIR, or -o)."
        )
    return OutputError(f"{path.name} could not be written to {folder} ({error_reason(exc)}). Nothing half-written was kept.")


_PARTIAL = re.compile(r"\..+\.(?P<pid>\d+)\.\d+\.part\.mp4")  # write_video's: .{stem}.{pid}.{thread}.part.mp4


def remove_stale_partials(folder: str | Path, max_age_s: float = PARTIAL_MAX_AGE_S) -> int:
    """Delete the temporary outputs of :func:`write_video` (``.name.pid.thread.part.mp4``) that a
    killed process left in ``folder``: those of a process that is no longer running, and any nobody
    has written to for ``max_age_s`` seconds. Returns how many were deleted. Called before each write."""
    removed = 0
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        match = _PARTIAL.fullmatch(entry.name)
        if match is None:
            continue
        pid = int(match["pid"])
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            orphan = pid != os.getpid() and not _running(pid)
            if orphan or now - entry.stat(follow_symlinks=False).st_mtime > max_age_s:
                os.unlink(entry.path)
                removed += 1
                logger.info("Removed %s, a partial output left by a process that stopped", entry.path)
        except OSError:  # gone already (another process cleaned it), or not ours to delete
            continue
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as another user
        return True
    return True


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The generation parameters stored by :func:`write_video` ({} when absent)."""
    with open_video(path) as container:
        raw = container.metadata.get(METADATA_KEY)
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return {}
