"""From characters to keys: tokens with offsets, case and umlaut/ß folding, Snowball stems, word families.

One normaliser serves both sides of matching: the names of the knowledge base (compiled once into
patterns by :mod:`crampkg.text.lexicon`) and the person's text. A word becomes one or more *keys*:

1. it is folded: lower case, ``ä ö ü`` to ``a o u``, ``ß`` to ``ss``, typographic apostrophes to ``'``;
2. filler words of either language (:data:`~crampkg.text.vocabulary.STOPWORDS`) get no key;
3. negation words get the key ``NEG``;
4. a word of a word family (:data:`~crampkg.text.vocabulary.FAMILIES`), found by its folded form or
   by its Snowball stem in either language, gets the family's concept keys;
5. a compound made of two family words ("Nachtkrämpfe") gets the keys of its parts;
6. any other word gets its Snowball stem in the text's language (``w:<stem>``).

Stemming is PyStemmer's Snowball ("english" = Porter2, "german"), C code, no data download.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import Stemmer  # type: ignore[import-not-found]  # PyStemmer ships no type hints

from . import vocabulary as voc

LANGUAGES = ("en", "de")

_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "’": "'", "‘": "'", "`": "'", "ſ": "s"})
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[.,;:!?()\[\]]|\s[-–—]\s", re.UNICODE)
_PUNCT = frozenset(".,;:!?()[]")

_STEMMERS = {"en": Stemmer.Stemmer("english"), "de": Stemmer.Stemmer("german")}


def fold(text: str) -> str:
    """Lower case with umlauts and ß folded (``"Nächtliche Wadenkrämpfe"`` -> ``"nachtliche wadenkrampfe"``)."""
    return text.casefold().translate(_FOLD)


@lru_cache(maxsize=65536)
def stem(word: str, lang: str) -> str:
    """The Snowball stem of a folded word in ``lang`` (``en`` or ``de``)."""
    stemmed: str = _STEMMERS[lang].stemWord(word)
    return stemmed


def _fold_set(words: frozenset[str]) -> frozenset[str]:
    return frozenset(fold(w) for w in words)


STOP_BY_LANGUAGE = {lang: _fold_set(words) | {"i'm", "i've", "i'd", "it's", "that's", "there's"}
                    for lang, words in voc.STOPWORDS.items()}
_ANY_STOP = frozenset().union(*STOP_BY_LANGUAGE.values())
STOP = {lang: _ANY_STOP for lang in LANGUAGES}
"""Filler words: those of both languages whatever the text's language (names and texts mix them)."""
NEGATIONS = _fold_set(voc.NEGATION_WORDS)
SCOPE_ENDS = _fold_set(voc.SCOPE_ENDS)
NEGATION_ENDS = _fold_set(voc.NEGATION_ENDS)
FIRST_PERSON = _fold_set(voc.FIRST_PERSON)
OTHER_PEOPLE = _fold_set(voc.OTHER_PEOPLE)
CLAUSE_AND = _fold_set(voc.CLAUSE_AND)
PSEUDO_NEGATIONS = tuple(tuple(fold(w) for w in p) for p in voc.PSEUDO_NEGATIONS)
HYPOTHETICAL = tuple(tuple(fold(w) for w in p) for p in voc.HYPOTHETICAL)


def _family_tables() -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, tuple[str, ...]]]]:
    by_surface: dict[str, tuple[str, ...]] = {}
    by_stem: dict[str, dict[str, tuple[str, ...]]] = {lang: {} for lang in LANGUAGES}
    for word, keys in voc.FAMILIES.items():
        for part in re.findall(r"[^\W_]+", fold(word)):
            by_surface.setdefault(part, keys)
            for lang in LANGUAGES:
                by_stem[lang].setdefault(stem(part, lang), keys)
    return by_surface, by_stem


FAMILY_BY_SURFACE, FAMILY_BY_STEM = _family_tables()
_LINKS = ("", "s", "n", "en", "e", "es")


@dataclass(frozen=True, slots=True)
class Token:
    """One word or punctuation mark of a text, with its character offsets and keys."""

    start: int
    end: int
    surface: str
    folded: str
    keys: tuple[str, ...]
    """Concept or stem keys (empty for filler words and punctuation)."""
    kind: str
    """``word``, ``stop`` (filler), ``neg`` (a negation word) or ``punct``."""


def family_keys(folded: str, lang: str) -> tuple[str, ...] | None:
    """The concept keys of a folded word by its form or its stem (text language first), else None."""
    found = FAMILY_BY_SURFACE.get(folded)
    if found is not None:
        return found
    for language in (lang, *(x for x in LANGUAGES if x != lang)):
        found = FAMILY_BY_STEM[language].get(stem(folded, language))
        if found is not None:
            return found
    return None


@lru_cache(maxsize=65536)
def decompound(folded: str) -> tuple[str, ...] | None:
    """The keys of a compound (German, mostly) whose two parts are family words ("nachtkrampfe"), else None."""
    if len(folded) < 8:
        return None
    for cut in range(len(folded) - 4, 3, -1):
        head, tail = folded[:cut], folded[cut:]
        tail_keys = family_keys(tail, "de")
        if tail_keys is None:
            continue
        for link in _LINKS:
            if link and not head.endswith(link):
                continue
            base = head[: len(head) - len(link)] if link else head
            if len(base) < 3:
                continue
            head_keys = family_keys(base, "de")
            if head_keys is not None:
                return head_keys + tuple(k for k in tail_keys if k not in head_keys)
    return None


@lru_cache(maxsize=65536)
def word_keys(folded: str, lang: str) -> tuple[tuple[str, ...], str]:
    """(keys, kind) of one folded word in ``lang``: see the module docstring for the order of the steps."""
    if folded in NEGATIONS:
        return (voc.NEG,), "neg"
    if folded in STOP[lang]:
        return (), "stop"
    found = family_keys(folded, lang)
    if found is None:
        found = decompound(folded)
    if found is not None:
        return found, "word"
    return (f"w:{stem(folded, lang)}",), "word"


def tokenise(text: str, lang: str) -> list[Token]:
    """The words and clause punctuation of ``text`` with offsets and keys (``lang``: ``en`` or ``de``)."""
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        surface = m.group()
        if surface[0].isspace():  # a free-standing dash: a clause break
            tokens.append(Token(m.start() + 1, m.end() - 1, surface.strip(), "-", (), "punct"))
            continue
        if surface in _PUNCT:
            tokens.append(Token(m.start(), m.end(), surface, surface, (), "punct"))
            continue
        folded = fold(surface)
        keys, kind = word_keys(folded, lang)
        tokens.append(Token(m.start(), m.end(), surface, folded, keys, kind))
    return tokens


def name_keys(name: str, lang: str) -> tuple[str, ...]:
    """The keys of a name (a label or synonym) in ``lang``, in order, without repeats."""
    keys: list[str] = []
    for token in tokenise(name, lang):
        for key in token.keys:
            if key not in keys:
                keys.append(key)
    return tuple(keys)


def detect_language(text: str) -> str:
    """``de`` or ``en``: by the filler words only one language has, umlauts and ß; when that is a tie,
    by German spelling ("sch", "-ung", "-schaft", "-lich"); English when still undecided."""
    raw = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.casefold())
    words = [fold(w) for w in raw]
    de = sum(1 for w in words if w in _ONLY_DE) + 2 * sum(1 for ch in text if ch in "äöüÄÖÜß")
    en = sum(1 for w in words if w in _ONLY_EN)
    if de == en:  # undecided (a single noun, say): German spelling decides
        de += sum(1 for w in raw if _GERMAN_SPELLING.search(w))
    return "de" if de > en else "en"


_GERMAN_SPELLING = re.compile(r"sch|tz|ung$|ungen$|schaft|keit|heit|lich$|lichen?$|[äöüß]")


_ONLY_EN = (STOP_BY_LANGUAGE["en"] | _fold_set(voc.ENGLISH_HINTS)) - STOP_BY_LANGUAGE["de"] - _fold_set(voc.GERMAN_HINTS)
_ONLY_DE = (STOP_BY_LANGUAGE["de"] | _fold_set(voc.GERMAN_HINTS)) - STOP_BY_LANGUAGE["en"] - _fold_set(voc.ENGLISH_HINTS)
