"""The article as the source of truth: verbatim quotes and claim coverage.

Every source quote in the knowledge base, every rule's ``source`` and every
quote of the claims checklist must occur in the article verbatim (compared
with white space collapsed, nothing else changed). The checklist maps each
claim of the article, paragraph by paragraph, to the ontology elements that
model it; a claim mapped to nothing, or to an id the knowledge base lacks, is
a problem.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import resources
from . import vocab as V

if TYPE_CHECKING:
    from .kb import KnowledgeBase


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


@dataclass(slots=True)
class CoverageReport:
    """How many claims are mapped, and what is wrong."""

    claims: int = 0
    mapped: int = 0
    problems: list[str] = field(default_factory=list)


def load_claims(path: Path | None = None) -> list[Claim]:
    """Read the checklist (tab-separated: claim_id, paragraph, claim, quote, elements)."""
    file = path or resources.claims_path()
    with file.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Claim(row["claim_id"], int(row["paragraph"] or 0), row["claim"], row["quote"],
                  tuple((row.get("elements") or "").split()))
            for row in reader
        ]


def check_quotes(kb: KnowledgeBase) -> list[str]:
    """Problems: source quotes (terms, assertions, rules) that are not verbatim in the article."""
    problems: list[str] = []
    index = kb.index
    owners: list[tuple[str, tuple[str, ...]]] = [(t.id, t.sources) for t in index.terms.values()]
    for group in (index.associations, index.causal_links, index.indications, index.recommendations, index.statements):
        owners += [(a.id, a.sources) for a in group]
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
    article = article_text()
    for claim in load_claims(file):
        report.claims += 1
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
    return sorted(ids)
