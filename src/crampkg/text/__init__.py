"""Findings from free text, in English and German, with negation and context.

>>> reading = kb.read_text("I get cramps at night and I don't take statins")
>>> reading.present_ids, reading.absent_ids
(['CRAMPKG_0000101'], ['CRAMPKG_0000140'])

Deterministic and explainable: lexical matching of every label and synonym of every finding after
normalisation (:mod:`.normalise`), token-set matching with typo correction and longest specific
match (:mod:`.match`), NegEx-style negation, other people and hypotheticals (:mod:`.negation`).
No model, no download. The names are compiled once per knowledge base (:mod:`.lexicon`).

This package is imported only when a text is read (``explain --text``, ``read_text``, a name that
is not known exactly), so the plain ``explain`` path never pays for it.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

from .lexicon import Lexicon, compile_lexicon
from .reader import read
from .reading import AmbiguousSpan, Candidate, Span, TextFinding, TextReading

if TYPE_CHECKING:
    from ..kb.knowledge_base import KnowledgeBase

__all__ = ["AmbiguousSpan", "Candidate", "Lexicon", "Span", "TextFinding", "TextReading", "lexicon_of",
           "read_text", "resolve_name"]

_LEXICONS: weakref.WeakKeyDictionary[KnowledgeBase, Lexicon] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()

NAME_CONFIDENCE = 0.85
"""A single name resolves through the text reader only at or above this confidence."""


def lexicon_of(kb: KnowledgeBase) -> Lexicon:
    """The compiled lexicon of ``kb`` (compiled on first use, once per knowledge base; thread-safe)."""
    found = _LEXICONS.get(kb)
    if found is None:
        with _LOCK:
            found = _LEXICONS.get(kb)
            if found is None:
                found = _LEXICONS[kb] = compile_lexicon(kb)
    return found


def read_text(kb: KnowledgeBase, text: str, lang: str | None = None) -> TextReading:
    """The findings ``text`` reports as present and absent (``lang``: ``en``, ``de``, or None to detect)."""
    return read(text, lexicon_of(kb), lang)


def resolve_name(kb: KnowledgeBase, name: str) -> str | None:
    """The one finding a name that is no exact label or synonym means, if the text reader is sure.

    Sure means: exactly one present finding, nothing absent, ambiguous or not counted, every content
    word placed, and confidence of at least :data:`NAME_CONFIDENCE`. Otherwise None (the caller
    then raises with suggestions). A negated name ("not pregnant") is never turned into a finding.
    """
    reading = read_text(kb, name)
    if (len(reading.present) == 1 and not reading.absent and not reading.ambiguous and not reading.not_counted
            and not reading.unplaced and reading.present[0].confidence >= NAME_CONFIDENCE):
        return reading.present[0].id
    return None
