"""Triple stores the knowledge base can answer from.

:class:`EmbeddedStore` holds the ontology in an in-process pyoxigraph store
(the default); :class:`RemoteStore` talks the SPARQL 1.1 Protocol to any
server (Oxigraph, Fuseki, GraphDB, Virtuoso). Both answer the same SELECT
text with the same rows of plain Python values, so everything above them is
backend-agnostic.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
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


Row = dict[str, Value]


class Store(Protocol):
    """What the knowledge base needs from a triple store."""

    description: str

    def select(self, query: str) -> list[Row]:
        """Run a SELECT query; rows map variable names (without ``?``) to bound values."""

    def ask(self, query: str) -> bool:
        """Run an ASK query."""

    def close(self) -> None:
        """Release the store; later queries raise :class:`~crampkg.errors.KnowledgeBaseError`."""


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

    def select(self, query: str) -> list[Row]:
        import pyoxigraph as ox

        try:
            solutions = self.store.query(query)
        except SyntaxError as exc:
            raise QueryError(f"malformed SPARQL: {exc}") from exc
        if not isinstance(solutions, ox.QuerySolutions):
            raise QueryError("not a SELECT query")
        names = [v.value for v in solutions.variables]
        return [
            {name: oxigraph_value(sol[name]) for name in names if sol[name] is not None}
            for sol in solutions
        ]

    def ask(self, query: str) -> bool:
        return bool(self.store.query(query))

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

    def _request(self, query: str) -> dict[str, Any]:
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
                "Accept": "application/sparql-results+json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data: dict[str, Any] = json.loads(response.read())
                return data
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300]
            if 400 <= exc.code < 500:
                raise QueryError(f"{self.url} refused the query ({exc.code}): {detail}") from exc
            raise KnowledgeBaseError(f"{self.url} failed ({exc.code}): {detail}") from exc
        except (urllib.error.URLError, OSError, json.JSONDecodeError) as exc:
            raise KnowledgeBaseError(f"cannot reach SPARQL endpoint {self.url}: {exc}") from exc

    def select(self, query: str) -> list[Row]:
        data = self._request(query)
        rows: list[Row] = []
        for binding in data.get("results", {}).get("bindings", []):
            row: Row = {}
            for name, term in binding.items():
                kind = {"uri": "iri", "bnode": "bnode"}.get(term["type"], "literal")
                row[name] = Value(term["value"], kind, term.get("xml:lang", ""), term.get("datatype", ""))
            rows.append(row)
        return rows

    def ask(self, query: str) -> bool:
        return bool(self._request(query).get("boolean"))
