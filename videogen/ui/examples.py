"""Example inputs for the "Try" rows of the Image to Video and Action Recognition tabs.

They are scenes of the shapes world drawn by its renderer (:mod:`videogen.shapes.render`) when the
app is built, so that the embedded models have something to work on offline without any file in the
repository: a first frame (PNG) with a motion prompt for image to video, and short H.264 clips for
action recognition. Files are written once per folder and reused (the names say what they show).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videogen.shapes import SceneSpec, render_clip, sample_params

logger = logging.getLogger(__name__)

# (scene, prompt for image to video): the prompts mix English and Chinese, as users do.
IMAGE_EXAMPLES: tuple[tuple[SceneSpec, str], ...] = (
    (SceneSpec("square", "yellow", "dark blue", "moving right"), "move it to the right"),
    (SceneSpec("triangle", "green", "black", "rotating clockwise"), "顺时针旋转"),
    (SceneSpec("circle", "red", "white", "growing"), "make it grow slowly"),
)
CLIP_EXAMPLES: tuple[SceneSpec, ...] = (
    SceneSpec("circle", "blue", "black", "moving up"),
    SceneSpec("triangle", "purple", "gray", "rotating counterclockwise"),
    SceneSpec("square", "white", "black", "shrinking"),
)
SIZE = 128  # pixels
FRAMES = 16
SEED = 7


@dataclass(frozen=True)
class ShapesExamples:
    images: list[tuple[str, str]]  # (PNG path, prompt)
    clips: list[str]  # MP4 paths


def _name(spec: SceneSpec) -> str:
    return "-".join(part.replace(" ", "_") for part in (spec.color, spec.shape, spec.motion, "on", spec.background))


def _clip(spec: SceneSpec) -> np.ndarray:
    """(FRAMES, SIZE, SIZE, 3) uint8: the scene, the same every time (its own seeded draw)."""
    params = sample_params(spec, np.random.default_rng(SEED), num_frames=FRAMES, height=SIZE, width=SIZE)
    return render_clip(params)


def shapes_examples(folder: Path) -> ShapesExamples:
    """Write the example files into ``folder`` (if they are not there yet) and return their paths."""
    from PIL import Image

    from videogen.media import write_video

    folder.mkdir(parents=True, exist_ok=True)
    images = []
    for spec, prompt in IMAGE_EXAMPLES:
        path = folder / f"{_name(spec)}.png"
        if not path.is_file():
            part = path.with_name(f".{path.stem}.part.png")  # written whole, then renamed: no half files
            Image.fromarray(_clip(spec)[0]).save(part)
            part.replace(path)
        images.append((str(path), prompt))
    clips = []
    for spec in CLIP_EXAMPLES:
        path = folder / f"{_name(spec)}.mp4"
        if not path.is_file():
            part = path.with_name(f".{path.stem}.part.mp4")
            write_video(_clip(spec), part, fps=8)
            part.replace(path)
        clips.append(str(path))
    logger.debug("shapes-world examples in %s", folder)
    return ShapesExamples(images, clips)
