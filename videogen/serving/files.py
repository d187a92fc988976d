"""The files a request brings and the files the app writes.

* Inputs are sized before anything is decoded: an image from its header (:func:`check_image_file`),
  a video's frame size from its header and its length and frames from its packets
  (:func:`check_video_file`), against the :class:`~videogen.serving.caps.Policy`'s caps.
* In public mode a file input must be an upload, never a path on the server (:func:`check_upload`),
  and messages sent to strangers name files, not server paths (:func:`scrub_paths`).
* The app's own folders: Gradio's upload and cache folder, private to this process
  (:func:`private_temp_dir`), and each public session's output folder (:func:`session_folder`).

The checks raise :class:`~videogen.errors.InvalidInputError` naming the cap; they never echo a path back.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from videogen.errors import InvalidInputError
from videogen.serving.caps import Policy

# ----------------------------------------------------------------------------------------------
# Input files: sized from their headers, before anything is decoded


def check_image_size(policy: Policy, width: int, height: int, what: str = "image") -> None:
    """Refuse ``width`` × ``height`` pixels over the policy's image cap."""
    cap = policy.max_image_pixels
    if cap is not None and width * height > cap:
        raise _too_many_pixels(policy, what, f"{width}×{height} = {width * height / 1e6:.1f} megapixels")


def _too_many_pixels(policy: Policy, what: str, size: str) -> InvalidInputError:
    return policy.over_cap(what, size, f"{(policy.max_image_pixels or 0) / 1e6:g} megapixels", "max_image_pixels",
                           "Scale it down first.")


def check_image_file(path: str | Path, policy: Policy) -> None:
    """Refuse an image whose header says it has more pixels than the cap, before decoding it.

    ``Image.open`` reads the header only (the pixels are decoded by ``load()``); a file Pillow
    cannot identify is left to :func:`~videogen.generate.image_to_video.load_image`, which says so.
    """
    import warnings

    from PIL import Image

    if not _regular_file(path):  # a pipe would block Image.open: load_image says what it is
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused just below, with a message
            with Image.open(path) as opened:
                width, height = opened.size
    except Image.DecompressionBombError as exc:  # over twice Pillow's limit (limit_decoders): refused by Pillow
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(found.group(1)) / 1e6:.1f} megapixels" if found else "too large"
        raise _too_many_pixels(policy, "image", size) from None
    except (OSError, ValueError, SyntaxError):
        return
    check_image_size(policy, width, height)


def check_image(image: Any, policy: Policy) -> None:
    """An input image given as a path (header only), a PIL image or an array."""
    if isinstance(image, (str, Path)):
        check_image_file(image, policy)
    elif hasattr(image, "size") and isinstance(getattr(image, "size"), tuple):  # PIL
        check_image_size(policy, *image.size)
    elif hasattr(image, "shape") and len(image.shape) >= 2:  # numpy (H, W, C)
        check_image_size(policy, int(image.shape[1]), int(image.shape[0]))


def _regular_file(path: str | Path) -> bool:
    """Whether ``path`` is a regular file (not a folder, a device or a named pipe)."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError, TypeError):  # a name too long for the file system, a NUL byte
        return False


def check_video_file(path: str | Path, policy: Policy) -> None:
    """Refuse a video over the caps before any frame is decoded: its frame size from the header,
    its length and its frames from its packets (demuxing reads the file but decodes nothing).

    Counting packets rather than trusting the header's frame count or rate catches files whose
    header understates them. A file that cannot be opened is left to the reader, which says why.
    """
    import av

    if not isinstance(path, (str, os.PathLike)):
        raise InvalidInputError(f"video must be the path of a video file, got {type(path).__name__}")
    if not _regular_file(path):  # a pipe would block the open below: the reader says what it is
        return
    video_caps = (policy.max_video_seconds, policy.max_video_frames, policy.max_video_pixels)
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError):
        return
    with container:
        if not container.streams.video:
            return
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        check_image_size(policy, width, height, "the video's frame")
        if all(cap is None for cap in video_caps):
            return
        frame_cap = policy.max_video_frames
        if policy.max_video_pixels is not None and width * height:
            by_pixels = policy.max_video_pixels // (width * height)
            frame_cap = by_pixels if frame_cap is None else min(frame_cap, by_pixels)
        count, first, last = 0, None, None
        try:
            for packet in container.demux(stream):
                if not packet.size:
                    continue
                count += 1
                if packet.pts is not None:
                    first = packet.pts if first is None else min(first, packet.pts)
                    last = packet.pts if last is None else max(last, packet.pts)
                if frame_cap is not None and count > frame_cap:
                    break
        except av.error.FFmpegError:
            pass  # a damaged tail: the reader decides what to make of it
        seconds = float((last - first) * stream.time_base) if first is not None and stream.time_base else 0.0
        if container.duration:
            seconds = max(seconds, container.duration / 1_000_000)
    cap = policy.max_video_seconds
    if cap is not None and seconds > cap:
        raise policy.over_cap("the video", f"{_clock(seconds)} long", f"{_clock(cap)}", "max_video_seconds", "Trim it.")
    if policy.max_video_frames is not None and count > policy.max_video_frames:
        frames = f"{policy.max_video_frames:,} frames"
        raise policy.over_cap("the video", f"more than {frames}", frames, "max_video_frames",
                              "Trim it, or lower its frame rate.")
    if policy.max_video_pixels is not None and count * width * height > policy.max_video_pixels:
        raise policy.over_cap("the video", f"{count:,}+ frames of {width}×{height}",
                              f"{policy.max_video_pixels:,} pixels over all its frames", "max_video_pixels",
                              "Trim it, or scale it down (1080p or less).")


def _clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d} min"


def check_upload(path: str | Path, upload_folder: str | Path) -> None:
    """Public mode: a file input must be an upload (in Gradio's upload folder), never a server path.

    The message is the same whether the path exists or not, and does not repeat it.
    """
    try:
        inside = Path(path).resolve().is_relative_to(Path(upload_folder).resolve())
    except (OSError, ValueError):
        inside = False
    if not inside:
        raise InvalidInputError(
            "In public mode a file must be uploaded with the request (the page's upload box, or "
            "gradio_client's handle_file); paths on the server are not accepted."
        )


def scrub_paths(text: str, roots: list[str | Path]) -> str:
    """``text`` with every path under one of ``roots`` replaced by its last part (a file's name).

    For messages sent to strangers: "…/tmp/videogen-gradio-x/3f2a…/photo.png…" becomes "…photo.png…".
    """
    for root in sorted({str(r).rstrip("/") for r in roots if r and str(r).rstrip("/")}, key=len, reverse=True):
        pattern = re.compile(re.escape(root) + r"(?=$|[/\s'\"),;:])(?:/[^\s'\"),;]*)?")
        text = pattern.sub(lambda m: Path(m.group(0)).name or "…", text)
    return text


# ----------------------------------------------------------------------------------------------
# Files this app writes


def private_temp_dir() -> Path:
    """Gradio's upload and cache folder for this app: ``GRADIO_TEMP_DIR`` if set, else a fresh folder
    only this user can read (not the ``<tmp>/gradio`` that every Gradio app on the machine shares,
    whose files Gradio would serve), removed when the process ends. Call it before Gradio builds
    anything: components read the variable when they are created."""
    chosen = os.environ.get("GRADIO_TEMP_DIR")
    if chosen:
        return Path(chosen)
    folder = Path(tempfile.mkdtemp(prefix="videogen-gradio-"))
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    atexit.register(shutil.rmtree, folder, True)
    return folder


def session_folder(output_dir: Path, session: str, key: bytes) -> Path:
    """Where one session's outputs go in public mode: a folder named by a keyed hash of the session,
    so that no one can derive another session's folder (the key is the app's, random per process)."""
    digest = hmac.new(key, session.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
    return output_dir / "sessions" / digest
