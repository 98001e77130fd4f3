"""Benchmarks of the Bayesian-network reasoning (issue 10, "Performance"), one process per part.

    python benchmarks/bn_bench.py inproc [budget_s]          -> JSON: real KB posterior, answer, pyAgrum, pgmpy
    python benchmarks/bn_bench.py synthetic <dir> [budget_s] -> JSON: compile + answer on a synthetic KB
    python benchmarks/bn_bench.py cli [runs]                 -> JSON: cold `crampkg explain --json`
    python benchmarks/bn_bench.py http [requests]            -> JSON: POST /explain through `crampkg serve`
    python benchmarks/bn_bench.py all [--quick] [--snapshot] -> runs them all, writes results/bn_*.{json,md}
                                                                (--snapshot: measure a git archive of HEAD)

Every in-process figure is CPU time (``time.process_time``) of the measuring process, per case,
repeated; medians over cases of the per-case medians are reported (the 2-core machine is shared
with test runs: wall time there measures the neighbours as much as crampkg). The cold CLI reports
wall time and user+sys CPU of the child; the HTTP figures are wall-clock by nature (req/s, p99), so
the server's own CPU per request (from /proc/<pid>/stat) is reported beside them.

The reference engines get exactly the same network and evidence: the XMLBIF export
(:func:`crampkg.inference.bif.to_xmlbif`) loaded by pyAgrum (``LazyPropagation``, a junction tree
in C++) and the BIF export loaded by pgmpy (``BIFReader`` + ``VariableElimination``). Each is asked
for what crampkg's posterior gives: P(true) of every cause and state node and P(no modelled cause)
(``1 - P(ANY_MODELLED_CAUSE = true)``), and each answer is checked against crampkg's (max abs diff).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
PY = sys.executable
BIN = Path(PY).parent

# article-like cases: the vignettes of tests/inference/test_inference_reference.py plus the probe's cases
CASES: list[tuple[list[str], list[str]]] = [
    (["calf cramp at night", "drinks little", "tap water only"], []),
    (["calf cramp at night"], ["low blood magnesium", "low blood calcium", "low blood potassium", "low blood sodium"]),
    (["low blood calcium"], []),
    (["drinks little"], []),
    (["unbalanced diet", "calf cramp at night"], []),
    (["pregnant", "calf cramp at night"], ["drinks little"]),
    (["marathon run", "untrained"], []),
    (["calf cramp at night", "measures have not helped"], []),
    (["muscle aches", "takes statins"], []),
    (["pregnant", "calf cramp at night"], ["takes statins"]),
    (["marathon run", "untrained", "calf cramp during or after exertion"], []),
]
PGMPY_CASES = 4
"""pgmpy answers in seconds: the first cases only, each timed once."""
CLI_CASE = ["calf cramp at night", "drinks little", "tap water only"]

TARGETS = {
    "posterior_ms": 0.5, "answer_ms": 2.0, "cli_cold_s": 0.3, "http_rps": 1000.0, "http_p99_ms": 25.0,
    "vs_pyagrum": 1.0, "vs_pgmpy": 100.0, "x100_answer_ms": 20.0,
}


def cpu_samples(fn, budget: float, min_n: int = 5, max_n: int = 5000) -> list[float]:
    """CPU seconds of ``fn()`` per call, repeated for ``budget`` CPU seconds (at least ``min_n`` calls)."""
    out: list[float] = []
    start = time.process_time()
    while len(out) < max_n and (len(out) < min_n or time.process_time() - start < budget):
        t = time.process_time()
        fn()
        out.append(time.process_time() - t)
    return out


def med_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


def per_case(fns, budget_each: float, **kw) -> dict:
    """Median per case, then the median and max over cases (ms)."""
    medians = [med_ms(cpu_samples(fn, budget_each, **kw)) for fn in fns]
    return {"median_ms": statistics.median(medians), "max_case_ms": max(medians), "min_case_ms": min(medians),
            "per_case_ms": [round(m, 4) for m in medians], "cases": len(medians)}


# ---------------------------------------------------------------------- in process, real KB
def bench_inproc(budget: float = 20.0) -> dict:
    t0 = time.process_time()
    from crampkg import KnowledgeBase

    t_import = time.process_time() - t0
    t = time.process_time()
    kb = KnowledgeBase.load()
    t_load = time.process_time() - t
    t = time.process_time()
    engine = kb.engine
    t_compile = time.process_time() - t
    model = engine.model
    tree = model.network.tree
    nodes = model.structure.nodes
    cases = [engine.case(p, a) for p, a in CASES]
    evidences = [ev for _, _, ev in cases]
    out: dict = {
        "cpu_import_s": t_import, "cpu_load_s": t_load, "cpu_compile_s": t_compile,
        "network": {"nodes": len(nodes), "cliques": len(tree.cliques), "width": tree.width,
                    "largest_clique_entries": 2 ** (tree.width + 1), "causes": len(model.cause_nodes),
                    "latent": len(model.latent_nodes), "candidates": len(model.candidates)},
        "cases": [{"present": p, "absent": a} for p, a in CASES],
    }
    share = budget / 8 / len(CASES)
    wanted = getattr(model, "wanted_all", None) or model.wanted_latent  # what the answer's propagation asks
    out["propagation"] = per_case([lambda ev=ev: tree.propagate(ev, wanted=wanted) for ev in evidences], share)
    out["posterior"] = per_case([lambda ev=ev: engine.posterior(ev) for ev in evidences], share)
    out["answer"] = per_case([lambda p=p, a=a: kb.explain(p, a) for p, a in CASES], 2 * share)
    # how many propagations one answer runs (the leave-one-out contributions dominate)
    from crampkg.inference import junction_tree as jt

    counted = {"n": 0}
    original = jt.Propagation.__init__

    def counting(self, *args, **kwargs):
        counted["n"] += 1
        return original(self, *args, **kwargs)

    jt.Propagation.__init__ = counting
    try:
        per = []
        for p, a in CASES:
            counted["n"] = 0
            kb.explain(p, a)
            per.append(counted["n"])
    finally:
        jt.Propagation.__init__ = original
    out["propagations_per_answer"] = per
    out["answer_parts"] = answer_parts(kb, share)
    crampkg_post = [engine.posterior(ev) for ev in evidences]
    latent_ids = [nodes[i].id for i in model.latent_nodes]
    out["pyagrum"] = bench_pyagrum(model, evidences, crampkg_post, latent_ids, share)
    out["pgmpy"] = bench_pgmpy(model, evidences, crampkg_post, latent_ids, budget / 3)
    post = out["posterior"]["median_ms"]
    for name in ("pyagrum", "pgmpy"):
        ref = out[name].get("posterior", {}).get("median_ms")
        if ref:
            out[name]["ratio_vs_crampkg"] = ref / post  # > 1: crampkg is faster
    return out


def answer_parts(kb, budget_each: float) -> dict:
    """Where an answer's CPU goes: the steps of Engine.explain timed one by one (case 1)."""
    from crampkg.inference.next_steps import next_steps
    from crampkg.inference.posterior import scores_without

    engine = kb.engine
    model = engine.model
    present, absent = CASES[0]
    p_ids, a_ids, ev = engine.case(present, absent)
    post = engine.posterior(ev)
    down: set[str] = set()
    parts = {
        "resolve case": lambda: engine.case(present, absent),
        "posterior (1 propagation + P(no cause))": lambda: engine.posterior(ev),
        "leave-one-out, all findings (2 propagations each)": lambda: [
            scores_without(model, ev, model.node_of[f]) for f in (*p_ids, *a_ids)],
        "leave-one-out (finding sets)": lambda: [
            scores_without(model, ev, frozenset({model.node_of[f]})) for f in (*p_ids, *a_ids)],
        "hypotheses incl. leave-one-out, chains, links": lambda: engine._hypotheses(post, p_ids, a_ids, down),
        "next steps (information gain)": lambda: next_steps(model, post, post.scores),
        "whole answer (kb.explain)": lambda: kb.explain(present, absent),
        "answer to_dict()": kb.explain(present, absent).to_dict,  # one answer, made once
    }
    out = {}
    for name, fn in parts.items():  # the steps are internals of a module under work: skip what moved
        try:
            fn()
        except Exception:  # noqa: BLE001
            continue
        out[name] = round(med_ms(cpu_samples(fn, budget_each)), 4)
    return out


def _export(model, kind: str) -> Path:
    from crampkg.inference.bif import to_bif, to_xmlbif

    folder = Path(tempfile.mkdtemp(prefix="crampkg-bn-"))
    path = folder / ("crampkg.bifxml" if kind == "xmlbif" else "crampkg.bif")
    path.write_text(to_xmlbif(model) if kind == "xmlbif" else to_bif(model), encoding="utf-8")
    return path


def bench_pyagrum(model, evidences, crampkg_post, latent_ids, budget_each: float) -> dict:
    try:
        import pyagrum as gum
    except ImportError:
        try:
            import pyAgrum as gum  # noqa: N813
        except ImportError:
            return {"skipped": "pyagrum not installed (pip install pyagrum)"}
    from crampkg.inference.bif import ANY_CAUSE

    path = _export(model, "xmlbif")
    t = time.process_time()
    bn = gum.loadBN(str(path))
    load_s = time.process_time() - t
    nodes = model.structure.nodes
    ids = [bn.idFromName(x) for x in latent_ids]
    any_id = bn.idFromName(ANY_CAUSE)
    named = [{bn.idFromName(nodes[v].id): int(x) for v, x in ev.items()} for ev in evidences]

    def query_fresh(ev):
        """A new LazyPropagation per case: what crampkg's posterior does (nothing kept between cases)."""
        ie = gum.LazyPropagation(bn)
        ie.setEvidence(ev)
        ie.makeInference()
        return [ie.posterior(i)[1] for i in ids], 1.0 - ie.posterior(any_id)[1]

    engine_kept = gum.LazyPropagation(bn)
    engine_kept.setTargets({*ids, any_id})  # only what is read (pyAgrum's fastest set-up found)

    def query_kept(ev):
        """One LazyPropagation object reused across cases (its junction tree compiled once, as crampkg's),
        targets restricted to the nodes read."""
        ie = engine_kept
        ie.eraseAllEvidence()
        ie.setEvidence(ev)
        ie.makeInference()
        return [ie.posterior(i)[1] for i in ids], 1.0 - ie.posterior(any_id)[1]

    diff = 0.0
    for ev, post in zip(named, crampkg_post, strict=True):
        got, none = query_kept(ev)
        want = [post.scores[x] for x in latent_ids]
        diff = max(diff, max(abs(g - w) for g, w in zip(got, want, strict=True)), abs(none - post.no_cause))
    kept = per_case([lambda ev=ev: query_kept(ev) for ev in named], budget_each)
    fresh = per_case([lambda ev=ev: query_fresh(ev) for ev in named], budget_each)
    best = kept if kept["median_ms"] <= fresh["median_ms"] else fresh
    return {"version": gum.__version__, "load_s": load_s, "posterior": best, "posterior_kept_engine": kept,
            "posterior_fresh_engine": fresh, "max_abs_diff_vs_crampkg": diff,
            "query": "LazyPropagation: setEvidence, makeInference, posterior of every cause/state + ANY_MODELLED_CAUSE"}


def bench_pgmpy(model, evidences, crampkg_post, latent_ids, budget: float) -> dict:
    try:
        import pgmpy
        from pgmpy.inference import VariableElimination
        from pgmpy.readwrite import BIFReader
    except ImportError:
        return {"skipped": "pgmpy not installed (pip install pgmpy)"}
    import logging

    logging.getLogger("pgmpy").setLevel(logging.ERROR)
    from crampkg.inference.bif import ANY_CAUSE

    path = _export(model, "bif")
    t = time.process_time()
    bn = BIFReader(str(path)).get_model()
    infer = VariableElimination(bn)
    load_s = time.process_time() - t
    started = time.process_time()
    nodes = model.structure.nodes
    named = [{nodes[v].id: ("true" if x else "false") for v, x in ev.items()} for ev in evidences]
    wanted = [*latent_ids, ANY_CAUSE]

    def query(ev):
        asked = [w for w in wanted if w not in ev]
        res = infer.query(variables=asked, evidence=ev, joint=False, show_progress=False)
        probs = {}
        for name, factor in res.items():
            probs[name] = float(factor.values[factor.state_names[name].index("true")])
        return probs

    diff = 0.0
    per_case_ms = []
    # pgmpy takes seconds per query: a few cases, each query timed once (CPU) and checked
    for ev, post in list(zip(named, crampkg_post, strict=True))[:PGMPY_CASES]:
        t = time.process_time()
        probs = query(ev)
        per_case_ms.append((time.process_time() - t) * 1e3)
        for x in latent_ids:
            if x in probs:
                diff = max(diff, abs(probs[x] - post.scores[x]))
        diff = max(diff, abs(1.0 - probs[ANY_CAUSE] - post.no_cause))
        if time.process_time() - started > budget:
            break
    return {"version": pgmpy.__version__, "load_s": load_s,
            "posterior": {"median_ms": statistics.median(per_case_ms), "timing": "one query per case",
                          "max_case_ms": max(per_case_ms),
                          "min_case_ms": min(per_case_ms), "per_case_ms": [round(m, 3) for m in per_case_ms],
                          "cases": len(per_case_ms)},
            "max_abs_diff_vs_crampkg": diff,
            "query": "VariableElimination.query(every cause/state + ANY_MODELLED_CAUSE, joint=False)"}


# ---------------------------------------------------------------------- synthetic KBs
def synthetic_cases(kb, n: int, seed: int, max_findings: int = 6) -> list[tuple[list[str], list[str]]]:
    """Seeded cases of 1..max_findings findings: one replica's findings (a case is about one person,
    so its findings come from one topic cluster), 70 % present, the rest absent."""
    engine = kb.engine
    ids = sorted(t.id for t in kb.findings() if t.id in engine.model.node_of)
    by_replica: dict[str, list[str]] = {}
    for f in ids:
        by_replica.setdefault(f[:-7], []).append(f)
    groups = [g for g in by_replica.values() if len(g) >= max_findings]
    rng = random.Random(seed)
    out: list[tuple[list[str], list[str]]] = []
    from crampkg.errors import CaseFormatError

    tries = 0
    while len(out) < n and tries < 50 * n:
        tries += 1
        group = groups[rng.randrange(len(groups))]
        chosen = rng.sample(group, rng.randint(1, max_findings))
        present = [f for f in chosen if rng.random() < 0.7]
        absent = [f for f in chosen if f not in present]
        try:
            engine.posterior(engine.case(present, absent)[2])
        except CaseFormatError:
            continue
        out.append((present, absent))
    return out


MAX_WIDTH = 40
"""Above this treewidth bound the whole-network compile is not attempted (2^41 doubles per clique)."""


def moral_graph_shape(kb) -> dict:
    """Nodes, connected parts and a treewidth upper bound (networkx min-degree heuristic) of the
    compiled network's moral graph, built from the structure alone (no tables, no junction tree)."""
    import networkx as nx
    from networkx.algorithms.approximation import treewidth_min_degree

    from crampkg.inference.facts import read_facts
    from crampkg.inference.network import build_structure

    t = time.process_time()
    structure = build_structure(kb, read_facts(kb))
    g = nx.Graph()
    g.add_nodes_from(range(len(structure.nodes)))
    for i, n in enumerate(structure.nodes):
        ps = [p.node for p in n.parents]
        g.add_edges_from((i, p) for p in ps)
        g.add_edges_from((a, b) for k, a in enumerate(ps) for b in ps[k + 1:])
    parts = sorted((len(c) for c in nx.connected_components(g)), reverse=True)
    width, _ = treewidth_min_degree(g)
    return {"nodes": len(structure.nodes), "edges": g.number_of_edges(), "components": len(parts),
            "largest_component": parts[0] if parts else 0, "treewidth_upper_bound": width,
            "cpu_s": time.process_time() - t}


def bench_synthetic(folder: str, budget: float = 30.0, n_cases: int = 40) -> dict:
    from crampkg import KnowledgeBase

    t = time.process_time()
    kb = KnowledgeBase.load(folder)
    out: dict = {"folder": folder, "cpu_load_s": time.process_time() - t}
    out["moral_graph"] = moral_graph_shape(kb)
    bound = out["moral_graph"]["treewidth_upper_bound"]
    if bound > MAX_WIDTH:
        # too wide for a junction tree: the engine answers by likelihood weighting ("exact": false)
        out["note"] = (f"the whole network's moral graph ({out['moral_graph']['nodes']:,} nodes, largest "
                       f"connected part {out['moral_graph']['largest_component']:,}) has a treewidth upper bound "
                       f"of {bound} (min-degree): answered by likelihood weighting, exact: false")
        n_cases = min(n_cases, 6 if out["moral_graph"]["nodes"] < 20000 else 3)
    t = time.process_time()
    try:
        engine = kb.engine
    except Exception as exc:  # a benchmark reports, it does not stop the run
        out["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        out["cpu_compile_s"] = time.process_time() - t
        return out
    out["cpu_compile_s"] = time.process_time() - t
    if engine.model.network is not None:
        tree = engine.model.network.tree
        out["network"] = {"nodes": len(engine.model.nodes), "cliques": len(tree.cliques), "width": tree.width,
                          "causes": len(engine.model.cause_nodes)}
    else:
        out["network"] = {"nodes": len(engine.model.nodes), "causes": len(engine.model.cause_nodes),
                          "approximate": engine.model.why_approximate}
    cases = synthetic_cases(kb, n_cases, seed=11)
    per, exact, bounds = [], 0, []
    start = time.process_time()
    for p, a in cases:
        if engine.model.exact:
            samples = cpu_samples(lambda p=p, a=a: kb.explain(p, a), budget / max(1, len(cases)), min_n=3, max_n=200)
            answer = kb.explain(p, a)
        else:  # seconds a case: one timed answer each
            t0 = time.process_time()
            answer = kb.explain(p, a)
            samples = [time.process_time() - t0]
            bounds.append(answer.error_bound)
        per.append(med_ms(samples))
        exact += bool(answer.exact)
        if time.process_time() - start > 2 * budget:
            break
    if bounds:
        out["error_bound_median"] = statistics.median(bounds)
    out["answer"] = {"median_ms": statistics.median(per), "max_case_ms": max(per), "min_case_ms": min(per),
                     "p90_case_ms": sorted(per)[int(0.9 * (len(per) - 1))], "cases": len(per),
                     "findings_per_case": "1-6"}
    out["exact_share"] = exact / len(per)
    return out


# ---------------------------------------------------------------------- cold CLI
def bench_cli(runs: int = 10) -> dict:
    import shutil

    exe = str(BIN / "crampkg")
    cmd = [exe, "explain", *CLI_CASE, "--json"]
    out: dict = {"command": "crampkg explain " + " ".join(f'"{x}"' for x in CLI_CASE) + " --json"}
    wall, cpu = [], []
    for _ in range(runs):
        before = os.times()
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, cwd=ROOT)
        wall.append(time.perf_counter() - t)
        after = os.times()
        cpu.append((after.children_user - before.children_user) + (after.children_system - before.children_system))
        if proc.returncode != 0:
            return {**out, "error": proc.stderr.decode()[-300:]}
    out["subprocess"] = {"runs": runs, "wall_median_s": statistics.median(wall), "wall_min_s": min(wall),
                         "cpu_median_s": statistics.median(cpu), "cpu_min_s": min(cpu)}
    hf = shutil.which("hyperfine")
    if hf:
        with tempfile.TemporaryDirectory() as d:
            report = Path(d) / "hf.json"
            shell_cmd = " ".join(f"'{c}'" for c in cmd)
            proc = subprocess.run([hf, "--warmup", "2", "--runs", str(runs), "--style", "none",
                                   "--export-json", str(report), shell_cmd], capture_output=True, cwd=ROOT)
            if proc.returncode == 0:
                r = json.loads(report.read_text())["results"][0]
                out["hyperfine"] = {"runs": runs, "mean_s": r["mean"], "median_s": r["median"], "min_s": r["min"],
                                    "user_s": r["user"], "system_s": r["system"]}
    # where a cold process spends its CPU: imports, load, compile, answer, JSON
    probe = ("import time,json\nt0=time.process_time()\nimport numpy\nt1=time.process_time()\n"
             "from crampkg import KnowledgeBase\nimport crampkg.cli\nt2=time.process_time()\n"
             "kb=KnowledgeBase.load()\nt3=time.process_time()\nkb.engine\nt4=time.process_time()\n"
             f"a=kb.explain({CLI_CASE!r})\nt5=time.process_time()\na.to_dict()\nt6=time.process_time()\n"
             "print(json.dumps({'import numpy':t1-t0,'import crampkg + cli':t2-t1,'KnowledgeBase.load':t3-t2,"
             "'compile network (kb.engine)':t4-t3,'first explain':t5-t4,'to_dict':t6-t5}))")
    parts = []
    for _ in range(3):
        r = subprocess.run([PY, "-c", probe], capture_output=True, text=True, cwd=ROOT)
        if r.returncode == 0:
            parts.append(json.loads(r.stdout.strip().splitlines()[-1]))
    if parts:
        out["cpu_breakdown_s"] = {k: statistics.median(p[k] for p in parts) for k in parts[0]}
    from crampkg import KnowledgeBase

    engine = KnowledgeBase.load().engine
    out["compile_profile"] = compile_profile(engine)
    return out


def compile_profile(engine) -> dict:
    """The compile's parts by cProfile cumulative time (s): what a cold process pays before answering."""
    import cProfile
    import pstats

    from crampkg import KnowledgeBase

    kb = KnowledgeBase.load()
    prof = cProfile.Profile()
    prof.enable()
    kb.engine  # noqa: B018
    prof.disable()
    stats = pstats.Stats(prof).stats
    want = {"fit_scale": "Network.fit_scale (bisection on the prior scale)", "make_tables": "make_tables",
            "set_tables": "JunctionTree.set_tables", "_triangulate": "triangulation (min-fill)",
            "read_facts": "read_facts (SPARQL over the store)", "build_structure": "build_structure",
            "_candidates": "Model._candidates", "_priors": "Model._priors"}
    out: dict = {}
    for (_file, _line, name), (_cc, nc, _tt, ct, _callers) in stats.items():
        if name in want:
            label = want[name]
            out[label] = {"calls": nc, "cum_s": round(ct, 4)}
    return out


# ---------------------------------------------------------------------- HTTP
def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_http(total: int = 5000, concurrency: int = 8) -> dict:
    sys.path.insert(0, str(HERE))
    from run_all import free_port, http_request, raw_load_test, wait_http

    port = free_port()
    server = subprocess.Popen([str(BIN / "crampkg"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        if not wait_http(f"http://127.0.0.1:{port}/", timeout=60):
            return {"error": "`crampkg serve` did not answer on 127.0.0.1"}
        body = json.dumps({"present": CLI_CASE, "absent": []}).encode()
        request = http_request("127.0.0.1", port, "POST", "/explain", body, {"Content-Type": "application/json"})
        runs = []
        for _ in range(2):
            cpu0 = _proc_cpu_s(server.pid)
            r = raw_load_test("127.0.0.1", port, request, total, concurrency)
            r["server_cpu_ms_per_request"] = (_proc_cpu_s(server.pid) - cpu0) / (total + 3 * concurrency) * 1e3
            runs.append(r)
        best = max(runs, key=lambda r: r["rps"])
        best["runs"] = [{k: r[k] for k in ("rps", "median_ms", "p99_ms", "errors", "server_cpu_ms_per_request")}
                        for r in runs]
        best["server_cpu_bound_rps"] = 1e3 / statistics.median(r["server_cpu_ms_per_request"] for r in runs)
        best["case"] = CLI_CASE
        return best
    finally:
        server.terminate()
        server.wait(timeout=10)


# ---------------------------------------------------------------------- driver
SNAPSHOT: Path | None = None
"""With ``all --snapshot``: a ``git archive HEAD`` copy whose ``src`` every measured process imports
(the work tree of a shared machine can change under a run; the commit is recorded)."""


def _env() -> dict:
    env = dict(os.environ)
    if SNAPSHOT is not None:
        env["PYTHONPATH"] = str(SNAPSHOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder and rename (no half-written results)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def run_part(args: list[str], timeout: float) -> dict:
    try:
        proc = subprocess.run([PY, str(HERE / "bn_bench.py"), *args], capture_output=True, text=True,
                              timeout=timeout, cwd=SNAPSHOT or ROOT, env=_env())
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s (killed)"}
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        return {"error": tail[0][:300]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fmt(ms: float | None) -> str:
    if ms is None:
        return "n/a"
    if ms < 1:
        return f"{ms * 1000:.0f} µs"
    if ms < 1000:
        return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms"
    return f"{ms / 1000:.2f} s"


def take_snapshot() -> tuple[Path, str]:
    """``git archive HEAD`` into a temporary folder; (folder, short commit)."""
    global SNAPSHOT
    folder = Path(tempfile.mkdtemp(prefix="crampkg-bench-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    SNAPSHOT = folder
    sys.path.insert(0, str(folder / "src"))
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    return folder, commit


def run_all(quick: bool = False, snapshot: bool = False) -> dict:
    sys.path.insert(0, str(HERE))
    if snapshot:
        take_snapshot()
    import synthetic

    started = time.perf_counter()
    res: dict = {"date": time.strftime("%Y-%m-%d %H:%M"), "quick": quick, "targets": TARGETS}
    try:
        from run_all import machine

        res["machine"] = machine()
    except Exception:  # noqa: BLE001
        res["machine"] = {"cores": os.cpu_count()}
    res["load_average_start"] = os.getloadavg()
    git = ["git", "-C", str(ROOT)]
    res["commit"] = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    res["inference_modified"] = SNAPSHOT is None and bool(subprocess.run(
        [*git, "status", "--porcelain", "src/crampkg/inference"], capture_output=True, text=True).stdout.strip())
    res["measured"] = f"git archive of {res['commit']}" if SNAPSHOT is not None else "the work tree"
    print("bn_bench: real KB in process ...", flush=True)
    res["real"] = run_part(["inproc", "6" if quick else "20"], timeout=240)
    print("bn_bench: cold CLI ...", flush=True)
    res["cli"] = run_part(["cli", "5" if quick else "10"], timeout=240)
    print("bn_bench: POST /explain ...", flush=True)
    res["http"] = run_part(["http", "2000" if quick else "5000"], timeout=240)
    res["synthetic"] = {}
    # x100 and x1000 as generated (20 % of the links rewired across replicas), and x100 with 5 %
    # rewired: a sparser cross-linking whose whole network can still be compiled
    for name, scale, rewire, timeout in (("x100", 100, synthetic.REWIRE, 180),
                                         ("x100, 5 % rewired", 100, 0.05, 180 if quick else 400),
                                         ("x1000", 1000, synthetic.REWIRE, 180)):
        manifest = synthetic.generate(scale, rewire=rewire)
        print(f"bn_bench: synthetic {name} ({manifest['triples']:,} triples) ...", flush=True)
        r = run_part(["synthetic", manifest["folder"], "10" if quick else "30"], timeout=timeout)
        r["manifest"] = {k: manifest.get(k) for k in ("triples", "causes", "shape", "rewire", "rewired_links")}
        res["synthetic"][name] = r
    res["load_average_end"] = os.getloadavg()
    if SNAPSHOT is not None:
        import shutil

        shutil.rmtree(SNAPSHOT, ignore_errors=True)
    res["total_s"] = time.perf_counter() - started
    res["verdicts"] = verdicts(res)
    return res


def verdicts(res: dict) -> list[tuple[str, str, str]]:
    real, cli, http = res.get("real", {}), res.get("cli", {}), res.get("http", {})
    rows = []

    def add(name: str, value, ok, text: str) -> None:
        rows.append((name, text if value is not None else "n/a",
                     "n/a" if value is None else ("met" if ok else "**missed**")))

    v = real.get("posterior", {}).get("median_ms")
    add("posterior, real KB <= 0.5 ms median", v, v is not None and v <= 0.5, fmt(v))
    v = real.get("answer", {}).get("median_ms")
    add("whole answer with next steps, real KB <= 2 ms median", v, v is not None and v <= 2.0, fmt(v))
    # judged on the child's CPU time (user+sys): its wall time on the shared machine measures the
    # neighbours too (wall median and min are reported beside it)
    w = cli.get("hyperfine", {}).get("median_s") or cli.get("subprocess", {}).get("wall_median_s")
    wmin = cli.get("subprocess", {}).get("wall_min_s")
    v = cli.get("subprocess", {}).get("cpu_median_s")
    add("`crampkg explain --json` cold <= 0.3 s (CPU user+sys)", v, v is not None and v <= 0.3,
        f"{v:.3f} s CPU median (wall {w:.3f} s median, {wmin:.3f} s min)" if v is not None and w and wmin else "")
    v = http.get("rps")
    add("POST /explain >= 1,000 req/s at concurrency 8", v, v is not None and v >= 1000,
        f"{v:,.0f} req/s (server CPU bound: {http.get('server_cpu_bound_rps', 0):,.0f} req/s)" if v else "")
    v = http.get("p99_ms")
    add("POST /explain p99 < 25 ms at concurrency 8", v, v is not None and v < 25, fmt(v))
    r = real.get("pyagrum", {}).get("ratio_vs_crampkg")
    add("posterior at least as fast as pyAgrum LazyPropagation", r, r is not None and r >= 1.0,
        f"pyAgrum / crampkg = {r:.2f}x" if r else "")
    r = real.get("pgmpy", {}).get("ratio_vs_crampkg")
    add("posterior >= 100x faster than pgmpy VariableElimination", r, r is not None and r >= 100,
        f"{r:,.0f}x" if r else "")
    s = res.get("synthetic", {}).get("x100", {})
    v = s.get("answer", {}).get("median_ms")
    add("x100: whole answer <= 20 ms median (cases of 1-6 findings)", v if v is not None else s.get("error"),
        v is not None and v <= 20, fmt(v) if v is not None else f"no answer: {s.get('error', 'n/a')}")
    s = res.get("synthetic", {}).get("x100, 5 % rewired", {})
    v = s.get("answer", {}).get("median_ms")
    if s:
        rows.append(("(same, x100 with 5 % of links rewired instead of 20 %)",
                     fmt(v) if v is not None else f"no answer: {s.get('error', 'n/a')}",
                     "met" if v is not None and v <= 20 else "**missed**"))
    s = res.get("synthetic", {}).get("x1000", {})
    v = s.get("answer", {}).get("median_ms")
    rows.append(("x1000: report the figure and the share answered exactly",
                 (f"{fmt(v)}, exact {s.get('exact_share', 0):.0%}" if v is not None
                  else f"no answer: {s.get('error', 'n/a')}"), "reported"))
    return rows


def write_md(res: dict) -> str:
    real, cli, http = res.get("real", {}), res.get("cli", {}), res.get("http", {})
    m = res.get("machine", {})
    la = res.get("load_average_start", (0, 0, 0))
    lines = [f"# crampkg Bayesian-network benchmarks ({res['date']})", "",
             f"Commit {res.get('commit', '?')}" + (" (src/crampkg/inference modified in the work tree)"
                                                    if res.get("inference_modified") else "") + ". "
             f"Machine: {m.get('cpu', '')}, {m.get('cores')} cores, Python {m.get('python', '')}; load average "
             f"at start {la[0]:.1f} (the machine is shared: in-process figures are CPU time, medians over "
             "cases of per-case medians).", ""]
    if "network" in real:
        n = real["network"]
        lines += [f"Real knowledge base: {n['nodes']} nodes, {n['cliques']} cliques, treewidth {n['width']} "
                  f"(largest clique table {n['largest_clique_entries']} entries), {n['causes']} causes, "
                  f"{n['candidates']} questions/tests; {real['posterior']['cases']} article cases; compile "
                  f"{real['cpu_compile_s'] * 1e3:.0f} ms CPU.", ""]
    lines += ["| | median | slowest case | fastest case |", "|---|---|---|---|"]
    for key, name in (("propagation", "one propagation (all cliques asked)"),
                      ("posterior", "`engine.posterior` (propagation + P(no modelled cause))"),
                      ("answer", "whole answer with next steps (`kb.explain`)")):
        r = real.get(key)
        if r:
            lines.append(f"| {name} | {fmt(r['median_ms'])} | {fmt(r['max_case_ms'])} | {fmt(r['min_case_ms'])} |")
    for key, name in (("pyagrum", "pyAgrum LazyPropagation, same network and evidence"),
                      ("pgmpy", "pgmpy VariableElimination, same network and evidence")):
        r = real.get(key, {})
        if "posterior" in r:
            p = r["posterior"]
            lines.append(f"| {name} ({r['version']}; max abs diff {r['max_abs_diff_vs_crampkg']:.1e}) | "
                         f"{fmt(p['median_ms'])} ({r['ratio_vs_crampkg']:.2f}x crampkg's posterior) | "
                         f"{fmt(p['max_case_ms'])} | {fmt(p['min_case_ms'])} |")
        elif r:
            lines.append(f"| {name} | {r.get('skipped', r.get('error'))} | | |")
    if "propagations_per_answer" in real:
        lines += ["", f"Propagations per answer (per case): {real['propagations_per_answer']}."]
    if "answer_parts" in real:
        lines += ["", "Where an answer's CPU goes (case 1, each step timed alone, median):", ""]
        lines += [f"- {k}: {fmt(v)}" for k, v in real["answer_parts"].items()]
    lines += ["", "Cold CLI:", ""]
    if "subprocess" in cli:
        s = cli["subprocess"]
        lines.append(f"- `{cli['command']}`: wall median {s['wall_median_s']:.3f} s (min {s['wall_min_s']:.3f} s), "
                     f"CPU (user+sys) median {s['cpu_median_s']:.3f} s, {s['runs']} runs")
    if "hyperfine" in cli:
        h = cli["hyperfine"]
        lines.append(f"- hyperfine: median {h['median_s']:.3f} s, mean {h['mean_s']:.3f} s, min {h['min_s']:.3f} s, "
                     f"user {h['user_s']:.3f} s, system {h['system_s']:.3f} s")
    if "cpu_breakdown_s" in cli:
        lines.append("- CPU of a cold process by step: " + ", ".join(
            f"{k} {v * 1e3:.0f} ms" for k, v in cli["cpu_breakdown_s"].items()))
    if "compile_profile" in cli:
        lines.append("- inside the compile (cProfile, cumulative; profiler overhead included): " + ", ".join(
            f"{k} {v['cum_s'] * 1e3:.0f} ms ({v['calls']} calls)" for k, v in cli["compile_profile"].items()))
    if "error" in cli:
        lines.append(f"- error: {cli['error']}")
    lines += ["", "`POST /explain` through `crampkg serve` (raw asyncio client on the same machine, keep-alive):", ""]
    if "rps" in http:
        lines.append(f"- {http['rps']:,.0f} req/s, median {fmt(http['median_ms'])}, p99 {fmt(http['p99_ms'])}, "
                     f"{http['requests']} requests at concurrency {http['concurrency']}, errors {http['errors']}; "
                     f"server CPU {http['server_cpu_ms_per_request']:.2f} ms per request (a single event loop "
                     f"can serve at most ~{http['server_cpu_bound_rps']:,.0f} req/s); client CPU "
                     f"{http['client_cpu_ms_per_request']:.2f} ms per request")
        lines.append("- runs: " + "; ".join(f"{r['rps']:,.0f} req/s p99 {fmt(r['p99_ms'])}" for r in http["runs"]))
    elif http:
        lines.append(f"- {http.get('error')}")
    lines += ["", "Synthetic knowledge bases (benchmarks/synthetic.py, new schema):", "",
              "| | triples | nodes | treewidth | compile (CPU) | whole answer median (cases of 1-6 findings) | "
              "slowest case | exact |", "|---|---|---|---|---|---|---|---|"]
    for scale, s in res.get("synthetic", {}).items():
        man = s.get("manifest", {})
        net = s.get("network", {})
        if "answer" in s:
            lines.append(f"| {scale} | {man.get('triples', 0):,} | {net.get('nodes', 'n/a')} | {net.get('width', 'n/a')} | "
                         f"{s['cpu_compile_s']:.2f} s | {fmt(s['answer']['median_ms'])} ({s['answer']['cases']} cases) | "
                         f"{fmt(s['answer']['max_case_ms'])} | {s['exact_share']:.0%} |")
        else:
            mg = s.get("moral_graph", {})
            lines.append(f"| {scale} | {man.get('triples', 0):,} | {mg.get('nodes', 'n/a')} | "
                         f"<= {mg.get('treewidth_upper_bound', 'n/a')} (bound) | not compiled | no answer: "
                         f"{s.get('error')} | | 0 % |")
    lines += ["", "Targets:", "", "| target | measured | verdict |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in res["verdicts"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    kind, rest = argv[0], argv[1:]
    if kind == "inproc":
        print(json.dumps(bench_inproc(float(rest[0]) if rest else 20.0)))
    elif kind == "synthetic":
        print(json.dumps(bench_synthetic(rest[0], float(rest[1]) if len(rest) > 1 else 30.0)))
    elif kind == "cli":
        print(json.dumps(bench_cli(int(rest[0]) if rest else 10)))
    elif kind == "http":
        print(json.dumps(bench_http(int(rest[0]) if rest else 5000)))
    elif kind == "report":  # rewrite bn_results.md (and the verdicts) from bn_results.json
        res = json.loads((RESULTS / "bn_results.json").read_text())
        res["verdicts"] = verdicts(res)
        atomic_write_bytes(RESULTS / "bn_results.json", json.dumps(res, indent=2, default=str).encode())
        atomic_write_bytes(RESULTS / "bn_results.md", write_md(res).encode())
        print(write_md(res))
    elif kind == "all":
        res = run_all(quick="--quick" in rest, snapshot="--snapshot" in rest)
        RESULTS.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(RESULTS / "bn_results.json", json.dumps(res, indent=2, default=str).encode())
        text = write_md(res)
        atomic_write_bytes(RESULTS / "bn_results.md", text.encode())
        print(text)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
