"""This session's clips: a gallery with each clip's settings, "Use these settings" and a download.

The clips live in a ``gr.State``, which Gradio keeps per browser session (and per API client), so
sessions never see each other's history; nothing here is module state. The generation handlers
return the session's list with the new clip first (:func:`add_clip`); the gallery follows the
list. Selecting a clip shows its settings and a download link, and "Use these settings" fills the
tab's inputs with them (the tab says how, with the ``fill`` function it passes to :func:`wire`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import logging

import gradio as gr

from videogen.generate.common import GenerationRequest, VideoResult
from videogen.ui.i18n import Locale, locale_of, t, tr

HISTORY_CSS = """
.videogen-history .caption-label { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.videogen-history .thumbnail-item:hover .caption-label { white-space: normal; overflow: visible; }
"""  # the page's CSS (launch(css=...)): a clip's whole caption on hover
logger = logging.getLogger(__name__)
MAX_CLIPS = 50  # per session and tab: the oldest drop off the list (their files stay in the output folder)
_EMPTY = "Clips made in this session appear here: select one to see its settings, download it or reuse its settings."
_GONE = "This clip's file has been deleted (this app keeps files for a while only). Its settings are in its caption."


@dataclass(frozen=True)
class Clip:
    """A clip this session made, and every setting it was made with."""

    path: str
    settings: GenerationRequest  # all values filled in (resolved): asking again makes the same clip
    image: str | None = None  # the input image, for image to video
    poster: str | None = None  # a still of the clip's middle frame, the gallery's thumbnail

    def caption(self, locale: Locale = "en") -> str:
        s = self.settings
        prompt = s.prompt if len(s.prompt) <= 60 else s.prompt[:59] + "…"
        steps = tr("{steps} step" if s.steps == 1 else "{steps} steps", locale, steps=s.steps)
        return tr("{model} · seed {seed} · {steps} · guidance {guidance:g} · {width}×{height} · {frames} frames — {prompt}",
                  locale, model=s.model, seed=s.seed, steps=steps, guidance=s.guidance, width=s.width, height=s.height,
                  frames=s.frames, prompt=prompt or tr("(no prompt)", locale))

    def details(self, locale: Locale = "en") -> str:
        """Markdown: every setting, named as in the API and the CLI."""
        s = self.settings
        rows = [("model", s.model), ("prompt", s.prompt), ("negative_prompt", s.negative_prompt), ("seed", s.seed),
                ("steps", s.steps), ("guidance", f"{s.guidance:g}"), ("frames", s.frames),
                ("height", s.height), ("width", s.width), ("fps", f"{s.fps:g}")]
        cells = "\n".join(f"| `{name}` | {_cell(value)} |" for name, value in rows)
        return f"| {tr('setting', locale)} | {tr('value', locale)} |\n|---|---|\n{cells}"


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ") or "—"


def add_clip(history: list[Clip] | None, result: VideoResult, image: str | None = None) -> list[Clip]:
    """The session's history with a new clip first (a new list: the state's old value is left as is).

    Clips whose file is gone (public mode deletes them after a while) drop off the list.
    """
    kept = [clip for clip in history or [] if Path(clip.path).is_file()]
    return [Clip(result.path, result.settings(), image, poster_of(result.path)), *kept][:MAX_CLIPS]


def poster_of(path: str) -> str | None:
    """Write the clip's middle frame beside it (``name.poster.jpg``) for the gallery: a browser shows
    no picture for a video item until it plays it. None when the clip cannot be read back."""
    from PIL import Image

    from videogen.errors import VideogenError
    from videogen.media import read_frames

    poster = Path(path).with_suffix(".poster.jpg")
    try:
        frame = read_frames(path, 1).frames[0]  # the frame on screen at the middle of the clip
        Image.fromarray(frame).save(poster, quality=88)
    except (VideogenError, OSError) as exc:
        logger.warning("No poster for %s (%s): the gallery shows the video itself", path, exc)
        return None
    return str(poster)


def gallery_items(history: list[Clip] | None, locale: Locale = "en") -> list[tuple[str, str]]:
    """The gallery's thumbnails: each clip's poster (or the clip itself), captioned with its settings."""
    items = []
    for clip in history or []:
        shown = clip.poster if clip.poster and Path(clip.poster).is_file() else clip.path
        items.append((shown, clip.caption(locale)))
    return items


@dataclass
class HistoryPanel:
    clips: gr.State  # list[Clip], newest first
    selected: gr.State  # the Clip selected in the gallery, or None
    gallery: gr.Gallery
    details: gr.Markdown
    use: gr.Button
    edit: gr.Button  # "Edit this clip": the app wires it to the Edit tab (send_to)
    download: gr.File


def history_panel() -> HistoryPanel:
    """The history's widgets, where the tab puts them (empty until the first clip)."""
    clips = gr.State([])
    selected = gr.State(None)
    with gr.Accordion(t("History (this session)"), open=True):
        # compact: four small posters a row (a caption shows whole on hover: HISTORY_CSS); no preview
        # that blows one up over the list: the clip's details and download are below
        gallery = gr.Gallery(label=t("history"), show_label=False, columns=4, height="auto", object_fit="cover",
                             allow_preview=False, interactive=False, fit_columns=False,
                             elem_classes=["videogen-history"])
        details = gr.Markdown(t(_EMPTY))
        with gr.Row():  # shown once a clip is selected
            use = gr.Button(t("Use these settings"), size="sm", visible=False)
            edit = gr.Button(t("Edit this clip"), size="sm", visible=False)
            download = gr.File(label=t("Download"), interactive=False, height=60, visible=False)
    return HistoryPanel(clips, selected, gallery, details, use, edit, download)


def wire(
    panel: HistoryPanel, fill: Callable[[Clip, Locale], tuple[Any, ...]], targets: list[gr.components.Component],
) -> None:
    """The history's events: the gallery follows the list; selecting shows a clip; "Use these
    settings" puts ``fill(clip, locale)`` into ``targets`` (the tab's inputs)."""

    def show(history: list[Clip] | None, request: gr.Request | None = None) -> tuple[Any, ...]:
        locale = locale_of(request)
        return gallery_items(history, locale), None, gr.update(value=None), tr(_EMPTY, locale)

    def select(history: list[Clip] | None, event: gr.SelectData, request: gr.Request | None = None) -> tuple[Any, ...]:
        locale = locale_of(request)
        if not history or not 0 <= event.index < len(history):
            return None, None, tr(_EMPTY, locale)
        clip = history[event.index]
        if not Path(clip.path).is_file():  # deleted since (public mode keeps files for a while)
            return None, None, tr(_GONE, locale)
        return clip, clip.path, clip.details(locale)

    def actions(clip: Clip | None) -> tuple[Any, Any, Any]:
        """The download, "Use these settings" and "Edit this clip" show only while a clip is selected."""
        return (gr.update(visible=clip is not None),) * 3

    def use(clip: Clip | None, request: gr.Request | None = None) -> tuple[Any, ...]:
        locale = locale_of(request)
        if clip is None:
            gr.Warning(tr("Select a clip in the history first.", locale), title=tr("Warning", locale))
            return tuple(gr.skip() for _ in targets)
        if any(path and not Path(path).is_file() for path in (clip.path, clip.image)):  # deleted since it was selected
            gr.Warning(tr(_GONE, locale), title=tr("Warning", locale))
            return tuple(gr.skip() for _ in targets)
        return fill(clip, locale)

    private: dict[str, Any] = dict(api_visibility="private", queue=False)
    panel.clips.change(show, inputs=panel.clips, outputs=[panel.gallery, panel.selected, panel.download, panel.details],
                       **private).then(actions, inputs=panel.selected, outputs=[panel.download, panel.use, panel.edit], **private)
    panel.gallery.select(select, inputs=panel.clips, outputs=[panel.selected, panel.download, panel.details],
                         **private).then(actions, inputs=panel.selected, outputs=[panel.download, panel.use, panel.edit], **private)
    panel.use.click(use, inputs=panel.selected, outputs=targets, **private)


def send_to(panel: HistoryPanel, video: gr.Video, tabs: gr.Tabs, tab_id: str) -> None:
    """"Edit this clip": the selected clip goes into ``video`` (the Edit tab's input) and that tab opens."""

    def send(clip: Clip | None, request: gr.Request | None = None) -> tuple[Any, Any]:
        locale = locale_of(request)
        if clip is None or not Path(clip.path).is_file():
            gr.Warning(tr(_GONE if clip else "Select a clip in the history first.", locale), title=tr("Warning", locale))
            return gr.skip(), gr.skip()
        return clip.path, gr.Tabs(selected=tab_id)

    panel.edit.click(send, inputs=panel.selected, outputs=[video, tabs], api_visibility="private", queue=False)

