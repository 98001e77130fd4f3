"""The HTTP service: a read-only SPARQL 1.1 Protocol endpoint and ``POST /explain``.

>>> app = create_app(KnowledgeBase.load(), ServerSettings(timeout=10))
>>> uvicorn.run(app, host="127.0.0.1", port=8000)

Routes: ``/sparql`` (GET, POST form or ``application/sparql-query``; a service
description without a query), ``/explain`` (POST a JSON or Turtle case),
``/openapi.json``, ``/health`` and ``/`` (a page to type queries). The handlers are
module-level functions of a :class:`Service` (what they share); :func:`routes` binds them,
:func:`router` is the service to mount in another application, :func:`create_app` the
application itself.

Every query runs in a :class:`~crampkg.http.workers.WorkerPool` process, after
:mod:`crampkg.sparql.guard`; the dataset is the ontology plus its entailments
(``kb.export(fmt="nt", inferred=True)``). Result formats are named as Fuseki,
Virtuoso and SPARQLWrapper name them (``format`` / ``output`` / ``results``, see
:func:`crampkg.sparql.results.negotiate`). Errors: a
:class:`~crampkg.errors.CrampkgError` becomes its ``http_status`` with an RFC 9457
problem document (Accept prefers JSON) or one line of text; anything else a
generic 500 (logged here, never sent). Every 405 says ``Allow``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import re
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, fields
from dataclasses import replace as _with
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

try:
    import orjson
except ImportError:  # pragma: no cover - a declared dependency; json is the fallback
    orjson = None  # type: ignore[assignment]
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send

from .. import __version__
from ..errors import (
    CaseFormatError,
    CrampkgError,
    QueryError,
    QueryRefusedError,
    ReadOnlyError,
    RequestTooLargeError,
    UnsupportedMediaTypeError,
)
from ..sparql.results import format_values
from .limits import BODY_TIMEOUT
from .workers import DATASET_GRAPH, PoolSettings, WorkerPool

if TYPE_CHECKING:
    from ..io.cases import Case
    from ..kb.knowledge_base import KnowledgeBase
    from ..text import TextReading

log = logging.getLogger(__name__)

_HTTP_IRI = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?(/[A-Za-z0-9._~\-/]*)?$")


@dataclass(frozen=True, slots=True)
class ServerSettings(PoolSettings):
    """Limits and options of the service: the query pool's (timeout, workers, memory, rows, query
    length and depth, see :class:`PoolSettings`) plus the HTTP ones. Defaults are the documented ones."""

    max_body_bytes: int = 1_000_000
    body_timeout: float = BODY_TIMEOUT
    """Seconds a client has to send the whole request body (else 408)."""
    response_budget_bytes: int = 64_000_000
    """Bytes of SPARQL answers the server holds at once for clients still reading them (else 503)."""
    send_timeout: float = 30.0
    """Seconds a client may take to accept each 64 KB of an answer before the connection is closed."""
    cors_origins: tuple[str, ...] = ("*",)
    public_url: str | None = None

    def pool_settings(self) -> PoolSettings:
        """The part of these settings the worker pool enforces."""
        return PoolSettings(**{f.name: getattr(self, f.name) for f in fields(PoolSettings)})


# ---------------------------------------------------------------------- helpers
INLINE_BODY_BYTES = 64 * 1024
"""A JSON case up to this size is parsed on the event loop (larger ones in a worker thread)."""
INLINE_FINDINGS = 50
"""A case with up to this many findings is explained on the event loop (larger ones in a worker thread)."""


def dumps_json(content: Any) -> bytes:
    """``content`` as compact UTF-8 JSON: orjson (about 18x faster on an explanation), else json.

    The same JSON value as Starlette's ``JSONResponse`` (floats may be spelled differently, e.g.
    ``1e-7`` for ``1e-07``, and parse to the same numbers).
    """
    if orjson is not None:
        try:
            return orjson.dumps(content)
        except (TypeError, orjson.JSONEncodeError):  # e.g. a lone surrogate: let json say it
            pass
    return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode("utf-8")


def _reasoner_ready(kb: KnowledgeBase) -> bool:
    """Whether the network is compiled (``KnowledgeBase.engine`` is a cached property)."""
    return "engine" in vars(kb)


class RequestTimeoutError(CrampkgError):
    """The client did not send the request body in time."""

    http_status = 408


class _ClientGone(CrampkgError):
    """The client closed the connection during its upload (logged as one line, nothing is sent)."""

    http_status = 400


async def read_body(request: Request, cap: int, timeout: float = 30.0) -> bytes:
    """The request body, or :class:`RequestTooLargeError` once it passes ``cap`` bytes
    (:class:`RequestTimeoutError` when it takes longer than ``timeout`` seconds)."""
    from starlette.requests import ClientDisconnect

    try:
        async with asyncio.timeout(timeout):
            return await _read_body(request, cap)
    except TimeoutError:
        raise RequestTimeoutError(f"the request body did not arrive within {timeout:g} s") from None
    except ClientDisconnect:
        client = request.client.host if request.client else "?"
        log.warning("client %s closed the connection during the upload to %s", client, request.url.path)
        raise _ClientGone("the client closed the connection") from None


async def _read_body(request: Request, cap: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > cap):
        if not length.isdigit():
            raise CrampkgError("invalid Content-Length header")
        raise RequestTooLargeError(f"the request body is {length} bytes; the limit is {cap}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise RequestTooLargeError(f"the request body is larger than the limit of {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryError(f"the {what} is not UTF-8 (byte {exc.start})") from None


def _form(body: bytes) -> dict[str, list[str]]:
    text = _decode(body, "form body")
    try:
        return urllib.parse.parse_qs(text, keep_blank_values=True, strict_parsing=False,
                                     errors="strict", max_num_fields=100)
    except (ValueError, UnicodeDecodeError) as exc:
        raise QueryError(f"malformed form body: {str(exc)[:200]}") from None


def _endpoint_iri(request: Request, settings: ServerSettings) -> str:
    """The endpoint's IRI: ``public_url``, else the address the server is bound to (never the Host header)."""
    candidate = settings.public_url
    if not candidate:
        server = request.scope.get("server") or ("localhost", None)
        host, port = server[0], server[1]
        host = f"[{host}]" if ":" in str(host) else host
        candidate = f"http://{host}{f':{port}' if port else ''}/sparql"
    return candidate if _HTTP_IRI.match(candidate) else "http://localhost/sparql"


def service_description(endpoint: str) -> str:
    """The SPARQL 1.1 Service Description of the endpoint, as Turtle."""
    from ..sparql.results import GRAPH_FORMATS, SOLUTION_FORMATS

    formats = {
        "json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
        "xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
        "csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
        "tsv": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
        "turtle": "http://www.w3.org/ns/formats/Turtle",
        "nt": "http://www.w3.org/ns/formats/N-Triples",
        "rdfxml": "http://www.w3.org/ns/formats/RDF_XML",
        "jsonld": "http://www.w3.org/ns/formats/JSON-LD",
    }
    result_formats = " , ".join(f"<{formats[f.name]}>" for f in (*SOLUTION_FORMATS, *GRAPH_FORMATS))
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    rdfs:label "crampkg read-only SPARQL endpoint" ;
    rdfs:comment "SPARQL 1.1 Query only: no Update, no SERVICE, no LOAD, FROM only with the dataset's own graph; per-query time, row and size limits." ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat {result_formats} ;
    sd:defaultDataset [
        a sd:Dataset ;
        dcterms:title "crampkg ontology with entailments" ;
        sd:defaultGraph [ a sd:Graph ] ;
        sd:namedGraph [ a sd:NamedGraph ; sd:name <{DATASET_GRAPH}> ; sd:graph [ a sd:Graph ] ]
    ] .
"""


_PROBLEM_TITLES = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
                   406: "Not Acceptable", 408: "Request Timeout", 413: "Content Too Large",
                   415: "Unsupported Media Type", 500: "Internal Server Error", 503: "Service Unavailable"}
_ALLOW = {"/sparql": "GET, HEAD, POST", **dict.fromkeys(("/rdf-graph-store", "/store", "/data", "/update"), "")}
"""The ``Allow`` header of a 405 by path: the graph store routes allow nothing (an empty field, RFC 9110)."""
FORMAT_PARAMETERS = ("format", "output", "results")
"""The parameters that name a result format (Virtuoso and Fuseki use ``format`` / ``output``, and
SPARQLWrapper sends all three)."""


def _problem_title(status: int) -> str:
    if status in _PROBLEM_TITLES:
        return _PROBLEM_TITLES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _prefers_json(accept: str | None) -> bool:
    """Whether the Accept header ranks a JSON type (``application/problem+json``, ``application/json``
    or any ``+json``, e.g. SPARQL JSON results) above plain text; ``*/*`` or none: plain text."""
    best_json = best_text = 0.0
    for part in (accept or "").split(",")[:50]:
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        quality = 1.0
        for param in pieces[1:]:
            if param.lower().startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if media in {"application/problem+json", "application/json"} or media.endswith("+json"):
            best_json = max(best_json, quality)
        elif media in {"text/plain", "text/*", "*/*", "*"}:
            best_text = max(best_text, quality)
    return best_json > best_text


def problem_response(request: Request, status: int, detail: str, headers: dict[str, str] | None = None,
                     **extra: Any) -> Response:
    """An error as one RFC 9457 problem document (``application/problem+json`` with ``type``,
    ``title``, ``status`` and ``detail``) when the client's Accept prefers JSON, else as one line of
    plain text (``title: detail``). No class name, no traceback."""
    headers = dict(headers or {})
    if status == 503:
        headers.setdefault("Retry-After", "1")
    if status == 405:
        headers.setdefault("Allow", _ALLOW.get(request.url.path, "GET, HEAD, POST"))
    title = _problem_title(status)
    detail = detail.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate cannot be sent
    if _prefers_json(request.headers.get("accept")):
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
                **{k: v for k, v in extra.items() if v is not None}}
        return Response(dumps_json(body), status_code=status, headers=headers,
                        media_type="application/problem+json")
    return PlainTextResponse(f"{title}: {detail}\n", status_code=status, headers=headers)


def _error_response(request: Request, exc: CrampkgError) -> Response:
    status = int(getattr(exc, "http_status", 400) or 400)
    message = str(exc).splitlines()[0][:2000] if str(exc) else _problem_title(status).lower()
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate cannot be sent
    if request.url.path.startswith("/explain"):
        # the /explain error object (the page and clients read "error"), also a problem document
        error: dict[str, Any] = {"status": status, "type": type(exc).__name__, "message": message}
        body = {"type": "about:blank", "title": _problem_title(status), "status": status, "detail": message,
                "error": error}
        for attr in ("line", "column", "given", "suggestions"):
            value = getattr(exc, attr, None)
            if value is not None:
                error[attr] = _encodable(value)
        headers = {"Retry-After": "1"} if status == 503 else {}
        if status == 405:
            headers["Allow"] = "POST"
        return JSONResponse(body, status_code=status, headers=headers)
    return problem_response(request, status, message, line=getattr(exc, "line", None),
                            column=getattr(exc, "column", None))


def _encodable(value: Any) -> Any:
    """``value`` with lone surrogates escaped (so that it can be sent as UTF-8 JSON)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list):
        return [_encodable(v) for v in value]
    return value


class _ResponseBudget:
    """Bytes of answers held for clients (event-loop only, no lock needed)."""

    def __init__(self, total: int):
        self.total = total
        self.used = 0

    def take(self, size: int) -> None:
        if self.used + size > self.total and self.used:
            from ..errors import ServiceBusyError

            raise ServiceBusyError("the server is busy sending other large answers; try again shortly")
        self.used += size

    def give(self, size: int) -> None:
        self.used = max(0, self.used - size)


class _BudgetedResponse(Response):
    """An answer sent in 64 KB pieces, each within ``send_timeout``; its bytes return to the budget
    when it is sent or abandoned (a client that stops reading holds at most one answer, then is dropped)."""

    CHUNK = 64 * 1024

    def __init__(self, body: bytes, media_type: str, headers: dict[str, str], budget: _ResponseBudget,
                 send_timeout: float):
        super().__init__(body, media_type=media_type, headers=headers)
        self._budget = budget
        self._size = len(body)
        self._send_timeout = send_timeout
        budget.take(self._size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body, self.body = self.body, b""
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            view = memoryview(body)
            start = 0
            while True:
                piece = bytes(view[start:start + self.CHUNK])
                start += self.CHUNK
                more = start < len(view)
                await asyncio.wait_for(send({"type": "http.response.body", "body": piece, "more_body": more}),
                                       self._send_timeout)
                if not more:
                    break
        except (TimeoutError, OSError):
            log.warning("client %s did not read its answer in time; connection closed",
                        (scope.get("client") or ("?",))[0])
        finally:
            self._budget.give(self._size)


# ---------------------------------------------------------------------- the app
class Service:
    """What the routes of one application share: the knowledge base, the settings, the dataset
    (N-Triples), the worker pools (started and stopped by :meth:`lifespan`), the thread limiters
    and the response budget."""

    def __init__(self, kb: KnowledgeBase, settings: ServerSettings | None = None, dataset: bytes | None = None):
        import anyio

        self.kb = kb
        self.settings = settings = settings or ServerSettings()
        self.data = dataset if dataset is not None else kb.export(fmt="nt", inferred=True)
        self.budget = _ResponseBudget(settings.response_budget_bytes)
        # /sparql, Turtle cases and the rest each have their own threads: none can starve the others
        self.sparql_threads = anyio.CapacityLimiter(max(4, settings.workers * 4))
        self.case_threads = anyio.CapacityLimiter(4)
        self.running: WorkerPool | None = None
        self.case_pool: WorkerPool | None = None

    @contextlib.asynccontextmanager
    async def lifespan(self, app: object) -> AsyncIterator[None]:
        """Start the query workers (and the Turtle case worker) and build the network; stop them after."""
        pool = WorkerPool(self.data, self.settings.pool_settings())
        # Turtle cases are parsed and SHACL-validated in their own killable worker (time limit)
        case_pool = WorkerPool(b"", _with(self.settings.pool_settings(), workers=1, kind="case", memory_mb=1024))
        self.case_pool = case_pool.start(wait=False)
        await run_in_threadpool(pool.start)
        await run_in_threadpool(lambda: self.kb.engine)  # the compiled network, built before the first request
        self.running = pool
        try:
            yield
        finally:
            await run_in_threadpool(pool.close)
            await run_in_threadpool(self.case_pool.close)

    def pool(self) -> WorkerPool:
        """The running query workers (:class:`CrampkgError` before the lifespan started them)."""
        if self.running is None:
            raise CrampkgError("the query workers are not running")
        return self.running


async def sparql(service: Service, request: Request) -> Response:
    """``/sparql``: a query from the URL, a form or the body, run by a query worker; none: the service description."""
    settings = service.settings
    params = request.query_params
    queries = params.getlist("query")
    # format= / output= / results=, from the URL and the form alike, every value in order
    formats = [v for name in FORMAT_PARAMETERS for v in params.getlist(name)]
    graphs = params.getlist("default-graph-uri") + params.getlist("named-graph-uri")
    if "update" in params:
        raise ReadOnlyError("SPARQL Update is not accepted: this endpoint is read-only")
    if request.method == "POST":
        body = await read_body(request, settings.max_body_bytes, settings.body_timeout)
        media = _media_type(request)
        if media == "application/sparql-query":
            queries.append(_decode(body, "query"))
        elif media == "application/x-www-form-urlencoded":
            form = _form(body)
            if "update" in form:
                raise ReadOnlyError("SPARQL Update is not accepted: this endpoint is read-only")
            queries += form.get("query", [])
            formats += [v for name in FORMAT_PARAMETERS for v in form.get(name, [])]
            graphs += form.get("default-graph-uri", []) + form.get("named-graph-uri", [])
        elif media == "application/sparql-update":
            raise ReadOnlyError("SPARQL Update is not accepted: this endpoint is read-only")
        else:
            raise UnsupportedMediaTypeError(
                "POST a query as application/sparql-query or application/x-www-form-urlencoded")
    fmt = ",".join(format_values(formats)) or None  # an unknown format name: 400 here
    outside = [g for g in graphs if g != DATASET_GRAPH]
    if outside:
        raise QueryRefusedError(f"graph <{outside[0][:200]}> is outside the served dataset")
    if not queries:
        if request.method == "POST":
            raise QueryError("no query given: send a 'query' parameter")
        return _describe(request, fmt, settings)
    if len(queries) > 1:
        raise QueryError("exactly one 'query' parameter is allowed")
    import anyio

    run = functools.partial(service.pool().execute, queries[0], request.headers.get("accept"), fmt)
    result = await anyio.to_thread.run_sync(run, limiter=service.sparql_threads)
    return _BudgetedResponse(result.body, result.media_type, {"Vary": "Accept", "Cache-Control": "no-store"},
                             service.budget, settings.send_timeout)


def _describe(request: Request, fmt: str | None, settings: ServerSettings) -> Response:
    """The service description in the negotiated graph format."""
    import pyoxigraph as ox

    from ..sparql.results import negotiate, serialize_triples

    chosen = negotiate("GRAPH", request.headers.get("accept"), fmt)
    turtle = service_description(_endpoint_iri(request, settings))
    if chosen.name == "turtle":
        return Response(turtle, media_type="text/turtle")
    triples = [q.triple for q in ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE)]
    return Response(serialize_triples(triples, chosen), media_type=chosen.media_type)


async def explain(service: Service, request: Request) -> Response:
    """``POST /explain``: a JSON (or free-text) or Turtle case, answered as the explanation's JSON."""
    kb = service.kb
    body = await read_body(request, service.settings.max_body_bytes, service.settings.body_timeout)
    media = _media_type(request)
    if media and not any(k in media for k in ("json", "turtle")):
        raise UnsupportedMediaTypeError("POST a case as application/json or text/turtle")
    reading, case = await _read_case(service, media, body)
    present, absent = list(case.present), list(case.absent)
    if reading is not None:
        present += [f for f in reading.present_ids if f not in present]
        absent += [f for f in reading.absent_ids if f not in absent]
    if len(present) + len(absent) <= INLINE_FINDINGS and _reasoner_ready(kb):
        explanation = kb.explain(present, absent)
    else:
        explanation = await run_in_threadpool(kb.explain, present, absent)
    answer = explanation.to_dict()
    if reading is not None:
        answer["reading"] = reading.to_dict()
    challenged = request.query_params.get("why_not")
    if challenged is not None:  # ?why_not=CAUSE: what keeps that cause low (like --why-not)
        answer["why_not"] = kb.why_not(explanation, challenged).to_dict()
    return Response(dumps_json(answer), media_type="application/json")


async def _read_case(service: Service, media: str, body: bytes) -> tuple[TextReading | None, Case]:
    """(the reading of a ``text`` member, if any; the case) of a ``POST /explain`` body."""
    import anyio

    from ..io.cases import case_format, parse_json_case, parse_turtle_case

    is_json = case_format(media or "json", body) == "json"
    parse = parse_json_case if is_json else parse_turtle_case
    reading = None
    if is_json and b'"text"' in body:  # {"text": ...} alone or with present/absent (crampkg.text)
        from ..text.case import split_text_case

        text, lang, body = split_text_case(body)
        if text is not None:
            reading = service.kb.read_text(text, lang)
            if not body and reading.empty:
                raise CaseFormatError(f"no finding understood in 'text' ({reading.summary()})")
            if not body:
                body = dumps_json({"present": reading.present_ids, "absent": reading.absent_ids})
    try:
        # a small JSON case is parsed and explained on the event loop: both take well under a
        # millisecond, less than the hop to a worker thread and back (performance); Turtle (SHACL
        # validation), large bodies, large cases and the first explain (it builds the ranking
        # model) go to the thread pool so that they never hold up other requests
        if is_json and len(body) <= INLINE_BODY_BYTES:
            case = parse(body)
        elif is_json:
            case = await run_in_threadpool(parse, body)
        else:  # Turtle: in the case worker, stopped after the time limit (503) like a query
            if service.case_pool is None:
                raise CrampkgError("the case worker is not running")
            case = await anyio.to_thread.run_sync(service.case_pool.parse_case, body, limiter=service.case_threads)
    except RecursionError:  # json.loads on deeply nested arrays
        raise CaseFormatError("the case is nested too deeply") from None
    return reading, case


async def openapi(service: Service, request: Request) -> Response:
    """``/openapi.json``."""
    return JSONResponse(openapi_document(service.settings))


async def health(service: Service, request: Request) -> Response:
    """``/health``: 503 while no query worker can serve (none started yet, or all dead and being restarted)."""
    pool = service.running
    running = pool.pids() if pool is not None else []
    isolation = pool.isolation if pool is not None else ()
    return JSONResponse({"status": "ok" if running else "unavailable", "workers": len(running),
                         "network_isolation": list(isolation), "kb_version": service.kb.version_iri},
                        status_code=200 if running else 503, headers={} if running else {"Retry-After": "1"})


async def graph_store(request: Request) -> Response:
    """The Graph Store Protocol paths: always refused (read-only)."""
    raise ReadOnlyError("the Graph Store Protocol is not offered: this endpoint is read-only")


async def crampkg_error(request: Request, exc: Exception) -> Response:
    """A :class:`CrampkgError` as its status and problem document."""
    assert isinstance(exc, CrampkgError)
    return _error_response(request, exc)


async def unexpected(request: Request, exc: Exception) -> Response:
    """Any other error: logged here, a generic 500 sent."""
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, "internal server error")


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (no such route 404, method not allowed 405) as problem documents."""
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    path = request.url.path[:200]
    if exc.status_code == 405:
        allow = sorted(m.strip() for m in headers.get("Allow", "").split(",") if m.strip())
        headers["Allow"] = ", ".join(allow)
        detail = f"{request.method[:20]} is not allowed on {path}; allowed: {headers['Allow'] or 'nothing'}"
    elif exc.status_code == 404:
        detail = f"nothing is served at {path}"
    else:
        detail = str(exc.detail)[:500]
    return problem_response(request, exc.status_code, detail, headers)


EXCEPTION_HANDLERS: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
    CrampkgError: crampkg_error, StarletteHTTPException: http_error, Exception: unexpected}
"""The application's error handlers (install them where the router is mounted)."""


def routes(service: Service) -> list[BaseRoute]:
    """The routes of the service: the page, ``/sparql``, ``/explain``, ``/openapi.json``, ``/health``
    and the refused Graph Store paths, each handler bound to ``service``."""
    from .page import page_routes

    return [
        *page_routes(service.kb, service.settings),  # /, /answer, /findings, /query, /static/*: the page
        Route("/sparql", functools.partial(sparql, service), methods=["GET", "POST"]),
        Route("/explain", functools.partial(explain, service), methods=["POST"]),
        Route("/openapi.json", functools.partial(openapi, service), methods=["GET"]),
        Route("/health", functools.partial(health, service), methods=["GET"]),
        *(Route(path, graph_store, methods=["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"])
          for path in ("/rdf-graph-store", "/store", "/data", "/update")),
    ]


def router(kb: KnowledgeBase, settings: ServerSettings | None = None, dataset: bytes | None = None) -> Router:
    """The service as a router to mount in another application (``Mount("/crampkg", router(kb))``); the
    host runs its lifespan (``router.lifespan_context``) and installs :data:`EXCEPTION_HANDLERS`."""
    service = Service(kb, settings, dataset)
    return Router(routes=routes(service), lifespan=service.lifespan)


def create_app(kb: KnowledgeBase, settings: ServerSettings | None = None, dataset: bytes | None = None) -> Starlette:
    """The Starlette application serving ``kb`` (the worker pool starts with the app's lifespan)."""
    service = Service(kb, settings, dataset)
    cors = Middleware(CORSMiddleware, allow_origins=list(service.settings.cors_origins),
                      allow_methods=["GET", "POST"], allow_headers=["Accept", "Content-Type"], max_age=600)
    return Starlette(routes=routes(service), middleware=[cors], lifespan=service.lifespan,
                     exception_handlers=EXCEPTION_HANDLERS)


def openapi_document(settings: ServerSettings) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the service.

    Longer than the other functions: it is one document written out as data (the paths and their
    parameters, responses and schemas), read top to bottom like the JSON it becomes.
    """
    from ..sparql.results import GRAPH_FORMATS, SHORT_FORMAT_NAMES, SOLUTION_FORMATS

    text = {"schema": {"type": "string"}}
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    error = {"description": "error: an RFC 9457 problem document when Accept prefers JSON, else one line of "
                            "text (never a traceback)",
             "content": {"application/problem+json": problem, "text/plain": text}}
    sparql_responses = {
        "200": {"description": "results: SELECT and ASK in SPARQL JSON (default), XML, CSV or TSV; CONSTRUCT "
                               "and DESCRIBE in Turtle (default), N-Triples, RDF/XML or JSON-LD",
                "content": {f.media_type: text for f in (*SOLUTION_FORMATS, *GRAPH_FORMATS)}},
        "400": {**error, "description": "malformed query (parser message, line and column), unknown format name, "
                                        "more than one query, or a query nested too deeply"},
        "403": {**error, "description": "refused: SERVICE, LOAD, FROM / FROM NAMED / default-graph-uri / "
                                        "named-graph-uri outside the dataset"},
        "405": {**error, "description": "SPARQL Update: read-only (Allow: GET, HEAD, POST)"},
        "406": {**error, "description": "neither the format parameter nor the Accept header names a format "
                                        "of the query form"},
        "408": {**error, "description": "request body not received in time"},
        "413": {**error, "description": f"request over {settings.max_body_bytes} bytes, query over "
                                        f"{settings.max_query_length} characters, or result over "
                                        f"{settings.max_rows} rows (at most {settings.max_rows} rows; add a "
                                        "smaller LIMIT)"},
        "415": {**error, "description": "POST body neither application/sparql-query nor a form"},
        "503": {**error, "description": f"query stopped after {settings.timeout:g} s, worker crashed, or busy "
                                        "(with Retry-After)"},
    }
    query_param = {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
                   "description": "SPARQL 1.1 query; without it GET returns the service description (Turtle)"}
    format_value = {"anyOf": [{"enum": list(SHORT_FORMAT_NAMES)},
                              {"type": "string", "pattern": "^[A-Za-z0-9.+*-]+/[A-Za-z0-9.+*-]+",
                               "description": "a media type (several separated by commas)"}]}
    format_params = [
        {"name": name, "in": "query", "required": False, "style": "form", "explode": True,
         "schema": {"type": "array", "items": format_value},
         "description": "the result format by name or media type (json and xml mean SPARQL JSON / XML for "
                        "SELECT and ASK, JSON-LD / RDF/XML for CONSTRUCT and DESCRIBE; n3 is served as "
                        "Turtle); the first value that fits the query form wins, else the Accept header "
                        "decides; a name that is no format is 400" + (" (Fuseki, Virtuoso and SPARQLWrapper "
                                                                        "spelling)" if name != "format" else "")}
        for name in FORMAT_PARAMETERS]
    graph_params = [{"name": name, "in": "query", "required": False, "style": "form", "explode": True,
                     "schema": {"type": "array", "items": {"enum": [DATASET_GRAPH]}},
                     "description": "only the served dataset's graph (any other: 403)"}
                    for name in ("default-graph-uri", "named-graph-uri")]
    form_body = {"schema": {"type": "object", "required": ["query"], "properties": {
        "query": {"type": "string"},
        **{name: {"type": "array", "items": format_value} for name in FORMAT_PARAMETERS},
        **{name: {"type": "array", "items": {"enum": [DATASET_GRAPH]}}
           for name in ("default-graph-uri", "named-graph-uri")}}},
        "encoding": {name: {"style": "form", "explode": True}
                     for name in (*FORMAT_PARAMETERS, "default-graph-uri", "named-graph-uri")}}
    case_schema = {"type": "object", "additionalProperties": False,
                   "description": "a case: findings present and/or absent (by id, label or synonym) and/or a "
                                  "free-text description; at least one of the three",
                   "anyOf": [{"required": ["present"]}, {"required": ["absent"]}, {"required": ["text"]}],
                   "properties": {
                       "present": {"type": "array", "items": {"type": "string"}, "maxItems": 200},
                       "absent": {"type": "array", "items": {"type": "string"}, "maxItems": 200},
                       "text": {"type": "string", "description": "the case in the person's own words (en/de)"},
                       "lang": {"enum": ["en", "de"]},
                       "id": {"type": "string"}}}
    from ..inference.answer import json_schema

    explanation = json_schema()
    components = {name: _component_refs(d) for name, d in explanation.pop("$defs").items()}
    components["Explanation"] = _component_refs(
        {k: v for k, v in explanation.items() if k not in ("$schema", "$id")})
    return {
        "openapi": "3.1.0",
        "info": {"title": "crampkg", "version": __version__,
                 "description": "Read-only SPARQL 1.1 endpoint and explanations over the calf and leg cramp "
                                "knowledge graph. It informs; it does not diagnose."},
        "paths": {
            "/sparql": {
                "get": {"summary": "SPARQL query (or service description)",
                        "parameters": [query_param, *format_params, *graph_params],
                        "responses": sparql_responses},
                "post": {"summary": "SPARQL query (form or application/sparql-query; the format and graph "
                                    "parameters may also be in the URL)",
                         "parameters": [*format_params, *graph_params],
                         "requestBody": {"required": True, "content": {
                             "application/sparql-query": text,
                             "application/x-www-form-urlencoded": form_body}},
                         "responses": sparql_responses},
            },
            "/explain": {"post": {
                "summary": "Rank the causes of a case, with evidence, next tests and actions",
                "parameters": [{"name": "why_not", "in": "query", "required": False,
                                "description": "a cause (id, label or synonym): the answer then also says "
                                               "what keeps it low and which test would settle it",
                                "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": case_schema},
                                                              "text/turtle": text}},
                "responses": {"200": {"description": "the explanation (Explanation.to_dict(); the JSON Schema "
                                                     "crampkg/schemas/explanation.schema.json)",
                                      "content": {"application/json": {
                                          "schema": {"$ref": "#/components/schemas/Explanation"}}}},
                              **{code: {"description": what, "content": {"application/json": {
                                  "schema": {"$ref": "#/components/schemas/ExplainError"}}}}
                                 for code, what in (("400", "malformed case, unknown finding or why_not cause "
                                                            "(with suggestions)"),
                                                    ("413", "case too large"),
                                                    ("415", "body neither JSON nor Turtle"),
                                                    ("503", "a Turtle case took too long to check"))}}}},
            "/openapi.json": {"get": {"summary": "this document", "responses": {"200": {"description": "OpenAPI"}}}},
            "/health": {"get": {"summary": "liveness and number of query workers",
                                "responses": {"200": {"description": "status"}}}},
            "/": {"get": {"summary": "the explainer page: enter a case, see the answer (HTML; POST: the no-script form)",
                          "responses": {"200": {"description": "HTML"}}}},
            "/query": {"get": {"summary": "the SPARQL console page", "responses": {"200": {"description": "HTML"}}}},
            "/findings": {"get": {"summary": "every reportable finding: id, label, label_de, synonyms, kind",
                                  "responses": {"200": {"description": "JSON array"}}}},
        },
        "components": {"schemas": {**components, "Problem": {
            "type": "object", "description": "RFC 9457 problem details", "required": ["title", "status", "detail"],
            "properties": {"type": {"type": "string", "format": "uri-reference", "const": "about:blank"},
                           "title": {"type": "string", "description": "the HTTP status phrase"},
                           "status": {"type": "integer"}, "detail": {"type": "string"},
                           "line": {"type": "integer"}, "column": {"type": "integer"}}},
            "ExplainError": {
                "type": "object", "required": ["title", "status", "detail", "error"],
                "description": "a problem document (RFC 9457 members) that also carries the error object",
                "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                               "status": {"type": "integer"}, "detail": {"type": "string"},
                               "error": {"type": "object", "required": ["status", "message"], "properties": {
                                   "status": {"type": "integer"}, "type": {"type": "string"},
                                   "message": {"type": "string"}, "line": {"type": "integer"},
                                   "column": {"type": "integer"}, "given": {"type": "string"},
                                   "suggestions": {"type": "array", "items": {"type": "string"}}}}}}}},
    }


def _component_refs(node: Any) -> Any:
    """A JSON Schema fragment with its ``#/$defs/X`` references pointing at OpenAPI components."""
    if isinstance(node, dict):
        return {k: ("#/components/schemas/" + v.rsplit("/", 1)[1] if k == "$ref" and isinstance(v, str)
                    and v.startswith("#/$defs/") else _component_refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_component_refs(v) for v in node]
    return node
