"""What the network is compiled from: the knowledge base's links, kinds, numbers and interpretations.

The facts are read once per knowledge base with the SPARQL files ``queries/kb/network_*.rq`` (the
same text on the embedded store and on a remote server) and combined with the index (terms,
hierarchy, causes, indications). docs/model.md is the contract for what each term means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import KnowledgeBaseError
from ..kb import resources
from ..kb import vocab as V
from ..kb.stores import Value

if TYPE_CHECKING:
    from ..kb.knowledge_base import KnowledgeBase

REPORT = "report"
RISK = "risk"
MANIFESTATION = "manifestation"
CAUSAL = "causal"
TEST = "test"
SUBCLASS = "subclass"

LINK_TYPES = {
    V.REPORT_LINK: REPORT,
    V.RISK_LINK: RISK,
    V.MANIFESTATION_LINK: MANIFESTATION,
    V.CAUSAL_LINK: CAUSAL,
}

FINDING_KINDS = {
    V.KIND_EXPOSURE: "exposure",
    V.KIND_MANIFESTATION: "manifestation",
    V.KIND_TEST_RESULT: "test result",
    V.KIND_COURSE: "course",
}


@dataclass(frozen=True, slots=True)
class Link:
    """One sourced link of the network: ``source`` -> ``target`` of a kind, with its level.

    report: exposure finding -> cause; risk: exposure -> cause/state; causal: upstream -> downstream;
    manifestation: cause/state -> finding; test: cause -> test-result finding (``role`` set).
    """

    id: str
    kind: str
    source: str
    target: str
    level: str | None
    wording: str
    sources: tuple[str, ...]
    """The article's sentences, the one stating the link first."""
    role: str | None = None
    diagnostic: str | None = None
    alternatives: int = 1
    """How many causes the link names as alternatives ("either calcium or magnesium"): each gets an
    equal share of the level's number, so that at least one is activated with the level's number."""


@dataclass(frozen=True, slots=True)
class Interpretation:
    """What a finding or a diagnostic means without naming a cause, with the article's sentences."""

    id: str
    finding: str | None
    about: str | None
    meaning: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RoleNumbers:
    """Sensitivity and specificity of a diagnostic role (docs/model.md, section 2)."""

    sensitivity: float
    specificity: float


@dataclass(frozen=True)
class Facts:
    """Everything the compiler reads, as plain records keyed by local ids."""

    links: tuple[Link, ...]
    finding_kind: Mapping[str, str]
    background: Mapping[str, str]
    """Finding id -> strength level id of its background rate."""
    prior: Mapping[str, str]
    """Class id -> strength level id of its prior (causes; exposures where the article gives one)."""
    deprecated: frozenset[str]
    roles: Mapping[str, RoleNumbers]
    interpretations: tuple[Interpretation, ...]
    primary: Mapping[str, str] = field(default_factory=dict)
    """Assertion id -> the sentence that states it (links, indications, recommendations, ...)."""
    cost: Mapping[str, int] = field(default_factory=dict)
    """Diagnostic id -> cost tier (0 question, 1 examination, 2 blood test, 3 imaging)."""
    problems: tuple[str, ...] = field(default=())
    """Links the compiler could not use (missing ends), for `check`."""


def _read(name: str) -> str:
    return (resources.queries_dir() / "kb" / f"{name}.rq").read_text(encoding="utf-8")


class _Rows:
    """The values of one assertion over the rows of a query (one row per combination of values)."""

    IRIS = frozenset({"finding", "cause", "upstream", "downstream", "level", "about"})

    def __init__(self, kind: str | None):
        self.kind = kind
        self.values: dict[str, set[str]] = {k: set() for k in (
            "finding", "cause", "upstream", "downstream", "level", "wording", "primary", "quote", "about", "meaning")}

    def add(self, row: Mapping[str, Value]) -> None:
        for key, found in self.values.items():
            if key in row:
                found.add(V.local_id(row[key].value) if key in self.IRIS else row[key].value)

    def one(self, key: str) -> str | None:
        """The value of a functional property (the smallest, should the data hold several)."""
        return min(self.values[key], default=None)


def _ordered_sources(primary: str | None, quotes: list[str]) -> tuple[str, ...]:
    rest = sorted(set(quotes) - {primary} if primary else set(quotes))
    return ((primary,) if primary else ()) + tuple(rest)


def read_facts(kb: KnowledgeBase) -> Facts:
    """Read the network facts of ``kb`` (its store and index)."""
    store = kb.store
    index = kb.index
    local = V.local_id
    role_name = {V.local_id(iri): name for iri, name in V.ROLE_NAMES.items()}

    problems: list[str] = []
    links: list[Link] = []
    seen: dict[str, _Rows] = {}
    for row in store.select(_read("network_links")):
        entry = seen.setdefault(local(row["link"].value), _Rows(kind=LINK_TYPES.get(row["type"].value)))
        entry.add(row)
    for link_id in sorted(seen):
        e = seen[link_id]
        causes = sorted(e.values["cause"])  # several causes on a risk link: alternatives ("either ... or")
        findings = sorted(e.values["finding"])
        if e.kind == CAUSAL:
            pairs = [(e.one("upstream"), e.one("downstream"))]
        elif e.kind == MANIFESTATION:
            pairs = [(c, f) for c in causes for f in findings]
        else:
            pairs = [(f, c) for f in findings for c in causes]
        if e.kind is None or not pairs or not all(a and b for a, b in pairs):
            problems.append(f"link {link_id} lacks one of its ends")
            continue
        if len(pairs) > 1 and e.kind != RISK:
            problems.append(f"link {link_id} has {len(pairs)} causes; only a risk link may name alternatives")
            continue
        wording = min(e.values["wording"], default="")
        for source, target in pairs:
            links.append(Link(
                id=link_id, kind=e.kind, source=str(source), target=str(target), level=e.one("level"),
                wording=wording, sources=_ordered_sources(e.one("primary"), sorted(e.values["quote"])),
                alternatives=len(pairs)))
    primary = {local(r["assertion"].value): r["primary"].value for r in store.select(_read("primary_quotes"))}
    for ind in sorted(index.indications, key=lambda i: (i.id, i.cause, i.finding)):
        links.append(Link(id=ind.id, kind=TEST, source=ind.cause, target=ind.finding, level=None, wording="",
                          sources=_ordered_sources(primary.get(ind.id), list(ind.sources)), role=ind.role,
                          diagnostic=ind.diagnostic))

    finding_kind: dict[str, str] = {}
    background: dict[str, str] = {}
    prior: dict[str, str] = {}
    deprecated: set[str] = set()
    cost: dict[str, int] = {}
    for row in store.select(_read("network_terms")):
        term = local(row["term"].value)
        if "kind" in row and row["kind"].value in FINDING_KINDS:
            finding_kind[term] = FINDING_KINDS[row["kind"].value]
        if "background" in row:
            background[term] = local(row["background"].value)
        if "prior" in row:
            prior[term] = local(row["prior"].value)
        if "cost" in row:
            try:
                cost[term] = int(row["cost"].value)
            except ValueError:
                problems.append(f"{term}: cost tier {row['cost'].value!r} is not an integer")
        if "deprecated" in row and row["deprecated"].value.lower() in {"true", "1"}:
            deprecated.add(term)

    roles: dict[str, RoleNumbers] = {}
    for row in store.select(_read("network_roles")):
        name = role_name.get(local(row["role"].value))
        if name is None:
            continue
        try:
            roles[name] = RoleNumbers(float(row["sensitivity"].value), float(row["specificity"].value))
        except ValueError as exc:
            raise KnowledgeBaseError(f"role {name}: sensitivity and specificity must be numbers ({exc})") from None

    interp: dict[str, _Rows] = {}
    for row in store.select(_read("network_interpretations")):
        interp.setdefault(local(row["interpretation"].value), _Rows(kind=None)).add(row)
    interpretations = tuple(
        Interpretation(id=i, finding=e.one("finding"), about=e.one("about"), meaning=e.one("meaning") or "",
                       sources=_ordered_sources(e.one("primary"), sorted(e.values["quote"])))
        for i, e in sorted(interp.items()))
    return Facts(links=tuple(links), finding_kind=finding_kind, background=background, prior=prior,
                 deprecated=frozenset(deprecated), roles=roles, interpretations=interpretations, cost=cost,
                 primary=primary,
                 problems=tuple(problems))
