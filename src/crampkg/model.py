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
        if node not in result:
            visit(node, frozenset({node}))
    return result


_OWL_ONTOLOGY = "http://www.w3.org/2002/07/owl#Ontology"
_ARTICLE_WORDING = V.NS + "CRAMPKG_0000065"

# Every predicate the index reads besides rdfs:label (kept per language); all others are skipped
# while the triples stream past, so they never become Python objects.
_INDEX_PREDICATES: tuple[str, ...] = (
    V.RDF_TYPE, V.RDFS_SUBCLASS_OF, V.IAO_DEFINITION, V.OBO_EXACT_SYNONYM, V.OBO_RELATED_SYNONYM,
    V.OBO_XREF, V.SOURCE_QUOTE, V.ORDINAL_RANK, V.FREQUENCY, V.BACKGROUND_FREQUENCY, _ARTICLE_WORDING,
    V.PRIOR_STRENGTH, V.MUST_NOT_MISS, V.HAS_FINDING, V.HAS_CAUSE, V.HAS_STRENGTH, V.HAS_UPSTREAM,
    V.HAS_DOWNSTREAM, V.HAS_DIAGNOSTIC, V.HAS_ROLE, V.HAS_INTERVENTION, V.HAS_PHASE, V.ADDRESSES_CAUSE,
    V.TRIGGERED_BY, V.INSTRUCTIONS, V.IS_ABOUT, V.OWL_VERSION_IRI,
)

_Values = dict  # subject IRI -> one object value (str) or, when there are several, a list of distinct ones


class IndexBuilder:
    """Collects the triples the index reads, then builds the :class:`Index`.

    Triples are kept per predicate (``subject -> value``, a list only for the few subjects with
    several values), strings are interned (quotes and definitions repeat across entities), and
    triples of any other predicate or of a subject outside the crampkg namespace are dropped as
    they arrive: a knowledge base of millions of triples never exists as Python objects at once.
    Feed it with :meth:`add` (plain tuples, e.g. SPARQL rows) or :meth:`add_quads` (a
    ``pyoxigraph.parse`` stream: the fast path), then call :meth:`build`.
    """

    def __init__(self) -> None:
        self.slots: dict[str, _Values] = {p: {} for p in _INDEX_PREDICATES}
        self.labels: _Values = {}  # marker slot for rdfs:label; values go to labels_by_lang
        self.labels_by_lang: dict[str, _Values] = {}
        self.foreign_ontologies: set[str] = set()  # owl:Ontology subjects outside the namespace
        self.foreign_versions: list[tuple[str, str]] = []
        self._pool: dict[str, str] = {}
        self._slot_of: dict[str, _Values] = {**self.slots, V.RDFS_LABEL: self.labels}
        self._node_slots = None  # the same map keyed by pyoxigraph NamedNode (built on first add_quads)

    # ---------------------------------------------------------------- feeding
    def _foreign(self, slot: _Values, subject: str, value: str) -> None:
        """A triple of a subject outside the namespace: kept only if it is part of an ontology header."""
        if slot is self.slots[V.OWL_VERSION_IRI]:
            self.foreign_versions.append((subject, value))
        elif slot is self.slots[V.RDF_TYPE] and value == _OWL_ONTOLOGY:
            self.foreign_ontologies.add(subject)

    def add(self, s: str, p: str, o: str, is_literal: bool, lang: str = "") -> None:
        """One triple (subject IRI, predicate IRI, object value, whether it is a literal, its language)."""
        slot = self._slot_of.get(p)
        if slot is None:
            return
        if not s.startswith(V.NS):
            self._foreign(slot, s, o)
            return
        if slot is self.labels:
            if not is_literal:
                return
            slot = self.labels_by_lang.setdefault(lang or "", {})
        elif is_literal and slot is self.slots[V.RDFS_SUBCLASS_OF]:
            return
        pool = self._pool
        s = pool.setdefault(s, s)
        o = pool.setdefault(o, o)
        prev = slot.setdefault(s, o)
        if prev is not o:
            if type(prev) is list:
                if o not in prev:
                    prev.append(o)
            else:
                slot[s] = [prev, o]

    def add_quads(self, quads) -> None:
        """Every triple of a ``pyoxigraph.parse`` stream (blank-node and triple-term objects are skipped)."""
        import pyoxigraph as ox

        if self._node_slots is None:
            self._node_slots = {ox.NamedNode(p): slot for p, slot in self._slot_of.items()}
        node_slots = self._node_slots
        literal, named_node = ox.Literal, ox.NamedNode
        labels, by_lang, subclass = self.labels, self.labels_by_lang, self.slots[V.RDFS_SUBCLASS_OF]
        intern = self._pool.setdefault
        ns = V.NS
        for quad in quads:  # the hot loop: ~1 µs a triple, keep it lean
            slot = node_slots.get(quad.predicate)
            if slot is None:
                continue
            o = quad.object
            kind = type(o)
            if kind is literal:
                if slot is labels:
                    lang = o.language or ""
                    slot = by_lang.get(lang)
                    if slot is None:
                        slot = by_lang[lang] = {}
                elif slot is subclass:
                    continue
            elif kind is not named_node or slot is labels:
                continue
            s = quad.subject.value
            if not s.startswith(ns):
                self._foreign(slot, s, o.value)
                continue
            s = intern(s, s)
            v = o.value
            v = intern(v, v)
            prev = slot.setdefault(s, v)
            if prev is not v:  # interned: equal values are the same object
                if type(prev) is list:
                    if v not in prev:
                        prev.append(v)
                else:
                    slot[s] = [prev, v]

    # ---------------------------------------------------------------- reading
    def version_iris(self) -> list[str]:
        """The owl:versionIRI of every owl:Ontology among the triples, sorted."""
        types, versions = self.slots[V.RDF_TYPE], self.slots[V.OWL_VERSION_IRI]
        found = [v for s, v in self.foreign_versions if s in self.foreign_ontologies]
        for s in versions:
            if _OWL_ONTOLOGY in _as_list(types.get(s)):
                found.extend(_as_list(versions[s]))
        return sorted(found)

    def build(self, version_iri: str) -> Index:
        """The :class:`Index` of the collected triples."""
        slots = self.slots
        self._pool = {}  # no longer needed: let it go before the records are built

        def values(subject: str, predicate: str) -> list[str]:
            found = slots[predicate].get(subject)
            if found is None:
                return []
            return [found] if type(found) is str else sorted(found)

        def first(subject: str, predicate: str, default: str = "") -> str:
            found = slots[predicate].get(subject)
            if found is None:
                return default
            return found if type(found) is str else min(found)

        empty: _Values = {}

        def text(subject: str, lang: str) -> str | None:
            found = self.labels_by_lang.get(lang, empty).get(subject)
            if found is None:
                return None
            return found if type(found) is str else min(found)

        ns_len = len(V.NS)
        types = slots[V.RDF_TYPE]
        subclass_of = slots[V.RDFS_SUBCLASS_OF]
        classes = [s for s, t in types.items() if (t == V.OWL_CLASS if type(t) is str else V.OWL_CLASS in t)]
        class_ids = {c[ns_len:] for c in classes}
        # the hierarchy in id space (subjects are all in the namespace; other parents keep their IRI)
        parent_map: dict[str, set[str]] = {
            c[ns_len:]: {V.local_id(p) for p in _as_list(subclass_of.get(c))} for c in classes
        }
        ancestors = _closure(parent_map)
        children: dict[str, list[str]] = {}
        for c, ups in ancestors.items():
            for up in ups:
                below = children.get(up)
                if below is None:
                    children[up] = [c]
                else:
                    below.append(c)
        descendants = {c: frozenset(children[c]) for c in class_ids}
        del children

        kind_roots = tuple((V.local_id(root), name) for root, name in _KIND_ROOTS)
        quotes, definitions = slots[V.SOURCE_QUOTE], slots[V.IAO_DEFINITION]
        exact, related, xref = slots[V.OBO_EXACT_SYNONYM], slots[V.OBO_RELATED_SYNONYM], slots[V.OBO_XREF]
        labels_en = self.labels_by_lang.get("en", empty)
        labels_plain = self.labels_by_lang.get("", empty)
        labels_de = self.labels_by_lang.get("de", empty)

        def pick(found) -> str:
            return found if type(found) is str else min(found)

        def many(found) -> tuple[str, ...]:
            if found is None:
                return ()
            return (found,) if type(found) is str else tuple(sorted(found))

        terms: dict[str, Term] = {}
        for c in classes:
            cid = c[ns_len:]
            up = ancestors[cid]
            kind = next((name for root, name in kind_roots if root in up), "other")
            label = labels_en.get(c)
            label = pick(label) if label is not None else None
            if not label:
                label = labels_plain.get(c)
                label = pick(label) if label is not None else None
            de = labels_de.get(c)
            definition = definitions.get(c)
            terms[cid] = Term(
                id=cid,
                iri=c,
                label=label or cid,
                kind=kind,
                definition=pick(definition) if definition is not None else "",
                label_de=pick(de) if de is not None else None,
                synonyms=many(exact.get(c)) + many(related.get(c)),
                xrefs=many(xref.get(c)),
                parents=tuple(sorted(p for p in parent_map[cid] if p in class_ids)),
                sources=many(quotes.get(c)),
            )

        wanted = (V.STRENGTH, V.ASSOCIATION, V.CAUSAL_LINK, V.INDICATION, V.RECOMMENDATION,
                  V.EPIDEMIOLOGY, V.PATHOPHYSIOLOGY)
        group_of: dict[str, list[set[str]]] = {}  # type IRI -> the member sets of the classes it falls under
        members: dict[str, set[str]] = {}
        for cls in wanted:
            members[cls] = set()
            below = descendants.get(V.local_id(cls))
            for typ in ((V.iri(m) for m in below) if below is not None else (cls,)):
                group_of.setdefault(typ, []).append(members[cls])
        for s, t in types.items():  # one pass over the types, not one per class asked
            for typ in ((t,) if type(t) is str else t):
                for group in group_of.get(typ, ()):
                    group.add(s)

        def individuals_of(cls: str) -> list[str]:
            return sorted(members[cls])

        strengths: dict[str, Strength] = {}
        for s in individuals_of(V.STRENGTH):
            strengths[s] = Strength(
                id=V.local_id(s),
                label=text(s, "en") or V.local_id(s),
                rank=int(first(s, V.ORDINAL_RANK, "0")),
                frequency=float(first(s, V.FREQUENCY, "0")),
                background=float(first(s, V.BACKGROUND_FREQUENCY, "1")),
                wording=tuple(values(s, _ARTICLE_WORDING)),
            )
        weakest = min(strengths.values(), key=lambda st: st.rank) if strengths else None

        causes: dict[str, Cause] = {}
        priors, must_not_miss = slots[V.PRIOR_STRENGTH], slots[V.MUST_NOT_MISS]
        for term in terms.values():
            if term.kind != "cause" or term.iri == V.CAUSE:
                continue
            prior_iri = priors.get(term.iri)
            prior = strengths.get(pick(prior_iri) if prior_iri is not None else "", weakest)
            if prior is None:
                continue
            must = must_not_miss.get(term.iri)
            must = pick(must).lower() in {"true", "1"} if must is not None else False
            causes[term.id] = Cause(term=term, prior=prior, must_not_miss=must)

        def lid(subject: str, predicate: str) -> str:
            return V.local_id(first(subject, predicate))

        def lids(subject: str, predicate: str) -> tuple[str, ...]:
            return tuple(V.local_id(v) for v in values(subject, predicate))

        wording_of = {st.id: [w.casefold() for w in st.wording] for st in strengths.values()}

        def sources_for(subject: str, strength: Strength | None) -> tuple[str, ...]:
            """Source quotes, the one carrying the strength's wording first (RDF keeps no order)."""
            quotes_of = quotes.get(subject)
            if quotes_of is None:
                return ()
            if type(quotes_of) is str:
                return (quotes_of,)
            if strength is None:
                return tuple(sorted(quotes_of))
            wording = wording_of[strength.id]
            return tuple(sorted(quotes_of, key=lambda q: (not any(w in q.casefold() for w in wording), q)))

        associations = []
        for a in individuals_of(V.ASSOCIATION):
            strength = strengths.get(first(a, V.HAS_STRENGTH))
            if strength is not None:
                associations.append(Association(V.local_id(a), lid(a, V.HAS_FINDING), lid(a, V.HAS_CAUSE),
                                                strength, sources_for(a, strength)))
        causal_links = []
        for a in individuals_of(V.CAUSAL_LINK):
            strength = strengths.get(first(a, V.HAS_STRENGTH))
            causal_links.append(CausalLink(V.local_id(a), lid(a, V.HAS_UPSTREAM), lid(a, V.HAS_DOWNSTREAM),
                                           strength, sources_for(a, strength)))
        indications = [
            Indication(V.local_id(a), lid(a, V.HAS_DIAGNOSTIC), lid(a, V.HAS_FINDING), lid(a, V.HAS_CAUSE),
                       V.ROLE_NAMES.get(first(a, V.HAS_ROLE), "supports"), many(quotes.get(a)))
            for a in individuals_of(V.INDICATION)
        ]
        recommendations = [
            Recommendation(V.local_id(a), lid(a, V.HAS_INTERVENTION), V.PHASE_NAMES.get(first(a, V.HAS_PHASE), ""),
                           lids(a, V.ADDRESSES_CAUSE), lids(a, V.TRIGGERED_BY), first(a, V.INSTRUCTIONS),
                           many(quotes.get(a)))
            for a in individuals_of(V.RECOMMENDATION)
        ]
        statements = [
            Statement(V.local_id(a), kind, text(a, "en") or V.local_id(a), lids(a, V.IS_ABOUT), many(quotes.get(a)))
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
            ancestors=ancestors,
            descendants=descendants,
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


def _as_list(found) -> list[str]:
    if found is None:
        return []
    return [found] if type(found) is str else list(found)


def build_index(triples: Iterable[Triple], version_iri: str) -> Index:
    """Build the :class:`Index` from the knowledge base's namespace triples."""
    builder = IndexBuilder()
    add = builder.add
    for s, p, o, is_literal, lang in triples:
        add(s, p, o, is_literal, lang)
    return builder.build(version_iri)


def log_lr(strength: Strength, present: bool) -> float:
    """Natural log of the likelihood ratio of a finding at ``strength``, present or absent."""
    return math.log(strength.lr_present if present else strength.lr_absent)
