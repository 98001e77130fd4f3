"""Typed records of the knowledge base and the index built from its triples.

The index is computed once when a knowledge base is loaded (from the embedded
store or a remote SPARQL server: both hand over the same triples), so that
answering a case never touches a triple store. Everything that does not depend
on the case is precomputed here: the finding hierarchy closed both ways, the
associations indexed by finding and by cause, the likelihood ratios.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import vocab as V

Triple = tuple[str, str, str, bool, str]
"""(subject, predicate, object, object_is_literal, language)."""


@dataclass(frozen=True, slots=True)
class Strength:
    """A level of the ordinal strength scale (ontology individual CRAMPKG_000007x)."""

    id: str
    label: str
    rank: int
    frequency: float
    background: float
    wording: tuple[str, ...] = ()

    @property
    def lr_present(self) -> float:
        """Likelihood ratio of a finding that is present: frequency / background."""
        return self.frequency / self.background

    @property
    def lr_absent(self) -> float:
        """Likelihood ratio of a finding known to be absent: (1 - frequency) / (1 - background)."""
        return (1.0 - self.frequency) / (1.0 - self.background)


@dataclass(frozen=True, slots=True)
class Term:
    """A class of the ontology: a finding, cause, state, diagnostic, intervention or other concept."""

    id: str
    iri: str
    label: str
    kind: str
    definition: str = ""
    label_de: str | None = None
    synonyms: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Cause:
    """A cause of leg cramps with its prior and whether it must not be missed."""

    term: Term
    prior: Strength
    must_not_miss: bool

    @property
    def id(self) -> str:
        return self.term.id

    @property
    def label(self) -> str:
        return self.term.label

    @property
    def iri(self) -> str:
        return self.term.iri


@dataclass(frozen=True, slots=True)
class Association:
    """A sourced finding-cause association."""

    id: str
    finding: str
    cause: str
    strength: Strength
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CausalLink:
    """A sourced link from an upstream cause or state to a downstream one."""

    id: str
    upstream: str
    downstream: str
    strength: Strength | None
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Indication:
    """A sourced statement that a diagnostic can reveal a finding and so confirm, support or rule out a cause."""

    id: str
    diagnostic: str
    finding: str
    cause: str
    role: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A sourced recommendation of an intervention in a phase."""

    id: str
    intervention: str
    phase: str
    causes: tuple[str, ...]
    triggers: tuple[str, ...]
    instructions: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    """A sourced epidemiological or pathophysiological statement."""

    id: str
    kind: str
    label: str
    about: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(slots=True)
class Index:
    """Everything the reasoning needs, precomputed from the knowledge base's triples."""

    version_iri: str
    terms: dict[str, Term]
    strengths: dict[str, Strength]
    causes: dict[str, Cause]
    associations: list[Association]
    causal_links: list[CausalLink]
    indications: list[Indication]
    recommendations: list[Recommendation]
    statements: list[Statement]
    ancestors: dict[str, frozenset[str]]
    descendants: dict[str, frozenset[str]]
    role_strengths: dict[str, Strength] = field(default_factory=dict)
    """Diagnostic role name (confirms, supports, rules_out) -> the strength its revealed finding carries."""
    assoc_by_finding: dict[str, list[Association]] = field(default_factory=dict)
    assoc_by_cause: dict[str, list[Association]] = field(default_factory=dict)

    def ids_of_kind(self, kind: str) -> list[str]:
        """Ids of every term of a kind (``finding``, ``cause``, ``state``, ``diagnostic``, ``intervention``)."""
        return sorted(t.id for t in self.terms.values() if t.kind == kind)


# The top class that decides a term's kind, most specific first.
_KIND_ROOTS: tuple[tuple[str, str], ...] = (
    (V.FINDING, "finding"),
    (V.CAUSE, "cause"),
    (V.STATE, "state"),
    (V.DIAGNOSTIC, "diagnostic"),
    (V.INTERVENTION, "intervention"),
    (V.ASSERTION, "assertion"),
    (V.ENTITY, "other"),
)


def _closure(parents: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    """Reflexive-transitive closure of a parent map (cycle-safe)."""
    result: dict[str, frozenset[str]] = {}

    def visit(node: str, trail: frozenset[str]) -> frozenset[str]:
        if node in result:
            return result[node]
        acc = {node}
        for parent in parents.get(node, ()):
            if parent not in trail:
                acc |= visit(parent, trail | {parent})
        frozen = frozenset(acc)
        result[node] = frozen
        return frozen

    for node in list(parents):
        visit(node, frozenset({node}))
    return result


def build_index(triples: Iterable[Triple], version_iri: str) -> Index:
    """Build the :class:`Index` from the knowledge base's namespace triples."""
    props: dict[str, dict[str, list[tuple[str, bool, str]]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o, is_literal, lang in triples:
        props[s][p].append((o, is_literal, lang))

    def values(subject: str, predicate: str) -> list[str]:
        return sorted(o for o, _, _ in props[subject].get(predicate, ()))

    def first(subject: str, predicate: str, default: str = "") -> str:
        found = values(subject, predicate)
        return found[0] if found else default

    def text(subject: str, predicate: str, lang: str) -> str | None:
        found = sorted(o for o, lit, lg in props[subject].get(predicate, ()) if lit and lg == lang)
        return found[0] if found else None

    classes = {s for s, pv in props.items() if V.OWL_CLASS in (o for o, _, _ in pv.get(V.RDF_TYPE, ()))}
    parent_map: dict[str, set[str]] = {
        c: {o for o, lit, _ in props[c].get(V.RDFS_SUBCLASS_OF, ()) if not lit} for c in classes
    }
    ancestors = _closure(parent_map)
    children: dict[str, set[str]] = defaultdict(set)
    for c, ups in ancestors.items():
        for up in ups:
            children[up].add(c)
    descendants = {c: frozenset(children[c]) for c in classes}

    terms: dict[str, Term] = {}
    for c in classes:
        kind = next((name for root, name in _KIND_ROOTS if root in ancestors.get(c, ())), "other")
        terms[V.local_id(c)] = Term(
            id=V.local_id(c),
            iri=c,
            label=text(c, V.RDFS_LABEL, "en") or text(c, V.RDFS_LABEL, "") or V.local_id(c),
            kind=kind,
            definition=first(c, V.IAO_DEFINITION),
            label_de=text(c, V.RDFS_LABEL, "de"),
            synonyms=tuple(values(c, V.OBO_EXACT_SYNONYM) + values(c, V.OBO_RELATED_SYNONYM)),
            xrefs=tuple(values(c, V.OBO_XREF)),
            parents=tuple(sorted(V.local_id(p) for p in parent_map[c] if p in classes)),
            sources=tuple(values(c, V.SOURCE_QUOTE)),
        )

    by_type: dict[str, list[str]] = defaultdict(list)  # one pass over the types, not one per class asked
    for s, pv in props.items():
        for o, _, _ in pv.get(V.RDF_TYPE, ()):
            by_type[o].append(s)

    def individuals_of(cls: str) -> list[str]:
        members = descendants.get(cls, frozenset({cls}))
        return sorted({s for m in members for s in by_type.get(m, ())})

    strengths: dict[str, Strength] = {}
    for s in individuals_of(V.STRENGTH):
        strengths[s] = Strength(
            id=V.local_id(s),
            label=text(s, V.RDFS_LABEL, "en") or V.local_id(s),
            rank=int(first(s, V.ORDINAL_RANK, "0")),
            frequency=float(first(s, V.FREQUENCY, "0")),
            background=float(first(s, V.BACKGROUND_FREQUENCY, "1")),
            wording=tuple(values(s, V.NS + "CRAMPKG_0000065")),
        )
    weakest = min(strengths.values(), key=lambda st: st.rank) if strengths else None

    causes: dict[str, Cause] = {}
    for term in terms.values():
        if term.kind != "cause" or term.iri == V.CAUSE:
            continue
        prior_iri = first(term.iri, V.PRIOR_STRENGTH)
        prior = strengths.get(prior_iri, weakest)
        if prior is None:
            continue
        must = first(term.iri, V.MUST_NOT_MISS, "false").lower() in {"true", "1"}
        causes[term.id] = Cause(term=term, prior=prior, must_not_miss=must)

    def lid(subject: str, predicate: str) -> str:
        return V.local_id(first(subject, predicate))

    def lids(subject: str, predicate: str) -> tuple[str, ...]:
        return tuple(V.local_id(v) for v in values(subject, predicate))

    def sources_for(subject: str, strength: Strength | None) -> tuple[str, ...]:
        """Source quotes, the one carrying the strength's wording first (RDF keeps no order)."""
        quotes = values(subject, V.SOURCE_QUOTE)
        if strength is None:
            return tuple(quotes)
        wording = [w.casefold() for w in strength.wording]
        return tuple(sorted(quotes, key=lambda q: (not any(w in q.casefold() for w in wording), q)))

    associations = [
        Association(V.local_id(a), lid(a, V.HAS_FINDING), lid(a, V.HAS_CAUSE),
                    strengths[first(a, V.HAS_STRENGTH)], sources_for(a, strengths[first(a, V.HAS_STRENGTH)]))
        for a in individuals_of(V.ASSOCIATION)
        if first(a, V.HAS_STRENGTH) in strengths
    ]
    causal_links = [
        CausalLink(V.local_id(a), lid(a, V.HAS_UPSTREAM), lid(a, V.HAS_DOWNSTREAM),
                   strengths.get(first(a, V.HAS_STRENGTH)), sources_for(a, strengths.get(first(a, V.HAS_STRENGTH))))
        for a in individuals_of(V.CAUSAL_LINK)
    ]
    indications = [
        Indication(V.local_id(a), lid(a, V.HAS_DIAGNOSTIC), lid(a, V.HAS_FINDING), lid(a, V.HAS_CAUSE),
                   V.ROLE_NAMES.get(first(a, V.HAS_ROLE), "supports"), tuple(values(a, V.SOURCE_QUOTE)))
        for a in individuals_of(V.INDICATION)
    ]
    recommendations = [
        Recommendation(V.local_id(a), lid(a, V.HAS_INTERVENTION), V.PHASE_NAMES.get(first(a, V.HAS_PHASE), ""),
                       lids(a, V.ADDRESSES_CAUSE), lids(a, V.TRIGGERED_BY), first(a, V.INSTRUCTIONS),
                       tuple(values(a, V.SOURCE_QUOTE)))
        for a in individuals_of(V.RECOMMENDATION)
    ]
    statements = [
        Statement(V.local_id(a), kind, text(a, V.RDFS_LABEL, "en") or V.local_id(a), lids(a, V.IS_ABOUT),
                  tuple(values(a, V.SOURCE_QUOTE)))
        for cls, kind in ((V.EPIDEMIOLOGY, "epidemiology"), (V.PATHOPHYSIOLOGY, "pathophysiology"))
        for a in individuals_of(cls)
    ]

    index = Index(
        version_iri=version_iri,
        terms=terms,
        strengths={st.id: st for st in strengths.values()},
        causes=causes,
        associations=associations,
        causal_links=causal_links,
        indications=indications,
        recommendations=recommendations,
        statements=statements,
        ancestors={V.local_id(k): frozenset(V.local_id(x) for x in v) for k, v in ancestors.items()},
        descendants={V.local_id(k): frozenset(V.local_id(x) for x in v) for k, v in descendants.items()},
    )
    index.role_strengths = {
        name: strengths[first(role, V.HAS_STRENGTH)]
        for role, name in V.ROLE_NAMES.items() if first(role, V.HAS_STRENGTH) in strengths
    }
    by_finding: dict[str, list[Association]] = defaultdict(list)
    by_cause: dict[str, list[Association]] = defaultdict(list)
    for assoc in associations:
        by_finding[assoc.finding].append(assoc)
        by_cause[assoc.cause].append(assoc)
    index.assoc_by_finding = dict(by_finding)
    index.assoc_by_cause = dict(by_cause)
    return index


def log_lr(strength: Strength, present: bool) -> float:
    """Natural log of the likelihood ratio of a finding at ``strength``, present or absent."""
    return math.log(strength.lr_present if present else strength.lr_absent)
