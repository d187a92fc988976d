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
from videogen.media.subtitles import Cue, MovTextTrack

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
    subtitles: list[Cue] | None = None,
) -> Path:
    """Encode (T, H, W, 3) uint8 RGB frames as a browser-playable H.264 MP4.

    ``on_frame(index, total)`` is called before each frame is encoded (progress; it may raise to stop).
    ``audio`` (None: a silent file, no audio track) goes in as AAC beside the picture, cut or padded
    with silence to the video's duration (``T / fps``) exactly (:class:`~videogen.media.audio.AacTrack`).
    ``subtitles`` go in as a ``mov_text`` track (:mod:`~videogen.media.subtitles`).
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise InvalidInputError(f"frames must have shape (T, H, W, 3) with T > 0, got {frames.shape}")
    if frames.dtype != np.uint8:
        raise InvalidInputError(f"frames must be uint8, got {frames.dtype}")
    with VideoWriter(path, fps, len(frames), frames.shape[1], frames.shape[2], metadata=metadata, crf=crf,
                     audio=audio, subtitles=subtitles) as writer:
        for index, image in enumerate(frames):
            if on_frame is not None:
                on_frame(index, len(frames))  # may raise (Cancel): the partial file is removed
            writer.write(image)
    return Path(path)


class VideoWriter:
    """An H.264 MP4 written frame by frame (a long video never sits in memory), as :func:`write_video`
    writes it: under a temporary name, renamed into place only when all ``count`` frames came and the
    ``with`` block ended without an error; otherwise nothing is left behind.

    >>> with VideoWriter("out.mp4", 24, count=48, height=256, width=384, audio=sound) as out:
    ...     for frame in frames:
    ...         out.write(frame)
    """

    def __init__(self, path: str | Path, fps: float, count: int, height: int, width: int, *,
                 metadata: dict[str, Any] | None = None, crf: int = 18, audio: Audio | None = None,
                 subtitles: list[Cue] | None = None) -> None:
        if not fps or fps <= 0:
            raise InvalidInputError(f"fps must be positive, got {fps}")
        if count < 1 or height < 1 or width < 1:
            raise InvalidInputError(f"a video needs at least one frame of at least 1×1, got {count} of {width}×{height}")
        if audio is not None:
            check_writable(audio)
        self.path, self.count, self.size = Path(path), count, (height, width)
        self.rate = Fraction(fps).limit_denominator(1001)
        self.metadata, self.crf, self.audio, self.subtitles = metadata, crf, audio, subtitles
        self.written = 0

    def __enter__(self) -> VideoWriter:
        import av

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _output_error(exc, self.path) from exc
        remove_stale_partials(self.path.parent)
        # written under a temporary name and renamed when complete: no half-written file is ever seen
        self.partial = self.path.with_name(f".{self.path.stem}.{os.getpid()}.{threading.get_ident()}.part.mp4")
        try:
            self.container = av.open(str(self.partial), mode="w", format="mp4", options={"movflags": "+faststart"})
            if self.metadata:
                self.container.metadata[METADATA_KEY] = _metadata_text(self.metadata)
            height, width = self.size[0] + self.size[0] % 2, self.size[1] + self.size[1] % 2
            self.stream = self.container.add_stream("libx264", rate=self.rate)
            self.stream.width, self.stream.height, self.stream.pix_fmt = width, height, "yuv420p"
            self.stream.options = {"crf": str(self.crf), "preset": "medium"}
            self.sound = AacTrack(self.container, self.audio, self.count / self.rate) if self.audio is not None else None
            self.text = MovTextTrack(self.container, self.subtitles) if self.subtitles else None
        except OSError as exc:
            self._discard()
            raise _output_error(exc, self.path) from exc
        except BaseException:
            self._discard()
            raise
        return self

    def write(self, image: np.ndarray) -> None:
        """One (H, W, 3) uint8 RGB frame (odd sides padded by an edge pixel)."""
        import av

        if self.written >= self.count:
            raise InvalidInputError(f"{self.path.name} was opened for {self.count} frames: no room for another")
        if image.shape[:2] != self.size or image.dtype != np.uint8:
            raise InvalidInputError(f"frame {self.written} is {image.shape} {image.dtype}, not the "
                                    f"{self.size + (3,)} uint8 this video was opened for")
        image = even_size(image[None])[0]
        for packet in self.stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
            self.container.mux(packet)
        self.written += 1
        if self.sound is not None:  # the sound up to this frame's end, interleaved with the picture
            self.sound.until(self.written / self.rate)

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> None:
        if kind is not None:
            self._discard()
            return
        if self.written != self.count:
            self._discard()
            raise InvalidInputError(f"{self.path.name} was opened for {self.count} frames but given {self.written}: "
                                    "nothing was kept")
        try:
            for packet in self.stream.encode():
                self.container.mux(packet)
            if self.sound is not None:
                self.sound.finish()
            if self.text is not None:
                self.text.write()
            self.container.close()
            os.replace(self.partial, self.path)
        except OSError as exc:  # PyAV's write errors are OSErrors too (av.error.OSError: [Errno 28] ...)
            self._discard()
            raise _output_error(exc, self.path) from exc

    def _discard(self) -> None:
        container = getattr(self, "container", None)
        if container is not None:
            try:
                container.close()
            except (OSError, ValueError):  # a container that failed midway may not close cleanly
                logger.debug("closing the partial %s failed", self.partial.name)
        self.partial.unlink(missing_ok=True)


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
