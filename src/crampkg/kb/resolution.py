"""Turning what a person types into a known term: id, IRI, label or synonym.

Matching is case-insensitive and ignores repeated white space. Labels win over
synonyms; a synonym shared by two terms is ambiguous and matches neither. A name
that is no exact name may still be read by the free-text reader (``loose``,
e.g. "measures do not help"), but only when it finds exactly one finding with
confidence. Otherwise a name is never guessed: the caller gets the closest known
names as suggestions and raises.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .model import Term


def normalise(text: str) -> str:
    """Case-fold and collapse white space (the key every lookup uses)."""
    return " ".join(text.split()).casefold()


@dataclass(slots=True)
class Resolver:
    """Name lookup for one kind of term (findings, or causes)."""

    by_key: dict[str, str]
    display: dict[str, str]
    loose: Callable[[str], str | None] | None = None
    """Asked when no exact name matches: the one id the wording means, or None."""

    @classmethod
    def for_terms(cls, terms: Iterable[Term], loose: Callable[[str], str | None] | None = None) -> Resolver:
        """Index ids, IRIs, CURIEs, labels (en, de) and synonyms of ``terms``."""
        strong: dict[str, str] = {}
        weak: dict[str, set[str]] = defaultdict(set)
        display: dict[str, str] = {}
        for term in sorted(terms, key=lambda t: t.id):
            for key in (term.id, term.iri, f"crampkg:{term.id}", term.id.removeprefix("CRAMPKG_")):
                strong[normalise(key)] = term.id
            for label in filter(None, (term.label, term.label_de)):
                strong.setdefault(normalise(label), term.id)
            for synonym in term.synonyms:
                weak[normalise(synonym)].add(term.id)
            display[term.id] = term.label
        by_key = dict(strong)
        for key, ids in weak.items():
            if key not in by_key and len(ids) == 1:
                by_key[key] = next(iter(ids))
        return cls(by_key=by_key, display=display, loose=loose)

    def lookup(self, given: str) -> str | None:
        """The id ``given`` names, or None."""
        return self.by_key.get(normalise(given))

    def lookup_or_read(self, given: str) -> str | None:
        """The id ``given`` names exactly, else the one the ``loose`` reader is sure of, else None."""
        found = self.lookup(given)
        if found is None and self.loose is not None and given.strip():
            found = self.loose(given)
        return found

    def suggest(self, given: str, limit: int = 5) -> list[str]:
        """Labels of the known terms whose names are closest to ``given``."""
        key = normalise(given)
        names = [k for k in self.by_key if not k.startswith(("http", "crampkg", "0"))]
        close = difflib.get_close_matches(key, names, n=limit * 3, cutoff=0.5)
        close += sorted(k for k in names if key and key in k)
        labels: list[str] = []
        for name in close:
            label = self.display[self.by_key[name]]
            if label not in labels:
                labels.append(label)
        return labels[:limit]

    def search(self, text: str) -> list[str]:
        """Ids of the terms with a name containing ``text`` (all ids when empty), sorted."""
        key = normalise(text)
        # ids match only a text that looks like one ("0000101", "CRAMPKG_00001"): otherwise "cramp"
        # would find every term through its id
        wants_id = key.startswith("crampkg") or key.isdigit()

        def searchable(name: str) -> bool:
            if name.startswith("http"):
                return False
            return wants_id or not (name.startswith("crampkg") or name.isdigit())

        return sorted({term_id for name, term_id in self.by_key.items() if key in name and searchable(name)})
