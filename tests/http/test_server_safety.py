"""Each safety promise of the endpoint, tested against a running ``crampkg serve``."""

from __future__ import annotations

import httpx
import pytest

from _sparql_server import assert_alive, assert_no_traceback, running_server

pytestmark = pytest.mark.slow

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def server() -> str:
    with running_server(timeout=1.5) as base:
        yield base


def count(base: str) -> int:
    response = httpx.get(f"{base}/sparql", params={"query": COUNT})
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def sparql_post(base: str, text: str, content_type: str = "application/sparql-query") -> httpx.Response:
    return httpx.post(f"{base}/sparql", content=text.encode(), headers={"Content-Type": content_type}, timeout=30)


@pytest.mark.parametrize("how", ["update-form", "update-get", "sparql-update", "query-param"])
def test_updates_are_refused_and_nothing_changes(server: str, how: str) -> None:
    before = count(server)
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    if how == "update-form":
        response = httpx.post(f"{server}/sparql", data={"update": update})
    elif how == "update-get":
        response = httpx.get(f"{server}/sparql", params={"update": update})
    elif how == "sparql-update":
        response = sparql_post(server, update, "application/sparql-update")
    else:
        response = httpx.get(f"{server}/sparql", params={"query": update})
    assert 400 <= response.status_code < 500, response.text
    assert count(server) == before


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH"])
def test_graph_store_writes_are_refused(server: str, method: str) -> None:
    before = count(server)
    for path in ("/rdf-graph-store?default", "/store?default", "/data", "/sparql?graph=http://x/"):
        response = httpx.request(method, f"{server}{path}", content=b"<http://a/> <http://b/> <http://c/> .",
                                 headers={"Content-Type": "application/n-triples"})
        assert 400 <= response.status_code < 500, (path, response.status_code)
    assert count(server) == before


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "LOAD <file:///etc/passwd>",
])
def test_outbound_and_file_access_is_refused_before_evaluation(server: str, query: str) -> None:
    response = sparql_post(server, query)
    assert response.status_code in {403, 405}, response.text
    assert "root:" not in response.text
    assert_no_traceback(response.text)


def test_protocol_dataset_parameters_are_restricted(server: str) -> None:
    response = httpx.get(f"{server}/sparql", params={"query": COUNT, "default-graph-uri": "file:///etc/passwd"})
    assert response.status_code == 403
    own = httpx.get(f"{server}/sparql", params={"query": "SELECT (COUNT(*) AS ?n) FROM "
                                                "<https://w3id.org/crampkg/crampkg.owl> WHERE { ?s ?p ?o }"})
    assert own.status_code == 200


def test_time_limit_stops_the_query_and_the_server_keeps_answering(server: str) -> None:
    response = sparql_post(server, SLOW)
    assert response.status_code == 503 and "stopped" in response.text
    assert response.headers.get("retry-after")
    assert_no_traceback(response.text)
    assert_alive(server)
    assert_alive(server)


def test_deep_nesting_is_refused_and_the_server_lives(server: str) -> None:
    deep = "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000
    response = sparql_post(server, deep)
    assert response.status_code == 400 and "nested" in response.text
    escaped = "SELECT * WHERE { FILTER(" + "\\u0028" * 4000 + "1" + "\\u0029" * 4000 + ") }"
    assert sparql_post(server, escaped).status_code in {400, 413}
    assert_alive(server)


def test_body_cap(server: str) -> None:
    big = "#" * 2_000_000 + "\nASK {}"
    response = sparql_post(server, big)
    assert response.status_code == 413
    explain = httpx.post(f"{server}/explain", content=b" " * 2_000_000, headers={"Content-Type": "application/json"})
    assert explain.status_code == 413
    long_query = "ASK {}" + " " * 60_000
    assert sparql_post(server, long_query).status_code == 413
    assert_alive(server)


def test_row_cap(server: str) -> None:
    response = httpx.get(f"{server}/sparql", params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 20000"})
    assert response.status_code == 413 and "LIMIT" in response.text


def test_malformed_query_reports_the_parser_position(server: str) -> None:
    response = sparql_post(server, "SELECT * WHERE {\n  ?s ?p \n}")
    assert response.status_code == 400
    assert "line 2" in response.text or "line 3" in response.text
    assert_no_traceback(response.text)
    bad_bytes = httpx.post(f"{server}/sparql", content=b"ASK {\xff}", headers={"Content-Type": "application/sparql-query"})
    assert bad_bytes.status_code == 400


def test_no_traceback_in_any_error_body(server: str) -> None:
    probes = [
        httpx.get(f"{server}/sparql", params={"query": "SELECT"}),
        httpx.get(f"{server}/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]),
        httpx.post(f"{server}/sparql", content=b"query=%ZZ", headers={"Content-Type": "application/x-www-form-urlencoded"}),
        httpx.post(f"{server}/sparql", content=b"x", headers={"Content-Type": "text/plain"}),
        httpx.post(f"{server}/explain", content=b"<not turtle", headers={"Content-Type": "text/turtle"}),
        httpx.post(f"{server}/explain", json={"present": "calf cramp"}),
        httpx.post(f"{server}/explain", json=[1, 2, 3]),
        httpx.get(f"{server}/nope"),
        httpx.delete(f"{server}/sparql"),
        httpx.get(f"{server}/sparql", params={"query": "SELECT (1/0 AS ?x) {}"}),
    ]
    for response in probes:
        assert response.status_code < 500, (response.request.url, response.status_code, response.text)
        assert_no_traceback(response.text)
    assert_alive(server)


def test_a_crashed_worker_gives_503_and_is_replaced() -> None:
    """Kill a worker mid-query (as a segfault would) and check the service recovers."""
    import os
    import signal
    import threading
    import time

    with running_server(timeout=5.0, workers=1) as base:
        pids_before = httpx.get(f"{base}/health").json()
        worker_pid = _worker_pids(base)[0]
        result: dict = {}
        thread = threading.Thread(target=lambda: result.update(r=sparql_post(base, SLOW)))
        thread.start()
        time.sleep(0.5)
        os.kill(worker_pid, signal.SIGSEGV)
        thread.join(30)
        assert result["r"].status_code == 503 and "worker" in result["r"].text
        deadline = time.monotonic() + 30
        while httpx.get(f"{base}/health").json()["workers"] < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert_alive(base)
        assert pids_before["workers"] == 1


def _worker_pids(base: str) -> list[int]:
    """Worker processes are the children running ``crampkg.http.workers``."""
    import subprocess

    out = subprocess.run(["pgrep", "-f", "crampkg.http.workers"], capture_output=True, text=True).stdout
    port = base.rsplit(":", 1)[1]
    server_pid = subprocess.run(["pgrep", "-f", f"serve --port {port}"], capture_output=True, text=True).stdout.split()
    pids = []
    for pid in out.split():
        try:
            with open(f"/proc/{pid}/stat") as handle:
                ppid = handle.read().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                kind = handle.read().split(b"\0")[-2]
        except (OSError, IndexError):
            continue
        if ppid in server_pid and kind != b"case":  # query workers, not the Turtle case worker
            pids.append(int(pid))
    assert pids, "no worker process found"
    return pids
