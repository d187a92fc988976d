"""Content Credentials on the page: an uploaded video's shown under it (Action Recognition, Edit),
and the stills the page offers for download written as signed PNGs (:mod:`videogen.provenance`).

The credentials line says who signed, whether the file says it is AI-generated (and its IPTC
source type), the model and whether the signature still matches the file; "none" for a file
without any. Other tools' credentials are read the same way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from videogen.ui.i18n import Locale, tr

logger = logging.getLogger(__name__)


def credentials_markdown(video: str | None, locale: Locale = "en") -> str:
    """The line under an uploaded video ("" without a video)."""
    if not video:
        return ""
    from videogen.provenance.verify import inspect

    report = inspect(video)
    if not report["has_manifest"]:
        return tr("**Content Credentials:** none (the file carries no C2PA manifest).", locale)
    source = (report["digital_source_type"] or "").rstrip("/").rpartition("/")[2]
    parts = [tr("**Content Credentials:** signed by {signer}", locale, signer=report["signed_by"] or "?"),
             tr("AI-generated ({source})", locale, source=source) if report["ai_generated"] else
             tr("not marked as AI-generated", locale) + (f" ({source})" if source else "")]
    if report["model"]:
        parts.append(tr("model {model}", locale, model=report["model"]))
    if report["seed"] is not None:
        parts.append(tr("seed {seed}", locale, seed=report["seed"]))
    parts.append(tr("valid", locale) if report["valid"] else
                 tr("INVALID: changed after it was signed, or its manifest is damaged", locale))
    joiner = "，" if locale == "zh-CN" else ", "
    text = joiner.join(parts) + ("。" if locale == "zh-CN" else ".")
    untrusted = [i for i in report["issues"] if i.startswith("signingCredential.untrusted")]
    others = [i for i in report["issues"] if i not in untrusted]
    if untrusted and report["valid"]:
        text += " " + tr("(Its signer is on no trust list this app knows: valid, not vouched for.)", locale)
    if others:
        text += "\n\n" + tr("Issues: {issues}", locale, issues="; ".join(others))
    return text


def credentials_update(video: Any, locale: Locale = "en") -> dict[str, Any]:
    """The credentials box's update for the video box's value (a path, or Gradio's file data)."""
    from videogen.ui.playable import original_of

    path = video.get("path") if isinstance(video, dict) else video
    text = credentials_markdown(original_of(str(path)) if path else None, locale)
    return gr.update(value=text, visible=bool(text))


def signed_stills(frames: Sequence[Any], video: str | Path, folder: Path, what: str) -> list[str]:
    """``frames`` ((H, W, 3) uint8) of ``video`` as PNG files in ``folder``, each signed (its credentials
    name the video as the parent); ``what``: a description with ``{n}``, the frame's number."""
    from PIL import Image

    from videogen.provenance.outputs import sign_still

    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{''.join(c if c.isalnum() else '_' for c in Path(video).stem)[:40]}-{time.monotonic_ns() % 10**9:09d}"
    paths = []
    for index, frame in enumerate(frames, 1):
        path = folder / f"{stem}-{index:02d}.png"
        Image.fromarray(frame).save(path)
        paths.append(str(sign_still(path, video, what.format(n=index))))
    return paths


def sampled_stills(frames: Any, video: str, folder: Path | None) -> list[str] | None:
    """The frames a recognition sampled, as signed PNG files in ``folder/stills`` (None: the output
    folder's), for the strip to offer; None without frames."""
    from videogen.config import load_settings

    if frames is None or not len(frames):
        return None
    return signed_stills(frames, video, (folder or load_settings().output_dir) / "stills", "frame {n} sampled for recognition")
