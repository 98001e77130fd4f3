"""SHACL validation and QC queries, as typed reports.

Two independent checks of the knowledge base (and, for SHACL, of patient cases):

* :func:`validate_graph` runs one of the project's SHACL shape files
  (``ontology/shapes/<name>-shapes.ttl``) with pyshacl and returns a
  :class:`ShaclReport`. Shapes are only ever loaded from the project, by name.
* :func:`run_qc` runs every ROBOT-report-style query ``queries/qc/*.rq`` (each must
  return no rows on a good knowledge base) and returns one :class:`QcResult` per
  query. The queries are plain SPARQL 1.1 and select IRIs and literals only, so
  they run on pyoxigraph, on rdflib and on a remote SPARQL store alike.

pyshacl is imported inside :func:`validate_graph` (it costs about 240 ms), so
importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Union

from ..errors import KnowledgeBaseError, QueryError
from ..kb import resources
from ..kb.rq import read_header
from ..kb.stores import EmbeddedStore, RemoteStore, Store

if TYPE_CHECKING:
    import pyoxigraph
    import rdflib

__all__ = [
    "QcQuery",
    "QcResult",
    "ShaclReport",
    "Violation",
    "graph_to_store",
    "load_qc_queries",
    "run_qc",
    "shapes_path",
    "validate_graph",
]

ShapesName = Literal["kb", "case"]
SHAPES_FILES: Mapping[str, str] = {"kb": "kb-shapes.ttl", "case": "case-shapes.ttl"}

_SH = "http://www.w3.org/ns/shacl#"


# --------------------------------------------------------------------------- SHACL


@dataclass(frozen=True, slots=True)
class Violation:
    """One SHACL validation result.

    ``focus`` is the node that failed (an IRI, or ``_:…`` for a blank node),
    ``path`` the property path in SPARQL syntax (``None`` for node constraints),
    ``message`` the shape's message (or pyshacl's), ``severity`` the local name of
    the SHACL severity (``Violation``, ``Warning`` or ``Info``). ``value`` is the
    offending value node when there is one, ``shape`` the source shape's IRI.
    """

    focus: str
    path: str | None
    message: str
    severity: str = "Violation"
    value: str | None = None
    shape: str | None = None

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" = {self.value}" if self.value else ""
        return f"{self.severity}: <{self.focus}>{where}{value}: {self.message}"


@dataclass(frozen=True, slots=True)
class ShaclReport:
    """The outcome of one SHACL validation: ``conforms`` and every result, sorted."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    shapes: str = "kb"

    def __bool__(self) -> bool:  # a report is truthy when the data conform
        return self.conforms

    def text(self) -> str:
        """A human-readable summary, one line per result."""
        head = f"SHACL ({self.shapes}): " + (
            "conforms" if self.conforms else f"{len(self.violations)} result(s)"
        )
        return "\n".join([head, *(f"  {v}" for v in self.violations)])


def shapes_path(shapes: str) -> Path:
    """The project file holding the shapes called ``shapes`` (``"kb"`` or ``"case"``)."""
    try:
        name = SHAPES_FILES[shapes]
    except KeyError:
        raise ValueError(
            f"unknown shapes {shapes!r}; expected one of {', '.join(sorted(SHAPES_FILES))}"
        ) from None
    return resources.shapes_dir() / name


def validate_graph(data: rdflib.Graph, shapes: str = "kb") -> ShaclReport:
    """Validate ``data`` against the project's ``shapes`` (``"kb"`` or ``"case"``).

    No inference is run (the shapes follow ``rdfs:subClassOf`` themselves);
    SPARQL-based targets are enabled (``advanced=True``). ``data`` is not modified.
    """
    import pyshacl
    import rdflib

    path = shapes_path(shapes)
    shapes_graph = rdflib.Graph()
    try:
        shapes_graph.parse(path, format="turtle")
    except (OSError, SyntaxError, ValueError) as exc:  # pragma: no cover - project file
        raise KnowledgeBaseError(f"cannot read SHACL shapes {path}: {exc}") from exc

    conforms, results_graph, _text = pyshacl.validate(
        data,
        shacl_graph=shapes_graph,
        inference="none",
        advanced=True,
        abort_on_first=False,
        allow_warnings=False,
        inplace=False,
    )
    violations = sorted(
        _violations(results_graph),
        key=lambda v: (v.focus, v.path or "", v.value or "", v.message),
    )
    return ShaclReport(conforms=bool(conforms), violations=violations, shapes=shapes)


def _violations(results: rdflib.Graph) -> Iterable[Violation]:
    """The report's top-level results, without duplicates.

    Nested ``sh:detail`` results of ``sh:node`` constraints are skipped: the
    top-level result already names the offending value.
    """
    from rdflib import RDF, URIRef

    report = results.value(predicate=RDF.type, object=URIRef(_SH + "ValidationReport"))
    seen: set[tuple[str, str | None, str | None, str]] = set()
    for result in results.objects(report, URIRef(_SH + "result")):
        violation = _violation(results, result)
        key = (violation.focus, violation.path, violation.value, violation.message)
        if key not in seen:
            seen.add(key)
            yield violation


def _violation(results: rdflib.Graph, result: rdflib.term.Node) -> Violation:
    from rdflib import URIRef

    def get(local: str) -> rdflib.term.Node | None:
        return results.value(result, URIRef(_SH + local))

    focus, path, value = get("focusNode"), get("resultPath"), get("value")
    severity, shape = get("resultSeverity"), get("sourceShape")
    messages = sorted(str(m) for m in results.objects(result, URIRef(_SH + "resultMessage")))
    return Violation(
        focus=_term_text(focus),
        path=_path_text(results, path) if path is not None else None,
        message="; ".join(messages) or "does not conform",
        severity=str(severity).removeprefix(_SH) if severity is not None else "Violation",
        value=_term_text(value) if value is not None else None,
        shape=str(shape) if isinstance(shape, URIRef) else None,
    )


def _term_text(term: object) -> str:
    from rdflib import BNode
    from rdflib import Literal as RdfLiteral

    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, RdfLiteral):
        return term.n3()
    return str(term)


def _path_text(g: rdflib.Graph, path: object) -> str:
    """Render a SHACL property path in SPARQL property-path syntax."""
    from rdflib import RDF, BNode, URIRef
    from rdflib.collection import Collection

    def sh(local: str) -> URIRef:
        return URIRef(_SH + local)

    if isinstance(path, URIRef):
        return f"<{path}>"
    if isinstance(path, BNode):
        if (path, RDF.first, None) in g:
            return "/".join(_path_text(g, p) for p in Collection(g, path))
        for local, fmt in (
            ("inversePath", "^{}"),
            ("zeroOrMorePath", "({})*"),
            ("oneOrMorePath", "({})+"),
            ("zeroOrOnePath", "({})?"),
        ):
            inner = g.value(path, sh(local))
            if inner is not None:
                return fmt.format(_path_text(g, inner))
        alternatives = g.value(path, sh("alternativePath"))
        if alternatives is not None:
            return "(" + "|".join(_path_text(g, p) for p in Collection(g, alternatives)) + ")"
    return str(path)


# --------------------------------------------------------------------------- QC


@dataclass(frozen=True, slots=True)
class QcQuery:
    """A QC query file: its id (the file stem), header fields and SPARQL text."""

    query_id: str
    what: str
    why: str
    sparql: str
    path: Path


@dataclass(frozen=True, slots=True)
class QcResult:
    """The rows one QC query returned; a good knowledge base gives none.

    Each row maps a variable name to the lexical form of its value (an IRI, or a
    literal's string); unbound variables are left out.
    """

    query_id: str
    rows: list[dict[str, str]]
    what: str = ""

    @property
    def passed(self) -> bool:
        return not self.rows


def load_qc_queries(folder: Path | None = None) -> list[QcQuery]:
    """Read every ``*.rq`` in ``folder`` (default ``queries/qc``), sorted by file name.

    Each file must start with a ``# id:``, ``# what:`` and ``# why:`` header whose
    id equals the file stem.
    """
    folder = folder if folder is not None else resources.queries_dir() / "qc"
    queries: list[QcQuery] = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = read_header(text, ("id", "what", "why"))
        missing = {"id", "what", "why"} - header.keys()
        if missing:
            raise KnowledgeBaseError(f"{path}: QC header lacks {', '.join(sorted(missing))}")
        if header["id"] != path.stem:
            raise KnowledgeBaseError(f"{path}: header id {header['id']!r} != file name")
        queries.append(QcQuery(path.stem, header["what"], header["why"], text, path))
    return queries


QcTarget = Union["rdflib.Graph", "pyoxigraph.Store", "Store"]


def run_qc(graph_or_store: QcTarget, queries: list[QcQuery] | None = None) -> list[QcResult]:
    """Run the QC queries (default: every ``queries/qc/*.rq``) on a graph or a store.

    ``graph_or_store`` is a knowledge base's :class:`~crampkg.kb.stores.Store` or a
    :class:`pyoxigraph.Store` (queried directly), an
    :class:`rdflib.Graph` backed by a remote SPARQL store (queried remotely), or any
    other :class:`rdflib.Graph` (copied once into an in-memory pyoxigraph store,
    which answers these queries far faster than rdflib). Results are in query-id
    order, rows sorted.
    """
    import pyoxigraph

    queries = load_qc_queries() if queries is None else queries
    if isinstance(graph_or_store, pyoxigraph.Store):
        return [_qc_oxigraph(graph_or_store, q) for q in queries]
    if isinstance(graph_or_store, EmbeddedStore | RemoteStore):
        return [_qc_store(graph_or_store, q) for q in queries]

    import rdflib
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    if not isinstance(graph_or_store, rdflib.Graph):
        raise TypeError(
            f"run_qc needs an rdflib.Graph or a pyoxigraph.Store, not {type(graph_or_store).__name__}"
        )
    if isinstance(graph_or_store.store, SPARQLStore):
        return [_qc_rdflib(graph_or_store, q) for q in queries]
    store = graph_to_store(graph_or_store)
    return [_qc_oxigraph(store, q) for q in queries]


def graph_to_store(graph: rdflib.Graph) -> pyoxigraph.Store:
    """Copy an rdflib graph into a new in-memory pyoxigraph store (default graph)."""
    import pyoxigraph

    store = pyoxigraph.Store()
    data = graph.serialize(format="nt", encoding="utf-8")
    store.bulk_load(data, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return store


def _qc_oxigraph(store: pyoxigraph.Store, query: QcQuery) -> QcResult:
    import pyoxigraph

    try:
        solutions = store.query(query.sparql)
    except SyntaxError as exc:
        raise KnowledgeBaseError(f"QC query {query.query_id}: {exc}") from exc
    if not isinstance(solutions, pyoxigraph.QuerySolutions):
        raise KnowledgeBaseError(f"QC query {query.query_id} is not a SELECT query")
    names = [v.value for v in solutions.variables]
    rows = []
    for solution in solutions:
        row = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = term.value
        rows.append(row)
    return QcResult(query.query_id, _sorted_rows(rows), query.what)


def _qc_store(store: Store, query: QcQuery) -> QcResult:
    try:
        rows = store.select(query.sparql)
    except QueryError as exc:
        raise KnowledgeBaseError(f"QC query {query.query_id}: {exc}") from exc
    return QcResult(query.query_id, _sorted_rows([{k: v.value for k, v in r.items()} for r in rows]), query.what)


def _qc_rdflib(graph: rdflib.Graph, query: QcQuery) -> QcResult:
    result = graph.query(query.sparql)
    names = [str(v) for v in result.vars or []]
    rows = []
    for binding in result:
        if not isinstance(binding, tuple):  # an ASK or CONSTRUCT text: a QC query is a SELECT
            raise KnowledgeBaseError(f"QC query {query.query_id} is not a SELECT query")
        row = {}
        for name, term in zip(names, binding, strict=False):
            if term is not None:
                row[name] = str(term)
        rows.append(row)
    return QcResult(query.query_id, _sorted_rows(rows), query.what)


def _sorted_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return sorted(rows, key=lambda r: sorted(r.items()))
