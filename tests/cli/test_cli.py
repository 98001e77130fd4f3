"""The console script, run as a real process: output, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import pairwise
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
    lines = out.splitlines()
    # 0.2.0: posteriors, which do not sum to 1, in a tree (a subclass indented under its parent)
    header = next(line for line in lines if line.startswith("rank "))
    assert "cause" in header and "prob." in header
    assert "do not sum to 1" in out
    parent = next(line for line in lines if "electrolyte imbalance" in line and line[:1].isdigit())
    child = next(line for line in lines if "magnesium deficiency" in line and line[:1].isdigit())
    assert lines.index(parent) < lines.index(child)
    import re

    def indent(line):
        return len(re.match(r"^\d+(\s+)", line).group(1))

    assert indent(child) > indent(parent)
    assert "insufficient fluid intake (reported)" in out and "low-mineral tap water consumption (reported)" in out
    assert "no modelled cause (idiopathic leg cramps)" in out
    assert "Questions to ask" in out and "Tests to do" in out and "blood laboratory examination" in out
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
    # "takes statins" is a synonym; the label is the article's words (issue 9)
    assert {f["label"] for f in data["findings"]["absent"]} == {"takes cholesterol-lowering drugs", "untrained"}
    assert data == kb.explain(["calf cramp at night", "pregnant"], ["takes statins", "untrained"]).to_dict()


def test_explain_why_not():
    result = run("explain", "takes statins", "muscle aches", "--why-not", "magnesium deficiency")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("magnesium deficiency has probability")
    assert "(rank " in result.stdout and "cholesterol-lowering drug side effect leads" in result.stdout
    # the step that would change it most is one not yet known
    assert "What would change it most:" in result.stdout
    step = result.stdout.split("What would change it most:")[-1]
    assert "takes" not in step and "muscle aches" not in step


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
    import re

    from crampkg.quality.provenance import article_text, collapse

    levels = [re.match(r"^([1-5]) (.+?)\s+(0\.\d+)\s+(.+)$", line) for line in result.stdout.splitlines()]
    levels = [m for m in levels if m]
    # the ordinal scale, highest first, with strictly decreasing numbers (noisy-OR weights, 0.2.0)
    assert [m.group(1) for m in levels] == ["5", "4", "3", "2", "1"]
    assert [m.group(2) for m in levels] == ["almost always", "usually", "often", "can", "sometimes"]
    numbers = [float(m.group(3)) for m in levels]
    assert all(0 < b < a < 1 for a, b in pairwise(numbers))
    # every wording a level is read from is the article's
    article = collapse(article_text()).lower()
    for m in levels:
        for wording in m.group(4).split(", "):
            assert wording.lower() in article, wording
    for role in ("confirms", "supports", "rules_out"):
        assert f"role {role}" in result.stdout
    assert "report link has no number" in result.stdout


def test_build_release_to_a_file_matches_the_shipped_release(tmp_path):
    from crampkg.kb import resources

    out = tmp_path / "crampkg.owl"
    result = run("build-release", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == resources.release_path().read_bytes()


def test_check_exits_1_and_names_the_problem_on_a_broken_knowledge_base(tmp_path):
    import shutil

    from crampkg.kb import resources

    shutil.copy(resources.ontology_dir() / "crampkg.ttl", tmp_path)
    shutil.copytree(resources.ontology_dir() / "content", tmp_path / "content")
    path = tmp_path / "content" / "associations.ttl"
    text = path.read_text()
    # drop the strength of one association (magnesium deficiency -> calf cramp at night): shapes and
    # QC must both see it
    start = text.index(":CRAMPKG_0001000 a ")
    end = text.index("\n\n", start)
    block = text[start:end]
    broken = text[:start] + block.replace("    :CRAMPKG_0000032 :CRAMPKG_0000073 ;\n", "", 1) + text[end:]
    assert broken != text
    path.write_text(broken)
    result = run("--kb", str(tmp_path), "check", "--no-reasoner")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CRAMPKG_0001000" in result.stdout
    assert "problem" in result.stdout
