"""What one request may ask of this server: public mode's caps, and the budget of a local run.

The app is opened by strangers on a Hugging Face Space or through a ``--share`` link. **Public mode**
(``--public``, ``--share``, or on a Space; :func:`is_public`) holds every request to
:meth:`Policy.public`'s caps, whatever the page's boxes or the HTTP API send: only the listed
models (no Hub ids, no folders: :func:`videogen.models.resolve`), frames, size, steps, the pixels
of one clip, prompt length, image pixels (read from the file's header, before any decoding), and a
video's length and frames (counted from its packets, before any decoding). A **local run** keeps
every model and folder, under :meth:`Policy.local`'s budget, which only keeps one request from
taking a 23 GB machine. Each cap can be set with ``VIDEOGEN_<NAME>`` (:mod:`videogen.config`).

The checks raise :class:`~videogen.errors.InvalidInputError` naming the parameter, its value and
the cap; they never echo a prompt or a path back.

How the local budget was chosen (2 CPU cores, 23 GB; peak RSS of ``python -c`` generating one clip
with the embedded shapes-t2v, which draws in batches): 16×128×128 frames 1.13 GB, 64×512×512
1.32 GB, 64×1024×1024 1.52 GB, 128×1024×1024 1.72 GB, 257×1280×1280 (421 M pixels) 2.68 GB in
132 s (2.83 GB through the app's HTTP API); shapes-i2v 64×1024×1024 1.49 GB. Those models hold the
clip once (3 bytes a pixel) plus the encoder's frames. A diffusers generator hands back float32
frames and converts them (about 27 bytes a pixel over the clip), so 400 M pixels is ~11 GB on top
of the model: the local cap keeps that below half the machine. Public mode's caps are the largest
defaults of the listed models (161 frames of LTX-Video, 1280×704 and 121 frames of Wan 2.2, 50
steps), so every listed model runs at its defaults and nothing asks for more.
"""

from __future__ import annotations

import atexit
import fnmatch
import hashlib
import hmac
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from videogen.errors import InvalidInputError

if TYPE_CHECKING:
    from videogen.config import Settings
    from videogen.pipelines.common import GenerationParams, GenerationRequest
    from videogen.registry import ModelSpec


@dataclass(frozen=True)
class Policy:
    """The caps one request is held to. ``None``: no cap."""

    public: bool = False
    allow_custom_models: bool = True  # Hub ids and local folders (always off in public mode unless asked)
    max_frames: int | None = None
    max_side: int | None = None  # height or width, pixels
    max_pixels: int | None = None  # height × width of one frame
    max_steps: int | None = None
    max_frame_pixels: int | None = None  # frames × height × width: the memory budget of one clip
    max_prompt_chars: int | None = None  # prompt, negative prompt, labels
    max_image_pixels: int | None = None  # an input image's or a video frame's width × height
    max_video_seconds: float | None = None
    max_video_frames: int | None = None  # frames in a video to recognise (its packets, counted undecoded)
    max_video_pixels: int | None = None  # frames × width × height of a video to recognise
    max_upload_mb: float | None = None  # Gradio's max_file_size
    delete_after_s: int | None = None  # outputs and uploads are deleted this long after they were made
    unread_timeout_s: float | None = None  # a job whose progress nobody has read for this long is stopped

    @classmethod
    def local(cls) -> Policy:
        """A local run: any model or folder, under a budget that keeps the machine up (env overrides applied)."""
        return LOCAL.with_settings()

    @classmethod
    def public(cls) -> Policy:
        """Public mode: the listed models, at most their defaults (env overrides applied)."""
        return PUBLIC.with_settings()

    def with_settings(self, settings: Settings | None = None) -> Policy:
        """This policy with the caps set by ``VIDEOGEN_<NAME>`` variables, and the custom-model switch."""
        from videogen.config import load_settings

        settings = settings or load_settings()
        kinds = {f.name: f.type for f in fields(self)}
        changes: dict[str, Any] = {}
        for name, value in settings.policy_overrides:
            whole = "int" in str(kinds[name])
            changes[name] = None if value is None else (int(value) if whole else float(value))
        if self.public and settings.allow_custom_models:
            changes["allow_custom_models"] = True
        return replace(self, **changes)

    @property
    def delete_every_s(self) -> int | None:
        """How often expired files are looked for: a quarter of their lifetime, between 1 s and 10 min."""
        if not self.delete_after_s:
            return None
        return max(1, min(600, self.delete_after_s // 4))

    @property
    def max_file_size(self) -> int | None:
        """Gradio's ``max_file_size`` (bytes)."""
        return int(self.max_upload_mb * 1024 * 1024) if self.max_upload_mb else None

    def _over(self, name: str, value: str, cap: str | int, field: str, advice: str) -> InvalidInputError:
        """The refusal: the parameter, its value, the cap (and locally, the variable that sets it)."""
        where = "public mode's cap" if self.public else "this machine's cap"
        how = "" if self.public else f" (VIDEOGEN_{field.upper()} changes it)"
        cap_text = (f"{cap:,}" if cap >= 10_000 else str(cap)) if isinstance(cap, int) else cap  # 1280, 110,000,000
        return InvalidInputError(f"{name} is {value}, over {where} of {cap_text}{how}. {advice}")

    def summary(self) -> list[tuple[str, str]]:
        """(cap, value) rows, for ``--help``."""
        rows = []

        def add(label: str, value: Any, text: str) -> None:
            if value is not None:
                rows.append((label, text))

        add("frames", self.max_frames, f"{self.max_frames}")
        add("size", self.max_side, f"{self.max_side} px a side, {self.max_pixels or 0:,} pixels a frame")
        add("steps", self.max_steps, f"{self.max_steps}")
        add("frames × height × width", self.max_frame_pixels, f"{self.max_frame_pixels or 0:,}")
        add("prompt", self.max_prompt_chars, f"{self.max_prompt_chars or 0:,} characters")
        add("image", self.max_image_pixels, f"{(self.max_image_pixels or 0) / 1e6:g} megapixels")
        add("video length", self.max_video_seconds, f"{(self.max_video_seconds or 0) / 60:g} min")
        add("video frames", self.max_video_frames, f"{self.max_video_frames or 0:,}")
        add("video frames × pixels", self.max_video_pixels, f"{self.max_video_pixels or 0:,}")
        add("upload", self.max_upload_mb, f"{self.max_upload_mb or 0:g} MB")
        add("files kept", self.delete_after_s, f"{(self.delete_after_s or 0) / 60:g} min")
        add("unread job stopped after", self.unread_timeout_s, f"{self.unread_timeout_s or 0:g} s")
        return rows


# The defaults; VIDEOGEN_<NAME> variables and the app's flags change them (see the module docstring).
LOCAL = Policy(
    public=False, allow_custom_models=True, max_frames=1024, max_side=4096, max_pixels=4096 * 4096, max_steps=500,
    max_frame_pixels=400_000_000, max_prompt_chars=20_000, max_image_pixels=100_000_000,
)
PUBLIC = Policy(
    public=True, allow_custom_models=False, max_frames=161, max_side=1280, max_pixels=1280 * 720, max_steps=50,
    max_frame_pixels=110_000_000, max_prompt_chars=2_000, max_image_pixels=50_000_000,
    max_video_seconds=300.0, max_video_frames=9_000, max_video_pixels=9_000 * 1920 * 1080,
    max_upload_mb=100.0, delete_after_s=3600, unread_timeout_s=60.0,
)


def is_public(settings: Settings, *, flag: bool = False, share: bool = False) -> bool:
    """Public mode: ``--public``, ``--share``, ``VIDEOGEN_PUBLIC=1``, or on a Space (unless ``VIDEOGEN_PUBLIC=0``)."""
    if flag or share:
        return True
    return settings.public if settings.public is not None else settings.on_spaces


# ----------------------------------------------------------------------------------------------
# Requests


def check_text(policy: Policy, name: str, text: Any) -> None:
    """A prompt, negative prompt or labels no longer than the cap (never echoed back)."""
    cap = policy.max_prompt_chars
    if cap is None or not isinstance(text, (str, list, tuple)):  # not text at all: check_inputs says so, by name
        return
    size = len(text) if isinstance(text, str) else sum(len(str(item)) + 1 for item in text)
    if size > cap:
        raise policy._over(name, f"{size:,} characters long", f"{cap:,} characters", "max_prompt_chars", "Shorten it.")


def check_texts(policy: Policy, request: GenerationRequest) -> None:
    """The request's texts, before anything else is looked at."""
    check_text(policy, "prompt", request.prompt)
    check_text(policy, "negative_prompt", request.negative_prompt)


def check_request(policy: Policy, spec: ModelSpec, params: GenerationParams) -> None:
    """Raise :class:`InvalidInputError` when a resolved request is over one of the policy's caps."""
    check_text(policy, "prompt", params.prompt)
    check_text(policy, "negative_prompt", params.negative_prompt)
    d = spec.defaults
    if policy.max_frames is not None and params.frames > policy.max_frames:
        raise policy._over("frames", f"{params.frames}", policy.max_frames, "max_frames",
                           f"Ask for fewer frames ({spec.id}'s default is {d.frames}).")
    for name in ("height", "width"):
        value = getattr(params, name)
        if policy.max_side is not None and value > policy.max_side:
            raise policy._over(name, f"{value}", policy.max_side, "max_side",
                               f"Ask for a smaller size ({spec.id}'s default is {d.width}×{d.height}).")
    pixels = params.height * params.width
    if policy.max_pixels is not None and pixels > policy.max_pixels:
        raise policy._over("height × width", f"{params.height} × {params.width} = {pixels:,} pixels", policy.max_pixels,
                           "max_pixels", f"Ask for a smaller size ({spec.id}'s default is {d.width}×{d.height}).")
    if policy.max_steps is not None and params.steps > policy.max_steps:
        raise policy._over("steps", f"{params.steps}", policy.max_steps, "max_steps",
                           f"Ask for fewer steps ({spec.id}'s default is {d.steps}).")
    total = params.frames * pixels
    if policy.max_frame_pixels is not None and total > policy.max_frame_pixels:
        raise policy._over(
            "frames × height × width", f"{params.frames} × {params.height} × {params.width} = {total:,} pixels",
            policy.max_frame_pixels, "max_frame_pixels", "Ask for fewer frames or a smaller size.",
        )


# ----------------------------------------------------------------------------------------------
# Input files: sized from their headers, before anything is decoded


def limit_decoders(policy: Policy) -> None:
    """Pillow refuses images over twice ``MAX_IMAGE_PIXELS`` when it opens them: tie that to the
    policy (a second line behind :func:`check_image_file`, for any image opened anywhere)."""
    from PIL import Image

    if policy.max_image_pixels is not None:
        Image.MAX_IMAGE_PIXELS = policy.max_image_pixels


def check_image_size(policy: Policy, width: int, height: int, what: str = "image") -> None:
    cap = policy.max_image_pixels
    if cap is not None and width * height > cap:
        raise _too_many_pixels(policy, what, f"{width}×{height} = {width * height / 1e6:.1f} megapixels")


def _too_many_pixels(policy: Policy, what: str, size: str) -> InvalidInputError:
    return policy._over(what, size, f"{(policy.max_image_pixels or 0) / 1e6:g} megapixels", "max_image_pixels",
                        "Scale it down first.")


def check_image_file(path: str | Path, policy: Policy) -> None:
    """Refuse an image whose header says it has more pixels than the cap, before decoding it.

    ``Image.open`` reads the header only (the pixels are decoded by ``load()``); a file Pillow
    cannot identify is left to :func:`~videogen.pipelines.image_to_video.load_image`, which says so.
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
        raise policy._over("the video", f"{_clock(seconds)} long", f"{_clock(cap)}", "max_video_seconds", "Trim it.")
    if policy.max_video_frames is not None and count > policy.max_video_frames:
        frames = f"{policy.max_video_frames:,} frames"
        raise policy._over("the video", f"more than {frames}", frames, "max_video_frames", "Trim it, or lower its frame rate.")
    if policy.max_video_pixels is not None and count * width * height > policy.max_video_pixels:
        raise policy._over("the video", f"{count:,}+ frames of {width}×{height}",
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


def sweep(
    folder: Path, older_than_s: float, *, pattern: str = "*", keep: frozenset[str] = frozenset(), now: float | None = None,
) -> int:
    """Delete the files under ``folder`` whose names match ``pattern`` and that were last modified
    more than ``older_than_s`` ago (except the paths in ``keep``), and the folders left empty;
    returns how many files went. Missing folders and races are fine."""
    if not folder.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - older_than_s
    removed = 0
    for root, _dirs, files in os.walk(folder, topdown=False):
        for name in files:
            path = Path(root) / name
            if not fnmatch.fnmatch(name, pattern) or str(path) in keep:
                continue
            try:
                if path.lstat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        if Path(root) != folder:
            try:
                Path(root).rmdir()  # only when empty
            except OSError:
                pass
    return removed


def scrub_paths(text: str, roots: list[str | Path]) -> str:
    """``text`` with every path under one of ``roots`` replaced by its last part (a file's name).

    For messages sent to strangers: "…/tmp/videogen-gradio-x/3f2a…/photo.png…" becomes "…photo.png…".
    """
    for root in sorted({str(r).rstrip("/") for r in roots if r and str(r).rstrip("/")}, key=len, reverse=True):
        pattern = re.compile(re.escape(root) + r"(?=$|[/\s'\"),;:])(?:/[^\s'\"),;]*)?")
        text = pattern.sub(lambda m: Path(m.group(0)).name or "…", text)
    return text
