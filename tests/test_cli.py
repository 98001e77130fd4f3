"""The console script, run as a real process: output, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CRAMPKG = str(Path(sys.executable).with_name("crampkg"))


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([CRAMPKG, *args], capture_output=True, text=True, timeout=timeout)


def assert_clean_error(result: subprocess.CompletedProcess, code: int = 2) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_explain_table():
    result = run("explain", "calf cramp at night", "drinks little", "tap water only")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "magnesium deficiency" in out
    assert "rank" in out and "score" in out
    assert "does not diagnose" in out
    assert "See a doctor" in out


def test_explain_json_matches_the_library(kb):
    result = run("explain", "takes statins", "muscle aches", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == kb.explain(["takes statins", "muscle aches"]).to_dict()


def test_explain_absent_and_case_file(tmp_path, kb):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"present": ["pregnant"], "absent": ["takes statins"]}))
    result = run("explain", "calf cramp at night", "--case", str(case), "--absent", "untrained", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {f["label"] for f in data["findings"]["present"]} == {"calf cramp at night", "pregnant"}
    assert {f["label"] for f in data["findings"]["absent"]} == {"takes statins", "untrained"}


def test_explain_why_not():
    result = run("explain", "takes statins", "muscle aches", "--why-not", "magnesium deficiency")
    assert result.returncode == 0, result.stderr
    assert "magnesium deficiency is ranked" in result.stdout


def test_unknown_finding_exit_2_with_suggestions():
    result = run("explain", "calf cramp at nite")
    assert_clean_error(result)
    assert "calf cramp at nite" in result.stderr
    assert "did you mean" in result.stderr and "calf cramp at night" in result.stderr


def test_malformed_case_file_exit_2_with_position(tmp_path):
    case = tmp_path / "case.json"
    case.write_text('{"present": ["calf cramp",]}')
    result = run("explain", "--case", str(case))
    assert_clean_error(result)
    assert "line 1, column" in result.stderr


def test_malformed_turtle_case_exit_2_with_position(tmp_path):
    case = tmp_path / "case.ttl"
    case.write_text("@prefix ck: <https://w3id.org/crampkg/> .\n<#me> a ck:CRAMPKG_0000023 ;\n ck:CRAMPKG_0000041 ,, .\n")
    result = run("explain", "--case", str(case))
    assert_clean_error(result)
    assert "line 3" in result.stderr


def test_explain_without_findings_is_a_usage_error():
    result = run("explain")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_findings_json_and_search(kb):
    result = run("findings", "--json")
    assert result.returncode == 0
    rows = json.loads(result.stdout)
    assert {r["id"] for r in rows} == {t.id for t in kb.findings()}
    assert all(set(r) == {"id", "label", "label_de", "synonyms", "names"} for r in rows)
    result = run("findings", "--search", "tap water", "--json")
    labels = {r["label"] for r in json.loads(result.stdout)}
    assert "tap water only" in labels
    assert "pregnant" not in labels


@pytest.mark.parametrize("fmt, fmt_name", [("ttl", "turtle"), ("nt", "nt"), ("xml", "xml")])
def test_export_parses_back(tmp_path, fmt, fmt_name, kb):
    import rdflib

    out = tmp_path / f"kb.{fmt}"
    result = run("export", "--format", fmt, "--inferred", "-o", str(out))
    assert result.returncode == 0, result.stderr
    graph = rdflib.Graph().parse(out, format=fmt_name)
    assert len(graph) > len(kb.rdflib_graph())  # the entailed triples were added
    mg = kb.resolve_cause("magnesium deficiency").iri
    cause_root = "https://w3id.org/crampkg/CRAMPKG_0000006"
    assert (rdflib.URIRef(mg), rdflib.RDFS.subClassOf, rdflib.URIRef(cause_root)) in graph


def test_check_passes_on_the_shipped_knowledge_base():
    result = run("check", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "problem" not in result.stdout
    assert "HermiT: consistent" in result.stdout


def test_causes_json_lists_priors_and_must_not_miss(kb):
    result = run("causes", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["id"] for r in rows} == {c.id for c in kb.causes()}
    assert any(r["must_not_miss"] for r in rows)
    assert next(r for r in rows if r["label"] == "idiopathic leg cramps")["prior"] == "usually"


def test_strengths_prints_the_scale_from_the_ontology():
    result = run("strengths")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    assert lines[0].startswith("5  almost always") and "LR+=18.0" in lines[0]


def test_build_release_to_a_file_matches_the_shipped_release(tmp_path):
    from crampkg import resources

    out = tmp_path / "crampkg.owl"
    result = run("build-release", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == resources.release_path().read_bytes()


def test_check_exits_1_and_names_the_problem_on_a_broken_knowledge_base(tmp_path):
    import shutil

    from crampkg import resources

    shutil.copy(resources.ontology_dir() / "crampkg.ttl", tmp_path)
    shutil.copytree(resources.ontology_dir() / "content", tmp_path / "content")
    path = tmp_path / "content" / "associations.ttl"
    text = path.read_text()
    # drop the strength of one association: shapes and QC must both see it
    broken = text.replace(":CRAMPKG_0000032 :CRAMPKG_0000073 ;\n    :CRAMPKG_0000060 \"At night calf cramps",
                          ":CRAMPKG_0000060 \"At night calf cramps", 1)
    assert broken != text
    path.write_text(broken)
    result = run("--kb", str(tmp_path), "check", "--no-reasoner")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CRAMPKG_0001000" in result.stdout
    assert "problem" in result.stdout
