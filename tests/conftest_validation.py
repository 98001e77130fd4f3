"""Helpers and fixtures shared by the validation, QC, OWL and release tests.

Not a conftest.py (the lead owns that): test modules import from here, e.g.
``from conftest_validation import kb_graph, parse``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib

from crampkg.kb import resources

DATA = Path(__file__).resolve().parent / "data"
SHAPES_DATA = DATA / "shapes"
QC_DATA = DATA / "qc"
OWL_DATA = DATA / "owl"
GOOD_MINIMAL = SHAPES_DATA / "good-minimal.ttl"


def schema_path() -> Path:
    return resources.ontology_dir() / "crampkg.ttl"


def parse(*paths: Path) -> rdflib.Graph:
    """One rdflib graph holding every Turtle file given."""
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def fixture_base() -> rdflib.Graph:
    """The schema plus the good minimal content: what bad fixtures are added to."""
    return parse(schema_path(), GOOD_MINIMAL)


def with_fixture(base: rdflib.Graph, fixture: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph += base
    graph.parse(fixture, format="turtle")
    return graph


def expected_ids(fixture: Path, marker: str) -> list[str]:
    """The ids after ``# ... <marker>:`` in a fixture's header (bare ids get the crampkg namespace)."""
    match = re.search(rf"{marker}:\s*(.+)$", fixture.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{fixture.name} has no '{marker}:' header"
    return [
        token if token.startswith("http") else "https://w3id.org/crampkg/" + token
        for token in match.group(1).split()
    ]


@pytest.fixture(scope="module")
def kb_graph() -> rdflib.Graph:
    """The real knowledge base: the union of resources.ontology_sources()."""
    return parse(*resources.ontology_sources())


@pytest.fixture(scope="module")
def base_graph() -> rdflib.Graph:
    return fixture_base()
