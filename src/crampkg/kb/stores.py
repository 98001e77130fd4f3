"""Triple stores the knowledge base can answer from.

:class:`EmbeddedStore` holds the ontology in an in-process pyoxigraph store
(the default); :class:`RemoteStore` talks the SPARQL 1.1 Protocol to any
server (Oxigraph, Fuseki, GraphDB, Virtuoso). Both implement :class:`Store`:
``select``, ``ask`` and ``construct`` take the query text and typed ``bindings``
(variable name -> :class:`Term`, or a sequence of terms for the query's own
``VALUES ?name {}`` placeholder) and answer with the same rows of
:class:`Value`, so nothing above them branches on the store's class or splices
query text:

* the embedded store binds a single term with pyoxigraph ``substitutions``;
* the remote store inserts ``VALUES ?name { term }`` at the top of the outermost
  ``WHERE`` group (so queries use their parameters at the top level only), each
  term written by :func:`sparql_term` from a validated IRI or an escaped literal;
* a sequence fills the query's ``VALUES ?name {}`` placeholder on both stores.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import KnowledgeBaseError, QueryError

if TYPE_CHECKING:
    import pyoxigraph as ox

    from .model import IndexBuilder


@dataclass(frozen=True, slots=True)
class Value:
    """One RDF term of a result row: an IRI, a literal (with language/datatype) or a blank node."""

    value: str
    kind: str  # "iri" | "literal" | "bnode"
    lang: str = ""
    datatype: str = ""

    def __str__(self) -> str:
        return self.value


Term = Value
"""A bound value of a query: an IRI or a literal (with its datatype or language)."""

Row = dict[str, Value]
Triple = tuple[Value, Value, Value]
Bindings = Mapping[str, "Term | Sequence[Term]"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*")
_LANG = re.compile(r"[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_WHERE = re.compile(r"\b(?:WHERE|ASK)\s*\{", re.IGNORECASE)


class Rows(list[Row]):
    """The rows of a SELECT answer, with its projected variables in order."""

    def __init__(self, rows: Iterable[Row] = (), variables: Sequence[str] = ()):
        super().__init__(rows)
        self.variables = tuple(variables) or tuple(sorted({k for r in self for k in r}))


class Store(Protocol):
    """What the knowledge base needs from a triple store."""

    description: str

    def select(self, query: str, bindings: Bindings | None = None, *, limit: int | None = None) -> Rows:
        """Run a SELECT query; rows map variable names (without ``?``) to bound values.

        ``limit`` stops reading after that many rows (a caller's guard against huge answers).
        """

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        """Run an ASK query."""

    def construct(self, query: str, bindings: Bindings | None = None, *, limit: int | None = None) -> list[Triple]:
        """Run a CONSTRUCT or DESCRIBE query; its triples (at most ``limit``)."""

    def close(self) -> None:
        """Release the store; later queries raise :class:`~crampkg.errors.KnowledgeBaseError`."""


def sparql_term(term: Term) -> str:
    """A term as SPARQL text, refusing what is not a well-formed IRI, literal datatype or language."""
    if term.kind == "iri":
        if not _IRI.fullmatch(term.value):
            raise QueryError(f"refusing to bind IRI {term.value!r}")
        return f"<{term.value}>"
    if term.kind != "literal":
        raise QueryError(f"cannot bind a {term.kind} term")
    if term.datatype == _XSD + "integer":
        try:
            return str(int(term.value))
        except ValueError:
            raise QueryError(f"not an integer: {term.value!r}") from None
    escaped = (term.value.replace("\\", "\\\\").replace('"', '\\"')
               .replace("\n", "\\n").replace("\r", "\\r"))
    if term.lang:
        if not _LANG.fullmatch(term.lang):
            raise QueryError(f"refusing to bind language tag {term.lang!r}")
        return f'"{escaped}"@{term.lang}'
    if term.datatype and term.datatype != _XSD + "string":
        return f'"{escaped}"^^{sparql_term(Value(term.datatype, "iri"))}'
    return f'"{escaped}"'


def _split(bindings: Bindings | None) -> tuple[dict[str, Term], dict[str, Sequence[Term]]]:
    """(single terms, sequences) of ``bindings``; variable names are checked."""
    scalars: dict[str, Term] = {}
    lists: dict[str, Sequence[Term]] = {}
    for name, bound in (bindings or {}).items():
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise QueryError(f"bad variable name {name!r}")
        if isinstance(bound, Value):
            scalars[name] = bound
        else:
            lists[name] = bound
    return scalars, lists


def _fill_lists(query: str, lists: Mapping[str, Sequence[Term]]) -> str:
    for name, terms in lists.items():
        placeholder = f"VALUES ?{name} {{}}"
        if placeholder not in query:
            raise QueryError(f"a list for ?{name} needs a '{placeholder}' placeholder in the query")
        values = " ".join(sparql_term(t) for t in terms)
        query = query.replace(placeholder, f"VALUES ?{name} {{ {values} }}")
    return query


def bound_text(query: str, bindings: Bindings | None = None) -> str:
    """The query text with ``bindings`` written in as ``VALUES`` (what a remote store receives)."""
    scalars, lists = _split(bindings)
    query = _fill_lists(query, lists)
    if not scalars:
        return query
    match = _WHERE.search(query)
    if match is None:
        raise QueryError("a query with bound variables needs a WHERE (or ASK) group")
    if re.search(r"\bCONSTRUCT\s*$", query[: match.start()], re.IGNORECASE):
        raise QueryError("the short form 'CONSTRUCT WHERE { }' cannot take bindings: "
                         "write 'CONSTRUCT { template } WHERE { }'")
    clause = "".join(f"\n  VALUES ?{name} {{ {sparql_term(t)} }}" for name, t in scalars.items())
    return query[: match.end()] + clause + query[match.end():]


def oxigraph_term(term: Term) -> ox.NamedNode | ox.Literal:
    """A term as a pyoxigraph term (for ``substitutions``)."""
    import pyoxigraph as ox

    if term.kind == "iri":
        return ox.NamedNode(term.value)
    if term.kind != "literal":
        raise QueryError(f"cannot bind a {term.kind} term")
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype or _XSD + "string"))


def oxigraph_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Value:
    """A pyoxigraph term as a :class:`Value` (a triple term as a literal of its N-Triples text)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return Value(term.value, "iri")
    if isinstance(term, ox.BlankNode):
        return Value(term.value, "bnode")
    if isinstance(term, ox.Literal):
        return Value(term.value, "literal", term.language or "", term.datatype.value if term.datatype else "")
    return Value(str(term), "literal")


def _rdf_format(path: Path) -> ox.RdfFormat:
    import pyoxigraph as ox

    suffix = path.suffix.lstrip(".").lower()
    if suffix in {"owl", "rdf", "xml"}:
        return ox.RdfFormat.RDF_XML
    return ox.RdfFormat.from_extension(suffix) or ox.RdfFormat.TURTLE


def _looks_like_ntriples(path: Path, probe: int = 8192) -> bool:
    """Whether a Turtle file's first statements are N-Triples lines (no prefixes, full IRIs)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(probe)
    except OSError:
        return False
    lines = head.splitlines()
    if len(head) == probe and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    statements = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith(b"#")]
    return bool(statements) and all(
        ln.startswith((b"<", b"_:")) and ln.endswith(b".") for ln in statements)


class EmbeddedStore:
    """The knowledge base in an in-process pyoxigraph store, loaded from Turtle/RDF files.

    The store itself is lazy: explain answers from the index (built by :meth:`feed`, one streaming
    parse of the files), so the files are only bulk-loaded into pyoxigraph when something first
    asks for SPARQL (:meth:`select`, :meth:`ask` or the :attr:`store` attribute). Loading is
    thread-safe and happens once.
    """

    def __init__(self, paths: Sequence[Path]):
        self.description = "embedded pyoxigraph store"
        self.paths = tuple(paths)
        self._store: ox.Store | None = None
        self._closed = False
        self._lock = threading.Lock()

    @property
    def store(self) -> ox.Store:
        """The ``pyoxigraph.Store`` holding the files (bulk-loaded on first access)."""
        store = self._store
        if store is None:
            if self._closed:
                raise KnowledgeBaseError("the knowledge base is closed")
            with self._lock:
                if self._store is None:
                    self._store = self._load()
                store = self._store
        return store

    def _load(self) -> ox.Store:
        import pyoxigraph as ox

        store = ox.Store()
        for path in self.paths:
            try:
                store.bulk_load(path=str(path), format=_rdf_format(path))
            except (OSError, SyntaxError, ValueError) as exc:
                raise KnowledgeBaseError(f"cannot load {path}: {exc}") from exc
        return store

    def feed(self, builder: IndexBuilder) -> None:
        """Stream every file's triples into an :class:`~crampkg.kb.model.IndexBuilder` (no store needed).

        The index pass parses leniently (IRIs are not re-validated; the store, loaded strictly on
        first SPARQL use, and ``crampkg validate`` still check them), and a ``.ttl`` file written
        as N-Triples (``crampkg export nt``, the synthetic benchmarks) is read with the N-Triples
        parser, a third faster; N-Triples is a subset of Turtle, so the triples are the same, and
        on a syntax error the file is read again as Turtle.
        """
        import pyoxigraph as ox

        for path in self.paths:
            fmt = _rdf_format(path)
            try:
                if fmt == ox.RdfFormat.TURTLE and _looks_like_ntriples(path):
                    mark = builder.mark()
                    try:
                        builder.add_quads(ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES, lenient=True))
                        continue
                    except SyntaxError:
                        builder.rollback(mark)
                builder.add_quads(ox.parse(path=str(path), format=fmt, lenient=True))
            except (OSError, SyntaxError, ValueError) as exc:
                raise KnowledgeBaseError(f"cannot load {path}: {exc}") from exc

    def _query(self, query: str, bindings: Bindings | None) -> Any:
        import pyoxigraph as ox

        scalars, lists = _split(bindings)
        try:
            try:
                return self.store.query(_fill_lists(query, lists),
                                        substitutions={ox.Variable(k): oxigraph_term(t) for k, t in scalars.items()})
            except RuntimeError:  # pyoxigraph substitutes projected variables only: bind the others as VALUES
                if not scalars:
                    raise
                return self.store.query(bound_text(query, bindings))
        except SyntaxError as exc:
            raise QueryError(f"malformed SPARQL: {exc}") from exc

    def select(self, query: str, bindings: Bindings | None = None, *, limit: int | None = None) -> Rows:
        import pyoxigraph as ox

        solutions = self._query(query, bindings)
        if not isinstance(solutions, ox.QuerySolutions):
            raise QueryError("not a SELECT query")
        names = [v.value for v in solutions.variables]
        rows = (solutions if limit is None else islice(solutions, limit))
        return Rows(({name: oxigraph_value(sol[name]) for name in names if sol[name] is not None} for sol in rows),
                    names)

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        import pyoxigraph as ox

        result = self._query(query, bindings)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError("not an ASK query")
        return bool(result)

    def construct(self, query: str, bindings: Bindings | None = None, *, limit: int | None = None) -> list[Triple]:
        import pyoxigraph as ox

        triples = self._query(query, bindings)
        if not isinstance(triples, ox.QueryTriples):
            raise QueryError("not a CONSTRUCT or DESCRIBE query")
        return [(oxigraph_value(t.subject), oxigraph_value(t.predicate), oxigraph_value(t.object))
                for t in (triples if limit is None else islice(triples, limit))]

    def close(self) -> None:
        """Drop the pyoxigraph store (its memory goes with it); idempotent."""
        with self._lock:
            self._closed = True
            self._store = None



class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint (read with GET/POST, results in SPARQL JSON)."""

    def __init__(self, url: str, timeout: float = 30.0):
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in {"http", "https"} or not parsed.netloc:
            raise KnowledgeBaseError(f"not an http(s) SPARQL endpoint URL: {url!r}")
        self.url = url
        self.timeout = timeout
        self.description = f"SPARQL endpoint {url}"
        self._closed = False

    def close(self) -> None:
        """No connection is kept between requests; after closing, queries are refused."""
        self._closed = True

    def _request(self, query: str, accept: str = "application/sparql-results+json") -> bytes:
        import urllib.error  # http.client and friends: off the embedded (CLI explain) path
        import urllib.request

        if self._closed:
            raise KnowledgeBaseError("the knowledge base is closed")
        body = urllib.parse.urlencode({"query": query}).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": accept,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data: bytes = response.read()
                return data
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300]
            if 400 <= exc.code < 500:
                raise QueryError(f"{self.url} refused the query ({exc.code}): {detail}") from exc
            raise KnowledgeBaseError(f"{self.url} failed ({exc.code}): {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise KnowledgeBaseError(f"cannot reach SPARQL endpoint {self.url}: {exc}") from exc

    def _json(self, query: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._request(query))
        except json.JSONDecodeError as exc:
            raise KnowledgeBaseError(f"cannot read the answer of SPARQL endpoint {self.url}: {exc}") from exc
        return data

    def select(self, query: str, bindings: Bindings | None = None, *, limit: int | None = None) -> Rows:
        data = self._json(bound_text(query, bindings))
        rows: list[Row] = []
        for binding in data.get("results", {}).get("bindings", [])[:limit]:
            row: Row = {}
            for name, term in binding.items():
                kind = {"uri": "iri", "bnode": "bnode"}.get(term["type"], "literal")
                row[name] = Value(term["value"], kind, term.get("xml:lang", ""), term.get("datatype", ""))
            rows.append(row)
        return Rows(rows, data.get("head", {}).get("vars", ()))

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        return bool(self._json(bound_text(query, bindings)).get("boolean"))

    def construct(self, query: str, bindings: Bindings | None = None, *, limit: int | None = None) -> list[Triple]:
        import pyoxigraph as ox

        data = self._request(bound_text(query, bindings), accept="application/n-triples")
        try:
            quads = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
            return [(oxigraph_value(q.subject), oxigraph_value(q.predicate), oxigraph_value(q.object))
                    for q in (quads if limit is None else islice(quads, limit))]
        except SyntaxError as exc:
            raise KnowledgeBaseError(f"cannot read the answer of SPARQL endpoint {self.url}: {exc}") from exc
