"""How much one request may ask of this server: public mode's caps, and the budget of a local run.

The app is opened by strangers on a Hugging Face Space or through a ``--share`` link. **Public mode**
(``--public``, ``--share``, or on a Space; :func:`is_public`) holds every request to
:meth:`Policy.public`'s caps, whatever the page's boxes or the HTTP API send: only the listed
models (no Hub ids, no folders: :func:`videogen.models.resolve`), frames, size, steps, the pixels
of one clip, prompt length, image pixels (read from the file's header, before any decoding), and a
video's length and frames (counted from its packets, before any decoding:
:mod:`videogen.serving.files`; the requests' own settings: :mod:`videogen.serving.checks`). A **local run** keeps every model and folder, under
:meth:`Policy.local`'s budget, which only keeps one request from taking a 23 GB machine.

Each cap is declared once, as a field of :class:`Policy` (its public-mode value, its local value,
its unit and what it holds back): :data:`CAPS` is that table. :data:`PUBLIC` and :data:`LOCAL`, the
``VIDEOGEN_<NAME>`` variables (:func:`read_cap_variables`, which :func:`videogen.config.load_settings`
calls) and ``python app.py --help``'s table (:func:`cap_table`) are all built from it; README's table
(Public mode) is written by hand, and a test checks that it names every cap.

The checks (:mod:`videogen.serving.checks`, :mod:`videogen.serving.files`) raise
:class:`~videogen.errors.InvalidInputError` naming the parameter, its value and the cap
(:meth:`Policy.over_cap`); they never echo a prompt or a path back. This module imports nothing of
videogen but its errors: :mod:`videogen.config` reads the variables through it.

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

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Protocol

from videogen.errors import InvalidInputError

NO_CAP = frozenset({"none", "off", "no"})  # what VIDEOGEN_<NAME> takes for "no cap"
ALLOW_CUSTOM_MODELS = "VIDEOGEN_ALLOW_CUSTOM_MODELS"  # 1: public mode also takes Hub ids and folders


class Settings(Protocol):
    """What the caps read of :class:`videogen.config.Settings` (described here, not imported:
    :func:`videogen.config.load_settings` reads the variables through this module)."""

    public: bool | None
    on_spaces: bool
    allow_custom_models: bool
    policy_overrides: tuple[tuple[str, float | None], ...]


@dataclass(frozen=True)
class Cap:
    """One row of the table: a :class:`Policy` field, its values in both modes (``None``: no cap),
    the unit it is given in, and what it holds back."""

    name: str  # the Policy field; VIDEOGEN_<NAME> sets it
    public: float | None
    local: float | None
    unit: str  # frames, px, pixels, megapixels (given in pixels), steps, characters, s, MB
    what: str
    whole: bool = True  # an int (else a float)

    @property
    def variable(self) -> str:
        return f"VIDEOGEN_{self.name.upper()}"

    def show(self, value: float | None) -> str:
        """``value`` as ``--help`` writes it: ``161 frames``, ``50 megapixels``, ``300 s (5 min)``, ``none``."""
        if value is None:
            return "none"
        number = f"{int(value):,}" if float(value).is_integer() else f"{value:g}"
        if self.unit == "megapixels":
            return f"{value / 1e6:g} megapixels"
        if self.unit == "s" and value >= 120:
            return f"{number} s ({value / 60:g} min)"
        return f"{number} {self.unit}"


def cap_field(public: float | None, local: float | None, unit: str, what: str) -> Any:
    """A :class:`Policy` field that is a cap: no cap unless given, its row of the table in its metadata."""
    return field(default=None, metadata={"cap": (public, local, unit, what)})


@dataclass(frozen=True)
class Policy:
    """The caps one request is held to. ``None``: no cap.

    Each cap field is one row of the table (:data:`CAPS`): public mode's value, the local run's,
    its unit and what it holds back.
    """

    public: bool = False
    allow_custom_models: bool = True  # Hub ids and local folders (always off in public mode unless asked)
    # Each cap:           cap_field(public mode, local run, unit, what it holds back)
    max_frames: int | None = cap_field(161, 1024, "frames", "frames of one clip")
    max_side: int | None = cap_field(1280, 4096, "px", "a clip's height or width")
    max_pixels: int | None = cap_field(1280 * 720, 4096 * 4096, "pixels", "height × width of a clip's frame")
    max_steps: int | None = cap_field(50, 500, "steps", "denoising steps")
    max_frame_pixels: int | None = cap_field(110_000_000, 400_000_000, "pixels",
                                             "frames × height × width of one clip (its memory)")
    max_prompt_chars: int | None = cap_field(2_000, 20_000, "characters", "a prompt, negative prompt or labels")
    max_image_pixels: int | None = cap_field(50_000_000, 100_000_000, "megapixels",
                                             "an input image or a video's frame (set in pixels)")
    max_video_seconds: float | None = cap_field(300.0, None, "s", "the length of a video to recognise")
    max_video_frames: int | None = cap_field(9_000, None, "frames", "frames of a video to recognise (counted undecoded)")
    max_video_pixels: int | None = cap_field(9_000 * 1920 * 1080, None, "pixels",  # 5 min of 1080p at 30 fps
                                             "frames × width × height of a video to recognise")
    max_batch: int | None = cap_field(20, 500, "clips", "clips of one batch (Text to Video's Batch, t2v --prompts)")
    max_upload_mb: float | None = cap_field(100.0, None, "MB", "the largest upload (--max-file-size)")
    delete_after_s: int | None = cap_field(3600, None, "s", "uploads and outputs kept this long (--delete-after)")
    unread_timeout_s: float | None = cap_field(60.0, None, "s", "stops a job whose progress nobody reads")

    @classmethod
    def local(cls) -> Policy:
        """A local run: any model or folder, under a budget that keeps the machine up (env overrides applied)."""
        return LOCAL.with_settings()

    @classmethod
    def public(cls) -> Policy:
        """Public mode: the listed models, at most their defaults (env overrides applied)."""
        return PUBLIC.with_settings()

    def with_settings(self, settings: Settings | None = None) -> Policy:
        """This policy with the caps set by ``VIDEOGEN_<NAME>`` variables, and the custom-model switch
        (``settings``' if given, else read from the environment as it is now)."""
        if settings is None:
            overrides, allow = read_cap_variables(), custom_models_asked()
        else:
            overrides, allow = settings.policy_overrides, settings.allow_custom_models
        whole = {c.name: c.whole for c in CAPS}
        changes: dict[str, Any] = {}
        for name, value in overrides:
            changes[name] = None if value is None else (int(value) if whole[name] else float(value))
        if self.public and allow:
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

    def over_cap(self, name: str, value: str, cap: str | int, field: str, advice: str) -> InvalidInputError:
        """The refusal: the parameter, its value, the cap (and locally, the variable that sets it)."""
        where = "public mode's cap" if self.public else "this machine's cap"
        how = "" if self.public else f" (VIDEOGEN_{field.upper()} changes it)"
        cap_text = (f"{cap:,}" if cap >= 10_000 else str(cap)) if isinstance(cap, int) else cap  # 1280, 110,000,000
        return InvalidInputError(f"{name} is {value}, over {where} of {cap_text}{how}. {advice}")


def _table() -> tuple[Cap, ...]:
    rows = []
    for f in fields(Policy):
        if "cap" in f.metadata:
            public, local, unit, what = f.metadata["cap"]
            rows.append(Cap(f.name, public, local, unit, what, whole=str(f.type).startswith("int")))
    return tuple(rows)


CAPS: tuple[Cap, ...] = _table()  # the table, in Policy's order
LOCAL = Policy(public=False, allow_custom_models=True, **{c.name: c.local for c in CAPS})
PUBLIC = Policy(public=True, allow_custom_models=False, **{c.name: c.public for c in CAPS})


def read_cap_variables(environ: Mapping[str, str] | None = None) -> tuple[tuple[str, float | None], ...]:
    """(cap, value) for each ``VIDEOGEN_<NAME>`` that is set; ``none`` means no cap. Raises
    :class:`InvalidInputError` for a value that is not a number above 0."""
    environ = os.environ if environ is None else environ
    found: list[tuple[str, float | None]] = []
    for row in CAPS:
        raw = environ.get(row.variable, "")
        if not raw.strip():  # unset or empty: the default cap (never "no cap" by accident)
            continue
        if raw.strip().lower() in NO_CAP:
            found.append((row.name, None))
            continue
        try:
            value = float(raw.replace("_", ""))
        except ValueError:
            raise InvalidInputError(f"{row.variable} must be a number (or none), got {raw!r}") from None
        if value <= 0:
            raise InvalidInputError(f"{row.variable} must be above 0 (or none for no cap), got {raw!r}")
        found.append((row.name, value))
    return tuple(found)


def custom_models_asked(environ: Mapping[str, str] | None = None) -> bool:
    """``VIDEOGEN_ALLOW_CUSTOM_MODELS`` is 1/true/yes/on: public mode also takes Hub ids and folders."""
    environ = os.environ if environ is None else environ
    return environ.get(ALLOW_CUSTOM_MODELS, "").strip().lower() in {"1", "true", "yes", "on"}


def cap_table(public: Policy, local: Policy) -> list[str]:
    """``--help``'s table: one line a cap, its variable, its values in ``public`` and ``local``, what it holds back."""
    head = ("VIDEOGEN_…", "public mode", "local run", "what")
    rows = [head, *((c.name.upper(), c.show(getattr(public, c.name)), c.show(getattr(local, c.name)), c.what)
                    for c in CAPS)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [f"  {a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {what}" for a, b, c, what in rows]


def is_public(settings: Settings, *, flag: bool = False, share: bool = False) -> bool:
    """Public mode: ``--public``, ``--share``, ``VIDEOGEN_PUBLIC=1``, or on a Space (unless ``VIDEOGEN_PUBLIC=0``)."""
    if flag or share:
        return True
    return settings.public if settings.public is not None else settings.on_spaces
