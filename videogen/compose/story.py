"""Story mode and animated photos: the clips a composition is made of, made first by a model.

Components are passed in (diffusers-style): ``generate(prompt, output) -> path`` makes one scene's
clip with the chosen text-to-video model, ``animate(photo, output) -> path`` one photo's clip with
the chosen image-to-video model. What comes back is the list of clip paths, in order, for
:func:`videogen.compose.run_compose`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from videogen.errors import InvalidInputError

MAX_SCENES = 12
ANIMATE_PROMPT = "gentle natural motion, the camera slowly moving in"


def story_lines(script: str) -> list[str]:
    """A script's scenes: its non-empty lines, at most :data:`MAX_SCENES`."""
    lines = [" ".join(line.split()) for line in (script or "").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise InvalidInputError("the story is empty: write one line per scene")
    if len(lines) > MAX_SCENES:
        raise InvalidInputError(f"the story has {len(lines)} scenes, over {MAX_SCENES}: shorten it, or make it in parts")
    return lines


def scene_clips(lines: list[str], generate: Callable[[str, Path], str | Path], folder: Path,
                on_scene: Callable[[int, int], None] | None = None) -> list[str]:
    """One clip per line (``generate``), written into ``folder``."""
    clips = []
    for index, line in enumerate(lines):
        if on_scene is not None:
            on_scene(index, len(lines))
        clips.append(str(generate(line, folder / f"scene-{index + 1:02d}.mp4")))
    return clips


def animated(inputs: list[str], is_photo: Callable[[str], bool], animate: Callable[[str, Path], str | Path],
             folder: Path) -> list[str]:
    """The inputs with each photo replaced by its clip (``animate``); clips stay as they are."""
    return [str(animate(path, folder / f"photo-{index + 1:02d}.mp4")) if is_photo(path) else path
            for index, path in enumerate(inputs)]
