"""The command line as users type it (issue 12): options where users put them, several absent
findings, one-line errors, findings search, --why-not, completion, --version; each runs the
installed ``crampkg`` as a real process."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from crampkg import KnowledgeBase, errors
from crampkg.cli import main
from crampkg.cli.explain import absent_values
from crampkg.errors import KnowledgeBaseError, UnknownCauseError
from crampkg.kb import queries as Q
from crampkg.kb import resources

CRAMPKG = str(Path(sys.executable).with_name("crampkg"))
TAKES_STATINS, PREGNANT, UNTRAINED = "CRAMPKG_0000140", "CRAMPKG_0000141", "CRAMPKG_0000135"
CALF_CRAMP_AT_NIGHT, MAGNESIUM_DEFICIENCY = "CRAMPKG_0000101", "CRAMPKG_0000301"
UNREACHABLE = "http://127.0.0.1:9/sparql"  # the discard port: nothing listens there


def run(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([CRAMPKG, *args], capture_output=True, text=True, timeout=timeout, **kwargs)


def assert_one_line_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + (result.stdout or "")
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crampkg: error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def findings_of(result: subprocess.CompletedProcess) -> tuple[set[str], set[str]]:
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)["findings"]
    return {f["id"] for f in data["present"]}, {f["id"] for f in data["absent"]}


# ---------------------------------------------------------------------- options after the command
# the arguments each command needs besides --kb/--store (serve on a free port: it fails before serving)
COMMAND_ARGS = {
    "explain": ["calf cramp at night"], "findings": [], "causes": [], "check": ["--no-reasoner"],
    "export": [], "query": ["all_causes"], "sparql": ["ASK {}"], "strengths": [],
    "serve": ["--port", "0"], "build-release": ["-o", "release.owl"],
}


def test_every_command_is_covered_here():
    assert set(COMMAND_ARGS) == set(main.commands)


@pytest.mark.parametrize("command", sorted(COMMAND_ARGS))
@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_kb_before_and_after_every_command(command, before, tmp_path):
    missing = str(tmp_path / "no-such-kb")
    options = ["--kb", missing]
    args = [*options, command, *COMMAND_ARGS[command]] if before else [command, *COMMAND_ARGS[command], *options]
    result = run(*args, cwd=tmp_path)
    assert_one_line_error(result, "no such knowledge base file or folder", missing)


@pytest.mark.parametrize("command", sorted(set(COMMAND_ARGS) - {"serve", "build-release"}))
def test_store_after_every_command_that_reads_a_store(command, tmp_path):
    result = run(command, *COMMAND_ARGS[command], "--store", UNREACHABLE, cwd=tmp_path)
    assert_one_line_error(result, "cannot reach SPARQL endpoint", UNREACHABLE)


@pytest.mark.parametrize("command, needle", [("build-release", "cannot read --store"),
                                             ("serve", "needs the embedded knowledge base")])
def test_store_is_refused_in_one_line_where_it_makes_no_sense(command, needle, tmp_path):
    for args in (["--store", UNREACHABLE, command, *COMMAND_ARGS[command]],
                 [command, *COMMAND_ARGS[command], "--store", UNREACHABLE]):
        assert_one_line_error(run(*args, cwd=tmp_path), needle)
    assert not (tmp_path / "release.owl").exists()


def test_kb_after_the_command_is_used(tmp_path):
    shutil.copy(resources.ontology_dir() / "crampkg.ttl", tmp_path)
    shutil.copytree(resources.ontology_dir() / "content", tmp_path / "content")
    default = run("explain", "calf cramp at night", "--json")
    moved = run("explain", "calf cramp at night", "--json", "--kb", str(tmp_path))
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout) == json.loads(default.stdout)


def test_kb_and_store_exclude_each_other_and_conflicting_repeats_are_refused(tmp_path):
    assert_one_line_error(run("--kb", str(tmp_path), "explain", "cramp", "--store", UNREACHABLE), "exclude each other")
    assert_one_line_error(run("--kb", str(tmp_path), "findings", "--kb", str(tmp_path / "other")), "given twice")


def test_build_release_with_kb_needs_an_output_file(tmp_path):
    assert_one_line_error(run("build-release", "--kb", str(resources.ontology_dir())), "needs -o FILE")
    out = tmp_path / "crampkg.owl"
    result = run("build-release", "--kb", str(resources.ontology_dir()), "-o", str(out))
    assert result.returncode == 0, result.stderr
    packaged = tmp_path / "packaged.owl"
    assert run("build-release", "-o", str(packaged)).returncode == 0
    assert out.read_bytes() == packaged.read_bytes()


# ---------------------------------------------------------------------- --absent with several values
def test_absent_takes_several_values_none_becomes_present():
    present, absent = findings_of(run("explain", CALF_CRAMP_AT_NIGHT, "--absent", TAKES_STATINS, PREGNANT, "--json"))
    assert present == {CALF_CRAMP_AT_NIGHT}
    assert absent == {TAKES_STATINS, PREGNANT}


def test_absent_repeated_and_with_equals_sign():
    present, absent = findings_of(run("explain", CALF_CRAMP_AT_NIGHT, "--absent", TAKES_STATINS,
                                      f"--absent={PREGNANT}", UNTRAINED, "--json"))
    assert present == {CALF_CRAMP_AT_NIGHT}
    assert absent == {TAKES_STATINS, PREGNANT, UNTRAINED}


def test_absent_values_end_at_the_next_option_or_double_dash():
    present, absent = findings_of(run("explain", "--absent", TAKES_STATINS, "--json", "--", CALF_CRAMP_AT_NIGHT))
    assert (present, absent) == ({CALF_CRAMP_AT_NIGHT}, {TAKES_STATINS})
    present, absent = findings_of(run("explain", "--absent", TAKES_STATINS, "--top", "3", CALF_CRAMP_AT_NIGHT,
                                      "--json"))
    assert (present, absent) == ({CALF_CRAMP_AT_NIGHT}, {TAKES_STATINS})


def test_absent_values_rewriting():
    assert absent_values(["a", "--absent", "b", "c", "--json", "d"]) == [
        "a", "--absent", "b", "--absent", "c", "--json", "d"]
    assert absent_values(["--absent", "-x", "y"]) == ["--absent", "-x", "--absent", "y"]
    assert absent_values(["--absent", "b", "--", "c", "--absent"]) == ["--absent", "b", "--", "c", "--absent"]
    assert absent_values(["--case", "f.json", "x"]) == ["--case", "f.json", "x"]


def test_absent_without_a_value_is_a_one_line_usage_error():
    assert_one_line_error(run("explain", CALF_CRAMP_AT_NIGHT, "--absent"), "--absent")


# ---------------------------------------------------------------------- one-line errors, exit 2
@pytest.mark.parametrize("args, needle", [
    (["explain", "--bogus"], "--bogus"),
    (["--bogus"], "--bogus"),
    (["no-such-command"], "no-such-command"),
    (["export", "--format", "bogus"], "bogus"),
    (["sparql"], "QUERY"),
    (["serve", "--port", "70000"], "70000"),
    (["explain"], "FINDING"),
])
def test_usage_errors_are_one_line(args, needle):
    assert_one_line_error(run(*args), needle)


def test_serve_on_a_busy_port_is_one_line_and_prints_no_serving_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = run("serve", "--port", str(port), timeout=60)
    assert_one_line_error(result, f"127.0.0.1:{port}", "in use")
    assert "serving" not in result.stderr


def test_export_write_errors_are_one_line(tmp_path):
    assert_one_line_error(run("export", "-o", str(tmp_path / "missing" / "kb.ttl")), "cannot write",
                          str(tmp_path / "missing" / "kb.ttl"))
    assert_one_line_error(run("export", "-o", str(tmp_path)), "cannot write", str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_on_stdout_is_one_line():
    with open("/dev/full", "w") as full:
        result = subprocess.run([CRAMPKG, "export"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert_one_line_error(result, "No space left")


# ---------------------------------------------------------------------- findings
def test_findings_json_lists_every_name_explain_accepts(kb):
    result = run("findings", "--json")
    assert result.returncode == 0, result.stderr
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {t.id for t in kb.findings()}
    with_german = [t for t in kb.findings() if t.label_de]
    assert with_german, "the knowledge base has German labels"
    for term in kb.findings():
        row = rows[term.id]
        assert row["label"] == term.label and row["label_de"] == term.label_de
        assert row["synonyms"] == list(term.synonyms)
        if term.label_de:
            assert term.label_de in row["names"]
        for name in row["names"]:
            assert kb.resolve_finding(name).id == term.id


def test_findings_search_shows_the_name_that_matched(kb):
    term = kb.term(CALF_CRAMP_AT_NIGHT)
    assert term.label_de
    result = run("findings", "--search", term.label_de.upper())
    assert result.returncode == 0, result.stderr
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith(CALF_CRAMP_AT_NIGHT))
    assert f"matched: {term.label_de}" in line
    data = json.loads(run("findings", "--search", term.label_de, "--json").stdout)
    assert term.label_de in next(r for r in data if r["id"] == CALF_CRAMP_AT_NIGHT)["matched"]


def test_findings_search_without_a_match_exits_1_with_a_hint():
    result = run("findings", "--search", "zzzqqq")
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "zzzqqq" in result.stderr
    assert "crampkg findings" in result.stderr


def test_findings_search_does_not_match_every_id(kb):
    """Every id contains "crampkg": searching a word must not list every finding through its id."""
    result = run("findings", "--search", "cramp", "--json")
    rows = json.loads(result.stdout)
    assert 0 < len(rows) < len(kb.findings())
    assert json.loads(run("findings", "--search", CALF_CRAMP_AT_NIGHT, "--json").stdout)[0]["id"] == CALF_CRAMP_AT_NIGHT


# ---------------------------------------------------------------------- --why-not, rows, disclaimer
def test_why_not_given_a_finding_says_it_is_a_finding(kb):
    result = run("explain", CALF_CRAMP_AT_NIGHT, "--why-not", CALF_CRAMP_AT_NIGHT)
    assert_one_line_error(result, "is a finding", "not a cause")
    with pytest.raises(errors.FindingNotCauseError):
        kb.resolve_cause(CALF_CRAMP_AT_NIGHT)
    assert issubclass(errors.FindingNotCauseError, UnknownCauseError)


@pytest.mark.parametrize("empty", ["", "  "])
def test_why_not_empty_is_an_error(empty):
    assert_one_line_error(run("explain", CALF_CRAMP_AT_NIGHT, "--why-not", empty), "--why-not")


def test_one_row_is_one_row():
    result = run("sparql", "SELECT ?x WHERE { VALUES ?x { 1 } }")
    assert result.returncode == 0, result.stderr
    assert "(1 row)" in result.stderr and "rows" not in result.stderr
    assert "(2 rows)" in run("sparql", "SELECT ?x WHERE { VALUES ?x { 1 2 } }").stderr


def test_the_report_disclaimer_names_no_internal_key():
    result = run("explain", CALF_CRAMP_AT_NIGHT)
    assert result.returncode == 0, result.stderr
    assert "see_doctor" not in result.stdout
    assert "does not diagnose" in result.stdout
    data = json.loads(run("explain", CALF_CRAMP_AT_NIGHT, "--json").stdout)
    assert "see_doctor" not in data["disclaimer"] and "doctor" in data["disclaimer"]


def test_export_xml_prints_no_warnings(kb, tmp_path):
    result = subprocess.run([CRAMPKG, "export", "--format", "xml"], capture_output=True, timeout=120)
    assert result.returncode == 0
    assert result.stderr == b""
    graph = rdflib.Graph().parse(data=result.stdout, format="xml")
    assert isomorphic(graph, kb.rdflib_graph())


# ---------------------------------------------------------------------- help, version, completion
def test_help_lists_every_command():
    result = run("--help")
    assert result.returncode == 0
    listed = {line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(main.commands)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| CLI |"))
    assert {c.strip("` ") for c in row.split("|")[3].split(",")} == set(main.commands)


def test_version_shows_the_knowledge_base_version(kb):
    result = run("--version")
    assert result.returncode == 0, result.stderr
    assert kb.version_iri in result.stdout and result.stdout.startswith("crampkg ")


def test_bash_completion():
    env = dict(os.environ, _CRAMPKG_COMPLETE="bash_source")
    script = subprocess.run([CRAMPKG], capture_output=True, text=True, env=env, timeout=60)
    assert script.returncode == 0 and "complete " in script.stdout and "_crampkg_completion" in script.stdout
    env = dict(os.environ, _CRAMPKG_COMPLETE="bash_complete", COMP_WORDS="crampkg ex", COMP_CWORD="1")
    words = subprocess.run([CRAMPKG], capture_output=True, text=True, env=env, timeout=60).stdout.split()
    assert {"plain,explain", "plain,export"} <= set(words)
    env = dict(os.environ, _CRAMPKG_COMPLETE="bash_complete", COMP_WORDS="crampkg explain --st", COMP_CWORD="2")
    assert "plain,--store" in subprocess.run([CRAMPKG], capture_output=True, text=True, env=env, timeout=60).stdout


# ---------------------------------------------------------------------- check runs HermiT on --kb
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")
def test_check_reasons_over_the_kb_it_was_given(tmp_path):
    shutil.copy(resources.ontology_dir() / "crampkg.ttl", tmp_path)
    shutil.copytree(resources.ontology_dir() / "content", tmp_path / "content")
    # a class below two disjoint classes: unsatisfiable, which only HermiT sees
    (tmp_path / "content" / "zz-unsatisfiable.ttl").write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/crampkg/test/A> a owl:Class . <https://w3id.org/crampkg/test/B> a owl:Class ;"
        " owl:disjointWith <https://w3id.org/crampkg/test/A> .\n"
        "<https://w3id.org/crampkg/test/C> a owl:Class ; rdfs:subClassOf <https://w3id.org/crampkg/test/A>,"
        " <https://w3id.org/crampkg/test/B> .\n")
    result = run("check", "--kb", str(tmp_path), timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "HermiT: unsatisfiable class https://w3id.org/crampkg/test/C" in result.stdout


# ---------------------------------------------------------------------- library: closing
def test_knowledge_base_as_a_context_manager_closes_its_store():
    with KnowledgeBase.load() as kb:
        assert not kb.closed
        assert Q.run_sparql(kb, "ASK { ?s ?p ?o }").rows == [{"boolean": True}]
        answer = kb.explain([CALF_CRAMP_AT_NIGHT])
    assert kb.closed
    with pytest.raises(KnowledgeBaseError, match="closed"):
        Q.run_sparql(kb, "ASK { ?s ?p ?o }")
    with pytest.raises(KnowledgeBaseError, match="closed"):
        kb.export("nt")
    assert kb.explain([CALF_CRAMP_AT_NIGHT]).to_dict() == answer.to_dict()  # the index stays
    kb.close()  # idempotent


def test_close_before_the_store_was_ever_loaded():
    kb = KnowledgeBase.load()
    kb.close()
    with pytest.raises(KnowledgeBaseError, match="closed"):
        kb.store.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
