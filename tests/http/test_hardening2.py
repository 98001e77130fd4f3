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
from pathlib import Path

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
        "from crampkg.http.sandbox import restrict_network\n"
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


# ---------------------------------------------------------------------- exhaustion and wrong codes (server)
@pytest.fixture(scope="module")
def strict(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """A server with 2 s header and body timeouts; yields (base URL, log path)."""
    log = str(tmp_path_factory.mktemp("log") / "serve.log")
    with running_server(timeout=3.0, env={"CRAMPKG_HEADER_TIMEOUT": "2", "CRAMPKG_BODY_TIMEOUT": "2"},
                        log_path=log) as base:
        yield base, log


def _post(base: str, text: str) -> httpx.Response:
    return httpx.post(f"{base}/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query"},
                      timeout=60)


REPLACE3 = ('SELECT ?b WHERE { BIND("aaaaaaaaaa" AS ?a) BIND(REPLACE(?a, "a", ?a) AS ?c) '
            'BIND(REPLACE(?c, "a", ?c) AS ?d) BIND(REPLACE(?d, "a", ?d) AS ?b) }')
REPLACE5 = ('SELECT ?b WHERE { BIND("aaaaaaaaaa" AS ?a) BIND(REPLACE(?a, "a", ?a) AS ?c) BIND(REPLACE(?c, "a", ?c) AS ?d) '
            'BIND(REPLACE(?d, "a", ?d) AS ?e) BIND(REPLACE(?e, "a", ?e) AS ?b) }')


def test_response_size_cap_is_413_never_truncated(strict) -> None:
    base, _ = strict
    response = _post(base, REPLACE3)  # one 100 MB value, under the row cap
    assert response.status_code == 413 and "larger than 8000000 bytes" in response.text
    assert_alive(base)


def test_a_replace_chain_cannot_pass_the_worker_limits(strict) -> None:
    base, _ = strict
    response = _post(base, REPLACE5)  # 10^16 characters: stopped by the time or memory limit
    assert response.status_code == 503
    assert_alive(base)


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n", "PREFIX a: <http://x/> BASE <http://y/>"])
def test_empty_query_is_400_empty_query(strict, text: str) -> None:
    base, _ = strict
    for response in (_post(base, text), httpx.get(f"{base}/sparql", params={"query": text})):
        assert response.status_code == 400 and "empty query" in response.text
    assert_alive(base)


def test_describe_star_has_a_real_reason(strict) -> None:
    base, _ = strict
    response = _post(base, "DESCRIBE * WHERE { ?s ?p ?o } LIMIT 1")
    assert response.status_code == 400 and "DESCRIBE *" in response.text and "NoneType" not in response.text
    assert_alive(base)


def test_deep_expressions_are_400_and_the_documented_depth_is_real(strict) -> None:
    base, _ = strict
    plus = "SELECT (" + "+".join(["1"] * 8000) + " AS ?x) {}"
    assert _post(base, plus).status_code == 400
    at_limit = "SELECT ?x WHERE { BIND(" + "(" * 62 + "1" + ")" * 62 + " AS ?x) }"  # 64 brackets in all
    assert _post(base, at_limit).status_code == 200
    over = "SELECT ?x WHERE { BIND(" + "(" * 63 + "1" + ")" * 63 + " AS ?x) }"
    response = _post(base, over)
    assert response.status_code == 400 and "the limit is 64" in response.text
    assert_alive(base)


def test_service_description_does_not_reflect_the_host_header(strict) -> None:
    base, _ = strict
    response = httpx.get(f"{base}/sparql", headers={"Host": "evil.example:666", "Accept": "text/turtle"})
    assert response.status_code == 200
    assert "evil" not in response.text and f"sd:endpoint <{base}/sparql>" in response.text
    assert_alive(base)


CASE = b"@prefix ck: <https://w3id.org/crampkg/> . <#me> a ck:CRAMPKG_0000023 ; ck:CRAMPKG_0000041 ck:CRAMPKG_0000101"
EXPLAIN_400 = {
    "json-5000-digits": (b'{"present": [' + b"1" * 5000 + b"]}", "application/json"),
    "json-lone-surrogate": (b'{"present": ["\\ud800"]}', "application/json"),
    "json-surrogate-id": (b'{"present": ["calf cramp"], "id": "\\udfff"}', "application/json"),
    "triple-term": (CASE + b" . <<( <#me> ck:x ck:y )>> ck:z ck:w .", "text/turtle"),
    "annotation": (CASE + b" {| ck:a ck:b |} .", "text/turtle"),
    "reifier": (CASE + b" ~ <#r> .", "text/turtle"),
    "version": (b'VERSION "1.2"\n' + CASE + b" .", "text/turtle"),
    "direction": (CASE + b' ; ck:CRAMPKG_0000043 "x"@en--ltr .', "text/turtle"),
    "100000-digits": (CASE + b" ; ck:CRAMPKG_0000043 " + b"1" * 100_000 + b" .", "text/turtle"),
    "climbing-iri": (CASE.replace(b"<#me>", b"<../../etc/passwd>") + b" .", "text/turtle"),
    "prefixes": (b"".join(b"@prefix p%d: <http://e/%d/> .\n" % (i, i) for i in range(40_000))[:999_000], "text/turtle"),
}


@pytest.mark.parametrize("name", sorted(EXPLAIN_400))
def test_explain_inputs_that_gave_500_are_400(strict, name: str) -> None:
    """Each was a 500; now 400 with a message (VERSION "1.2" with nothing of RDF 1.2 is simply a valid case)."""
    base, _ = strict
    body, content_type = EXPLAIN_400[name]
    started = time.monotonic()
    response = httpx.post(f"{base}/explain", content=body, headers={"Content-Type": content_type}, timeout=60)
    assert response.status_code == (200 if name == "version" else 400), response.text[:300]
    assert time.monotonic() - started < 10
    assert_no_traceback(response.text)
    good = httpx.post(f"{base}/explain", content=CASE + b" .", headers={"Content-Type": "text/turtle"}, timeout=60)
    assert good.status_code == 200


def test_turtle_cases_do_not_starve_sparql(strict) -> None:
    base, _ = strict
    body, _ = EXPLAIN_400["prefixes"]
    results: list[int] = []

    def hammer() -> None:
        results.append(httpx.post(f"{base}/explain", content=body, headers={"Content-Type": "text/turtle"},
                                  timeout=120).status_code)

    threads = [threading.Thread(target=hammer) for _ in range(12)]
    for t in threads:
        t.start()
    started = time.monotonic()
    assert_alive(base)
    assert time.monotonic() - started < 5
    for t in threads:
        t.join()
    assert set(results) <= {400, 503}


def _raw(base: str, data: bytes, wait: float = 0.0, read_timeout: float = 15) -> bytes:
    host, port = base.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=read_timeout) as sock:
        with contextlib.suppress(OSError):
            sock.sendall(data)
        time.sleep(wait)
        chunks = []
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


def test_header_limits_and_read_timeouts(strict) -> None:
    base, _ = strict
    big = _raw(base, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
    assert big.startswith(b"HTTP/1.1 431")
    many = _raw(base, b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(500)) + b"\r\n")
    assert many.startswith(b"HTTP/1.1 431")
    endless = _raw(base, b"GET /health HTTP/1.1\r\nX-Endless: " + b"a" * 40_000)  # never ends
    assert endless.startswith(b"HTTP/1.1 431")
    slow = _raw(base, b"GET /health HTTP/1.1\r\nHost: x\r\n")  # headers never finish: 408 after 2 s
    assert slow.startswith(b"HTTP/1.1 408")
    idle = _raw(base, b"")  # says nothing at all
    assert idle.startswith(b"HTTP/1.1 408")
    body = _raw(base, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                      b"Content-Length: 1000\r\n\r\nASK")  # the body never finishes: 408 after 2 s
    assert body.startswith(b"HTTP/1.1 408")
    assert_alive(base)


def test_an_abandoned_upload_is_one_log_line(strict) -> None:
    base, log = strict
    host, port = base.rsplit("/", 1)[1].split(":")
    before = Path(log).read_text(encoding="utf-8", errors="replace")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(b"POST /explain HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100000\r\n\r\n" + b"{" * 1000)
        time.sleep(0.3)
    time.sleep(1.0)
    added = Path(log).read_text(encoding="utf-8", errors="replace")[len(before):]
    lines = [line for line in added.splitlines() if line.strip() and "GET /health" not in line]
    assert "Traceback" not in added
    assert len(lines) <= 1, added
    assert_alive(base)


def test_health_is_503_with_no_live_worker_and_the_pool_heals() -> None:
    import signal

    with running_server(timeout=2.0, workers=1) as base:
        pid = _worker_pids(base)[0]
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        states = set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            health = httpx.get(f"{base}/health")
            states.add(health.status_code)
            if health.status_code == 200 and health.json()["workers"] == 1 and 503 in states:
                break
            time.sleep(0.02)
        assert 200 in states
        assert_alive(base)


def _worker_pids(base: str) -> list[int]:
    from test_server_safety import _worker_pids as pids

    return pids(base)


def test_pool_keeps_retrying_a_worker_that_fails_to_start() -> None:
    from crampkg.errors import ServiceBusyError
    from crampkg.http.workers import PoolSettings, WorkerPool

    pool = WorkerPool(b"", PoolSettings(workers=1, timeout=5, restart_backoff=0.05, restart_backoff_max=0.2))
    pool.start()
    try:
        real_spawn, failures = pool._spawn, []

        def flaky():
            if len(failures) < 6:  # more than the three attempts that used to lose the slot for good
                failures.append(1)
                return None
            return real_spawn()

        pool._spawn = flaky
        for pid in pool.pids():
            os.kill(pid, 9)
        time.sleep(0.2)
        assert pool.live() == 0
        started = time.monotonic()
        with pytest.raises(ServiceBusyError):
            pool.execute(GOOD)
        assert time.monotonic() - started < 1  # at once, not after the 5 s timeout
        deadline = time.monotonic() + 30
        while pool.live() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(failures) == 6 and pool.live() == 1
        assert pool.execute(GOOD).form == "ASK"
    finally:
        pool.close()


# ---------------------------------------------------------------------- the CLI
def test_cli_refuses_special_files(tmp_path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    for path in ("/dev/zero", "/dev/urandom", str(link), str(fifo)):
        started = time.monotonic()
        case = _cli("explain", "--case", path, timeout=60)
        assert case.returncode == 2 and b"not a regular file" in case.stderr, case.stderr
        query = _cli("sparql", f"@{path}", timeout=60)
        assert query.returncode == 2 and b"not a regular file" in query.stderr, query.stderr
        assert time.monotonic() - started < 30
    with open("/dev/zero", "rb") as zeros:
        stdin = subprocess.run([sys.executable, "-m", "crampkg.cli", "sparql", "-"], stdin=zeros,
                               capture_output=True, timeout=60)
    assert stdin.returncode == 2 and b"larger than the limit" in stdin.stderr
    assert _cli("sparql", GOOD).returncode == 0


def test_cli_deep_expression_is_exit_2_not_a_segfault(tmp_path) -> None:
    query = tmp_path / "plus.rq"
    query.write_text("SELECT (" + "+".join(["1"] * 8000) + " AS ?x) {}")
    result = _cli("sparql", f"@{query}")
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert _cli("sparql", GOOD).returncode == 0


def test_export_refuses_special_targets(tmp_path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    folder = tmp_path / "folder"
    folder.mkdir()
    for target in (fifo, link, "/dev/full", folder, tmp_path / "missing" / "x.ttl"):
        result = _cli("export", "-o", str(target), timeout=60)
        assert result.returncode == 2 and str(target).encode() in result.stderr, result.stderr
    assert fifo.is_fifo() and link.is_symlink() and folder.is_dir()
    assert os.path.exists("/dev/full") and not os.path.isfile("/dev/full")
    good = tmp_path / "good.ttl"
    assert _cli("export", "-o", str(good)).returncode == 0 and good.stat().st_size > 1000


def test_subclass_cycle_is_refused_and_no_reasoner_does_not_claim_hermit(tmp_path) -> None:
    import shutil


    kb = tmp_path / "kb"
    shutil.copytree(_ontology_dir(), kb)
    (kb / "content" / "zz_cycle.ttl").write_text(
        "@prefix : <https://w3id.org/crampkg/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        ":CRAMPKG_0000300 rdfs:subClassOf :CRAMPKG_0000301 .\n")
    for command in (("check", "--no-reasoner"), ("causes",)):
        result = _cli("--kb", str(kb), *command)
        assert result.returncode == 2 and b"rdfs:subClassOf cycle" in result.stderr, result.stderr
        assert b"CRAMPKG_0000300" in result.stderr and b"CRAMPKG_0000301" in result.stderr
    plain = _cli("check", "--no-reasoner")
    assert plain.returncode == 0 and b"HermiT consistent" not in plain.stdout
    assert b"skipped" in plain.stdout


def _ontology_dir():
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "ontology"
