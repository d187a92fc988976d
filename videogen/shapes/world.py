"""Does an input belong to the shapes world? Warnings for the embedded models when it does not.

The embedded models (``shapes-t2v``, ``shapes-i2v``, ``shapes-action`` and the ``procedural``
reference) know one world: one circle, square or triangle of one plain colour, on a plain
background, moving, growing, shrinking, turning or staying still. Given anything else they still
answer (a real clip gets a motion label, a photograph gets warped, "a cat" becomes a red circle),
so each request is checked first and every doubt is said, naming the real model to switch to:

* :func:`prompt_warnings`: the prompt names no shape but other things ("a cat walks on the grass",
  "宇航员在月球上骑马"), nothing in it was understood, or most of it was not (what the parser of
  :mod:`videogen.shapes.prompt` reports as ignored, less polite words such as "please generate").
* :func:`image_warnings` / :func:`video_warnings`: the pixels are not one plain object on a plain
  background. Each frame is shrunk to at most ``ANALYSIS_SIDE`` pixels and must pass all of:

  1. **plain border**: ``MIN_PLAIN_BORDER`` of its ``BORDER``-pixel border within ``TOLERANCE``
     (RGB distance) of the border's median colour, the background; and that border is flat (median
     distance at most ``MAX_BORDER_NOISE``: a photo of a smooth wall or the moon is not);
  2. **mostly background**: at least ``MIN_BACKGROUND`` of the frame within ``TOLERANCE`` of it (the
     world's largest object covers about 40 %);
  3. **one object**: the largest connected region of the rest holds ``MIN_MAIN_REGION`` of it;
  4. **one colour**: at most ``MAX_OTHER_COLOURS`` of the frame is not explained as a mix of the
     background, the object's colour (the median of the region's core) and the world's gray outline
     (anti-aliased edges are such mixes), not counting the pixels next to the object's edge (there,
     chroma subsampling makes colours of its own).

  The thresholds keep a margin from the worst rendered frame seen (H.264, JPEG down to quality
  40, 64 px); on that side the worst values were: plain border 0.99, border noise 1.7, background
  0.73, main region 0.95, other colours 0.02.

  A clip is out of the world when more than half of up to ``VIDEO_FRAMES`` evenly spaced frames
  fail, or when its background colour changes (the world's never does).

Each detector returns a list of warnings (empty: nothing to say) and returns nothing for models
outside the shapes world. The real model a warning recommends is read from the registry: the first
Hub entry for the task (for action recognition, X-CLIP when it is listed), with its download size.
See ``benchmarks/shapes_world_detection.py`` for the detection and false-alarm rates.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from typing import Any

import cv2
import numpy as np

from videogen.registry import MODELS, ModelSpec, Task, find
from videogen.shapes import vocab
from videogen.shapes.prompt import describe, parse_prompt
from videogen.shapes.render import OUTLINE_COLOR
from videogen.units import download_gib

logger = logging.getLogger(__name__)

SHAPES_FAMILIES: tuple[str, ...] = ("procedural", "shapes-t2v", "shapes-i2v", "shapes-action")
PREFERRED_REAL: dict[Task, str] = {"classify": "xclip-base-32"}  # task -> registry id, when listed

ANALYSIS_SIDE = 96  # frames are shrunk (INTER_AREA) so that their longer side is at most this
BORDER = 2  # pixels of border (at analysis size) that give the background colour
TOLERANCE = 30.0  # RGB distance within which a pixel counts as the background (or as explained)
MIN_PLAIN_BORDER = 0.95
MAX_BORDER_NOISE = 4.0
MIN_BACKGROUND = 0.5
MIN_MAIN_REGION = 0.9
MAX_OTHER_COLOURS = 0.04
VIDEO_FRAMES = 8

# Words of a request that say nothing about the scene: never a reason to warn.
REQUEST_WORDS: frozenset[str] = frozenset((
    "please", "pls", "generate", "create", "make", "render", "draw", "show", "produce", "give", "me", "us",
    "i", "we", "want", "would", "like", "can", "could", "you", "let", "lets", "video", "clip", "animation",
    "animated", "gif", "movie", "scene", "simple", "just", "for", "be", "being", "now", "then", "so", "here",
    "thanks", "thank",
))
REQUEST_WORDS_ZH: tuple[str, ...] = (  # removed from an ignored run of Chinese characters
    "请", "帮我", "给我", "生成", "制作", "创建", "画", "做", "一段", "一下", "视频", "动画", "短片", "场景",
    "展示", "显示", "我想要", "我要", "想要", "要", "让", "把", "它", "出", "吧", "呢", "我",
)


def real_model(task: Task) -> ModelSpec | None:
    """The registry's real model for ``task``: the preferred one when listed, else the first Hub entry."""
    preferred = PREFERRED_REAL.get(task)
    spec = find(preferred, task) if preferred else None
    if spec is not None and not spec.local:
        return spec
    return next((m for m in MODELS if m.task == task and not m.local), None)


def _switch_to(task: Task, what: str) -> str:
    """``For real images use ltx-video (~17.7 GiB download, best on a GPU).``"""
    spec = real_model(task)
    if spec is None:
        return ""
    gpu = ", best on a GPU" if task != "classify" else ""
    return f" For {what} use {spec.id} (~{download_gib(spec.download_gb)} download{gpu})."


def _in_world(spec: ModelSpec) -> bool:
    return spec.family in SHAPES_FAMILIES


# --- prompts -------------------------------------------------------------------------------------


def _content(word: str) -> bool:
    """Whether an ignored word or run of Chinese characters says something about the scene."""
    text = unicodedata.normalize("NFKC", word).lower().strip()
    if re.fullmatch(r"[a-z0-9 ]+", text):
        return any(w not in REQUEST_WORDS for w in text.split())
    for phrase in REQUEST_WORDS_ZH:
        text = text.replace(phrase, "")
    return any(ch not in vocab.FILLER_WORDS for ch in text)


def prompt_warnings(spec: ModelSpec, prompt: str) -> list[str]:
    """Warnings when a text-to-video prompt is not about a shape (shapes-t2v, procedural; else [])."""
    if spec.task != "t2v" or not _in_world(spec) or not isinstance(prompt, str) or not prompt.strip():
        return []
    parsed = parse_prompt(prompt)
    unknown = [w for w in parsed.ignored if _content(w)]
    words = ", ".join(repr(w) for w in unknown)
    if not parsed.understood:
        problem = f"none of this prompt is about shapes ({words})" if unknown else "this prompt names no shape, colour or motion"
    elif "shape" not in parsed.understood and unknown:
        problem = f"this prompt's subject is not one of them (not understood: {words})"
    elif len(unknown) >= 2 and len(unknown) > len(parsed.understood):
        problem = f"most of this prompt is not about shapes (not understood: {words})"
    else:
        return []
    return [
        f"{spec.id} only draws a circle, square or triangle on a plain background, and {problem}; "
        f"it will draw {describe(parsed.spec)}." + _switch_to("t2v", "real scenes")
    ]


# --- pixels --------------------------------------------------------------------------------------


def _rgb(image: Any) -> np.ndarray:
    """A PIL image or an (H, W), (H, W, 3|4) array -> (H, W, 3) uint8 RGB."""
    if hasattr(image, "convert"):
        image = image.convert("RGB")
    pixels = np.asarray(image)
    if pixels.dtype != np.uint8:
        scale = 255.0 if np.issubdtype(pixels.dtype, np.floating) and pixels.size and pixels.max() <= 1.0 else 1.0
        pixels = np.clip(np.round(pixels.astype(np.float32) * scale), 0, 255).astype(np.uint8)
    if pixels.ndim == 2:
        pixels = np.stack([pixels] * 3, axis=-1)
    return pixels[..., :3]


def _shrink(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape[:2]
    scale = ANALYSIS_SIDE / max(height, width)
    if scale >= 1.0:
        return frame
    size = (max(2 * BORDER + 2, round(width * scale)), max(2 * BORDER + 2, round(height * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def _segment_distance(pixels: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """RGB distance of each pixel (H, W, 3) from the segment between colours ``a`` and ``b``: (H, W)."""
    ab = b - a
    norm = float(ab @ ab)
    t = np.zeros(pixels.shape[:2], np.float32) if norm == 0 else np.clip((pixels - a) @ ab / norm, 0.0, 1.0)
    return np.linalg.norm(pixels - (a + t[..., None] * ab), axis=-1)


def frame_problem(frame: np.ndarray) -> tuple[str | None, tuple[float, float, float]]:
    """Why an (H, W, 3) uint8 frame is not a shapes-world frame (None when it is one), and its
    background colour (at analysis size; see the module docstring for the criteria)."""
    pixels = _shrink(np.ascontiguousarray(frame)).astype(np.float32)
    b = BORDER
    if min(pixels.shape[:2]) < 2 * b + 2:
        return None, (0.0, 0.0, 0.0)  # too small to tell
    border = np.concatenate([
        pixels[:b].reshape(-1, 3), pixels[-b:].reshape(-1, 3),
        pixels[b:-b, :b].reshape(-1, 3), pixels[b:-b, -b:].reshape(-1, 3),
    ])
    background = np.median(border, axis=0)  # (3,)
    colour = (float(background[0]), float(background[1]), float(background[2]))
    border_distance = np.linalg.norm(border - background, axis=-1)
    if (border_distance < TOLERANCE).mean() < MIN_PLAIN_BORDER or np.median(border_distance) > MAX_BORDER_NOISE:
        return "its edges are not one plain background colour", colour

    distance = np.linalg.norm(pixels - background, axis=-1)  # (H, W)
    foreground = distance >= TOLERANCE
    if 1.0 - foreground.mean() < MIN_BACKGROUND:
        return f"the background covers only {1.0 - foreground.mean():.0%} of the picture", colour
    if foreground.sum() < 3:
        return None, colour  # a plain frame: nothing to object to

    _, _, stats, _ = cv2.connectedComponentsWithStats(foreground.astype(np.uint8), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    if areas.max() < MIN_MAIN_REGION * areas.sum():
        return "it shows many separate things, not one shape", colour

    contrast = float(np.percentile(distance[foreground], 90))
    core = foreground & (distance > 0.5 * contrast)
    eroded = cv2.erode(core.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    core = eroded if eroded.sum() >= 3 else core
    obj = np.median(pixels[core], axis=0)  # (3,)
    grey = np.array(OUTLINE_COLOR, np.float32)
    unexplained = np.minimum.reduce([
        _segment_distance(pixels, background, obj),
        _segment_distance(pixels, background, grey),
        _segment_distance(pixels, obj, grey),
    ]) > TOLERANCE
    kernel = np.ones((3, 3), np.uint8)
    edge = cv2.dilate(foreground.astype(np.uint8), kernel) > cv2.erode(foreground.astype(np.uint8), kernel)
    unexplained &= ~edge  # chroma subsampling gives edges colours of their own
    if unexplained.mean() > MAX_OTHER_COLOURS:
        return "it has many colours, not one plain shape", colour
    return None, colour


def image_warnings(spec: ModelSpec, image: Any) -> list[str]:
    """Warnings when the image-to-video input is not a shapes-world picture (shapes-i2v; else [])."""
    if spec.task != "i2v" or not _in_world(spec) or image is None:
        return []
    problem, _ = frame_problem(_rgb(image))
    if problem is None:
        return []
    logger.debug("%s: image outside the shapes world: %s", spec.id, problem)
    return [
        f"This looks like a real photograph, not a shapes-world scene ({problem}): {spec.id} only moves one "
        "plain circle, square or triangle on a plain background, and will warp this picture."
        + _switch_to("i2v", "real images")
    ]


def video_warnings(spec: ModelSpec, frames: np.ndarray) -> list[str]:
    """Warnings when an action-recognition input ((T, H, W, 3) uint8 frames as sampled) is not a
    shapes-world clip (shapes-action; else [])."""
    frames = np.asarray(frames)
    if spec.task != "classify" or not _in_world(spec) or frames.ndim != 4 or len(frames) == 0:
        return []
    picks = np.unique(np.linspace(0, len(frames) - 1, min(VIDEO_FRAMES, len(frames))).round().astype(int))
    results = [frame_problem(_rgb(frames[i])) for i in picks]
    problems = [problem for problem, _ in results if problem is not None]
    backgrounds = np.array([colour for _, colour in results])  # (N, 3)
    spread = float(np.linalg.norm(backgrounds.max(axis=0) - backgrounds.min(axis=0)))
    if 2 * len(problems) > len(results):
        problem = Counter(problems).most_common(1)[0][0]
    elif spread > TOLERANCE:
        problem = "its background changes colour"
    else:
        return []
    logger.debug("%s: clip outside the shapes world: %d/%d frames (%s)", spec.id, len(problems), len(results), problem)
    return [
        f"This looks like real footage, not a shapes-world clip ({problem}): {spec.id} only tells how one plain "
        "shape moves, grows, shrinks or turns, so its labels (\"moving right\", \"rotating clockwise\", ...) "
        "mean nothing here." + _switch_to("classify", "real videos")
    ]
