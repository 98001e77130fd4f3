"""One measurement in a fresh process (so peak RSS and load time are per knowledge base).

    python benchmarks/probe.py explain <kb-dir|real> <seconds-budget>   -> JSON on stdout
    python benchmarks/probe.py naive   <kb-dir|real> <seconds-budget>   -> JSON on stdout

``explain``: KnowledgeBase.load (wall time, peak RSS after it), the first explain (builds the
Reasoner), then explain over the benchmark cases in a loop: median and p99; plus the same
plain-SPARQL ranking on the embedded pyoxigraph store.
``naive``: the baseline: rdflib in-memory Graph (parse time, peak RSS) and the plain-SPARQL
ranking (queries/rank_causes.rq, prepared once per case) on it.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = [
    (["calf cramp at night", "drinks little", "tap water only"], []),
    (["takes statins", "muscle aches"], []),
    (["pregnant", "calf cramp at night"], ["takes statins"]),
    (["marathon run", "untrained", "calf cramp during or after exertion"], []),
]


def rss_mb() -> float:
    """Peak resident set size of this process so far (VmHWM; ru_maxrss can carry the parent's over exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {"n": len(samples), "median_ms": statistics.median(samples) * 1e3, "p99_ms": p99 * 1e3}


def timed_loop(fn, budget: float, max_n: int = 20000, min_n: int = 3) -> list[float]:
    samples: list[float] = []
    started = time.perf_counter()
    i = 0
    while (len(samples) < min_n or time.perf_counter() - started < budget) and len(samples) < max_n:
        t = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - t)
        i += 1
    return samples


def rank_query_text(present_iris: list[str], absent_iris: list[str]) -> str:
    text = (ROOT / "queries" / "rank_causes.rq").read_text(encoding="utf-8")
    # the query's own list placeholders, filled with validated IRIs (what crampkg's query layer does)
    text = text.replace("VALUES ?present {}", "VALUES ?present { " + " ".join(f"<{i}>" for i in present_iris) + " }")
    # rdflib 7 fails on an empty VALUES block: an IRI that matches nothing means the same
    absent = " ".join(f"<{i}>" for i in absent_iris) or "<urn:crampkg:nothing>"
    return text.replace("VALUES ?absent {}", "VALUES ?absent { " + absent + " }")


def case_iris(kb) -> list[tuple[list[str], list[str]]]:
    return [([kb.resolve_finding(f).iri for f in p], [kb.resolve_finding(f).iri for f in a]) for p, a in CASES]


def probe_explain(path: str | None, budget: float) -> dict:
    rss0 = rss_mb()
    t = time.perf_counter()
    from crampkg import KnowledgeBase

    kb = KnowledgeBase.load(path)
    load_s = time.perf_counter() - t
    rss_load = rss_mb()
    t = time.perf_counter()
    kb.explain(*CASES[0])
    first_s = time.perf_counter() - t
    samples = timed_loop(lambda i: kb.explain(*CASES[i % len(CASES)]), budget)
    out = {"load_s": load_s, "rss_before_mb": rss0, "rss_after_load_mb": rss_load,
           "first_explain_s": first_s, "explain": summary(samples), "causes": len(kb.causes()),
           "rss_peak_mb": rss_mb()}
    # the same plain-SPARQL ranking on the embedded pyoxigraph store (prepared text per case)
    texts = [rank_query_text(p, a) for p, a in case_iris(kb)]
    store = kb.store.store
    out["rank_sparql_pyoxigraph"] = summary(
        timed_loop(lambda i: list(store.query(texts[i % len(texts)])), min(budget, 5.0), max_n=2000))
    out["triples"] = len(store)
    return out


def probe_naive(path: str | None, budget: float) -> dict:
    import rdflib
    from rdflib.plugins.sparql import prepareQuery

    from crampkg import KnowledgeBase
    from crampkg.kb import resources

    files = sorted(Path(path).glob("*.ttl")) if path else resources.ontology_sources()
    rss0 = rss_mb()
    t = time.perf_counter()
    graph = rdflib.Graph()
    for f in files:
        graph.parse(f, format="turtle")
    parse_s = time.perf_counter() - t
    rss_parse = rss_mb()
    kb = KnowledgeBase.load(path)  # only to resolve the case's labels to IRIs
    queries = [prepareQuery(rank_query_text(p, a)) for p, a in case_iris(kb)]
    samples = timed_loop(lambda i: list(graph.query(queries[i % len(queries)])), budget, max_n=500, min_n=1)
    return {"parse_s": parse_s, "rss_before_mb": rss0, "rss_after_parse_mb": rss_parse,
            "rank_sparql_rdflib": summary(samples), "triples": len(graph)}


if __name__ == "__main__":
    kind, where, budget = sys.argv[1], sys.argv[2], float(sys.argv[3])
    target = None if where == "real" else where
    result = probe_explain(target, budget) if kind == "explain" else probe_naive(target, budget)
    print(json.dumps(result))
