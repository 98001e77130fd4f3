"""HermiT through owlready2 (crampkg.quality.owl.check_reasoner). Starts a JVM: ~0.3-1 s per run."""

from __future__ import annotations

import pytest

from conftest_validation import OWL_DATA
from crampkg.errors import KnowledgeBaseError
from crampkg.quality.owl import ReasonerReport, check_reasoner

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kb_report() -> ReasonerReport:
    """HermiT on the whole knowledge base, once per module."""
    return check_reasoner()


def test_knowledge_base_is_consistent(kb_report: ReasonerReport) -> None:
    assert kb_report.reasoner == "HermiT"
    assert kb_report.consistent


def test_knowledge_base_has_no_unsatisfiable_class(kb_report: ReasonerReport) -> None:
    assert kb_report.unsatisfiable == []
    assert kb_report.ok
    assert kb_report.seconds > 0


def test_inconsistent_fixture_is_detected() -> None:
    report = check_reasoner([OWL_DATA / "inconsistent.ttl"])
    assert not report.consistent
    assert not report.ok


def test_unsatisfiable_class_is_reported() -> None:
    report = check_reasoner([OWL_DATA / "unsatisfiable.ttl"])
    assert report.consistent
    assert report.unsatisfiable == ["https://w3id.org/crampkg/test/Both"]


def test_each_call_uses_a_fresh_world() -> None:
    """A class from an earlier run must not leak into the next (never the default world)."""
    import owlready2

    before = len(list(owlready2.default_world.classes()))
    check_reasoner([OWL_DATA / "unsatisfiable.ttl"])
    after_unsat = check_reasoner([OWL_DATA / "inconsistent.ttl"])
    assert not after_unsat.consistent
    assert len(list(owlready2.default_world.classes())) == before


def test_missing_java_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import owlready2

    monkeypatch.setattr(owlready2, "JAVA_EXE", "crampkg-no-such-java")
    with pytest.raises(KnowledgeBaseError, match="needs Java"):
        check_reasoner([OWL_DATA / "unsatisfiable.ttl"])


def test_release_file_is_read_as_rdfxml_as_is() -> None:
    from crampkg.kb import resources

    report = check_reasoner([resources.release_path()])
    assert report.consistent and report.unsatisfiable == []
