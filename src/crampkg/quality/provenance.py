"""The article as the source of truth: verbatim quotes and claim coverage.

Every source quote in the knowledge base, every rule's ``source`` and every
quote of the claims checklist must occur in the article verbatim (compared
with white space collapsed, nothing else changed). The checklist maps each
claim of the article, paragraph by paragraph, to the ontology elements that
model it; a claim mapped to nothing, or to an id the knowledge base lacks, is
a problem. The checklist's ``kinds`` column names the link kind of every element
that is a link (``CRAMPKG_0001000=manifestation``); a kind that differs from the
element's type in the knowledge base is a problem too.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..kb import resources
from ..kb import vocab as V

if TYPE_CHECKING:
    import rdflib

    from ..kb.knowledge_base import KnowledgeBase


def collapse(text: str) -> str:
    """Collapse every run of white space to one space (the only normalisation applied)."""
    return " ".join(text.split())


@cache
def article_text(path: Path | None = None) -> str:
    """The article, white space collapsed."""
    return collapse((path or resources.article_path()).read_text(encoding="utf-8"))


def is_verbatim(quote: str, article: str | None = None) -> bool:
    """Whether ``quote`` occurs in the article (white space collapsed)."""
    needle = collapse(quote)
    return bool(needle) and needle in (article if article is not None else article_text())


@dataclass(slots=True)
class Claim:
    """A row of the claims checklist."""

    claim_id: str
    paragraph: int
    claim: str
    quote: str
    elements: tuple[str, ...]
    kinds: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class CoverageReport:
    """How many claims are mapped, and what is wrong."""

    claims: int = 0
    mapped: int = 0
    problems: list[str] = field(default_factory=list)


def load_claims(path: Path | None = None) -> list[Claim]:
    """Read the checklist (tab-separated: claim_id, paragraph, claim, quote, elements[, kinds]).

    ``kinds`` is optional: space-separated ``ID=kind`` pairs, one per element that is a link.
    """
    file = path or resources.claims_path()
    with file.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Claim(row["claim_id"], int(row["paragraph"] or 0), row["claim"], row["quote"],
                  tuple((row.get("elements") or "").split()),
                  dict(pair.split("=", 1) for pair in (row.get("kinds") or "").split() if "=" in pair))
            for row in reader
        ]


LINK_KINDS: dict[str, str] = {
    V.NS + "CRAMPKG_0000028": "report",
    V.NS + "CRAMPKG_0000029": "risk",
    V.NS + "CRAMPKG_0000094": "manifestation",
    V.NS + "CRAMPKG_0000016": "causal",
    V.NS + "CRAMPKG_0000017": "test-result",
    V.NS + "CRAMPKG_0000095": "interpretation",
    V.NS + "CRAMPKG_0000018": "recommendation",
    V.NS + "CRAMPKG_0000019": "statement",
    V.NS + "CRAMPKG_0000020": "statement",
}
"""The kind of a sourced assertion, by its (direct) type: the words of the checklist's kinds column."""

_SOURCE_QUOTE = V.NS + "CRAMPKG_0000060"
_PRIMARY_QUOTE = V.NS + "CRAMPKG_0000062"
_DEPRECATED = "http://www.w3.org/2002/07/owl#deprecated"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def assertion_kinds(kb: KnowledgeBase) -> dict[str, str]:
    """The link kind of every live (not deprecated) sourced assertion, by local id, read from the RDF."""
    graph = kb.rdflib_graph()
    deprecated = {str(s) for s, _, o in graph.triples((None, _uri(_DEPRECATED), None)) if str(o).lower() in {"true", "1"}}
    kinds: dict[str, str] = {}
    for subject, _, obj in graph.triples((None, _uri(_RDF_TYPE), None)):
        kind = LINK_KINDS.get(str(obj))
        if kind and str(subject) not in deprecated:
            kinds[V.local_id(str(subject))] = kind
    return kinds


def _uri(iri: str) -> rdflib.URIRef:
    import rdflib

    return rdflib.URIRef(iri)


def check_quotes(kb: KnowledgeBase) -> list[str]:
    """Problems: source quotes (terms, assertions, rules) that are not verbatim in the article.

    Every source quote and primary source quote of the RDF is checked (report links and
    interpretations, which the ranking index does not hold, included).
    """
    problems: list[str] = []
    index = kb.index
    owners: list[tuple[str, tuple[str, ...]]] = [(t.id, t.sources) for t in index.terms.values()]
    for group in (index.associations, index.causal_links, index.indications, index.recommendations, index.statements):
        owners += [(a.id, a.sources) for a in group]
    graph = kb.rdflib_graph()
    for prop in (_SOURCE_QUOTE, _PRIMARY_QUOTE):
        owners += [(V.local_id(str(s)), (str(o),)) for s, _, o in graph.triples((None, _uri(prop), None))]
    owners += [(f"rule {r.id}", (r.source,)) for r in kb.rules.rules]
    article = article_text()
    for owner, quotes in sorted(owners):
        for quote in quotes:
            if not is_verbatim(quote, article):
                problems.append(f"{owner}: quote not verbatim in the article: {quote[:80]!r}")
    return problems


def check_claims(kb: KnowledgeBase, path: Path | None = None) -> CoverageReport:
    """Every claim mapped to existing elements, every claim quote verbatim."""
    report = CoverageReport()
    file = path or resources.claims_path()
    if not file.is_file():
        report.problems.append(f"claims checklist not found: {file}")
        return report
    known = set(index_ids(kb))
    kinds = assertion_kinds(kb)
    article = article_text()
    for claim in load_claims(file):
        report.claims += 1
        for element, kind in sorted(claim.kinds.items()):
            if element not in claim.elements:
                report.problems.append(f"claim {claim.claim_id}: kind given for {element}, which it does not map to")
            elif kinds.get(element) != kind:
                report.problems.append(f"claim {claim.claim_id}: {element} is a {kinds.get(element, 'non-link')}, not a {kind}")
        missing = [e for e in claim.elements if e not in known]
        if not claim.elements:
            report.problems.append(f"claim {claim.claim_id} (paragraph {claim.paragraph}) is mapped to nothing")
        elif missing:
            report.problems.append(f"claim {claim.claim_id} maps to unknown id(s): {', '.join(missing)}")
        else:
            report.mapped += 1
        if not is_verbatim(claim.quote, article):
            report.problems.append(f"claim {claim.claim_id}: quote not verbatim: {claim.quote[:80]!r}")
    return report


def index_ids(kb: KnowledgeBase) -> list[str]:
    """Every opaque id the knowledge base defines (terms, assertions, strengths, phases, roles)."""
    index = kb.index
    ids = set(index.terms) | set(index.strengths)
    for group in (index.associations, index.causal_links, index.indications, index.recommendations, index.statements):
        ids |= {a.id for a in group}
    ids |= {V.local_id(p) for p in (*V.PHASE_NAMES, *V.ROLE_NAMES)}
    ids |= set(V.SCHEMA_TERMS)
    ids |= set(assertion_kinds(kb))  # report links and interpretations, which the index does not hold
    return sorted(ids)
