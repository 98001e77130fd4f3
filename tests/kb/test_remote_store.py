"""The same library on an existing triple store: Oxigraph server holding ``crampkg export --inferred``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from _sparql_server import free_port
from crampkg import KnowledgeBase
from crampkg.kb import queries as Q

pytestmark = pytest.mark.slow

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))


@pytest.fixture(scope="module")
def remote_url(kb, tmp_path_factory) -> str:
    if not Path(OXIGRAPH).exists():
        pytest.skip("the oxigraph server CLI is not installed (pip install oxigraph)")
    folder = tmp_path_factory.mktemp("oxigraph")
    data = folder / "crampkg.nt"
    data.write_bytes(kb.export(fmt="nt", inferred=True))
    subprocess.run([OXIGRAPH, "load", "--location", str(folder / "db"), "--file", str(data)],
                   check=True, capture_output=True, timeout=120)
    port = free_port()
    process = subprocess.Popen([OXIGRAPH, "serve-read-only", "--location", str(folder / "db"),
                                "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("oxigraph serve-read-only did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def remote(remote_url: str) -> KnowledgeBase:
    return KnowledgeBase.connect(remote_url)


CASES = [
    ("causes_of_finding", {"finding": "calf cramp at night"}),  # KB 0.2.0: "tap water only" has no cause link
    ("causes_of_finding", {"finding": "CRAMPKG_0000100"}),  # a general finding: its specialisations' links
    ("findings_of_cause", {"cause": "magnesium deficiency"}),
    ("diagnostics_for_cause", {"cause": "magnesium deficiency"}),
    ("interventions_for_cause", {"cause": "magnesium deficiency", "phase": "prevention"}),
    ("interventions_for_cause", {"cause": "magnesium deficiency"}),
    ("prevention_advice", {}),
    ("when_to_see_doctor", {}),
    ("sources_of_assertion", {"id": "CRAMPKG_0000301"}),
    ("causal_chain", {"cause": "magnesium deficiency"}),
    ("rank_causes", {"present": ["calf cramp at night", "tap water only"], "absent": ["pregnant"]}),
    ("all_causes", {}),
]


def _rows(result: Q.QueryResult) -> Counter:
    def value(v):
        return round(v, 6) if isinstance(v, float) else v
    return Counter(tuple((k, value(v)) for k, v in sorted(r.items())) for r in result.rows)


@pytest.mark.parametrize("name, params", CASES)
def test_named_queries_agree(kb, remote, name: str, params: dict) -> None:
    embedded = Q.run(kb, name, **params)
    answered = Q.run(remote, name, **params)
    assert embedded.rows, name
    assert answered.variables == embedded.variables
    assert _rows(answered) == _rows(embedded)


EXPLAIN_CASES = [(["calf cramp at night", "tap water only"], []),
                 (["calf cramp during or after exertion"], ["drinks little"]),
                 (["marathon", "untrained", "drinks little"], ["pregnant"]),
                 (["low blood magnesium", "measures have not helped"], ["takes statins"])]


def _steps(steps: list[dict]) -> dict:
    return {s["id"]: (round(s["information_gain"], 9), sorted(s["reveals"]), sorted(s["discriminates"])) for s in steps}


def test_explain_agrees(kb, remote) -> None:
    """The network is compiled from the store's triples (queries/kb/network_*.rq): the same
    posteriors, contributions, chains, advice and next steps on both stores."""
    for present, absent in EXPLAIN_CASES:
        embedded = kb.explain(present, absent)
        answered = remote.explain(present, absent)
        a, b = answered.to_dict(), embedded.to_dict()
        for key in ("findings", "hypotheses", "idiopathic", "interpretations", "actions", "red_flags", "exact",
                    "kb_version", "rules_fired", "hypotheses_omitted", "disclaimer"):
            assert a[key] == b[key], (present, key)
        # next steps: the same candidates with the same gains (the exact order: test below)
        assert _steps(a["questions"]) == _steps(b["questions"])
        assert _steps(a["tests"]) == _steps(b["tests"])
        for cause in ("magnesium deficiency", "circulatory disorder of the leg", "idiopathic leg cramps"):
            mine, theirs = kb.why_not(embedded, cause).to_dict(), remote.why_not(answered, cause).to_dict()
            for key in ("rank", "score", "leader", "contributions", "chain", "excluded_by"):
                assert theirs[key] == mine[key], (present, cause, key)
    assert remote.explain(["calf cramp"], robustness=True, draws=20).robustness == \
        kb.explain(["calf cramp"], robustness=True, draws=20).robustness


def test_explain_json_is_identical(kb, remote) -> None:
    for present, absent in EXPLAIN_CASES:
        assert json.dumps(remote.explain(present, absent).to_dict(), sort_keys=True) == \
            json.dumps(kb.explain(present, absent).to_dict(), sort_keys=True)


def test_findings_and_causes_agree(kb, remote) -> None:
    assert [t.id for t in remote.findings()] == [t.id for t in kb.findings()]
    assert [c.id for c in remote.causes()] == [c.id for c in kb.causes()]


def test_cli_query_with_store(remote_url: str) -> None:
    out = subprocess.run([sys.executable, "-m", "crampkg.cli", "--store", remote_url, "query", "causes_of_finding",
                          "--param", "finding=calf cramp at night", "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    labels = {row["causeLabel"] for row in json.loads(out.stdout)["rows"]}
    assert "magnesium deficiency" in labels
    bad = subprocess.run([sys.executable, "-m", "crampkg.cli", "--store", remote_url, "query", "nope"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "known queries" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_check_over_the_store(remote_url: str) -> None:
    """`check --store` runs shapes, QC and HermiT over what the store holds (issue 12)."""
    out = subprocess.run([sys.executable, "-m", "crampkg.cli", "check", "--store", remote_url, "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode in (0, 1), out.stdout + out.stderr
    report = json.loads(out.stdout)
    local = subprocess.run([sys.executable, "-m", "crampkg.cli", "check", "--json"],
                           capture_output=True, text=True, timeout=300)
    expected = json.loads(local.stdout)
    # the store holds the same knowledge base (plus entailed triples): the same findings, problems or none
    assert (out.returncode, report["counts"], report["claims"]) == (local.returncode, expected["counts"],
                                                                     expected["claims"])
    assert sorted(report["problems"]) == sorted(expected["problems"])
    assert any(remote_url in note for note in report["notes"])
    assert any(note.startswith("HermiT: consistent") for note in report["notes"])
    assert {"shapes", "qc", "hermit"} <= set(report["timings"])


@pytest.mark.parametrize("fmt, parser", [("nt", "nt"), ("ttl", "turtle"), ("xml", "xml")])
def test_cli_export_dumps_the_store(kb, remote_url: str, fmt: str, parser: str) -> None:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    out = subprocess.run([sys.executable, "-m", "crampkg.cli", "export", "--store", remote_url, "--format", fmt],
                         capture_output=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stderr == b""
    assert isomorphic(_same_decimals(Graph().parse(data=out.stdout, format=parser)),
                      _same_decimals(kb.rdflib_graph(inferred=True)))


def _same_decimals(graph):
    """Oxigraph stores decimals canonically ("0.90" comes back as "0.9"): compare values, not spellings."""
    from decimal import Decimal

    from rdflib import XSD, Graph, Literal

    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            o = Literal(str(Decimal(str(o)).normalize()), datatype=XSD.decimal)
        out.add((s, p, o))
    return out


def test_connect_as_a_context_manager(remote_url: str) -> None:
    from crampkg.errors import KnowledgeBaseError

    with KnowledgeBase.connect(remote_url) as remote:
        assert remote.store.ask("ASK { ?s ?p ?o }")
    assert remote.closed
    with pytest.raises(KnowledgeBaseError, match="closed"):
        remote.store.ask("ASK { ?s ?p ?o }")


def test_remote_store_answers_every_form(kb, remote) -> None:
    """SELECT, ASK and CONSTRUCT with typed bindings: the same answers as the embedded store."""
    from crampkg.kb.stores import Value

    kind = {"c": Value("https://w3id.org/crampkg/CRAMPKG_0000021", "iri")}
    select = "SELECT ?s WHERE { ?s a ?c }"
    assert sorted(r["s"].value for r in remote.store.select(select, kind)) == \
        sorted(r["s"].value for r in kb.store.select(select, kind))
    assert remote.store.select(select, kind).variables == ("s",)
    assert remote.store.ask("ASK { ?s a ?c }", kind)
    construct = "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c }"
    assert set(remote.store.construct(construct, kind)) == set(kb.store.construct(construct, kind))
    graph = Q.run_sparql(remote, "CONSTRUCT WHERE { ?s a <https://w3id.org/crampkg/CRAMPKG_0000021> }")
    embedded = Q.run_sparql(kb, "CONSTRUCT WHERE { ?s a <https://w3id.org/crampkg/CRAMPKG_0000021> }")
    assert sorted(map(repr, graph.rows)) == sorted(map(repr, embedded.rows)) and len(graph.rows) == 5
