"""Bounded load test of ``crampkg serve`` (issue 5 §5): good and hostile requests on 127.0.0.1.

    python benchmarks/load_test.py [--requests 10000] [--concurrency 16] [--max-seconds 180] [--url URL]

Starts its own server (unless --url), sends a fixed mix of requests, stops by
itself after --requests or --max-seconds, and reports req/s, p50/p99 latency,
counts by status, unexpected statuses (any 5xx other than the documented 503, any
good request that did not get 200) and the server's memory (RSS of the server
and its query workers) before and after. The JSON report goes to
benchmarks/results/ (written atomically). Not run by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent
CK = "https://w3id.org/crampkg/"

# (kind, method, path, body-or-params, headers, expected statuses)
GOOD = [
    ("select", "GET", "/sparql", {"query": f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?c ?l "
                                           f"WHERE {{ ?c rdfs:subClassOf <{CK}CRAMPKG_0000006> ; rdfs:label ?l }}"},
     {"Accept": "application/sparql-results+json"}, {200}),
    ("select-csv", "POST", "/sparql", f"SELECT ?s WHERE {{ ?s a <{CK}CRAMPKG_0000015> }}",
     {"Content-Type": "application/sparql-query", "Accept": "text/csv"}, {200}),
    ("construct", "POST", "/sparql", f"CONSTRUCT WHERE {{ ?s a <{CK}CRAMPKG_0000021> ; ?p ?o }}",
     {"Content-Type": "application/sparql-query", "Accept": "text/turtle"}, {200}),
    ("ask", "GET", "/sparql", {"query": "ASK { ?s ?p ?o }"}, {}, {200}),
    ("explain", "POST", "/explain", json.dumps({"present": ["calf cramp at night", "tap water only"]}),
     {"Content-Type": "application/json"}, {200}),
]
HOSTILE = [
    ("service", "POST", "/sparql", "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
     {"Content-Type": "application/sparql-query"}, {403}),
    ("update", "POST", "/sparql", "INSERT DATA { <http://a/> <http://b/> <http://c/> }",
     {"Content-Type": "application/sparql-update"}, {405}),
    ("from-file", "GET", "/sparql", {"query": "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }"}, {}, {403}),
    ("malformed", "GET", "/sparql", {"query": "SELECT * WHERE { ?s ?p }"}, {}, {400}),
    ("deep", "POST", "/sparql", "SELECT * WHERE " + "{" * 4000 + "}" * 4000,
     {"Content-Type": "application/sparql-query"}, {400}),
    ("too-big", "POST", "/sparql", "#" * 1_100_000, {"Content-Type": "application/sparql-query"}, {413}),
    ("unknown-finding", "POST", "/explain", json.dumps({"present": ["x> . ?s ?p ?o } #"]}),
     {"Content-Type": "application/json"}, {400}),
    # issue 11: a SERVICE hidden by \u0022 (a string once decoded: 200, and the workers have no network),
    # a 16 MB REPLACE value (413, never sent), 1 MB of @prefix lines as a Turtle case (400 from the case
    # worker, without starving /sparql) and a 40 KB header (431); slow headers run alongside (see below)
    ("escaped-service", "POST", "/sparql",
     'SELECT * WHERE { BIND("x\\u0022 + " AS ?a) SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } BIND(" + \\u0022y" AS ?z) }',
     {"Content-Type": "application/sparql-query"}, {200}),
    ("response-size", "POST", "/sparql",
     'SELECT ?b WHERE { BIND("aaaaaaaa" AS ?a) BIND(REPLACE(?a, "a", ?a) AS ?c) BIND(REPLACE(?c, "a", ?c) AS ?d) '
     'BIND(REPLACE(?d, "a", ?d) AS ?b) }', {"Content-Type": "application/sparql-query"}, {413}),
    ("turtle-prefixes", "POST", "/explain",
     "".join(f"@prefix p{i}: <http://e/{i}/> .\n" for i in range(40_000))[:990_000],
     {"Content-Type": "text/turtle"}, {400}),
    ("big-header", "GET", "/health", {}, {"X-Big": "a" * 40_000}, {431}),
    ("slow", "POST", "/sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
     {"Content-Type": "application/sparql-query"}, {503}),
]


def rss_kb(pid: int) -> int:
    """RSS of a process and its children (KiB), from /proc."""
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def start_server(timeout: float, workers: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "crampkg.cli", "serve", "--port", str(port), "--timeout",
                                str(timeout), "--workers", str(workers)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).json().get("workers") == workers:
                return process, base
        except (httpx.HTTPError, ValueError):
            time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not start")


async def slow_headers(base: str, deadline: float, connections: int, outcomes: Counter) -> None:
    """Keep ``connections`` clients that send their headers one line per second and never finish
    (the server must answer 408 after its header timeout and close); count what they get."""
    host, port = base.rsplit("/", 1)[1].split(":")

    async def one() -> None:
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.open_connection(host, int(port))
                writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n")
                answer = b""
                for i in range(60):
                    try:
                        answer = await asyncio.wait_for(reader.read(64), 1.0)
                        break
                    except TimeoutError:
                        writer.write(b"X-Drip-%d: 1\r\n" % i)
                        if time.monotonic() > deadline:
                            break
                outcomes[answer.split(b" ")[1].decode() if answer.startswith(b"HTTP/1.1 ") else "none"] += 1
                writer.close()
            except OSError as exc:
                outcomes[f"transport:{type(exc).__name__}"] += 1
                await asyncio.sleep(0.5)

    await asyncio.gather(*(one() for _ in range(connections)))


async def run_load(base: str, total: int, concurrency: int, max_seconds: float, hostile_share: float,
                   slow_every: int, seed: int, slow_header_clients: int = 4) -> dict:
    rng = random.Random(seed)
    plan = []
    for i in range(total):
        if slow_every and i % slow_every == slow_every - 1:
            plan.append(HOSTILE[-1])
        elif rng.random() < hostile_share:
            plan.append(rng.choice(HOSTILE[:-1]))
        else:
            plan.append(rng.choice(GOOD))
    latencies: list[float] = []
    statuses: Counter = Counter()
    by_kind: Counter = Counter()
    unexpected: Counter = Counter()
    lost_good = 0
    position = 0
    deadline = time.monotonic() + max_seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        async def worker() -> None:
            nonlocal position, lost_good
            while position < len(plan) and time.monotonic() < deadline:
                kind, method, path, body, headers, expected = plan[position]
                position += 1
                start = time.perf_counter()
                try:
                    if isinstance(body, dict):
                        response = await client.request(method, path, params=body, headers=headers)
                    else:
                        response = await client.request(method, path, content=body.encode(), headers=headers)
                    status = response.status_code
                    if "Traceback" in response.text:
                        unexpected["traceback"] += 1
                except httpx.HTTPError as exc:
                    status = f"transport:{type(exc).__name__}"
                latencies.append(time.perf_counter() - start)
                statuses[str(status)] += 1
                by_kind[f"{kind}:{status}"] += 1
                if status not in expected:
                    unexpected[f"{kind}:{status}"] += 1
                    if (kind, method, path, body, headers, expected) in GOOD:
                        lost_good += 1

        started = time.perf_counter()
        slow_outcomes: Counter = Counter()
        dripping = asyncio.ensure_future(slow_headers(base, deadline, slow_header_clients, slow_outcomes))
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        dripping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await dripping
    latencies.sort()
    done = len(latencies)
    return {
        "requests": done, "planned": total, "elapsed_s": round(elapsed, 2),
        "req_per_s": round(done / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(latencies[min(done - 1, int(done * 0.99))] * 1000, 2) if latencies else None,
        "by_status": dict(sorted(statuses.items())), "by_kind": dict(sorted(by_kind.items())),
        "unexpected": dict(unexpected), "lost_good_requests": lost_good,
        "unexpected_5xx": sum(n for k, n in statuses.items() if k.startswith("5") and k != "503"),
        "slow_header_clients": dict(slow_outcomes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--hostile-share", type=float, default=0.25)
    parser.add_argument("--slow-every", type=int, default=2000, help="every Nth request is a query that times out")
    parser.add_argument("--timeout", type=float, default=2.0, help="server per-query time limit")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--url", default=None, help="test a running server instead of starting one")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=3000, help="requests of the mix before memory is measured")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()

    process = None
    if args.url:
        base, pid = args.url.rstrip("/"), None
    else:
        process, base = start_server(args.timeout, args.workers)
        pid = process.pid
    try:
        # warm up every kind of request once (the case worker for Turtle cases and the free-text
        # lexicon start on first use), then measure memory before: the growth then measured is what
        # sustained load adds, not one-time start-up
        for _ in range(50):
            httpx.get(f"{base}/sparql", params={"query": "ASK { ?s ?p ?o }"})
        httpx.post(f"{base}/explain", json={"present": ["calf cramp at night"]}, timeout=30)
        httpx.post(f"{base}/explain", json={"text": "cramps at night, I drink little"}, timeout=30)
        httpx.post(f"{base}/explain", content=(
            "@prefix ck: <https://w3id.org/crampkg/> . "
            "<#me> a ck:CRAMPKG_0000023 ; ck:CRAMPKG_0000041 ck:CRAMPKG_0000101 ."),
            headers={"Content-Type": "text/turtle"}, timeout=30)
        # a warm-up round of the same mix: the processes reach their working size (a worker's heap
        # after its largest answer, the buffers of the biggest responses), so the growth measured
        # afterwards is what sustained load adds (a leak), not the first requests' high-water mark
        asyncio.run(run_load(base, args.warmup, args.concurrency, args.max_seconds, args.hostile_share,
                             args.slow_every, args.seed + 1))
        time.sleep(1.0)
        rss_before = rss_kb(pid) if pid else None
        report = asyncio.run(run_load(base, args.requests, args.concurrency, args.max_seconds,
                                      args.hostile_share, args.slow_every, args.seed))
        time.sleep(1.0)
        rss_after = rss_kb(pid) if pid else None
        alive = httpx.get(f"{base}/health", timeout=10).status_code == 200
    finally:
        if process is not None:
            process.terminate()
            process.wait(15)
    report.update({
        "concurrency": args.concurrency, "server_timeout_s": args.timeout, "workers": args.workers,
        "server_rss_kib_before": rss_before, "server_rss_kib_after": rss_after,
        "rss_growth_pct": round(100 * (rss_after - rss_before) / rss_before, 1) if rss_before else None,
        "alive_after": alive, "python": sys.version.split()[0], "cpus": os.cpu_count(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"),
    })
    sys.path.insert(0, str(ROOT.parent / "src"))
    from crampkg.io.files import atomic_write_text

    output = args.output or ROOT / "results" / f"load_test-{time.strftime('%Y%m%d-%H%M%S')}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(output, json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(f"written to {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
