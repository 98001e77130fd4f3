"""QC queries (queries/qc/*.rq) and crampkg.quality.validation.run_qc."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
import rdflib

from conftest_validation import (  # noqa: F401  (fixtures)
    QC_DATA,
    expected_ids,
    with_fixture,
)
from crampkg.errors import KnowledgeBaseError
from crampkg.kb import resources
from crampkg.quality.validation import (
    QcResult,
    _qc_rdflib,
    graph_to_store,
    load_qc_queries,
    run_qc,
)

QUERIES = load_qc_queries()
QUERY_IDS = [q.query_id for q in QUERIES]


def test_the_expected_checks_exist() -> None:
    assert set(QUERY_IDS) >= {
        "missing-label",
        "missing-definition",
        "duplicate-label",
        "multiple-labels",
        "dangling-reference",
        "link-without-source",
        "association-without-strength",
        "intervention-without-phase",
        "xref-not-curie",
        "cause-without-association",
    }


def test_every_query_has_a_bad_fixture_and_vice_versa() -> None:
    fixtures = {p.name.removesuffix(".bad.ttl") for p in QC_DATA.glob("*.bad.ttl")}
    assert fixtures == set(QUERY_IDS)


@pytest.mark.parametrize("query", QUERIES, ids=QUERY_IDS)
def test_header(query) -> None:
    lines = query.sparql.splitlines()
    assert lines[0] == f"# id: {query.query_id}"
    assert lines[1].startswith("# what: ") and query.what
    assert lines[2].startswith("# why: ") and query.why
    assert "SELECT" in query.sparql and "?entity" in query.sparql and "?problem" in query.sparql


def test_good_minimal_content_passes_every_check(base_graph: rdflib.Graph) -> None:
    failing = {r.query_id: r.rows for r in run_qc(base_graph) if r.rows}
    assert failing == {}


def test_real_knowledge_base_passes_every_check(kb_graph: rdflib.Graph) -> None:
    failing = {r.query_id: r.rows for r in run_qc(kb_graph) if r.rows}
    assert failing == {}, "\n".join(
        f"{qid}: {row}" for qid, rows in failing.items() for row in rows
    )


@pytest.mark.parametrize("query", QUERIES, ids=QUERY_IDS)
def test_bad_fixture_fires(base_graph: rdflib.Graph, query) -> None:
    fixture = QC_DATA / f"{query.query_id}.bad.ttl"
    (result,) = run_qc(with_fixture(base_graph, fixture), [query])
    assert isinstance(result, QcResult) and result.query_id == query.query_id
    assert result.rows, f"{query.query_id} did not fire on {fixture.name}"
    assert not result.passed
    entities = {row["entity"] for row in result.rows}
    assert set(expected_ids(fixture, "expect")) <= entities
    assert all(row["problem"] for row in result.rows)


@pytest.mark.parametrize("query", QUERIES, ids=QUERY_IDS)
def test_results_hold_no_blank_nodes_and_rdflib_agrees(base_graph: rdflib.Graph, query) -> None:
    """IRIs and literals only (remote stores), and the same rows from rdflib's engine (portable SPARQL 1.1)."""
    graph = with_fixture(base_graph, QC_DATA / f"{query.query_id}.bad.ttl")
    solutions = graph_to_store(graph).query(query.sparql)
    for solution in solutions:
        for variable in solutions.variables:
            assert not isinstance(solution[variable], pyoxigraph.BlankNode)
    assert _qc_rdflib(graph, query).rows == run_qc(graph, [query])[0].rows


def test_run_qc_accepts_a_pyoxigraph_store(base_graph: rdflib.Graph) -> None:
    store = graph_to_store(base_graph)
    results = run_qc(store)
    assert [r.query_id for r in results] == QUERY_IDS
    assert all(r.passed for r in results)


def test_run_qc_refuses_other_objects() -> None:
    with pytest.raises(TypeError):
        run_qc("not a graph")  # type: ignore[arg-type]


def test_queries_are_found_through_resources() -> None:
    assert {q.path.parent for q in QUERIES} == {resources.queries_dir() / "qc"}


def test_header_id_must_match_file_name(tmp_path: Path) -> None:
    (tmp_path / "a.rq").write_text("# id: b\n# what: x\n# why: y\nSELECT ?entity ?problem WHERE {}\n")
    with pytest.raises(KnowledgeBaseError, match="header id"):
        load_qc_queries(tmp_path)


def test_header_fields_are_required(tmp_path: Path) -> None:
    (tmp_path / "a.rq").write_text("# id: a\nSELECT ?entity ?problem WHERE {}\n")
    with pytest.raises(KnowledgeBaseError, match="what, why"):
        load_qc_queries(tmp_path)
