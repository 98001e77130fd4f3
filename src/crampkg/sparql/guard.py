"""The gate every user-supplied SPARQL text passes before any engine sees it.

Checks, in order (each refusal is a :class:`~crampkg.errors.QueryError` subclass
whose ``http_status`` the server uses as is):

1. length cap (:class:`QueryTooLongError`, 413);
2. codepoint escapes: ``\\uXXXX`` / ``\\UXXXXXXXX`` are decoded **once, over the
   whole text**, as the SPARQL 1.1 grammar says (section 19.2), and the decoded
   text is what the guard parses *and what the engine runs* (:attr:`GuardedQuery.text`).
   rdflib expands escapes everywhere before tokenising while pyoxigraph decodes
   them only inside strings, so handing the engine the raw text let
   ``"x\\u0022 ... SERVICE ... \\u0022y"`` be a string to the guard and a real
   SERVICE call to the engine. Text that still holds an escape after decoding
   (``\\u005Cu0053``) or an escape of a surrogate or beyond U+10FFFF is refused
   (400), so no later decoding can change what was checked;
3. an empty query (nothing but whitespace, comments, PREFIX / BASE) is 400 "empty query";
4. bracket-depth cap (:class:`QuerySyntaxError`, 400; pyoxigraph overflows its
   stack on deeply nested expressions, rdflib's parser recurses too) and a cap on
   operators (``+ - * / = < > && ||`` outside strings, IRIs and comments): a flat
   ``1+1+...`` chain of 8,000 terms overflows pyoxigraph's stack, and rdflib's parser
   needs about 5 ms per term. The parse runs with a recursion limit high enough that
   the documented depth (64) is the real one;
5. parsing with rdflib's SPARQL 1.1 grammar and translation to the algebra
   (:class:`QuerySyntaxError` with the parser's message, line and column, 400);
   text that parses as an *update* is refused (:class:`QueryRefusedError`, 403);
6. a walk over the whole parse tree and algebra (not a keyword regex) refusing
   ``SERVICE`` and ``FROM`` / ``FROM NAMED`` with any graph outside the served
   dataset (403).

The guard never evaluates anything. Engines that evaluate with rdflib must
still run with ``SPARQL_LOAD_GRAPHS`` off: see :func:`rdflib_safe_evaluation`.
The query workers also cannot open network connections at all (see
:mod:`crampkg.http.sandbox`), so a future parser difference still cannot call out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..errors import QueryError, QueryRefusedError, QuerySyntaxError, QueryTooLongError

DEFAULT_MAX_LENGTH = 50_000
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_OPERATORS = 300
_PARSE_RECURSION_LIMIT = 12_000  # rdflib needs ~60 frames per bracket level; 64 levels fit with room

_NOT_OPERATORS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"'
                            r"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>|#[^\n]*|[A-Za-z0-9_:.\-]+")
_OPERATOR = re.compile(r"&&|\|\||!=|<=|>=|[-+*/=<>]")

_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_OPEN = {"(": ")", "{": "}", "[": "]"}
_CLOSE = set(_OPEN.values())


@dataclass(frozen=True, slots=True)
class GuardedQuery:
    """A query that passed the guard: its text and form (SELECT, CONSTRUCT, ASK or DESCRIBE)."""

    text: str
    form: str
    graphs: tuple[str, ...] = ()


def expand_unicode_escapes(text: str) -> str:
    """Expand ``\\uXXXX`` / ``\\UXXXXXXXX`` the way SPARQL parsers do before tokenising
    (lenient: an escape of no character is left as it is; :func:`decode_escapes` is strict)."""

    def repl(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        try:
            return chr(code)
        except ValueError:  # beyond U+10FFFF: leave it for the parser to reject
            return match.group(0)

    return _UNICODE_ESCAPE.sub(repl, text)


def decode_escapes(text: str) -> str:
    """The query text after the grammar's one codepoint-escape pass (SPARQL 1.1, 19.2).

    Raises :class:`QuerySyntaxError` for an escape of a surrogate or of a code point beyond
    U+10FFFF, and for text that still contains an escape after decoding (``\\u005Cu0041``):
    rdflib would decode it a second time and pyoxigraph would decode it inside strings, so the
    engines would not agree on what the query says.
    """
    if "\\u" not in text and "\\U" not in text:
        return text

    def repl(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QuerySyntaxError(f"the escape {match.group(0)} is not a Unicode character")
        return chr(code)

    decoded = _UNICODE_ESCAPE.sub(repl, text)
    again = _UNICODE_ESCAPE.search(decoded)
    if again:
        raise QuerySyntaxError(
            f"an escape sequence decodes to another escape sequence ({again.group(0)}); write the character itself")
    return decoded


_PROLOGUE_ITEM = re.compile(
    r"\s+|#[^\n\r]*|(?i:BASE)\s*<[^<>\s]*>|(?i:PREFIX)\s*[^\s:<>#]*:\s*<[^<>\s]*>")


def is_empty_query(text: str) -> bool:
    """Whether ``text`` holds no query at all: only whitespace, comments and PREFIX / BASE declarations."""
    position = 0
    while position < len(text):  # one token at a time (no backtracking over the whole text)
        match = _PROLOGUE_ITEM.match(text, position)
        if match is None or match.end() == position:
            return False
        position = match.end()
    return True


def bracket_depth(text: str) -> int:
    """Deepest nesting of ``( { [`` in ``text`` (a cheap upper bound: strings and comments count too)."""
    depth = deepest = 0
    for char in text:
        if char in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
        elif char in _CLOSE and depth:
            depth -= 1
    return deepest


def check_query(
    text: str,
    *,
    max_length: int = DEFAULT_MAX_LENGTH,
    max_depth: int = DEFAULT_MAX_DEPTH,
    allowed_graphs: frozenset[str] = frozenset(),
) -> GuardedQuery:
    """Return a :class:`GuardedQuery` for ``text`` or raise a :class:`QueryError` (see module doc)."""
    if not isinstance(text, str):
        raise QueryError("the query must be text")
    if len(text) > max_length:
        raise QueryTooLongError(f"the query is {len(text)} characters long; the limit is {max_length}")
    text = decode_escapes(text)  # from here on: exactly the text the engine will run
    if "\x00" in text:
        raise QuerySyntaxError("the query contains a NUL character")
    if is_empty_query(text):
        raise QueryError("empty query: send a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    depth = bracket_depth(text)
    if depth > max_depth:
        raise QuerySyntaxError(f"brackets nested {depth} deep; the limit is {max_depth}")
    operators = count_operators(text)
    if operators > DEFAULT_MAX_OPERATORS:
        raise QuerySyntaxError(f"the query has {operators} operators (+ - * / = < > && ||); "
                               f"the limit is {DEFAULT_MAX_OPERATORS}")
    return _check_parsed(text, allowed_graphs)


def count_operators(text: str) -> int:
    """Operators outside strings, IRIs, comments and names (an upper bound: path ``/`` and ``*`` count too)."""
    return len(_OPERATOR.findall(_NOT_OPERATORS.sub(" ", text)))


@lru_cache(maxsize=512)
def _check_parsed(text: str, allowed_graphs: frozenset[str]) -> GuardedQuery:
    """Parse, translate and walk (cached: the server sees the same texts again and again)."""
    parsed, algebra = _parse(text)
    graphs: list[str] = []
    for node in _walk((parsed, algebra)):
        name = getattr(node, "name", None)
        if name == "ServiceGraphPattern":
            raise QueryRefusedError("SERVICE is not allowed: this endpoint makes no outbound requests")
        if name == "DatasetClause":
            iri = str(node.get("default") or node.get("named") or "")
            if iri not in allowed_graphs:
                allowed = ", ".join(f"<{g}>" for g in sorted(allowed_graphs)) or "none"
                raise QueryRefusedError(
                    f"FROM/FROM NAMED <{iri}> is outside the served dataset (allowed: {allowed})")
            graphs.append(iri)
    form = {"SelectQuery": "SELECT", "ConstructQuery": "CONSTRUCT", "AskQuery": "ASK",
            "DescribeQuery": "DESCRIBE"}.get(algebra.name)
    if form is None:  # pragma: no cover - the grammar has no other query forms
        raise QueryRefusedError(f"unsupported query form {algebra.name}")
    return GuardedQuery(text=text, form=form, graphs=tuple(graphs))


def _parse(text: str) -> tuple[Any, Any]:
    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _PARSE_RECURSION_LIMIT))
    try:
        return _parse_and_translate(text)
    finally:
        sys.setrecursionlimit(limit)


def _parse_and_translate(text: str) -> tuple[Any, Any]:
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        parsed = parseQuery(text)
    except ParseBaseException as exc:
        try:
            parseUpdate(text)
        except (ParseBaseException, RecursionError, ValueError):
            near = exc.line[max(exc.col - 1, 0):][:40].strip()
            message = f"{exc.msg} near {near!r}" if near else f"{exc.msg} at the end of the query"
            raise QuerySyntaxError(message, line=exc.lineno, column=exc.col) from None
        raise QueryRefusedError(
            "SPARQL Update (INSERT, DELETE, LOAD, CLEAR, CREATE, DROP, COPY, MOVE, ADD) is not allowed: "
            "this endpoint is read-only") from None
    except RecursionError:
        raise QuerySyntaxError("the query is nested too deeply") from None
    except (ValueError, TypeError) as exc:  # e.g. a bad \\u escape or literal
        raise QuerySyntaxError(str(exc)[:300]) from None
    try:
        query = translateQuery(parsed)
    except TypeError:
        if getattr(parsed[1], "name", None) == "DescribeQuery":  # rdflib cannot translate DESCRIBE *
            raise QuerySyntaxError("DESCRIBE * is not supported here: name what to describe, e.g. "
                                   "DESCRIBE ?s WHERE { ... } or DESCRIBE <iri>") from None
        raise QuerySyntaxError("invalid query: it cannot be translated to the SPARQL algebra") from None
    except RecursionError:
        raise QuerySyntaxError("the query is nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - rdflib raises bare Exception for scoping errors
        raise QuerySyntaxError(f"invalid query: {str(exc)[:300]}") from None
    return parsed, query.algebra


def _walk(node: Any) -> Iterator[Any]:
    """Every node of an rdflib parse tree or algebra (CompValue, ParseResults, lists, dicts)."""
    stack: list[Any] = [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, dict):  # CompValue is an OrderedDict
            stack.extend(current.values())
        elif isinstance(current, (list, tuple, set, frozenset)):
            stack.extend(current)
        elif type(current).__name__ == "ParseResults":
            stack.extend(current.asList() if hasattr(current, "asList") else list(current))
            stack.extend(current.asDict().values() if hasattr(current, "asDict") else ())


def rdflib_safe_evaluation() -> None:
    """Stop rdflib from fetching FROM / FROM NAMED graphs (call wherever rdflib evaluates SPARQL)."""
    import rdflib.plugins.sparql as rdflib_sparql

    rdflib_sparql.SPARQL_LOAD_GRAPHS = False
