"""Named SPARQL queries (``queries/*.rq``) run by name with typed, safely bound parameters.

>>> result = run(kb, "causes_of_finding", finding="tap water only")
>>> result.variables[:2], result.rows[0]["causeLabel"]

Each ``.rq`` file starts with a comment header::

    # id: causes_of_finding
    # purpose: ...
    # parameters: finding:finding  phase:phase?  present:finding+  absent:finding*
    # example: crampkg query causes_of_finding --param finding="tap water only"

A parameter type is ``finding``, ``cause``, ``phase``, ``term`` (any crampkg
id), ``string`` or ``integer``; ``?`` marks an optional value, ``+``/``*`` a list
of one or more / zero or more values. User text never reaches the query text:

* a finding or cause is resolved through :meth:`KnowledgeBase.resolve_finding` /
  :meth:`~KnowledgeBase.resolve_cause` to a known IRI (else the errors with
  suggestions), a phase through its fixed names, a term through the index;
* the bound terms go to the store as typed bindings (:class:`~crampkg.kb.stores.Store`):
  the embedded store substitutes them, a remote store writes them as ``VALUES`` at
  the top of the outermost ``WHERE`` group (so queries use their parameters at the
  top level only; the test suite checks both bindings give the same rows);
* a list fills the query's own ``VALUES ?name {}`` placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import QueryError
from ..sparql.guard import check_query
from . import resources
from . import vocab as V
from .rq import read_header
from .stores import Term, Value

if TYPE_CHECKING:
    from .knowledge_base import KnowledgeBase

PARAM_TYPES = ("finding", "cause", "phase", "term", "string", "integer")
PHASES = {
    "acute": "CRAMPKG_0000080", "aftercare": "CRAMPKG_0000081",
    "prevention": "CRAMPKG_0000082", "see_doctor": "CRAMPKG_0000083", "see a doctor": "CRAMPKG_0000083",
}
_ID = re.compile(r"^(?:crampkg:|https://w3id\.org/crampkg/)?(CRAMPKG_\d{7})$")
_SAFE_IRI = re.compile(r"^https://w3id\.org/crampkg/CRAMPKG_\d{7}$")
_XSD = "http://www.w3.org/2001/XMLSchema#"

Plain = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Param:
    """A declared parameter of a named query."""

    name: str
    type: str
    optional: bool = False
    many: bool = False

    def __str__(self) -> str:
        suffix = ("*" if self.optional else "+") if self.many else ("?" if self.optional else "")
        return f"{self.name}:{self.type}{suffix}"


@dataclass(frozen=True, slots=True)
class NamedQuery:
    """A query of ``queries/``: its id, header and text."""

    name: str
    purpose: str
    params: tuple[Param, ...]
    example: str
    text: str
    path: Path
    returns: tuple[str, ...] = ()

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(str(p) for p in self.params) or "none"
        raise QueryError(f"query {self.name!r} has no parameter {name!r}; its parameters: {known}")


@dataclass(frozen=True, slots=True)
class QueryResult:
    """Rows of a query as plain Python values (IRIs and strings as ``str``, numbers, booleans)."""

    name: str
    variables: list[str]
    rows: list[dict[str, Plain]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.name, "variables": list(self.variables), "rows": [dict(r) for r in self.rows]}


# ---------------------------------------------------------------------- loading
def parse_header(text: str, path: Path) -> tuple[str, str, tuple[Param, ...], str, tuple[str, ...]]:
    """(id, purpose, parameters, example, returned variables) from a ``.rq`` file's leading comments."""
    fields = read_header(text, ("id", "purpose", "parameters", "example", "returns"))
    for required in ("id", "purpose", "parameters", "example"):
        if required not in fields:
            raise QueryError(f"{path}: header has no '# {required}:' line")
    params: list[Param] = []
    spec = fields["parameters"].strip()
    if spec.lower() not in {"", "none"}:
        for item in spec.split():
            match = re.fullmatch(r"([A-Za-z_]\w*):([a-z]+)([?*+]?)", item)
            if not match or match.group(2) not in PARAM_TYPES:
                raise QueryError(f"{path}: bad parameter {item!r}; use name:type with type one of {PARAM_TYPES}")
            name, kind, mod = match.groups()
            params.append(Param(name, kind, optional=mod in {"?", "*"}, many=mod in {"*", "+"}))
            if mod in {"*", "+"} and f"VALUES ?{name} {{}}" not in text:
                raise QueryError(f"{path}: list parameter {name!r} needs a 'VALUES ?{name} {{}}' placeholder")
    if fields["id"] != path.stem:
        raise QueryError(f"{path}: header id {fields['id']!r} differs from the file name")
    returns = tuple(re.findall(r"\?(\w+)", fields.get("returns", "")))
    return fields["id"], fields["purpose"], tuple(params), fields["example"], returns


@cache
def _load_dir(directory: Path) -> dict[str, NamedQuery]:
    queries: dict[str, NamedQuery] = {}
    for path in sorted(directory.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        name, purpose, params, example, returns = parse_header(text, path)
        queries[name] = NamedQuery(name, purpose, params, example, text, path, returns)
    return queries


def load_queries(directory: Path | None = None) -> dict[str, NamedQuery]:
    """Every named query in ``directory`` (default: the packaged ``queries/``), by id."""
    return dict(_load_dir((directory or resources.queries_dir()).resolve()))


def get_query(name: str, directory: Path | None = None) -> NamedQuery:
    """The named query ``name``; :class:`QueryError` naming the known ones otherwise."""
    queries = load_queries(directory)
    if name not in queries:
        raise QueryError(f"unknown query {name!r}; known queries: {', '.join(sorted(queries))}")
    return queries[name]


# ---------------------------------------------------------------------- binding
def _iri(iri: str) -> Term:
    if not _SAFE_IRI.match(iri):  # defence in depth: only crampkg ids are bound
        raise QueryError(f"refusing to bind IRI {iri!r}")
    return Value(iri, "iri")


def _bind_one(kb: KnowledgeBase, query: NamedQuery, param: Param, given: Any) -> Term:
    if isinstance(given, bool) or not isinstance(given, (str, int)):
        raise QueryError(f"parameter {param.name!r} of {query.name!r} must be text, got {type(given).__name__}")
    text = str(given).strip()
    if param.type == "finding":
        return _iri(kb.resolve_finding(text).iri)
    if param.type == "cause":
        return _iri(kb.resolve_cause(text).term.iri)
    if param.type == "phase":
        key = text.casefold().replace("-", "_")
        local = PHASES.get(key) or PHASES.get(key.replace("_", " "))
        match = _ID.match(text)
        if local is None and match and match.group(1) in PHASES.values():
            local = match.group(1)
        if local is None:
            raise QueryError(f"unknown phase {text!r}; use one of acute, aftercare, prevention, see_doctor")
        return _iri(V.iri(local))
    if param.type == "term":
        return _iri(V.iri(_resolve_term(kb, text)))
    if param.type == "integer":
        try:
            return Value(str(int(text)), "literal", datatype=_XSD + "integer")
        except ValueError:
            raise QueryError(f"parameter {param.name!r} must be an integer, got {text!r}") from None
    if len(text) > 1000:
        raise QueryError(f"parameter {param.name!r} is longer than 1000 characters")
    return Value(text, "literal", datatype=_XSD + "string")


def _resolve_term(kb: KnowledgeBase, text: str) -> str:
    """The id of any known term or assertion named by id, CURIE, IRI or label."""
    index = kb.index
    known = set(index.terms) | {a.id for a in index.associations} | {a.id for a in index.causal_links} \
        | {a.id for a in index.indications} | {a.id for a in index.recommendations} | {a.id for a in index.statements}
    match = _ID.match(text)
    if match and match.group(1) in known:
        return match.group(1)
    for resolver in (kb.finding_resolver, kb.cause_resolver):
        found = resolver.lookup(text)
        if found:
            return found
    wanted = " ".join(text.split()).casefold()
    for term in index.terms.values():
        if term.label.casefold() == wanted:
            return term.id
    raise QueryError(f"unknown term or assertion {text!r}: give a CRAMPKG_nnnnnnn id or a label")


def bind_params(kb: KnowledgeBase, query: NamedQuery, params: dict[str, Any]) -> dict[str, Term | list[Term]]:
    """Validate ``params`` against the query's header: the store bindings (a list for a list parameter)."""
    for name in params:
        query.param(name)  # raises on an unknown name
    bound: dict[str, Term | list[Term]] = {}
    for param in query.params:
        given = params.get(param.name)
        values = [] if given is None else list(given) if isinstance(given, (list, tuple)) else [given]
        if not values and not param.optional:
            raise QueryError(f"query {query.name!r} needs parameter {param}")
        if len(values) > 1 and not param.many:
            raise QueryError(f"parameter {param.name!r} of {query.name!r} takes one value, got {len(values)}")
        terms = [_bind_one(kb, query, param, v) for v in values]
        if param.many:
            bound[param.name] = terms
        elif terms:
            bound[param.name] = terms[0]
    return bound


# ---------------------------------------------------------------------- running
def _plain(value: Value) -> Plain:
    if value.kind != "literal":
        return value.value
    dt = value.datatype
    try:
        if dt in {_XSD + "integer", _XSD + "int", _XSD + "long", _XSD + "nonNegativeInteger"}:
            return int(value.value)
        if dt in {_XSD + "decimal", _XSD + "double", _XSD + "float"}:
            return float(value.value)
        if dt == _XSD + "boolean":
            return value.value in {"true", "1"}
    except ValueError:
        pass
    return value.value


def run(kb: KnowledgeBase, name: str, **params: Any) -> QueryResult:
    """Run the named query ``name`` on ``kb`` with ``params`` bound safely (see module doc)."""
    query = get_query(name)
    rows = kb.store.select(query.text, bind_params(kb, query, params))
    variables = list(rows.variables)
    return QueryResult(name, variables, [{v: _plain(r[v]) if v in r else None for v in variables} for r in rows])


def run_sparql(kb: KnowledgeBase, text: str, *, max_rows: int = 10_000) -> QueryResult:
    """Run arbitrary read-only SPARQL (SELECT, ASK, CONSTRUCT, DESCRIBE) through the guard.

    In-process and without a time limit: for untrusted text use the server's worker pool.
    """
    guarded = check_query(text)
    if guarded.form == "ASK":
        return QueryResult("sparql", ["boolean"], [{"boolean": kb.store.ask(guarded.text)}])
    if guarded.form == "SELECT":
        rows = kb.store.select(guarded.text, limit=max_rows + 1)
        variables = list(rows.variables)
        plain = [{v: _plain(r[v]) if v in r else None for v in variables} for r in rows]
    else:  # CONSTRUCT, DESCRIBE
        variables = ["subject", "predicate", "object"]
        plain = [{"subject": _plain(s), "predicate": p.value, "object": _plain(o)}
                 for s, p, o in kb.store.construct(guarded.text, limit=max_rows + 1)]
    if len(plain) > max_rows:
        from ..sparql.results import too_many_message

        raise QueryError(too_many_message(max_rows, "rows", guarded.text))
    return QueryResult("sparql", variables, plain)
