"""CLI commands ``query``, ``sparql`` and ``serve`` (registered by :mod:`crampkg.cli`).

All honour the group's ``--store URL`` (answer from a SPARQL 1.1 server) and
``--kb PATH``; ``serve`` needs the embedded knowledge base (it serves its
export). Errors are one line on stderr and exit code 2.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import TYPE_CHECKING

import click

from ..errors import CrampkgError, QueryError
from .main import get_kb

if TYPE_CHECKING:
    import socket

    from ..kb.knowledge_base import KnowledgeBase
    from ..kb.queries import Plain


def _kb(ctx: click.Context) -> KnowledgeBase:
    return get_kb(ctx)


def _parse_params(items: tuple[str, ...]) -> dict[str, str | list[str]]:
    params: dict[str, str | list[str]] = {}
    for item in items:
        if "=" not in item:
            raise QueryError(f"--param {item!r}: use key=value")
        key, value = item.split("=", 1)
        key = key.strip()
        if key in params:
            previous = params[key]
            params[key] = [*(previous if isinstance(previous, list) else [previous]), value]
        else:
            params[key] = value
    return params


def _short(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("https://w3id.org/crampkg/", "")


def _echo_result(variables: list[str], rows: list[dict[str, Plain]], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps({"variables": variables, "rows": rows}, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(variables)
        for row in rows:
            writer.writerow(["" if row.get(v) is None else row.get(v) for v in variables])
        click.echo(buffer.getvalue(), nl=False)
        return
    cells = [[_short(row.get(v))[:60] for v in variables] for row in rows]
    widths = [max([len(v)] + [len(c[i]) for c in cells]) for i, v in enumerate(variables)]
    click.echo("  ".join(v.ljust(w) for v, w in zip(variables, widths, strict=True)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for c in cells:
        click.echo("  ".join(x.ljust(w) for x, w in zip(c, widths, strict=True)).rstrip())
    click.echo(f"({len(rows)} row{'' if len(rows) == 1 else 's'})", err=True)


@click.command()
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter (repeat for several, or for a list parameter).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--list", "list_queries", is_flag=True, help="List the named queries with their parameters.")
@click.pass_context
def query(ctx: click.Context, name: str | None, params: tuple[str, ...], fmt: str, list_queries: bool) -> None:
    """Run the named query NAME (see --list) with typed parameters."""
    from ..kb.queries import load_queries, run

    if list_queries or not name:
        for q in load_queries().values():
            click.echo(f"{q.name}({', '.join(str(p) for p in q.params)})\n    {q.purpose}\n    e.g. {q.example}")
        return
    result = run(_kb(ctx), name, **_parse_params(params))
    _echo_result(result.variables, result.rows, fmt)


@click.command()
@click.argument("text", metavar="QUERY")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--timeout", default=10.0, type=click.FloatRange(0.1, 3600), show_default=True,
              help="Per-query time limit in seconds (as `serve --timeout`).")
@click.pass_context
def sparql(ctx: click.Context, text: str, fmt: str, timeout: float) -> None:
    """Run a read-only SPARQL QUERY (text, @file, or - for stdin) through the guard.

    The query runs the way the server runs it: the same guard, row, size and time limits, in a
    worker process without network access (a query that crashes the engine is one line, exit 2).
    """
    text = _read_query(text)
    kb = _kb(ctx)
    if not kb.sources:  # a remote store evaluates it; the guard still runs here first
        from ..kb.queries import run_sparql

        result = run_sparql(kb, text)
        _echo_result(result.variables, result.rows, fmt)
        return
    variables, rows = _run_in_worker(kb, text, timeout)
    _echo_result(variables, rows, fmt)


def _read_query(text: str) -> str:
    """The query text of the argument: itself, ``@file`` (a regular file only) or ``-`` (stdin), capped."""
    from ..http.workers import PoolSettings
    from ..io.files import read_regular_file

    cap = PoolSettings().max_query_length * 4  # bytes: the character limit in the worst UTF-8 case
    if text == "-":
        data = sys.stdin.buffer.read(cap + 1)
        if len(data) > cap:
            raise QueryError(f"the query on stdin is larger than the limit of {cap} bytes")
    elif text.startswith("@"):
        try:
            data = read_regular_file(text[1:], cap, what="query file")
        except OSError as exc:
            raise QueryError(str(exc)) from None
    else:
        return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryError(f"the query is not UTF-8 (byte {exc.start})") from None


def _run_in_worker(kb: KnowledgeBase, text: str, timeout: float) -> tuple[list[str], list[dict[str, Plain]]]:
    """Run ``text`` in a one-worker :class:`~crampkg.http.workers.WorkerPool` over the KB's export."""
    import pyoxigraph as ox

    from ..http.workers import PoolSettings, WorkerPool
    from ..kb.queries import _plain
    from ..kb.stores import oxigraph_value

    pool = WorkerPool(kb.export(fmt="nt", inferred=True), PoolSettings(workers=1, timeout=timeout))
    try:
        pool.start()
        response = pool.execute(text, "application/sparql-results+json, application/n-triples")
    finally:
        pool.close()
    if response.form == "ASK":
        return ["boolean"], [{"boolean": bool(json.loads(response.body)["boolean"])}]
    if response.form == "SELECT":
        solutions = ox.parse_query_results(response.body, format=ox.QueryResultsFormat.JSON)
        assert isinstance(solutions, ox.QuerySolutions)  # the worker answered a SELECT
        variables = [v.value for v in solutions.variables]
        return variables, [{v: None if s[v] is None else _plain(oxigraph_value(s[v])) for v in variables}
                           for s in solutions]
    triples = [q.triple if hasattr(q, "triple") else q
               for q in ox.parse(response.body, format=ox.RdfFormat.N_TRIPLES)]
    return ["subject", "predicate", "object"], [
        {"subject": _plain(oxigraph_value(t.subject)), "predicate": t.predicate.value,
         "object": _plain(oxigraph_value(t.object))} for t in triples]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, type=click.IntRange(0, 65535), show_default=True)
@click.option("--timeout", default=10.0, type=click.FloatRange(0.1, 3600), show_default=True,
              help="Per-query time limit in seconds.")
@click.option("--workers", default=2, type=click.IntRange(1, 64), show_default=True,
              help="Query worker processes.")
@click.option("--max-rows", default=10_000, type=click.IntRange(1), show_default=True)
@click.option("--log-level", default="warning", type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, timeout: float, workers: int, max_rows: int,
          log_level: str) -> None:
    """Serve the read-only SPARQL endpoint (/sparql), POST /explain and a query page (/)."""
    import uvicorn

    from ..http.app import ServerSettings, create_app

    if ctx.find_root().obj.get("store_url"):
        raise CrampkgError("serve needs the embedded knowledge base (without --store): it serves its export")
    sock = _listen(host, port)  # before anything is printed: a busy port is one line and exit 2
    kb = _kb(ctx)
    app = create_app(kb, ServerSettings(timeout=timeout, workers=workers, max_rows=max_rows))
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"crampkg: serving http://{shown}:{port}/sparql (timeout {timeout:g} s, {workers} workers)", err=True)
    # access lines only when asked for (info, debug); uvicorn uses httptools, a dependency, when installed
    from ..http.limits import uvicorn_options  # header size/count limits and read timeouts

    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, server_header=False, date_header=False,
                            access_log=log_level in ("info", "debug"), **uvicorn_options())
    uvicorn.Server(config).run(sockets=[sock])


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port, or a one-line CrampkgError (port in use, unknown host)."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise CrampkgError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise CrampkgError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    return sock
