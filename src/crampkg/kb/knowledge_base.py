"""The knowledge base: loaded once, passed explicitly, answering from an index.

>>> kb = KnowledgeBase.load()                    # the packaged ontology
>>> kb = KnowledgeBase.connect("http://127.0.0.1:7878/query")   # any SPARQL 1.1 server
>>> kb.explain(["calf cramp at night", "tap water only"]).hypotheses[0].label
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FindingNotCauseError, KnowledgeBaseError, UnknownCauseError, UnknownFindingError
from ..io.xml_guard import RDF_XML_SUFFIXES, check_xml_file
from . import resources
from . import vocab as V
from .model import Association, Cause, Index, IndexBuilder, Recommendation, Term, build_index
from .resolution import Resolver
from .stores import EmbeddedStore, RemoteStore, Store, Value

if TYPE_CHECKING:
    import rdflib

    from ..inference.answer import Explanation, WhyNot
    from ..inference.engine import Engine
    from ..text import TextReading
    from .rules import RuleSet


def _read_query(name: str) -> str:
    return (resources.queries_dir() / "kb" / f"{name}.rq").read_text(encoding="utf-8")


class KnowledgeBase:
    """The calf and leg cramp knowledge base.

    Build one with :meth:`load` (embedded pyoxigraph store, the default) or
    :meth:`connect` (a remote SPARQL 1.1 server); both give the same answers.
    The object is immutable once built and safe to share between threads.
    """

    def __init__(self, store: Store, index: Index, sources: Sequence[Path] = ()):
        self.store = store
        self.index = index
        self.sources = tuple(sources)
        self.closed = False
        self._store_triples: list[tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]] | None = None  # a remote store's triples, read once (rdflib_graph)

    # ------------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Release the store (the embedded pyoxigraph store, or the endpoint); idempotent.

        Answers that need only the index (``explain``) keep working; SPARQL, ``export`` and
        ``check`` on a closed knowledge base raise :class:`~crampkg.errors.KnowledgeBaseError`.
        """
        self.store.close()
        self.closed = True

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # name lookup tables, built on first use (at 1.8M triples they take 0.25 s, and a process that
    # only serves SPARQL or exports never needs them)
    @cached_property
    def finding_resolver(self) -> Resolver:
        """Names (ids, IRIs, labels, synonyms) of every finding; other wording through the text reader."""
        return Resolver.for_terms(self.findings(), loose=self._read_name)

    def _read_name(self, given: str) -> str | None:
        from ..text import resolve_name  # lazily: plain explain with exact names never imports the reader

        return resolve_name(self, given)

    @cached_property
    def cause_resolver(self) -> Resolver:
        """Names (ids, IRIs, labels, synonyms) of every cause."""
        return Resolver.for_terms(c.term for c in self.causes())

    # ------------------------------------------------------------------ building
    @classmethod
    def load(cls, path: str | Path | None = None) -> KnowledgeBase:
        """Load the packaged ontology, or the Turtle/RDF file(s) at ``path`` (a file or a folder)."""
        if path is None:
            sources = resources.ontology_sources()
        else:
            root = Path(path)
            if root.is_dir():
                sources = sorted(p for p in root.rglob("*.ttl") if "shapes" not in p.relative_to(root).parts)
            elif root.is_file():
                sources = [root]
            else:
                raise KnowledgeBaseError(f"no such knowledge base file or folder: {root}")
        missing = [p for p in sources if not p.is_file()]
        if missing:
            raise KnowledgeBaseError(f"knowledge base file missing: {missing[0]}")
        for source in sources:
            if source.suffix.lower() in RDF_XML_SUFFIXES:
                check_xml_file(source)  # no DOCTYPE / entities: no entity-expansion bombs
        store = EmbeddedStore(sources)  # lazy: bulk-loaded on the first SPARQL query only
        collecting = gc.isenabled()  # the index is ~1M acyclic objects at x1000: no cycle scans while building
        gc.disable()
        try:
            builder = IndexBuilder()
            store.feed(builder)  # one streaming parse per file, keeping only what the index reads
            versions = builder.version_iris()
            if not versions:
                raise KnowledgeBaseError(f"{store.description} has no owl:Ontology with an owl:versionIRI")
            index = builder.build(versions[0])
            del builder
            return cls(store, index, sources)
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def connect(cls, url: str, timeout: float = 30.0) -> KnowledgeBase:
        """Answer from a SPARQL 1.1 endpoint that holds ``crampkg export`` (e.g. Oxigraph, Fuseki)."""
        store = RemoteStore(url, timeout=timeout)
        rows = store.select(_read_query("namespace_triples"))
        triples = (
            (r["s"].value, r["p"].value, r["o"].value, r["o"].kind == "literal", r["lang"].value if "lang" in r else "")
            for r in rows
        )
        index = build_index(triples, cls._version_iri(store))
        if not index.causes:
            raise KnowledgeBaseError(f"{url} holds no crampkg causes: load `crampkg export` into it first")
        return cls(store, index)

    @staticmethod
    def _version_iri(store: Store) -> str:
        rows = store.select(_read_query("ontology_header"))
        if not rows:
            raise KnowledgeBaseError(f"{store.description} has no owl:Ontology with an owl:versionIRI")
        return sorted(r["versionIRI"].value for r in rows)[0]

    # ------------------------------------------------------------------ accessors
    @property
    def version_iri(self) -> str:
        """The ontology's owl:versionIRI: cited in every answer as ``kb_version``."""
        return self.index.version_iri

    def term(self, term_id: str) -> Term:
        """The term with this opaque id (``CRAMPKG_0000101``)."""
        try:
            return self.index.terms[term_id]
        except KeyError:
            raise KnowledgeBaseError(f"no term {term_id!r} in the knowledge base") from None

    def _terms(self, kind: str) -> list[Term]:
        return [self.index.terms[i] for i in self.index.ids_of_kind(kind) if self.index.terms[i].parents]

    def findings(self) -> list[Term]:
        """Every finding (symptoms, history, exam and lab results, derived findings), by id."""
        roots = {V.local_id(x) for x in (V.FINDING, V.SYMPTOM, V.HISTORY_FINDING, V.EXAM_FINDING, V.DERIVED_FINDING)}
        return [t for t in self._terms("finding") if t.id not in roots]

    def causes(self) -> list[Cause]:
        """Every cause of leg cramps with its prior and must-not-miss flag, by id."""
        return [self.index.causes[i] for i in sorted(self.index.causes)]

    def states(self) -> list[Term]:
        """Intermediate states on causal chains."""
        return [t for t in self._terms("state") if t.iri != V.STATE]

    def diagnostics(self) -> list[Term]:
        """Diagnostic procedures."""
        return [t for t in self._terms("diagnostic") if t.iri != V.DIAGNOSTIC]

    def interventions(self) -> list[Term]:
        """Interventions of every phase."""
        roots = {V.local_id(V.INTERVENTION)} | {f"CRAMPKG_00000{n}" for n in (10, 11, 12, 13)}
        return [t for t in self._terms("intervention") if t.id not in roots]

    def associations(self, finding: str | None = None, cause: str | None = None) -> list[Association]:
        """Finding-cause associations, optionally only those of one finding or cause id."""
        if finding is not None:
            return list(self.index.assoc_by_finding.get(finding, ()))
        if cause is not None:
            return list(self.index.assoc_by_cause.get(cause, ()))
        return list(self.index.associations)

    def recommendations(self, phase: str | None = None) -> list[Recommendation]:
        """Intervention recommendations, optionally of one phase (acute, aftercare, prevention, see_doctor)."""
        return [r for r in self.index.recommendations if phase is None or r.phase == phase]

    def is_derived(self, finding_id: str) -> bool:
        """Whether a finding is one the rules infer (a subclass of 'derived finding')."""
        return V.local_id(V.DERIVED_FINDING) in self.index.ancestors.get(finding_id, ())

    # ------------------------------------------------------------------ resolution
    def resolve_finding(self, given: str) -> Term:
        """The finding named by an id, IRI, label or synonym (case-insensitive); else UnknownFindingError."""
        found = self.finding_resolver.lookup_or_read(given)
        if found is None:
            raise UnknownFindingError(given, self.finding_resolver.suggest(given))
        return self.index.terms[found]

    def resolve_cause(self, given: str) -> Cause:
        """The cause named by an id, IRI, label or synonym (case-insensitive); else UnknownCauseError."""
        found = self.cause_resolver.lookup(given)
        if found is None:
            finding = self.finding_resolver.lookup(given)
            if finding is not None:
                raise FindingNotCauseError(given, self.index.terms[finding].label)
            raise UnknownCauseError(given, self.cause_resolver.suggest(given))
        return self.index.causes[found]

    def finding_names(self, finding_id: str) -> list[str]:
        """The names that resolve to this finding: English label, German label, synonyms (a synonym
        two findings share names neither, so it is left out); ids and IRIs resolve too."""
        term = self.index.terms[finding_id]
        names: list[str] = []
        for name in filter(None, (term.label, term.label_de, *term.synonyms)):
            if name not in names and self.finding_resolver.lookup(name) == finding_id:
                names.append(name)
        return names

    def search_findings(self, text: str = "") -> list[Term]:
        """Findings whose id, label or synonym contains ``text`` (case-insensitive)."""
        known = {t.id for t in self.findings()}
        return [self.index.terms[i] for i in self.finding_resolver.search(text) if i in known]

    # ------------------------------------------------------------------ reasoning
    @cached_property
    def rules(self) -> RuleSet:
        """The rules of ``rules/``, loaded and compiled once."""
        from .rules import RuleSet

        return RuleSet.load(resources.rules_dir())

    @cached_property
    def engine(self) -> Engine:
        """The Bayesian network compiled from this knowledge base and the steps of an answer
        (built on first use, about 0.1 s on the real knowledge base)."""
        from ..inference.engine import Engine

        return Engine(self)

    def read_text(self, text: str, lang: str | None = None) -> TextReading:
        """The findings a free text (English or German) reports as present and absent, with spans.

        ``lang`` is ``"en"``, ``"de"`` or None (detected). See :mod:`crampkg.text`.
        """
        from ..text import read_text

        return read_text(self, text, lang)

    def explain(self, present: Iterable[str], absent: Iterable[str] = (), robustness: bool = False,
                draws: int = 200, seed: int = 0) -> Explanation:
        """What explains ``present`` findings (and ``absent`` ones): each cause's posterior, with
        contributions, questions, tests, actions and sources. ``robustness=True`` adds how often the
        leading causes stay in the top 3 when the scale's numbers are redrawn (``draws``, ``seed``)."""
        return self.engine.explain(present, absent, robustness=robustness, draws=draws, seed=seed)

    def why_not(self, explanation: Explanation, cause: str) -> WhyNot:
        """Why ``cause`` (id, label or synonym) is not ranked higher in ``explanation``."""
        return self.engine.why_not(explanation, cause)

    # ------------------------------------------------------------------ export
    def rdflib_graph(self, inferred: bool = False) -> rdflib.Graph:
        """The knowledge base as an rdflib Graph: parsed from its source files, or (a remote store)
        every triple of the store's default graph."""
        import rdflib

        if self.closed:
            raise KnowledgeBaseError("the knowledge base is closed")
        graph = rdflib.Graph()
        if self.sources:
            for path in self.sources:
                graph.parse(path)
        else:
            graph = self._store_graph()
        if inferred:
            from ..quality.entailment import add_entailments

            add_entailments(graph, self)
        return graph

    def _store_graph(self) -> rdflib.Graph:
        from rdflib import BNode, Graph, Literal, URIRef

        def term(v: Value) -> rdflib.term.Node:
            if v.kind == "iri":
                return URIRef(v.value)
            if v.kind == "bnode":
                return BNode(v.value)
            if v.lang:
                return Literal(v.value, lang=v.lang)
            return Literal(v.value, datatype=URIRef(v.datatype) if v.datatype else None)

        triples = self._store_triples
        if triples is None:  # one read of the store per knowledge base (check asks for the graph repeatedly)
            triples = [(term(r["s"]), term(r["p"]), term(r["o"])) for r in self.store.select(_read_query("all_triples"))]
            self._store_triples = triples
        graph = Graph()
        for triple in triples:
            graph.add(triple)
        return graph

    def export(self, fmt: str = "ttl", inferred: bool = False) -> bytes:
        """Serialize the knowledge base (``ttl``, ``nt`` or ``xml``), optionally with entailed triples."""
        formats = {"ttl": "turtle", "nt": "nt", "xml": "xml"}
        if fmt not in formats:
            raise KnowledgeBaseError(f"unknown export format {fmt!r}; use one of {', '.join(formats)}")
        graph = self.rdflib_graph(inferred=inferred)
        if fmt == "xml":  # the release's deterministic writer (rdflib's pretty-xml warns about lists)
            from ..quality.release import render_rdfxml

            return render_rdfxml(graph)
        data = graph.serialize(format=formats[fmt], encoding="utf-8")
        if fmt == "nt":  # deterministic line order
            data = b"".join(sorted(set(data.splitlines(keepends=True))))
        return data
