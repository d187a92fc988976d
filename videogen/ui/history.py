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
from typing import Any

import gradio as gr

from videogen.pipelines.common import GenerationRequest, VideoResult

MAX_CLIPS = 50  # per session and tab: the oldest drop off the list (their files stay in the output folder)
_EMPTY = "Clips made in this session appear here: select one to see its settings, download it or reuse its settings."


@dataclass(frozen=True)
class Clip:
    """A clip this session made, and every setting it was made with."""

    path: str
    settings: GenerationRequest  # all values filled in (resolved): asking again makes the same clip
    image: str | None = None  # the input image, for image to video

    def caption(self) -> str:
        s = self.settings
        prompt = s.prompt if len(s.prompt) <= 60 else s.prompt[:59] + "…"
        steps = f"{s.steps} step" + ("" if s.steps == 1 else "s")
        return (f"{s.model} · seed {s.seed} · {steps} · guidance {s.guidance:g} · "
                f"{s.width}×{s.height} · {s.frames} frames — {prompt or '(no prompt)'}")

    def details(self) -> str:
        """Markdown: every setting, named as in the API and the CLI."""
        s = self.settings
        rows = [("model", s.model), ("prompt", s.prompt), ("negative_prompt", s.negative_prompt), ("seed", s.seed),
                ("steps", s.steps), ("guidance", f"{s.guidance:g}"), ("frames", s.frames),
                ("height", s.height), ("width", s.width), ("fps", f"{s.fps:g}")]
        cells = "\n".join(f"| `{name}` | {_cell(value)} |" for name, value in rows)
        return f"| setting | value |\n|---|---|\n{cells}"


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ") or "—"


def add_clip(history: list[Clip] | None, result: VideoResult, image: str | None = None) -> list[Clip]:
    """The session's history with a new clip first (a new list: the state's old value is left as is)."""
    return [Clip(result.path, result.settings(), image), *(history or [])][:MAX_CLIPS]


def gallery_items(history: list[Clip] | None) -> list[tuple[str, str]]:
    return [(clip.path, clip.caption()) for clip in history or []]


@dataclass
class HistoryPanel:
    clips: gr.State  # list[Clip], newest first
    selected: gr.State  # the Clip selected in the gallery, or None
    gallery: gr.Gallery
    details: gr.Markdown
    use: gr.Button
    download: gr.File


def history_panel() -> HistoryPanel:
    """The history's widgets, where the tab puts them (empty until the first clip)."""
    clips = gr.State([])
    selected = gr.State(None)
    with gr.Accordion("History (this session)", open=True):
        gallery = gr.Gallery(label="history", show_label=False, columns=3, height="auto", object_fit="contain",
                             allow_preview=True, buttons=["download", "fullscreen"], interactive=False)
        details = gr.Markdown(_EMPTY)
        with gr.Row():
            use = gr.Button("Use these settings", size="sm")
            download = gr.File(label="Download", interactive=False, height=60)
    return HistoryPanel(clips, selected, gallery, details, use, download)


def wire(panel: HistoryPanel, fill: Callable[[Clip], tuple[Any, ...]], targets: list[gr.components.Component]) -> None:
    """The history's events: the gallery follows the list; selecting shows a clip; "Use these
    settings" puts ``fill(clip)`` into ``targets`` (the tab's inputs)."""

    def show(history: list[Clip] | None) -> tuple[Any, ...]:
        return gallery_items(history), None, gr.update(value=None), _EMPTY

    def select(history: list[Clip] | None, event: gr.SelectData) -> tuple[Any, ...]:
        if not history or not 0 <= event.index < len(history):
            return None, None, _EMPTY
        clip = history[event.index]
        return clip, clip.path, clip.details()

    def use(clip: Clip | None) -> tuple[Any, ...]:
        if clip is None:
            gr.Warning("Select a clip in the history first.")
            return tuple(gr.skip() for _ in targets)
        return fill(clip)

    private: dict[str, Any] = dict(api_visibility="private", queue=False)
    panel.clips.change(show, inputs=panel.clips, outputs=[panel.gallery, panel.selected, panel.download, panel.details], **private)
    panel.gallery.select(select, inputs=panel.clips, outputs=[panel.selected, panel.download, panel.details], **private)
    panel.use.click(use, inputs=panel.selected, outputs=targets, **private)

