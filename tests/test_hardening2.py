"""Hardening 2 (issue 11): the checked query is the query that runs, and no input exhausts the server.

Each test asserts the exact status or exit code and that a good request is still answered after it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from _sparql_server import assert_alive, assert_no_traceback, running_server

pytestmark = pytest.mark.slow

GOOD = "ASK { ?s ?p ?o }"


# ---------------------------------------------------------------------- a listener that must stay silent
class Listener:
    """A TCP listener on 127.0.0.1 that answers like a SPARQL endpoint and counts every connection."""

    ANSWER = (b'{"head":{"vars":["s","p","o"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://LEAKED/"},'
              b'"p":{"type":"uri","value":"http://LEAKED/"},"o":{"type":"literal","value":"LEAKED"}}]}}')

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(1)
                with contextlib.suppress(OSError):
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                                 b"Content-Length: " + str(len(self.ANSWER)).encode() + b"\r\n\r\n" + self.ANSWER)

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.close()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_server(timeout=2.0) as base:
        yield base


Q = "\\u0022"   # the six characters \u0022 (a backslash escape, not a quote)
A = "\\u0027"
QQ = "\\U00000022"


def service_variants(url: str) -> dict[str, str]:
    """Every way the campaign found (and a few more) to hide SERVICE from a guard that parses differently."""
    pattern = f"SERVICE <{url}> {{ ?s ?p ?o }}"
    silent = f"SERVICE SILENT <{url}> {{ ?s ?p ?o }}"
    return {
        "u0022": f'SELECT * WHERE {{ BIND("x{Q} + " AS ?a) {pattern} BIND(" + {Q}y" AS ?z) }}',
        "u0022-silent": f'SELECT * WHERE {{ BIND("x{Q} + " AS ?a) {silent} BIND(" + {Q}y" AS ?z) }}',
        "u0027": f"SELECT * WHERE {{ BIND('x{A} + ' AS ?a) {pattern} BIND(' + {A}y' AS ?z) }}",
        "U00000022": f'SELECT * WHERE {{ BIND("x{QQ} + " AS ?a) {pattern} BIND(" + {QQ}y" AS ?z) }}',
        "U00000027-silent": f"SELECT * WHERE {{ BIND('x\\U00000027 + ' AS ?a) {silent} BIND(' + \\U00000027y' AS ?z) }}",
        "construct": f'CONSTRUCT {{ ?s ?p ?o }} WHERE {{ BIND("x{Q} + " AS ?a) {pattern} BIND(" + {Q}y" AS ?z) }}',
        "ask": f'ASK {{ BIND("x{Q} + " AS ?a) {silent} BIND(" + {Q}y" AS ?z) }}',
        "long-string": f'SELECT * WHERE {{ BIND("""x{Q}{Q}{Q} + """ AS ?a) {pattern} BIND(""" + {Q}{Q}{Q}y""" AS ?z) }}',
        "escaped-keyword": f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        "escaped-keyword-U": f"SELECT * WHERE {{ \\U00000053\\U00000045RVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        "double-escape": f'SELECT * WHERE {{ BIND("x\\u005Cu0022 + " AS ?a) {pattern} BIND(" + \\u005Cu0022y" AS ?z) }}',
        "plain": f"SELECT * WHERE {{ {pattern} }}",
    }


# the status each variant gets now: decoded once, the string tricks are plain string concatenations
# (200, no SERVICE); a SERVICE that survives decoding is refused (403); an escape that decodes to an
# escape is malformed (400)
EXPECTED = {"u0022": 200, "u0022-silent": 200, "u0027": 200, "U00000022": 200, "U00000027-silent": 200,
            "construct": 200, "ask": 200, "long-string": 200, "escaped-keyword": 403, "escaped-keyword-U": 403,
            "double-escape": 400, "plain": 403}


@pytest.mark.parametrize("transport", ["get", "post-form", "post-body"])
@pytest.mark.parametrize("variant", sorted(EXPECTED))
def test_no_service_call_leaves_the_server(server: str, listener: Listener, variant: str, transport: str) -> None:
    query = service_variants(listener.url)[variant]
    before = listener.connections
    if transport == "get":
        response = httpx.get(f"{server}/sparql", params={"query": query}, timeout=30)
    elif transport == "post-form":
        response = httpx.post(f"{server}/sparql", data={"query": query}, timeout=30)
    else:
        response = httpx.post(f"{server}/sparql", content=query.encode(),
                              headers={"Content-Type": "application/sparql-query"}, timeout=30)
    time.sleep(0.05)
    assert listener.connections == before, f"{variant} over {transport} reached the listener"
    assert "LEAKED" not in response.text
    assert response.status_code == EXPECTED[variant], response.text
    assert_no_traceback(response.text)
    assert_alive(server)


def _cli(*args: str, stdin: bytes | None = None, timeout: float = 120, env: dict | None = None
         ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crampkg.cli", *args], input=stdin, capture_output=True,
                          timeout=timeout, env=dict(os.environ, **(env or {})))


CLI_EXPECTED = {200: 0, 400: 2, 403: 2}


@pytest.mark.parametrize("variant", sorted(EXPECTED))
def test_no_service_call_leaves_the_cli(listener: Listener, variant: str, tmp_path) -> None:
    query = service_variants(listener.url)[variant]
    before = listener.connections
    via_file = tmp_path / "q.rq"
    via_file.write_text(query, encoding="utf-8")
    for args, stdin in (((query,), None), ((f"@{via_file}",), None), (("-",), query.encode())):
        result = _cli("sparql", *args, stdin=stdin)
        assert listener.connections == before, f"{variant} via the CLI ({args[0][:10]}) reached the listener"
        assert b"LEAKED" not in result.stdout
        assert result.returncode == CLI_EXPECTED[EXPECTED[variant]], result.stderr.decode()
        assert b"Traceback" not in result.stderr
    assert _cli("sparql", GOOD).returncode == 0


@pytest.mark.parametrize("layers", ["seccomp", "netns"])
def test_each_isolation_layer_alone_stops_a_service_call_the_guard_missed(listener: Listener, layers: str) -> None:
    """Defence in depth: a query that somehow passed the guard still cannot connect from a worker."""
    code = (
        "from crampkg.sandbox import restrict_network\n"
        "print(','.join(restrict_network()))\n"
        "import pyoxigraph as ox\n"
        "try:\n"
        f"    print(list(ox.Store().query('SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}')))\n"
        "except Exception as exc:\n"
        "    print('refused', exc)\n"
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {listener.port}), timeout=2); print('CONNECTED')\n"
        "except OSError as exc:\n"
        "    print('refused', exc)\n")
    before = listener.connections
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, CRAMPKG_SANDBOX=layers))
    lines = result.stdout.splitlines()
    assert lines[0] == layers, result.stdout + result.stderr
    assert lines[1].startswith("refused") and lines[2].startswith("refused"), result.stdout
    assert listener.connections == before


def test_health_reports_the_isolation_of_the_workers(server: str) -> None:
    health = httpx.get(f"{server}/health").json()
    assert set(health["network_isolation"]) == {"seccomp", "netns"}
    assert_alive(server)
