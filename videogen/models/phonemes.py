"""Text to the phonemes Kokoro speaks (issue 19): misaki's grapheme-to-phoneme engines, offline.

Kokoro's network reads phonemes, not letters; misaki (Kokoro's own G2P, Apache-2.0) makes them.

- **English** (American or British): misaki's ``en.G2P``, its gold and silver dictionaries, and eSpeak NG
  for the words they lack (misaki's ``EspeakFallback``, through the ``espeakng-loader`` wheel's own
  library and data: nothing to install beside the Python packages). misaki tokenizes and part-of-speech
  tags with spaCy's ``en_core_web_sm``, which is not on PyPI: ``en.G2P`` downloads it from GitHub when
  it is missing. That download is never made here: when the model is installed (``python -m spacy
  download en_core_web_sm``) it is used; else spaCy's blank English tokenizer with the few rule-made tags
  misaki reads (punctuation, currency signs, numbers, articles, ``I``, ``to``, ``in``) stands in for it,
  so only the homographs whose sound depends on their part of speech ("read", "live") may be said the
  other way.
- **Chinese** (Mandarin): misaki's ``zh.ZHG2P`` (jieba, pypinyin, cn2an; their dictionaries ship in
  their wheels): v1.1's Zhuyin-based phonemes for ``Kokoro-82M-v1.1-zh``, with English words inside
  Chinese text through the English engine; the IPA of v1.0 for ``Kokoro-82M``'s Chinese voices.

:func:`phoneme_chunks` splits a text into pieces of at most :data:`MAX_PHONEMES` phonemes (Kokoro's
context, less its two boundary tokens), at sentence ends where it can.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any, Literal

from videogen.errors import UnsupportedModelError

logger = logging.getLogger(__name__)

Language = Literal["en-us", "en-gb", "zh"]
MAX_PHONEMES = 510  # Kokoro's 512 positions less <bos> and <eos> (KModel asserts it)
SPACY_ENGLISH = "en_core_web_sm"
_CHUNK_CHARS = {"en-us": 300, "en-gb": 300, "zh": 120}  # text pieces phonemized one by one
_SENTENCE_END = re.compile(r"(?<=[.!?;。！？；…])\s*")
_CLAUSE_END = re.compile(r"(?<=[,:，、：—])\s*")
# The Penn Treebank tags misaki reads off spaCy's tagger, made by rule where the tagger is missing.
_PUNCT_TAGS = {",": ",", ".": ".", "!": ".", "?": ".", "…": ":", ":": ":", ";": ":", "—": ":", "–": ":", "-": ":",
               "--": ":", "(": "-LRB-", "[": "-LRB-", "{": "-LRB-", ")": "-RRB-", "]": "-RRB-", "}": "-RRB-",
               "“": "``", "”": "''", "#": "#"}
_WORD_TAGS = {"a": "DT", "an": "DT", "the": "DT", "to": "TO", "in": "IN", "of": "IN", "on": "IN", "for": "IN",
              "at": "IN", "with": "IN", "by": "IN", "from": "IN", "into": "IN"}
_engines: dict[tuple[str, str | None], Callable[[str], str]] = {}
_engines_lock = threading.RLock()  # Chinese v1.1 makes the English engine inside


def needs_misaki() -> UnsupportedModelError:
    return UnsupportedModelError(
        "The Kokoro voices need the kokoro and misaki packages: pip install kokoro 'misaki[zh]' (both are in "
        "requirements.txt), then try again; or pick an eSpeak NG voice (espeak), which needs neither.")


def engine(language: Language, version: str | None = None) -> Callable[[str], str]:
    """The G2P for ``language``, made once per process: text in, Kokoro's phonemes out. ``version``:
    the Chinese phoneme set ("1.1": ``Kokoro-82M-v1.1-zh``'s; None: v1.0's)."""
    key = (language, version if language == "zh" else None)
    with _engines_lock:
        found = _engines.get(key)
        if found is None:
            try:
                found = _chinese(version) if language == "zh" else _english(language == "en-gb")
            except ImportError as exc:
                raise needs_misaki() from exc
            _engines[key] = found
        return found


def english_is_full() -> bool:
    """Whether spaCy's ``en_core_web_sm`` is installed (misaki's own tagger), not the rule-made tags."""
    try:
        import spacy
    except ImportError:
        return False
    return bool(spacy.util.is_package(SPACY_ENGLISH))


def phoneme_chunks(text: str, language: Language, version: str | None = None) -> list[str]:
    """``text`` as Kokoro's phonemes, in pieces of at most :data:`MAX_PHONEMES`; empty pieces left out."""
    g2p = engine(language, version)
    chunks: list[str] = []
    for piece in text_pieces(text, _CHUNK_CHARS[language]):
        phonemes = " ".join(g2p(piece).split())
        chunks += split_phonemes(phonemes) if phonemes else []
    return chunks


def text_pieces(text: str, most: int) -> list[str]:
    """``text`` cut at sentence ends (then clause ends, then spaces) into pieces of at most ``most`` characters."""
    pieces: list[str] = []
    for sentence in (s for s in _SENTENCE_END.split(text) if s.strip()):
        parts = [sentence] if len(sentence) <= most else [p for p in _CLAUSE_END.split(sentence) if p.strip()]
        for part in parts:
            while len(part) > most:
                cut = part.rfind(" ", 0, most)
                cut = cut if cut > 0 else most
                pieces.append(part[:cut].strip())
                part = part[cut:]
            if part.strip():
                pieces.append(part.strip())
    return _merged(pieces, most)


def _merged(pieces: list[str], most: int) -> list[str]:
    """Short neighbours joined again (fewer, longer runs of the model: its prosody spans the sentence)."""
    merged: list[str] = []
    for piece in pieces:
        if merged and len(merged[-1]) + 1 + len(piece) <= most:
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def split_phonemes(phonemes: str, most: int = MAX_PHONEMES) -> list[str]:
    """A phoneme string cut at spaces into pieces of at most ``most`` (a word longer than that: cut in it)."""
    pieces: list[str] = []
    current = ""
    for word in phonemes.split(" "):
        while len(word) > most:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:most])
            word = word[most:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= most:
            current = f"{current} {word}"
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return [p for p in pieces if p.strip()]


# ----------------------------------------------------------------------------------------------
# The engines


def _english(british: bool) -> Callable[[str], str]:
    from misaki import en, espeak

    try:
        fallback: Any = espeak.EspeakFallback(british=british)
    except (RuntimeError, OSError) as exc:  # espeakng-loader's library could not be opened
        logger.warning("eSpeak NG could not be loaded for the English words misaki's dictionaries lack (%s): "
                       "they are left out", exc)
        fallback = None
    if english_is_full():
        g2p = en.G2P(british=british, fallback=fallback, unk="")
    else:
        logger.info("spaCy's %s is not installed: English is tagged by rule (python -m spacy download %s for "
                    "misaki's own tagger)", SPACY_ENGLISH, SPACY_ENGLISH)
        g2p = _offline_english_g2p(british, fallback)

    def english(text: str) -> str:
        return str(g2p(text)[0])

    return english


def _offline_english_g2p(british: bool, fallback: Any) -> Any:
    """misaki's English G2P over spaCy's blank tokenizer and :class:`RuleTagger` (no model download)."""
    import spacy
    from misaki import en

    class OfflineG2P(en.G2P):
        def __init__(self) -> None:  # en.G2P's own, less the spaCy model it would download
            self.version = None
            self.british = british
            self.nlp = RuleTagger(spacy.blank("en"), set(en.CURRENCIES))
            self.lexicon = en.Lexicon(british)
            self.fallback = fallback
            self.unk = ""

    return OfflineG2P()


class RuleTagger:
    """spaCy's blank English tokenizer, with the tags misaki reads set by rule."""

    def __init__(self, nlp: Any, currencies: set[str]) -> None:
        self.nlp = nlp
        self.currencies = currencies

    def __call__(self, text: str) -> Any:
        doc = self.nlp(text)
        quotes = 0
        for token in doc:
            word = token.text
            if word == '"':
                tag, quotes = ("``" if quotes % 2 == 0 else "''"), quotes + 1
            elif word in _PUNCT_TAGS:
                tag = _PUNCT_TAGS[word]
            elif word in self.currencies:
                tag = "$"
            elif word == "I":
                tag = "PRP"
            elif token.lower_ in _WORD_TAGS:
                tag = _WORD_TAGS[token.lower_]
            else:
                tag = "CD" if token.like_num else ""
            token.tag_ = tag
        return doc


def _chinese(version: str | None) -> Callable[[str], str]:
    import jieba
    from misaki import zh

    jieba.setLogLevel(logging.WARNING)  # its dictionary-cache lines go to stderr otherwise
    english = engine("en-us") if version == "1.1" else None  # English words inside Chinese text (v1.1)
    g2p = zh.ZHG2P(version=version, en_callable=english, unk="")

    def chinese(text: str) -> str:
        return str(g2p(text)[0] or "")

    return chinese
