"""Every name of every finding, compiled once per knowledge base into token-set patterns.

A pattern is the set of keys of one label or synonym (English label, German label, every synonym)
after normalisation (:mod:`crampkg.text.normalise`), for each text language. Names are compiled
for both languages, so a German text can match an English synonym and the other way round.

Left out: findings the rules derive (they are inferred from the others, never reported) and
deprecated classes (``owl:deprecated true``, read from the store once; a ``deprecated`` attribute
on the term, when the index has one, counts too).

A name with a negation word ("no warm-up", "measures have not helped") keeps ``NEG`` as one of its
keys; without it, its remaining keys (at least two) are a *complement* pattern: "I always warm up" reports *no
warm-up* as absent, "the measures helped" *measures have not helped* as absent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

from . import vocabulary as voc
from .normalise import LANGUAGES, STOP, fold, name_keys, tokenise

if TYPE_CHECKING:
    from ..kb.knowledge_base import KnowledgeBase
    from ..kb.model import Term

_DEPRECATED_QUERY = """
SELECT ?c WHERE { ?c <http://www.w3.org/2002/07/owl#deprecated> ?d . FILTER(lcase(str(?d)) IN ("true", "1")) }
"""


@dataclass(frozen=True, slots=True)
class Pattern:
    """One name of one finding as a set of keys."""

    finding: str
    """The finding's id."""
    name: str
    """The label or synonym as written in the ontology."""
    keys: frozenset[str]
    """Every key of the name (``NEG`` included for "no warm-up")."""
    core: frozenset[str]
    """The keys a text must contain (``keys`` without the weak ones, e.g. "only" of "tap water only")."""
    complement: bool = False
    """A negated name without its negation: a match reports the finding as absent."""


@dataclass(slots=True)
class LanguageLexicon:
    """The patterns of one text language, indexed by key, and the words typos are corrected to."""

    patterns: list[Pattern]
    by_key: dict[str, list[int]]
    known_keys: frozenset[str]
    words_by_initial: dict[str, list[str]]
    """Folded words of the names and families, by first letter (the candidates of a typo)."""
    corrections: dict[str, tuple[str, float] | None] = field(default_factory=dict)

    def correct(self, folded: str) -> tuple[str, float] | None:
        """The known word a typo stands for, with a similarity in (0, 1), or None.

        Only words of five letters or more are corrected, only to a word with the same first letter,
        at most one edit (transposition included) away, two from eight letters on; the best match
        must be unique.
        """
        if folded in self.corrections:
            return self.corrections[folded]
        found: tuple[str, float] | None = None
        if len(folded) >= 5:
            limit = 1 if len(folded) < 8 else 2
            candidates = self.words_by_initial.get(folded[0], [])
            best = extractOne(folded, candidates, scorer=OSA.distance, score_cutoff=limit)
            if best is not None:
                word, distance = best[0], best[1]
                ties = [c for c in candidates if c != word and OSA.distance(folded, c) == distance]
                if not ties:
                    found = (word, 1.0 - distance / max(len(folded), len(word)))
        if len(self.corrections) < 100_000:
            self.corrections[folded] = found
        return found


@dataclass(slots=True)
class Lexicon:
    """The compiled names of a knowledge base's findings, per text language."""

    languages: dict[str, LanguageLexicon]
    labels: dict[str, str]
    """Finding id -> English label (for display)."""
    ancestors: dict[str, frozenset[str]]
    """Finding id -> the finding and every finding above it."""

    def __getitem__(self, lang: str) -> LanguageLexicon:
        return self.languages[lang]


def deprecated_ids(kb: KnowledgeBase) -> frozenset[str]:
    """Ids of classes marked ``owl:deprecated true`` (from the store; empty when it cannot say)."""
    try:
        rows = kb.store.select(_DEPRECATED_QUERY)
    except Exception:  # noqa: BLE001 (a store that cannot answer: no deprecation known)
        return frozenset()
    return frozenset(r["c"].value.rsplit("/", 1)[-1].rsplit("#", 1)[-1] for r in rows)


def matchable_findings(kb: KnowledgeBase) -> list[Term]:
    """The findings a text can name: every finding but derived and deprecated ones."""
    gone = deprecated_ids(kb)
    return [t for t in kb.findings()
            if t.id not in gone and not getattr(t, "deprecated", False) and not kb.is_derived(t.id)]


def _inability(name: str) -> bool:
    return any(t.folded in _INABILITY for t in tokenise(name, "en"))


_INABILITY = frozenset({"cannot", "can't", "cant", "couldn't", "unable"})


def _names(term: Term) -> Iterable[str]:
    seen: set[str] = set()
    for name in (term.label, term.label_de, *term.synonyms):
        if name and fold(name) not in seen:
            seen.add(fold(name))
            yield name


def compile_language(terms: Iterable[Term], lang: str) -> LanguageLexicon:
    """The patterns of ``terms`` for texts in ``lang``."""
    patterns: list[Pattern] = []
    seen: set[tuple[str, frozenset[str], bool]] = set()
    words: set[str] = set()
    for term in terms:
        for name in _names(term):
            keys = frozenset(name_keys(name, lang))
            words.update(t.folded for t in tokenise(name, lang) if t.kind == "word")
            variants = [(keys, False)]
            # a complement of one word ("helps") would be a guess; "cannot ..." names an inability, and
            # naming the movement ("flexing the foot is restricted") does not say it is possible
            if voc.NEG in keys and len(keys) > 2 and not _inability(name):
                variants.append((keys - {voc.NEG}, True))
            for pattern_keys, complement in variants:
                core = pattern_keys - voc.WEAK_KEYS or pattern_keys
                if not core or (term.id, pattern_keys, complement) in seen:
                    continue
                seen.add((term.id, pattern_keys, complement))
                patterns.append(Pattern(term.id, name, pattern_keys, frozenset(core), complement))
    words.update(w for w in (fold(x) for x in voc.FAMILIES) if w.isalpha())
    words -= STOP[lang]
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, pattern in enumerate(patterns):
        for key in pattern.core:
            by_key[key].append(i)
    by_initial: dict[str, list[str]] = defaultdict(list)
    for word in sorted(words):
        if len(word) >= 4:
            by_initial[word[0]].append(word)
    known = frozenset(k for p in patterns for k in p.keys)
    return LanguageLexicon(patterns, dict(by_key), known, dict(by_initial))


def compile_lexicon(kb: KnowledgeBase) -> Lexicon:
    """Compile every name of every matchable finding of ``kb`` (see the module docstring)."""
    terms = matchable_findings(kb)
    ancestors = {t.id: frozenset(kb.index.ancestors.get(t.id, (t.id,))) for t in terms}
    return Lexicon({lang: compile_language(terms, lang) for lang in LANGUAGES},
                   {t.id: t.label for t in terms}, ancestors)
