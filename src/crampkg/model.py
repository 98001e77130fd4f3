"""Typed records of the knowledge base and the index built from its triples.

The index is computed once when a knowledge base is loaded (from the embedded
store or a remote SPARQL server: both hand over the same triples), so that
answering a case never touches a triple store. Everything that does not depend
on the case is precomputed here: the finding hierarchy closed both ways, the
associations indexed by finding and by cause, the likelihood ratios.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

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


def positional_constructor(cls: type) -> Callable[..., Any]:
    """A function building an instance of the frozen, slotted dataclass ``cls`` from every field, in order.

    It makes the same object as ``cls(...)`` (still frozen) by setting the slots through their
    descriptors: the generated ``__init__`` of a frozen dataclass calls ``object.__setattr__`` once
    per field, which takes about twice as long. For the loops that make many records (the index at
    load, the answer of explain).
    """
    names = [f.name for f in fields(cls)]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def make({', '.join(names)}):", "    self = _new(_cls)"]
    for i, name in enumerate(names):
        namespace[f"_set{i}"] = getattr(cls, name).__set__
        lines.append(f"    _set{i}(self, {name})")
    lines.append("    return self")
    exec("\n".join(lines), namespace)  # noqa: S102 (the field names of our own dataclasses)
    return namespace["make"]


class Descendants(Mapping[str, frozenset[str]]):
    """Class id -> the class and every class below it: the inverse of ``Index.ancestors``, computed
    on first use (nothing on the load or explain path reads it; at 1.8M triples it is 60 MB)."""

    __slots__ = ("_ancestors", "_ids", "_data", "_lock")

    def __init__(self, ancestors: Mapping[str, frozenset[str]], ids: Iterable[str]):
        self._ancestors = ancestors
        self._ids = ids
        self._data: dict[str, frozenset[str]] | None = None
        self._lock = threading.Lock()

    def _table(self) -> dict[str, frozenset[str]]:
        data = self._data
        if data is None:
            with self._lock:
                if self._data is None:
                    children: dict[str, list[str]] = {}
                    for c, ups in self._ancestors.items():
                        for up in ups:
                            below = children.get(up)
                            if below is None:
                                children[up] = [c]
                            else:
                                below.append(c)
                    self._data = {c: frozenset(children[c]) for c in self._ids}
                data = self._data
        return data

    def __getitem__(self, key: str) -> frozenset[str]:
        return self._table()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._table().get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._table()

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())

    def __repr__(self) -> str:
        return f"Descendants({self._table()!r})"


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
    descendants: Mapping[str, frozenset[str]]
    """Class id -> itself and every class below it (a read-only mapping, computed on first use)."""
    role_strengths: dict[str, Strength] = field(default_factory=dict)
    """Diagnostic role name (confirms, supports, rules_out) -> the strength its revealed finding carries."""
    assoc_by_finding: dict[str, list[Association]] = field(default_factory=dict)
    assoc_by_cause: dict[str, list[Association]] = field(default_factory=dict)

    def ids_of_kind(self, kind: str) -> list[str]:
        """Ids of every term of a kind (``finding``, ``cause``, ``state``, ``diagnostic``, ``intervention``)."""
        return sorted(t.id for t in self.terms.values() if t.kind == kind)


_new_term = positional_constructor(Term)
_new_cause = positional_constructor(Cause)
_new_association = positional_constructor(Association)
_new_causallink = positional_constructor(CausalLink)
_new_indication = positional_constructor(Indication)
_new_recommendation = positional_constructor(Recommendation)
_new_statement = positional_constructor(Statement)

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


def _closure_with_trail(parents: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    """Reflexive-transitive closure of a parent map that may have cycles."""
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


class _Cycle(Exception):
    pass


def _closure(parents: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    """Reflexive-transitive closure of a parent map (cycle-safe).

    A hierarchy is a DAG: each node's closure is its own id plus its parents' (memoised, one
    frozenset per node). Should there be a cycle, the trail-tracking walk takes over.
    """
    result: dict[str, frozenset[str]] = {}
    busy: set[str] = set()

    def visit(node: str) -> frozenset[str]:
        found = result.get(node)
        if found is not None:
            return found
        ups = parents.get(node)
        if not ups:
            frozen = frozenset((node,))
        else:
            if node in busy:
                raise _Cycle
            busy.add(node)
            if len(ups) == 1:
                for parent in ups:
                    frozen = visit(parent).union((node,))
            else:
                acc = {node}
                for parent in ups:
                    acc.update(visit(parent))
                frozen = frozenset(acc)
            busy.discard(node)
        result[node] = frozen
        return frozen

    try:
        for node in parents:
            if node not in result:
                visit(node)
    except (_Cycle, RecursionError):
        return _closure_with_trail(parents)
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


def _pairs(flat: list[str]):
    """(subject, value) pairs of a flat ``[s1, v1, s2, v2, ...]`` list."""
    return zip(flat[::2], flat[1::2])


def _group(flat: list[str]) -> dict[str, str | list[str]]:
    """``subject -> value``, or a list of the distinct values for a subject that has several."""
    grouped = dict(_pairs(flat))  # C speed; exact when every subject has one value
    if 2 * len(grouped) == len(flat):
        return grouped
    grouped = {}
    for s, v in _pairs(flat):
        prev = grouped.setdefault(s, v)
        if prev is not v and prev != v:
            if type(prev) is list:
                if v not in prev:
                    prev.append(v)
            else:
                grouped[s] = [prev, v]
    return grouped


class IndexBuilder:
    """Collects the triples the index reads, then builds the :class:`Index`.

    Triples are appended to one flat ``[subject, value, ...]`` list per predicate read (rdfs:label
    one per language); triples of any other predicate, of a subject outside the crampkg namespace
    or with a blank-node object are dropped as they arrive, so the knowledge base never exists as
    Python objects at once, and no dictionary is touched per triple. Feed it with :meth:`add`
    (plain tuples, e.g. SPARQL rows) or :meth:`add_quads` (a ``pyoxigraph.parse`` stream: the
    fast path), then call :meth:`build`.
    """

    def __init__(self) -> None:
        self.slots: dict[str, list[str]] = {p: [] for p in _INDEX_PREDICATES}
        self.labels: list[str] = []  # marker slot for rdfs:label; values go to labels_by_lang
        self.labels_by_lang: dict[str, list[str]] = {}
        self.foreign_ontologies: set[str] = set()  # owl:Ontology subjects outside the namespace
        self.foreign_versions: list[tuple[str, str]] = []
        self._slot_of: dict[str, list[str]] = {**self.slots, V.RDFS_LABEL: self.labels}
        self._pool: dict[str, str] = {}  # literal values seen, to keep one copy of each
        self._node_slots = None  # the same map keyed by pyoxigraph NamedNode (built on first add_quads)

    # ---------------------------------------------------------------- feeding
    def _foreign(self, slot: list[str], subject: str, value: str) -> None:
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
        if slot is self.labels:
            if not is_literal:
                return
            slot = self.labels_by_lang.setdefault(lang or "", [])
        elif is_literal and slot is self.slots[V.RDFS_SUBCLASS_OF]:
            return
        if not s.startswith(V.NS):
            self._foreign(slot, s, o)
            return
        slot.append(s)
        slot.append(o)

    def add_quads(self, quads) -> None:
        """Every triple of a ``pyoxigraph.parse`` stream (blank-node and triple-term objects are skipped)."""
        import pyoxigraph as ox

        if self._node_slots is None:
            self._node_slots = {ox.NamedNode(p): slot for p, slot in self._slot_of.items()}
        node_slots = self._node_slots
        literal, named_node = ox.Literal, ox.NamedNode
        labels, by_lang, subclass = self.labels, self.labels_by_lang, self.slots[V.RDFS_SUBCLASS_OF]
        ns = V.NS
        intern = self._pool.setdefault
        last, in_ns = "", False
        for quad in quads:  # the hot loop (~1.8M turns at x1000): keep it lean
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
                        slot = by_lang[lang] = []
                    v = o.value
                elif slot is subclass:
                    continue
                else:  # quotes, definitions, instructions repeat across entities: keep one copy
                    v = o.value
                    v = intern(v, v)
            elif kind is not named_node or slot is labels:
                continue
            else:
                v = o.value
            s = quad.subject.value
            if s != last:  # a subject's triples come together: one string per subject, one check
                last, in_ns = s, s.startswith(ns)
            if in_ns:
                slot.append(last)
                slot.append(v)
            else:
                self._foreign(slot, s, v)

    def mark(self) -> tuple:
        """A point to :meth:`rollback` to (e.g. to re-read a file with another parser)."""
        return ({p: len(v) for p, v in self.slots.items()}, {g: len(v) for g, v in self.labels_by_lang.items()},
                set(self.foreign_ontologies), list(self.foreign_versions))

    def rollback(self, mark: tuple) -> None:
        """Forget every triple added since :meth:`mark`."""
        sizes, label_sizes, ontologies, versions = mark
        for p, n in sizes.items():
            del self.slots[p][n:]
        for lang in list(self.labels_by_lang):
            if lang in label_sizes:
                del self.labels_by_lang[lang][label_sizes[lang]:]
            else:
                del self.labels_by_lang[lang]
        self.foreign_ontologies, self.foreign_versions = ontologies, versions

    # ---------------------------------------------------------------- reading
    def version_iris(self) -> list[str]:
        """The owl:versionIRI of every owl:Ontology among the triples, sorted."""
        ontologies = set(self.foreign_ontologies)
        ontologies.update(s for s, t in _pairs(self.slots[V.RDF_TYPE]) if t == _OWL_ONTOLOGY)
        found = [v for s, v in self.foreign_versions if s in ontologies]
        found += [v for s, v in _pairs(self.slots[V.OWL_VERSION_IRI]) if s in ontologies]
        return sorted(set(found))

    def build(self, version_iri: str) -> Index:
        """The :class:`Index` of the collected triples (the builder is emptied on the way)."""
        flat = self.slots
        self._pool = {}
        ns, ns_len = V.NS, len(V.NS)

        def local(iri: str) -> str:
            return iri[ns_len:] if iri.startswith(ns) else iri

        def pick(found) -> str:
            return found if type(found) is str else min(found)

        def many(found) -> tuple[str, ...]:
            if found is None:
                return ()
            return (found,) if type(found) is str else tuple(sorted(found))

        # types: owl:Class subjects, and subjects by type (one pass, no dictionary of types)
        classes: list[str] = []
        by_type: dict[str, list[str]] = {}
        for s, t in _pairs(flat.pop(V.RDF_TYPE)):
            if t == V.OWL_CLASS:
                classes.append(s)
            else:
                members = by_type.get(t)
                if members is None:
                    by_type[t] = [s]
                else:
                    members.append(s)
        classes = list(dict.fromkeys(classes))  # a class typed twice (in two files) counts once
        class_ids = {c[ns_len:] for c in classes}

        # the hierarchy in id space (subjects are all in the namespace; other parents keep their IRI)
        subclass_of = _group(flat.pop(V.RDFS_SUBCLASS_OF))
        parent_map: dict[str, set[str]] = {}
        for c in classes:
            ups = subclass_of.get(c)
            parent_map[c[ns_len:]] = (set() if ups is None else {local(ups)} if type(ups) is str
                                      else {local(u) for u in ups})
        del subclass_of
        ancestors = _closure(parent_map)
        descendants = Descendants(ancestors, class_ids)  # computed on first use

        slots = {p: _group(flat.pop(p)) for p in list(flat)}  # one at a time: each flat list goes at once
        labels_by_lang = {lang: _group(self.labels_by_lang.pop(lang)) for lang in list(self.labels_by_lang)}
        empty: dict = {}

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

        def text(subject: str, lang: str) -> str | None:
            found = labels_by_lang.get(lang, empty).get(subject)
            if found is None:
                return None
            return found if type(found) is str else min(found)

        kind_roots = tuple((local(root), name) for root, name in _KIND_ROOTS)
        quotes, definitions = slots[V.SOURCE_QUOTE], slots[V.IAO_DEFINITION]
        exact, related, xref = slots[V.OBO_EXACT_SYNONYM], slots[V.OBO_RELATED_SYNONYM], slots[V.OBO_XREF]
        labels_en = labels_by_lang.get("en", empty)
        labels_plain = labels_by_lang.get("", empty)
        labels_de = labels_by_lang.get("de", empty)

        terms: dict[str, Term] = {}
        str_ = str
        columns = zip(classes, map(labels_en.get, classes), map(definitions.get, classes), map(quotes.get, classes))
        for c, label, definition, sources in columns:  # ~160k turns at x1000: column lookups run in C
            cid = c[ns_len:]
            up = ancestors[cid]
            for root, kind in kind_roots:
                if root in up:
                    break
            else:
                kind = "other"
            if type(label) is not str_:
                label = min(label) if label is not None else None
            if not label:
                label = labels_plain.get(c)
                label = pick(label) if label is not None else None
            de = labels_de.get(c) if labels_de else None
            parents = parent_map[cid]
            terms[cid] = _new_term(
                cid,
                c,
                label or cid,
                kind,
                definition if type(definition) is str_ else "" if definition is None else min(definition),
                pick(de) if de is not None else None,
                (many(exact.get(c)) + many(related.get(c))) if exact or related else (),
                many(xref.get(c)) if xref else (),
                tuple(sorted(p for p in parents if p in class_ids)) if parents else (),
                (sources,) if type(sources) is str_ else () if sources is None else tuple(sorted(sources)),
            )
        del parent_map

        wanted = (V.STRENGTH, V.ASSOCIATION, V.CAUSAL_LINK, V.INDICATION, V.RECOMMENDATION,
                  V.EPIDEMIOLOGY, V.PATHOPHYSIOLOGY)

        # the classes below each wanted class (one scan of the hierarchy, not the whole descendants map)
        wanted_ids = frozenset(local(cls) for cls in wanted if local(cls) in class_ids)
        below_wanted: dict[str, list[str]] = {w: [] for w in wanted_ids}
        for c, ups in ancestors.items():
            if not wanted_ids.isdisjoint(ups):
                for w in wanted_ids.intersection(ups):
                    below_wanted[w].append(c)

        def individuals_of(cls: str) -> list[str]:
            below = below_wanted.get(local(cls))
            kinds = (ns + m for m in below) if below is not None else (cls,)
            return sorted({s for t in kinds for s in by_type.get(t, ())})

        individuals = {cls: individuals_of(cls) for cls in wanted}
        by_type.clear()  # not needed past this point (memory at x1000)

        strengths: dict[str, Strength] = {}
        for s in individuals[V.STRENGTH]:
            strengths[s] = Strength(
                id=local(s),
                label=text(s, "en") or local(s),
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
            causes[term.id] = _new_cause(term=term, prior=prior, must_not_miss=must)

        def one(slot: dict, subject: str) -> str:
            """The local id of the (first) value, "" if none (``lid`` of the triples)."""
            found = slot.get(subject)
            if found is None:
                return ""
            if type(found) is not str:
                found = min(found)
            return found[ns_len:] if found.startswith(ns) else found

        def ids(slot: dict, subject: str) -> tuple[str, ...]:
            return tuple(local(v) for v in many(slot.get(subject)))

        wording_of = {st.id: [w.casefold() for w in st.wording] for st in strengths.values()}

        def sources_for(subject: str, strength: Strength | None) -> tuple[str, ...]:
            """Source quotes, the one carrying the strength's wording first (RDF keeps no order)."""
            found = quotes.get(subject)
            if found is None:
                return ()
            if type(found) is str:
                return (found,)
            if strength is None:
                return tuple(sorted(found))
            wording = wording_of[strength.id]
            return tuple(sorted(found, key=lambda q: (not any(w in q.casefold() for w in wording), q)))

        has_strength, has_finding, has_cause = slots[V.HAS_STRENGTH], slots[V.HAS_FINDING], slots[V.HAS_CAUSE]
        no_strength = ""
        associations: list[Association] = []
        for a in individuals[V.ASSOCIATION]:
            found = has_strength.get(a, no_strength)
            strength = strengths.get(found if type(found) is str else min(found))
            if strength is not None:
                associations.append(_new_association(a[ns_len:], one(has_finding, a), one(has_cause, a),
                                                strength, sources_for(a, strength)))
        upstream, downstream = slots[V.HAS_UPSTREAM], slots[V.HAS_DOWNSTREAM]
        causal_links: list[CausalLink] = []
        for a in individuals[V.CAUSAL_LINK]:
            found = has_strength.get(a, no_strength)
            strength = strengths.get(found if type(found) is str else min(found))
            causal_links.append(_new_causallink(a[ns_len:], one(upstream, a), one(downstream, a),
                                           strength, sources_for(a, strength)))
        has_diagnostic = slots[V.HAS_DIAGNOSTIC]
        indications = [
            _new_indication(a[ns_len:], one(has_diagnostic, a), one(has_finding, a), one(has_cause, a),
                       V.ROLE_NAMES.get(first(a, V.HAS_ROLE), "supports"), many(quotes.get(a)))
            for a in individuals[V.INDICATION]
        ]
        has_intervention, addresses, triggered = (slots[V.HAS_INTERVENTION], slots[V.ADDRESSES_CAUSE],
                                                  slots[V.TRIGGERED_BY])
        recommendations = [
            _new_recommendation(a[ns_len:], one(has_intervention, a), V.PHASE_NAMES.get(first(a, V.HAS_PHASE), ""),
                           ids(addresses, a), ids(triggered, a), first(a, V.INSTRUCTIONS),
                           many(quotes.get(a)))
            for a in individuals[V.RECOMMENDATION]
        ]
        about = slots[V.IS_ABOUT]
        statements = [
            _new_statement(a[ns_len:], kind, text(a, "en") or a[ns_len:], ids(about, a), many(quotes.get(a)))
            for cls, kind in ((V.EPIDEMIOLOGY, "epidemiology"), (V.PATHOPHYSIOLOGY, "pathophysiology"))
            for a in individuals[cls]
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
