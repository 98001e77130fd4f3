"""Typed records of the knowledge base and the index built from its triples.

The index is computed once when a knowledge base is loaded (from the embedded
store or a remote SPARQL server: both hand over the same triples), so that
answering a case never touches a triple store. Everything that does not depend
on the case is precomputed here: the finding hierarchy closed both ways, the
associations indexed by finding and by cause, the likelihood ratios.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass, field, fields
from itertools import compress, filterfalse, repeat
from typing import TYPE_CHECKING, Any, overload

from . import vocab as V

if TYPE_CHECKING:
    import pyoxigraph as ox

Triple = tuple[str, str, str, bool, str]
_LAZY_LOCK = threading.Lock()
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
    requires: tuple[str, ...] = ()
    """Finding ids the cause cannot be present without (ontology: requires finding, CRAMPKG_0000066)."""

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
    load). Positional arguments only, every field.
    """
    cls_ = cls
    setters = tuple(getattr(cls, f.name).__set__ for f in fields(cls))
    new = object.__new__

    def make(*values: Any) -> Any:
        obj: Any = new(cls_)
        for set_slot, value in zip(setters, values, strict=True):
            set_slot(obj, value)
        return obj

    return make


class Ancestors(Mapping[str, frozenset[str]]):
    """Class id -> the class and every class above it (the reflexive-transitive closure of
    rdfs:subClassOf), each class's set computed on first use from its told parents.

    Only a DAG is handed to it (a subClassOf cycle is refused while the index computes the terms'
    kinds). Explain reads the sets of the
    findings only (a third of the classes at 1.8M triples): building all 158k sets at load took
    0.3 s and 50 MB. Its keys are the classes and every parent they name, as with the dict;
    iterating or measuring it computes the whole table once. Thread-safe.
    """

    __slots__ = ("_complete", "_extra", "_lock", "_memo", "_parents")

    def __init__(self, parents: Mapping[str, tuple[str, ...]]):
        self._parents = parents  # class id -> its told parents (local ids; other IRIs as they are)
        self._memo: dict[str, frozenset[str]] = {}
        self._complete = False
        self._extra: frozenset[str] | None = None  # parents that are no key of ``parents``
        self._lock = threading.Lock()

    def _closure_of(self, node: str) -> frozenset[str]:
        """The closure of a key (iterative walk, memoised; the hierarchy is acyclic)."""
        memo, parents = self._memo, self._parents
        found = memo.get(node)
        if found is not None:
            return found
        stack = [node]
        while stack:
            n = stack[-1]
            if n in memo:
                stack.pop()
                continue
            ups = parents.get(n)
            if not ups:
                memo[n] = frozenset((n,))
            elif len(ups) == 1:
                up = memo.get(ups[0])
                if up is None:
                    stack.append(ups[0])
                    continue
                memo[n] = up.union((n,))
            else:
                missing = [u for u in ups if u not in memo]
                if missing:
                    stack.extend(missing)
                    continue
                acc = {n}
                for u in ups:
                    acc.update(memo[u])
                memo[n] = frozenset(acc)
            stack.pop()
        return memo[node]

    def _is_key(self, key: object) -> bool:
        if key in self._parents:
            return True
        extra = self._extra
        if extra is None:
            parents = self._parents
            extra = self._extra = frozenset(u for ups in parents.values() for u in ups if u not in parents)
        return key in extra

    def _table(self) -> dict[str, frozenset[str]]:
        if not self._complete:
            with self._lock:
                if not self._complete:
                    closure_of = self._closure_of
                    for node in self._parents:
                        closure_of(node)
                    self._complete = True
        return self._memo

    def __getitem__(self, key: str) -> frozenset[str]:
        found = self._memo.get(key)
        if found is not None:
            return found
        if self._complete or not self._is_key(key):
            raise KeyError(key)
        return self._closure_of(key)

    def get(self, key: str, default: Any = None) -> Any:
        found = self._memo.get(key)
        if found is not None:
            return found
        if self._complete or not self._is_key(key):
            return default
        return self._closure_of(key)

    def __contains__(self, key: object) -> bool:
        return key in self._memo or (not self._complete and self._is_key(key))

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())

    def keys(self) -> KeysView[str]:
        return self._table().keys()

    def items(self) -> ItemsView[str, frozenset[str]]:
        return self._table().items()

    def values(self) -> ValuesView[frozenset[str]]:
        return self._table().values()

    def __repr__(self) -> str:
        return f"Ancestors({self._table()!r})"


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
    ancestors: Mapping[str, frozenset[str]]
    """Class id -> itself and every class above it (a read-only mapping, each set computed on first use)."""
    assoc_by_finding: dict[str, list[Association]] = field(default_factory=dict)
    assoc_by_cause: dict[str, list[Association]] = field(default_factory=dict)
    statement_list: list[Statement] | Callable[[], list[Statement]] = field(default_factory=list, repr=False)
    """The statements, or a function making them (see :attr:`statements`)."""

    @property
    def statements(self) -> list[Statement]:
        """The epidemiological and pathophysiological statements (a list, made on first use: neither
        load nor explain reads them; provenance checks and the queries module do)."""
        found = self.statement_list
        if not isinstance(found, list):
            with _LAZY_LOCK:
                found = self.statement_list
                if not isinstance(found, list):
                    found = self.statement_list = found()
        return found

    @statements.setter
    def statements(self, value: list[Statement]) -> None:
        self.statement_list = value

    def ids_of_kind(self, kind: str) -> list[str]:
        """Ids of every term of a kind (``finding``, ``cause``, ``state``, ``diagnostic``, ``intervention``)."""
        return sorted(t.id for t in self.terms.values() if t.kind == kind)


_new_term = positional_constructor(Term)
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


_OWL_ONTOLOGY = "http://www.w3.org/2002/07/owl#Ontology"

# Every predicate the index reads besides rdfs:label (kept per language); all others are skipped
# while the triples stream past, so they never become Python objects.
_INDEX_PREDICATES: tuple[str, ...] = (
    V.RDF_TYPE, V.RDFS_SUBCLASS_OF, V.IAO_DEFINITION, V.OBO_EXACT_SYNONYM, V.OBO_RELATED_SYNONYM,
    V.OBO_XREF, V.SOURCE_QUOTE, V.ORDINAL_RANK, V.FREQUENCY, V.BACKGROUND_FREQUENCY, V.ARTICLE_WORDING,
    V.PRIOR_STRENGTH, V.MUST_NOT_MISS, V.REQUIRES_FINDING, V.HAS_FINDING, V.HAS_CAUSE, V.HAS_STRENGTH, V.HAS_UPSTREAM,
    V.HAS_DOWNSTREAM, V.HAS_DIAGNOSTIC, V.HAS_ROLE, V.HAS_INTERVENTION, V.HAS_PHASE, V.ADDRESSES_CAUSE,
    V.TRIGGERED_BY, V.INSTRUCTIONS, V.IS_ABOUT, V.OWL_VERSION_IRI,
)


Grouped = str | list[str]
"""A subject's value for a predicate: the value, or the list of its distinct values when it has several."""


def _pairs(flat: list[str]) -> zip[tuple[str, str]]:
    """(subject, value) pairs of a flat ``[s1, v1, s2, v2, ...]`` list."""
    return zip(flat[::2], flat[1::2], strict=True)


def _group(flat: list[str]) -> dict[str, Grouped]:
    """``subject -> value``, or a list of the distinct values (in the order they came) for a subject
    that has several. Only lookups read it (its key order is not kept)."""
    subjects, values = flat[::2], flat[1::2]
    # each subject's first value, at C speed: exact when every subject has one value
    grouped: dict[str, Grouped] = dict(zip(reversed(subjects), reversed(values), strict=True))
    n = len(subjects)
    if len(grouped) == n:
        return grouped
    # the positions of the later values of a subject. The feed passes one string per run of a
    # subject's triples, so they are where a subject is its predecessor, when those are all of them
    later: list[int] = list(compress(range(1, n), map(operator.is_, subjects[1:], subjects)))
    if len(later) != n - len(grouped):
        seen: set[str] = set()
        add = seen.add
        later = [i for i, s in enumerate(subjects) if s in seen or add(s)]
    for i in later:
        v = values[i]
        prev = grouped[subjects[i]]
        if prev is not v and prev != v:
            if isinstance(prev, list):
                if v not in prev:
                    prev.append(v)
            else:
                grouped[subjects[i]] = [prev, v]
    return grouped


@overload
def _picked(column: list[Grouped]) -> list[str]: ...
@overload
def _picked(column: list[Grouped | None]) -> list[str | None]: ...
def _picked(column: list[Any]) -> list[Any]:
    """A column of grouped values with each list of several values replaced by the least of them."""
    if list in set(map(type, column)):
        return [min(v) if type(v) is list else v for v in column]
    return column


_Mark = tuple[dict[str, int], dict[str, int], set[str], list[tuple[str, str]]]
"""A point of an :class:`IndexBuilder` to roll back to: the slots' and labels' lengths, the foreign headers."""


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
        self._node_slots: dict[ox.NamedNode, list[str]] | None = None  # the same map keyed by pyoxigraph NamedNode (built on first add_quads)

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

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
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
            if type(o) is literal:
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
            elif slot is labels or type(o) is not named_node:
                continue
            else:
                v = o.value
            # pyoxigraph's stub allows a triple-term subject; its RDF 1.2 parsers make none (a << >>
            # subject becomes a reifier blank node)
            s = quad.subject.value  # type: ignore[union-attr]
            if s != last:  # a subject's triples come together: one string per subject, one check
                last, in_ns = s, s.startswith(ns)
            if in_ns:
                slot.append(last)
                slot.append(v)
            else:
                self._foreign(slot, s, v)

    def mark(self) -> _Mark:
        """A point to :meth:`rollback` to (e.g. to re-read a file with another parser)."""
        return ({p: len(v) for p, v in self.slots.items()}, {g: len(v) for g, v in self.labels_by_lang.items()},
                set(self.foreign_ontologies), list(self.foreign_versions))

    def rollback(self, mark: _Mark) -> None:
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
        typed = self.slots[V.RDF_TYPE]
        types = typed[1::2]
        if _OWL_ONTOLOGY in types:
            ontologies.update(compress(typed[::2], map(_OWL_ONTOLOGY.__eq__, types)))
        found = [v for s, v in self.foreign_versions if s in ontologies]
        found += [v for s, v in _pairs(self.slots[V.OWL_VERSION_IRI]) if s in ontologies]
        return sorted(set(found))

    def build(self, version_iri: str) -> Index:
        """The :class:`Index` of the collected triples (the builder is emptied on the way).

        The steps, each its own function below: the types (classes, and the other subjects by
        type), the hierarchy (told parents, each class's kind), the grouped values of every other
        predicate, the terms, the individuals of the record classes, strengths and causes, the
        links by kind (associations, causal links, indications, recommendations) and the
        statements (made on first use). Each flat list is dropped as soon as its step has read it
        (memory at x1000).
        """
        flat = self.slots
        self._pool = {}
        classes, cids, by_type = _types(flat.pop(V.RDF_TYPE))
        parent_map = _hierarchy(classes, cids, flat.pop(V.RDFS_SUBCLASS_OF))
        ancestors, kinds = _kinds(parent_map, cids)
        values = _Values({p: _group(flat.pop(p)) for p in list(flat)},  # one at a time: each flat list goes at once
                         {lang: _group(self.labels_by_lang.pop(lang)) for lang in list(self.labels_by_lang)})
        terms = _terms(classes, cids, kinds, parent_map, values)
        del classes, cids, kinds
        individuals = _individuals(by_type, ancestors, parent_map)
        by_type.clear()  # not needed past this point (memory at x1000)
        strengths = _strengths(individuals[V.STRENGTH], values)
        links = _Links(values, strengths)
        associations = links.associations(individuals[V.ASSOCIATION])
        index = Index(
            version_iri=version_iri,
            terms=terms,
            strengths={st.id: st for st in strengths.values()},
            causes=_causes(terms, strengths, values),
            associations=associations,
            causal_links=links.causal_links(individuals[V.CAUSAL_LINK]),
            indications=links.indications(individuals[V.INDICATION]),
            recommendations=links.recommendations(individuals[V.RECOMMENDATION]),
            ancestors=ancestors,
            statement_list=_statements(values, individuals),
        )
        index.assoc_by_finding, index.assoc_by_cause = _by_finding_and_cause(associations)
        return index


_NS, _NS_LEN = V.NS, len(V.NS)
_AFTER_NS = slice(_NS_LEN, None)
_NO_PARENTS: tuple[str, ...] = ()


def _local(iri: str) -> str:
    return iri[_NS_LEN:] if iri.startswith(_NS) else iri


def _pick(found: Grouped) -> str:
    return found if type(found) is str else min(found)


def _many(found: Grouped | None) -> tuple[str, ...]:
    if found is None:
        return ()
    return (found,) if type(found) is str else tuple(sorted(found))


def _ids(found: Grouped | None) -> tuple[str, ...]:
    """The local ids of a grouped value, sorted by IRI."""
    if found is None:
        return ()
    if type(found) is str:
        return (found[_NS_LEN:] if found.startswith(_NS) else found,)
    return tuple(_local(v) for v in sorted(found))


def _local_ids(column: list[str]) -> list[str]:
    """The local ids of a column of namespace IRIs."""
    return list(map(operator.getitem, column, repeat(_AFTER_NS)))


def _types(typed: list[str]) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """(owl:Class subjects, their ids, the other subjects by type) of the flat rdf:type list (emptied)."""
    subjects, types = typed[::2], typed[1::2]
    typed.clear()
    is_class = list(map(V.OWL_CLASS.__eq__, types))
    classes = list(dict.fromkeys(compress(subjects, is_class)))  # a class typed twice (in two files) counts once
    by_type: dict[str, list[str]] = {}
    not_class = list(map(operator.not_, is_class))
    for s, t in zip(compress(subjects, not_class), compress(types, not_class), strict=True):
        members = by_type.get(t)
        if members is None:
            by_type[t] = [s]
        else:
            members.append(s)
    cids = _local_ids(classes)  # all in the namespace
    return classes, cids, by_type


def _hierarchy(classes: list[str], cids: list[str], subclass_flat: list[str]) -> dict[str, tuple[str, ...]]:
    """Class id -> its distinct told parents, in the order they came (subjects are all in the
    namespace; other parents keep their IRI). Its keys are the class ids."""
    subclass_of = _group(subclass_flat)
    subclass_flat.clear()
    return dict(zip(cids, [
        _NO_PARENTS if ups is None else (ups[_NS_LEN:] if ups.startswith(_NS) else ups,) if isinstance(ups, str)
        else tuple(dict.fromkeys(_local(u) for u in ups))
        for ups in map(subclass_of.get, classes)], strict=True))


def _kinds(parent_map: dict[str, tuple[str, ...]], cids: list[str]) -> tuple[Ancestors, list[str]]:
    """(the ancestors, each class's kind): the most specific kind root among a class's ancestors.

    Ranked through the told parents (a root's rank, else the best of its parents'), which also
    proves the hierarchy acyclic (a cycle recurses without end): the ancestor sets themselves are
    then computed on first use. A hierarchy with a cycle is refused; one too deep to recurse is
    closed eagerly.
    """
    kind_roots = tuple((_local(root), name) for root, name in _KIND_ROOTS)
    kind_names = tuple(name for _, name in kind_roots) + ("other",)
    root_rank = {root: i for i, (root, _) in reversed(list(enumerate(kind_roots)))}
    unranked = len(kind_roots)
    rank: dict[str, int] = {}
    rank_get, root_get, parents_get = rank.get, root_rank.get, parent_map.get

    def ranked(node: str) -> int:
        best = root_get(node, unranked)
        for up in parents_get(node, _NO_PARENTS):
            r = rank_get(up)
            if r is None:
                r = ranked(up)
            if r < best:  # noqa: PLR1730 (a call to min costs more, 160k times)
                best = r
        rank[node] = best
        return best

    ancestors = Ancestors(parent_map)
    try:
        for node in filterfalse(rank.__contains__, parent_map):
            ranked(node)
    except RecursionError:
        from ..errors import KnowledgeBaseError
        from ..quality.checks import find_subclass_cycles  # a cycle would silently merge or drop classes

        for cycle in find_subclass_cycles(parent_map)[:1]:
            raise KnowledgeBaseError("rdfs:subClassOf cycle " + " -> ".join(cycle) + ": a class cannot be "
                                     "its own subclass; remove one of these subClassOf statements") from None

        # no cycle: a hierarchy deeper than the recursion limit; Ancestors walks it iteratively
        def kind_of(cid: str) -> str:
            up = ancestors[cid]
            for root, kind in kind_roots:
                if root in up:
                    return kind
            return "other"

        return ancestors, list(map(kind_of, cids))
    return ancestors, list(map(kind_names.__getitem__, map(rank.__getitem__, cids)))


class _Values:
    """The grouped values of every predicate the index reads besides rdf:type and rdfs:subClassOf,
    and the labels by language (subject IRI -> :data:`Grouped`)."""

    _EMPTY: dict[str, Grouped] = {}

    def __init__(self, slots: dict[str, dict[str, Grouped]], labels_by_lang: dict[str, dict[str, Grouped]]):
        self.slots = slots
        self.labels_by_lang = labels_by_lang
        self.quotes = slots[V.SOURCE_QUOTE]
        self.labels_en = labels_by_lang.get("en", self._EMPTY)

    def values(self, subject: str, predicate: str) -> list[str]:
        found = self.slots[predicate].get(subject)
        if found is None:
            return []
        return [found] if type(found) is str else sorted(found)

    def first(self, subject: str, predicate: str, default: str = "") -> str:
        found = self.slots[predicate].get(subject)
        if found is None:
            return default
        return found if type(found) is str else min(found)

    def text(self, subject: str, lang: str) -> str | None:
        found = self.labels_by_lang.get(lang, self._EMPTY).get(subject)
        if found is None:
            return None
        return found if type(found) is str else min(found)


def _terms(classes: list[str], cids: list[str], kinds: list[str], parent_map: dict[str, tuple[str, ...]],
           values: _Values) -> dict[str, Term]:
    """The terms, column by column (~160k classes at x1000: each column at C speed where its values
    are plain, a Python pass only where some need it)."""
    slots, empty = values.slots, _Values._EMPTY
    exact, related, xref = slots[V.OBO_EXACT_SYNONYM], slots[V.OBO_RELATED_SYNONYM], slots[V.OBO_XREF]
    labels_plain = values.labels_by_lang.get("", empty)
    labels_de = values.labels_by_lang.get("de", empty)
    labels = _picked(list(map(values.labels_en.get, classes)))
    if not all(labels):  # a class without an English label: the plain one, else its id
        labels = [label or (_pick(plain) if (plain := labels_plain.get(c)) is not None else None) or cid
                  for label, c, cid in zip(labels, classes, cids, strict=True)]
    parents = [ups if len(ups) == 1 and ups[0] in parent_map else tuple(sorted(p for p in ups if p in parent_map))
               for ups in parent_map.values()]
    sources = [() if found is None else (found,) if type(found) is str else tuple(sorted(found))
               for found in map(values.quotes.get, classes)]
    return dict(zip(cids, map(
        _new_term, cids, classes, labels, kinds,
        _picked(list(map(slots[V.IAO_DEFINITION].get, classes, repeat("")))),
        _picked(list(map(labels_de.get, classes))) if labels_de else repeat(None),
        [_many(exact.get(c)) + _many(related.get(c)) for c in classes] if exact or related else repeat(()),
        [_many(xref.get(c)) for c in classes] if xref else repeat(()),
        parents, sources), strict=True))


_RECORD_CLASSES = (V.STRENGTH, V.ASSOCIATION, V.CAUSAL_LINK, V.INDICATION, V.RECOMMENDATION,
                   V.EPIDEMIOLOGY, V.PATHOPHYSIOLOGY)


def _individuals(by_type: dict[str, list[str]], ancestors: Ancestors,
                 class_ids: Mapping[str, object]) -> dict[str, list[str]]:
    """The individuals of each record class: subjects typed with it or a class below it (the
    ancestors of the few types that individuals carry, not a scan of the hierarchy)."""
    type_ancestors = {t: ancestors.get(t[_NS_LEN:]) if t.startswith(_NS) else None for t in by_type}

    def individuals_of(cls: str) -> list[str]:
        w = _local(cls)
        if w in class_ids:
            types_below = [t for t, ups in type_ancestors.items() if ups is not None and w in ups]
        else:
            types_below = [cls]
        # distinct, sorted (the triples usually come sorted: the sort then only checks the order)
        return sorted(dict.fromkeys(s for t in types_below for s in by_type.get(t, ())))

    return {cls: individuals_of(cls) for cls in _RECORD_CLASSES}


def _strengths(subjects: list[str], values: _Values) -> dict[str, Strength]:
    """Strength IRI -> its record."""
    return {s: Strength(
        id=_local(s),
        label=values.text(s, "en") or _local(s),
        rank=int(values.first(s, V.ORDINAL_RANK, "0")),
        frequency=float(values.first(s, V.FREQUENCY, "0")),
        background=float(values.first(s, V.BACKGROUND_FREQUENCY, "1")),
        wording=tuple(values.values(s, V.ARTICLE_WORDING)),
    ) for s in subjects}


def _causes(terms: dict[str, Term], strengths: dict[str, Strength], values: _Values) -> dict[str, Cause]:
    """The causes (terms of kind cause below the root, each with its prior, the weakest if none)."""
    weakest = min(strengths.values(), key=lambda st: st.rank) if strengths else None
    slots = values.slots
    priors, must_not_miss, requires = slots[V.PRIOR_STRENGTH], slots[V.MUST_NOT_MISS], slots[V.REQUIRES_FINDING]
    causes: dict[str, Cause] = {}
    for term in terms.values():
        if term.kind != "cause" or term.iri == V.CAUSE:
            continue
        prior_iri = priors.get(term.iri)
        prior = strengths.get(_pick(prior_iri) if prior_iri is not None else "", weakest)
        if prior is None:
            continue
        must_value = must_not_miss.get(term.iri)
        must = _pick(must_value).lower() in {"true", "1"} if must_value is not None else False
        causes[term.id] = Cause(term=term, prior=prior, must_not_miss=must, requires=_ids(requires.get(term.iri)))
    return causes


class _Links:
    """The assertion records, one method per kind, built column by column as the terms."""

    def __init__(self, values: _Values, strengths: dict[str, Strength]):
        self.slots = values.slots
        self.quotes = values.quotes
        self.strengths = strengths
        self.wording_of = {st.id: [w.casefold() for w in st.wording] for st in strengths.values()}
        self.sorted_sources: dict[tuple[str, ...], tuple[str, ...]] = {}

    def id_column(self, predicate: str, subjects: list[str]) -> list[str]:
        """The local id of each subject's (least) value of ``predicate``, "" if none."""
        column = _picked(list(map(self.slots[predicate].get, subjects, repeat(""))))
        if all(map(str.startswith, column, repeat(_NS))):
            return _local_ids(column)
        return [v[_NS_LEN:] if v.startswith(_NS) else v for v in column]

    def text_column(self, predicate: str, subjects: list[str], names: dict[str, str], default: str) -> list[str]:
        """Each subject's (least) value of ``predicate`` through ``names`` (``default`` if none or unknown)."""
        picked = _picked(list(map(self.slots[predicate].get, subjects, repeat(""))))
        return list(map(names.get, picked, repeat(default)))

    def strength_column(self, subjects: list[str]) -> list[Strength | None]:
        picked = _picked(list(map(self.slots[V.HAS_STRENGTH].get, subjects, repeat(""))))
        return list(map(self.strengths.get, picked))

    def sources_for(self, found: Grouped, strength: Strength | None) -> tuple[str, ...]:
        """Several source quotes (a list), the one carrying the strength's wording first (RDF keeps no order)."""
        if strength is None:
            return tuple(sorted(found))
        key = (strength.id, *found)  # quotes repeat across assertions: order each set once
        done = self.sorted_sources.get(key)
        if done is None:
            wording = self.wording_of[strength.id]
            done = self.sorted_sources[key] = tuple(
                sorted(found, key=lambda q: (not any(w in q.casefold() for w in wording), q)))
        return done

    def ordered_sources(self, subjects: list[str], strength_col: list[Strength | None]) -> list[tuple[str, ...]]:
        sources_for = self.sources_for
        return [() if found is None else (found,) if type(found) is str else sources_for(found, strength)
                for found, strength in zip(map(self.quotes.get, subjects), strength_col, strict=True)]

    def sources_column(self, subjects: list[str]) -> list[tuple[str, ...]]:
        return [() if found is None else (found,) if type(found) is str else tuple(sorted(found))
                for found in map(self.quotes.get, subjects)]

    def associations(self, subjects: list[str]) -> list[Association]:
        strength_col = self.strength_column(subjects)
        associations: list[Association] = list(map(
            _new_association, _local_ids(subjects), self.id_column(V.HAS_FINDING, subjects),
            self.id_column(V.HAS_CAUSE, subjects), strength_col, self.ordered_sources(subjects, strength_col)))
        if any(map(operator.is_, strength_col, repeat(None))):  # an association needs a strength
            associations = [a for a in associations if a.strength is not None]
        return associations

    def causal_links(self, subjects: list[str]) -> list[CausalLink]:
        strength_col = self.strength_column(subjects)
        return list(map(
            _new_causallink, _local_ids(subjects), self.id_column(V.HAS_UPSTREAM, subjects),
            self.id_column(V.HAS_DOWNSTREAM, subjects), strength_col, self.ordered_sources(subjects, strength_col)))

    def indications(self, subjects: list[str]) -> list[Indication]:
        return list(map(
            _new_indication, _local_ids(subjects), self.id_column(V.HAS_DIAGNOSTIC, subjects),
            self.id_column(V.HAS_FINDING, subjects), self.id_column(V.HAS_CAUSE, subjects),
            self.text_column(V.HAS_ROLE, subjects, V.ROLE_NAMES, "supports"), self.sources_column(subjects)))

    def recommendations(self, subjects: list[str]) -> list[Recommendation]:
        slots = self.slots
        return list(map(
            _new_recommendation, _local_ids(subjects), self.id_column(V.HAS_INTERVENTION, subjects),
            self.text_column(V.HAS_PHASE, subjects, V.PHASE_NAMES, ""),
            list(map(_ids, map(slots[V.ADDRESSES_CAUSE].get, subjects))),
            list(map(_ids, map(slots[V.TRIGGERED_BY].get, subjects))),
            _picked(list(map(slots[V.INSTRUCTIONS].get, subjects, repeat("")))), self.sources_column(subjects)))


def _statements(values: _Values, individuals: dict[str, list[str]]) -> Callable[[], list[Statement]]:
    """A function making the statements: nothing on the load or explain path reads them, so their
    columns are taken now (the grouped triples go when build returns) and the records made on first use."""
    about, quotes, labels_en = values.slots[V.IS_ABOUT], values.quotes, values.labels_en
    statement_columns = [
        (kind, subjects, list(map(labels_en.get, subjects)), list(map(about.get, subjects)),
         list(map(quotes.get, subjects)))
        for kind, subjects in (("epidemiology", individuals[V.EPIDEMIOLOGY]),
                               ("pathophysiology", individuals[V.PATHOPHYSIOLOGY]))
    ]

    def make_statements() -> list[Statement]:
        return [
            _new_statement(a[_NS_LEN:], kind, (label if type(label) is str else
                                               None if label is None else min(label)) or a[_NS_LEN:],
                           _ids(about_ids), _many(found))
            for kind, subjects, labels, abouts, founds in statement_columns
            for a, label, about_ids, found in zip(subjects, labels, abouts, founds, strict=True)
        ]

    return make_statements


def _by_finding_and_cause(associations: list[Association]) -> tuple[dict[str, list[Association]],
                                                                     dict[str, list[Association]]]:
    """The associations by finding and by cause, each list in the associations' order."""
    by_finding: dict[str, list[Association]] = {}
    by_cause: dict[str, list[Association]] = {}
    for assoc in associations:
        found = by_finding.get(assoc.finding)
        if found is None:
            by_finding[assoc.finding] = [assoc]
        else:
            found.append(assoc)
        found = by_cause.get(assoc.cause)
        if found is None:
            by_cause[assoc.cause] = [assoc]
        else:
            found.append(assoc)
    return by_finding, by_cause


def build_index(triples: Iterable[Triple], version_iri: str) -> Index:
    """Build the :class:`Index` from the knowledge base's namespace triples."""
    builder = IndexBuilder()
    add = builder.add
    for s, p, o, is_literal, lang in triples:
        add(s, p, o, is_literal, lang)
    return builder.build(version_iri)

