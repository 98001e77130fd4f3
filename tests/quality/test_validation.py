"""SHACL shapes (ontology/shapes/*.ttl) and crampkg.quality.validation.validate_graph."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, URIRef
from rdflib.namespace import SH

from conftest_validation import (  # noqa: F401  (fixtures)
    SHAPES_DATA,
    expected_ids,
    parse,
    with_fixture,
)
from crampkg.kb import resources
from crampkg.quality.validation import ShaclReport, Violation, shapes_path, validate_graph

KB_BAD = sorted(SHAPES_DATA.glob("kb-*.bad.ttl"))
CASE_BAD = sorted(SHAPES_DATA.glob("case-*.bad.ttl"))


def test_good_minimal_content_conforms(base_graph: rdflib.Graph) -> None:
    report = validate_graph(base_graph, "kb")
    assert report.conforms, report.text()
    assert report.violations == []


def test_real_knowledge_base_conforms(kb_graph: rdflib.Graph) -> None:
    report = validate_graph(kb_graph, "kb")
    assert report.conforms, report.text()


@pytest.mark.parametrize("fixture", KB_BAD, ids=lambda p: p.name)
def test_kb_bad_fixture_violates(base_graph: rdflib.Graph, fixture: Path) -> None:
    report = validate_graph(with_fixture(base_graph, fixture), "kb")
    assert not report.conforms
    focuses = {v.focus for v in report.violations}
    for focus in expected_ids(fixture, "expect-focus"):
        assert focus in focuses, report.text()


def test_case_good_conforms() -> None:
    report = validate_graph(parse(SHAPES_DATA / "case-good.ttl"), "case")
    assert report.conforms, report.text()


@pytest.mark.parametrize("fixture", CASE_BAD, ids=lambda p: p.name)
def test_case_bad_fixture_violates(fixture: Path) -> None:
    report = validate_graph(parse(fixture), "case")
    assert not report.conforms
    focuses = {v.focus for v in report.violations}
    for focus in expected_ids(fixture, "expect-focus"):
        assert focus in focuses, report.text()


def _top_level_messages(shapes: str) -> set[str]:
    """sh:message of every targeted node shape and of each of its property shapes."""
    g = rdflib.Graph().parse(shapes_path(shapes))
    targeted = {
        s
        for p in (SH.targetClass, SH.targetNode, SH.target, SH.targetSubjectsOf, SH.targetObjectsOf)
        for s in g.subjects(p, None)
    }
    messages = set()
    for shape in targeted:
        messages |= {str(m) for m in g.objects(shape, SH.message)}
        for prop in g.objects(shape, SH.property):
            messages |= {str(m) for m in g.objects(prop, SH.message)}
    return messages


@pytest.mark.parametrize(
    ("shapes", "fixtures"), [("kb", KB_BAD), ("case", CASE_BAD)], ids=["kb", "case"]
)
def test_every_constraint_fires_on_some_bad_fixture(
    base_graph: rdflib.Graph, shapes: str, fixtures: list[Path]
) -> None:
    """A shape that no fixture can make fail is a defect: each message must be seen."""
    seen = set()
    for fixture in fixtures:
        data = with_fixture(base_graph, fixture) if shapes == "kb" else parse(fixture)
        seen |= {v.message for v in validate_graph(data, shapes).violations}
    missing = _top_level_messages(shapes) - seen
    assert not missing, f"constraints never exercised by a bad fixture: {sorted(missing)}"


def test_violation_fields(base_graph: rdflib.Graph) -> None:
    report = validate_graph(
        with_fixture(base_graph, SHAPES_DATA / "kb-association-strength-not-level.bad.ttl"), "kb"
    )
    (violation,) = report.violations
    assert isinstance(violation, Violation)
    assert violation.focus == "https://w3id.org/crampkg/CRAMPKG_0001900"
    assert violation.path == "<https://w3id.org/crampkg/CRAMPKG_0000032>"
    assert violation.value == "https://w3id.org/crampkg/CRAMPKG_0000080"
    assert violation.severity == "Violation"
    assert "strength" in violation.message
    assert "CRAMPKG_0001900" in str(violation)
    assert not report and "1 result" in report.text()


def test_validation_leaves_data_untouched(base_graph: rdflib.Graph) -> None:
    before = len(base_graph)
    validate_graph(base_graph, "kb")
    assert len(base_graph) == before


def test_unknown_shapes_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown shapes"):
        validate_graph(rdflib.Graph(), "../../etc/passwd")


def test_shape_files_are_project_files() -> None:
    for name in ("kb", "case"):
        assert shapes_path(name).parent == resources.shapes_dir()
        assert shapes_path(name).is_file()


def test_empty_case_graph_does_not_conform() -> None:
    report = validate_graph(rdflib.Graph(), "case")
    assert isinstance(report, ShaclReport)
    assert not report.conforms


def test_case_shapes_accept_several_cases() -> None:
    g = parse(SHAPES_DATA / "case-good.ttl")
    case2 = URIRef("https://example.org/case/case2")
    g.add((case2, RDF.type, URIRef("https://w3id.org/crampkg/CRAMPKG_0000023")))
    g.add((case2, URIRef("https://w3id.org/crampkg/CRAMPKG_0000042"), URIRef("https://w3id.org/crampkg/CRAMPKG_0000100")))
    assert validate_graph(g, "case").conforms
