"""Prompts for the shapes world: parse English or Chinese text into a :class:`SceneSpec`, and back.

:func:`parse_prompt` reads free text ("please make a small red circle slowly moving to the left",
"一个红色的圆形向左移动，白色背景") and returns a :class:`ParsedPrompt`: the scene, which words set
which field, which fields took a default, and which words it did not know (they are ignored).

How it reads a prompt:

1. Normalise: Unicode NFKC (full-width punctuation becomes ASCII), lower case, apostrophes dropped
   ("doesn't" -> "doesnt"), hyphens become spaces ("counter-clockwise" -> "counter clockwise").
2. Split into units: an English word, a single Chinese character, or a punctuation mark.
3. Scan left to right; at each unit take the *longest* phrase of the vocabulary
   (:mod:`videogen.shapes.vocab`) that starts there. So "dark blue" beats "blue", 深蓝色 beats 蓝色,
   正方形 beats 方, 方向 (direction) is not a square, and "not moving" / 不动 are one phrase.
   This works the same for English (units are words) and Chinese (units are characters, no spaces).
4. A colour word names the **background** when a background word follows it ("white background",
   白色背景, "white colored background", 白色的背景), when it follows "on/against/over a"
   ("on a black background", "on black"), or when it follows a background word ("background: white",
   背景是白色); otherwise it names the **object**. A colour that cannot play its role (a red
   background, a black object) is reported as ignored.
5. The first mention of a field wins; a later, different value is reported as ignored. A bare
   "rotating"/"spinning"/旋转 means "rotating clockwise", unless a direction is given anywhere.

Fields that were not given take the value of ``defaults`` (circle, red, black background, staying
still; no size or speed modifier).
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass, field, fields

import numpy as np

from videogen.errors import InvalidInputError
from videogen.shapes import vocab

logger = logging.getLogger(__name__)

FIELDS: tuple[str, ...] = ("shape", "color", "background", "motion", "size", "speed")


@dataclass(frozen=True)
class SceneSpec:
    """What a clip of the shapes world shows: one object, one plain background, one motion."""

    shape: str = "circle"
    color: str = "red"
    background: str = "black"
    motion: str = "staying still"
    size: str | None = None  # "small", "large" or None (medium)
    speed: str | None = None  # "slow", "fast" or None (normal)

    def __post_init__(self) -> None:
        allowed: dict[str, tuple[str | None, ...]] = {
            "shape": vocab.SHAPES,
            "color": tuple(vocab.COLORS),
            "background": tuple(vocab.BACKGROUNDS),
            "motion": vocab.MOTIONS,
            "size": (None, *vocab.SIZES),
            "speed": (None, *vocab.SPEEDS),
        }
        for name, values in allowed.items():
            value = getattr(self, name)
            if value not in values:
                raise InvalidInputError(f"SceneSpec.{name} must be one of {list(values)}, got {value!r}")


DEFAULT_SPEC = SceneSpec()


@dataclass
class ParsedPrompt:
    """The result of :func:`parse_prompt`."""

    spec: SceneSpec
    understood: dict[str, str] = field(default_factory=dict)  # field -> the words that set it
    defaulted: list[str] = field(default_factory=list)  # fields not given that took a (non-None) default
    ignored: list[str] = field(default_factory=list)  # unknown or conflicting words, in prompt order


# --- the phrase table ----------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|\S")
_WORD = re.compile(r"[a-z0-9]+")

# Words allowed between a colour and the background word after it ("white colored background", 白色的背景).
_BETWEEN_COLOR_AND_KEYWORD = {"的", "colored", "coloured", "color", "colour", "plain", "solid", "纯色"}
# Words allowed between "on" and the colour ("on a plain black background").
_BETWEEN_PREPOSITION_AND_COLOR = {"a", "an", "the", "plain", "solid", "纯色"}
# Words allowed between the background word and the colour after it ("background: white", 背景是白色).
_BETWEEN_KEYWORD_AND_COLOR = {"is", "color", "colour", "颜色", "色", "是", "为", ":", "的", "of", "plain", "solid"}


@dataclass(frozen=True)
class _Entry:
    kind: str  # "value", "colour", "bg_keyword" (background), "bg_prep" (on), "filler" (a, the, 的)
    field: str | None = None  # for "value": shape / motion / size / speed
    value: str | None = None
    weak: bool = False
    object_color: str | None = None  # for "colour": the object colour it names, if any
    background: str | None = None  # for "colour": the background it names, if any


@dataclass(frozen=True)
class _Match:
    entry: _Entry | None  # None: an unknown unit, or punctuation (is_break)
    start: int  # character offsets in the normalised text
    end: int
    text: str
    is_break: bool = False


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"['’‘`]", "", text)
    return re.sub(r"[-_]", " ", text)


def _units(text: str) -> list[re.Match[str]]:
    return list(_TOKEN.finditer(text))


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(m.group() for m in _units(_normalise(phrase)))


@functools.lru_cache(maxsize=1)
def _phrase_table() -> tuple[dict[tuple[str, ...], _Entry], int]:
    """All phrases -> meaning, built on first use. Later tables override earlier ones."""
    table: dict[tuple[str, ...], _Entry] = {}
    for word in (*vocab.FILLER_WORDS, ":"):  # ":" as in "background: white"
        table[_key(word)] = _Entry("filler")
    for phrase, value in vocab.WEAK_MOTION_SYNONYMS.items():
        table[_key(phrase)] = _Entry("value", "motion", value, weak=True)
    for name, synonyms in (
        ("shape", vocab.SHAPE_SYNONYMS),
        ("size", vocab.SIZE_SYNONYMS),
        ("speed", vocab.SPEED_SYNONYMS),
        ("motion", vocab.MOTION_SYNONYMS),
    ):
        for phrase, value in synonyms.items():
            table[_key(phrase)] = _Entry("value", name, value)
    for phrase in set(vocab.COLOR_SYNONYMS) | set(vocab.BACKGROUND_SYNONYMS):
        table[_key(phrase)] = _Entry(
            "colour",
            object_color=vocab.COLOR_SYNONYMS.get(phrase),
            background=vocab.BACKGROUND_SYNONYMS.get(phrase),
        )
    for phrase in vocab.BACKGROUND_KEYWORDS:
        table[_key(phrase)] = _Entry("bg_keyword")
    for phrase in vocab.BACKGROUND_PREPOSITIONS:
        table[_key(phrase)] = _Entry("bg_prep")
    return table, max(len(key) for key in table)


def _scan(text: str) -> list[_Match]:
    """Longest-match scan of the normalised text into known phrases, unknown units and breaks."""
    table, longest = _phrase_table()
    units = _units(text)
    matches: list[_Match] = []
    i = 0
    while i < len(units):
        unit = units[i]
        if not _WORD.fullmatch(unit.group()) and not _is_cjk(unit.group()) and unit.group() != ":":
            matches.append(_Match(None, unit.start(), unit.end(), unit.group(), is_break=True))
            i += 1
            continue
        for length in range(min(longest, len(units) - i), 0, -1):
            key = tuple(u.group() for u in units[i : i + length])
            entry = table.get(key)
            if entry is not None:
                start, end = units[i].start(), units[i + length - 1].end()
                matches.append(_Match(entry, start, end, text[start:end]))
                i += length
                break
        else:
            matches.append(_Match(None, unit.start(), unit.end(), unit.group()))
            i += 1
    return matches


def _is_cjk(unit: str) -> bool:
    return len(unit) == 1 and ("\u3400" <= unit <= "\u9fff" or "\uf900" <= unit <= "\ufaff")


def _colour_role(matches: list[_Match], k: int) -> tuple[str, int, int]:
    """Whether the colour at ``matches[k]`` names the "background" or the "object", and its span."""
    start, end = matches[k].start, matches[k].end

    def kind(j: int) -> str | None:
        m = matches[j]
        return None if m.entry is None else m.entry.kind

    j = k + 1  # "white background", 白色的背景
    while j < len(matches) and not matches[j].is_break and matches[j].text in _BETWEEN_COLOR_AND_KEYWORD:
        j += 1
    if j < len(matches) and kind(j) == "bg_keyword":
        return "background", start, matches[j].end
    j = k - 1  # "on a black ..."
    while j >= 0 and not matches[j].is_break and matches[j].text in _BETWEEN_PREPOSITION_AND_COLOR:
        j -= 1
    if j >= 0 and kind(j) == "bg_prep":
        return "background", matches[j].start, end
    j = k - 1  # "background: white", 背景是白色
    while j >= 0 and not matches[j].is_break and matches[j].text in _BETWEEN_KEYWORD_AND_COLOR:
        j -= 1
    if j >= 0 and kind(j) == "bg_keyword":
        return "background", matches[j].start, end
    return "object", start, end


def parse_prompt(text: str, *, defaults: SceneSpec | None = None) -> ParsedPrompt:
    """Parse an English or Chinese prompt into a scene; unknown words are ignored and reported."""
    if not isinstance(text, str):
        raise InvalidInputError(f"text must be a string, got {text!r}")
    defaults = DEFAULT_SPEC if defaults is None else defaults
    if not isinstance(defaults, SceneSpec):
        raise InvalidInputError(f"defaults must be a SceneSpec or None, got {defaults!r}")

    normalised = _normalise(text)
    matches = _scan(normalised)

    # Each known phrase proposes a value for a field, in prompt order.
    proposals: list[_Proposal] = []
    ignored: list[_Ignored] = []
    for k, match in enumerate(matches):
        entry = match.entry
        if match.is_break:
            continue
        if entry is None:
            ignored.append(_Ignored(match.start, match.end, match.text, mergeable=_is_cjk(match.text)))
        elif entry.kind == "value" and entry.field and entry.value:
            proposals.append(_Proposal(entry.field, entry.value, match.text, match.start, entry.weak))
        elif entry.kind == "colour":
            role, start, end = _colour_role(matches, k)
            value = entry.background if role == "background" else entry.object_color
            if value is None:
                logger.debug("%r cannot name the %s here; ignored", match.text, role)
                ignored.append(_Ignored(match.start, match.end, match.text))
            else:
                name = "background" if role == "background" else "color"
                proposals.append(_Proposal(name, value, normalised[start:end], start))

    chosen: dict[str, _Proposal] = {}
    for proposal in proposals:
        current = chosen.get(proposal.field)
        if current is None or (current.weak and not proposal.weak):
            chosen[proposal.field] = proposal
        elif current.value != proposal.value and not proposal.weak:
            logger.debug("%s is already %r; %r ignored", proposal.field, current.value, proposal.words)
            ignored.append(_Ignored(proposal.start, proposal.start + len(proposal.words), proposal.words))

    values = {f.name: getattr(defaults, f.name) for f in fields(SceneSpec)}
    values.update({name: proposal.value for name, proposal in chosen.items()})
    return ParsedPrompt(
        spec=SceneSpec(**values),
        understood={name: chosen[name].words for name in FIELDS if name in chosen},
        defaulted=[name for name in FIELDS if name not in chosen and getattr(defaults, name) is not None],
        ignored=_merge_ignored(ignored),
    )


@dataclass(frozen=True)
class _Proposal:
    field: str
    value: str
    words: str
    start: int
    weak: bool = False


@dataclass(frozen=True)
class _Ignored:
    start: int
    end: int
    words: str
    mergeable: bool = False  # an unknown Chinese character: joins its unknown neighbours


def _merge_ignored(items: list[_Ignored]) -> list[str]:
    """Ignored words in prompt order; adjacent unknown Chinese characters form one item (请生成)."""
    merged: list[_Ignored] = []
    for item in sorted(items, key=lambda i: i.start):
        last = merged[-1] if merged else None
        if last is not None and last.mergeable and item.mergeable and last.end == item.start:
            merged[-1] = _Ignored(last.start, item.end, last.words + item.words, mergeable=True)
        else:
            merged.append(item)
    return [item.words for item in merged]


# --- back to text -------------------------------------------------------------------------------

_SPEED_ADVERBS = {"slow": "slowly", "fast": "quickly"}


def describe(spec: SceneSpec, lang: str = "en") -> str:
    """The canonical prompt for a scene; ``parse_prompt(describe(spec, lang)).spec == spec``.

    >>> describe(SceneSpec("circle", "red", "black", "moving left"))
    'a red circle moving left on a black background'
    >>> describe(SceneSpec("circle", "red", "black", "moving left"), lang="zh")
    '一个红色的圆形向左移动，黑色背景'
    """
    if not isinstance(spec, SceneSpec):
        raise InvalidInputError(f"spec must be a SceneSpec, got {spec!r}")
    if lang == "en":
        size = f"{spec.size} " if spec.size else ""
        speed = f"{_SPEED_ADVERBS[spec.speed]} " if spec.speed else ""
        return f"a {size}{spec.color} {spec.shape} {speed}{spec.motion} on a {spec.background} background"
    if lang == "zh":
        color = vocab.COLORS_ZH[spec.color]
        thing = f"{vocab.SIZES_ZH[spec.size]}{color}" if spec.size else f"{color}的"
        speed = vocab.SPEEDS_ZH[spec.speed] if spec.speed else ""
        motion = vocab.MOTIONS_ZH[spec.motion]
        return f"一个{thing}{vocab.SHAPES_ZH[spec.shape]}{speed}{motion}，{vocab.BACKGROUNDS_ZH[spec.background]}背景"
    raise InvalidInputError(f"lang must be 'en' or 'zh', got {lang!r}")


def understood_summary(parsed: ParsedPrompt) -> str:
    """One line for the UI/CLI, e.g. ``understood: red circle, moving left, white background (defaulted: shape)``."""
    spec = parsed.spec
    thing = " ".join(w for w in (spec.size, spec.color, spec.shape) if w)
    motion = f"{spec.motion} ({spec.speed})" if spec.speed else spec.motion
    line = f"understood: {thing}, {motion}, {spec.background} background"
    if parsed.defaulted:
        line += f" (defaulted: {', '.join(parsed.defaulted)})"
    if parsed.ignored:
        line += f"; ignored: {', '.join(repr(w) for w in parsed.ignored)}"
    return line


def random_spec(rng: np.random.Generator, *, modifiers: bool = True) -> SceneSpec:
    """A uniformly random scene; with ``modifiers``, size and speed are each given half of the time."""

    def pick(values: tuple[str, ...]) -> str:
        return values[int(rng.integers(len(values)))]

    size = pick(vocab.SIZES) if modifiers and rng.random() < 0.5 else None
    speed = pick(vocab.SPEEDS) if modifiers and rng.random() < 0.5 else None
    return SceneSpec(
        shape=pick(vocab.SHAPES),
        color=pick(tuple(vocab.COLORS)),
        background=pick(tuple(vocab.BACKGROUNDS)),
        motion=pick(vocab.MOTIONS),
        size=size,
        speed=speed,
    )
