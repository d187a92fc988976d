"""The shapes world: a tiny procedural world that the app's offline demo models are trained on.

One object per clip (a circle, square or triangle in one of six colours) on a plain background,
doing one of nine motions. :mod:`~videogen.shapes.vocab` lists the words, :mod:`~videogen.shapes.prompt`
parses English or Chinese prompts into a :class:`SceneSpec`, :mod:`~videogen.shapes.render` draws
clips, and :mod:`~videogen.shapes.judge` reads the pixels of a clip back into a motion and a colour.

These modules need only numpy and OpenCV, so they are imported eagerly.
"""

from __future__ import annotations

from videogen.shapes.judge import (
    ClipAnalysis,
    MotionEvidence,
    analyse_clip,
    judge_background,
    judge_color,
    judge_motion,
    motion_evidence,
)
from videogen.shapes.prompt import (
    DEFAULT_SPEC,
    ParsedPrompt,
    SceneSpec,
    describe,
    parse_prompt,
    random_spec,
    understood_summary,
)
from videogen.shapes.render import RenderParams, render_clip, render_coverage, render_prompt, render_spec, sample_params
from videogen.shapes.vocab import BACKGROUNDS, COLORS, MOTIONS, SHAPES, SIZES, SPEEDS

__all__ = [
    "BACKGROUNDS",
    "COLORS",
    "DEFAULT_SPEC",
    "MOTIONS",
    "SHAPES",
    "SIZES",
    "SPEEDS",
    "ClipAnalysis",
    "MotionEvidence",
    "ParsedPrompt",
    "RenderParams",
    "SceneSpec",
    "analyse_clip",
    "describe",
    "judge_background",
    "judge_color",
    "judge_motion",
    "motion_evidence",
    "parse_prompt",
    "random_spec",
    "render_clip",
    "render_coverage",
    "render_prompt",
    "render_spec",
    "sample_params",
    "understood_summary",
]
