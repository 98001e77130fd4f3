"""The RDF/XML release (crampkg.quality.release) and its sync with the Turtle sources."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import OWL, RDF, RDFS, BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS

from conftest_validation import GOOD_MINIMAL, schema_path
from crampkg.kb import resources
from crampkg.quality.release import build_release, load_sources, render_rdfxml

ONTOLOGY = URIRef("https://w3id.org/crampkg/crampkg.owl")
REBUILD_HINT = "ontology/crampkg.owl is out of date: run `make release` (crampkg build-release)"


@pytest.fixture(scope="module")
def release_bytes() -> bytes:
    path = resources.release_path()
    assert path.is_file(), REBUILD_HINT
    return path.read_bytes()


@pytest.fixture(scope="module")
def release_graph(release_bytes: bytes) -> rdflib.Graph:
    return rdflib.Graph().parse(data=release_bytes, format="xml")


def test_committed_release_is_in_sync_byte_for_byte(release_bytes: bytes) -> None:
    assert render_rdfxml(load_sources()) == release_bytes, REBUILD_HINT


def test_committed_release_is_isomorphic_to_the_sources(
    release_graph: rdflib.Graph, kb_graph: rdflib.Graph
) -> None:
    assert isomorphic(release_graph, kb_graph), REBUILD_HINT


def test_release_carries_the_ontology_header(release_graph: rdflib.Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in release_graph
    version = release_graph.value(ONTOLOGY, OWL.versionIRI)
    assert isinstance(version, URIRef) and "/releases/" in str(version)
    assert release_graph.value(ONTOLOGY, DCTERMS.title) is not None
    assert release_graph.value(ONTOLOGY, DCTERMS.description) is not None
    assert release_graph.value(ONTOLOGY, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert release_graph.value(ONTOLOGY, DCTERMS.source) is not None


def test_release_starts_with_the_ontology_element(release_bytes: bytes) -> None:
    text = release_bytes.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF')
    after_root = text[text.index(">", text.index("<rdf:RDF")) + 1 :]
    assert after_root.startswith(f'\n    <owl:Ontology rdf:about="{ONTOLOGY}">')


def test_owlready2_reads_the_release_in_a_fresh_world() -> None:
    import owlready2

    world = owlready2.World()
    try:
        onto = world.get_ontology(resources.release_path().resolve().as_uri()).load()
        assert str(onto.base_iri).startswith("https://w3id.org/crampkg/")
        finding = world["https://w3id.org/crampkg/CRAMPKG_0000002"]
        assert finding is not None and finding.label.en == ["finding"]
    finally:
        world.close()


def test_build_release_writes_atomically_to_the_given_path(tmp_path: Path) -> None:
    out = tmp_path / "crampkg.owl"
    out.write_bytes(b"old")
    sources = [schema_path(), GOOD_MINIMAL]
    assert build_release(out, sources=sources) == out
    data = out.read_bytes()
    assert isomorphic(rdflib.Graph().parse(data=data, format="xml"), load_sources(sources))
    assert [p.name for p in tmp_path.iterdir()] == ["crampkg.owl"]
    build_release(out, sources=sources)
    assert out.read_bytes() == data


def test_failed_build_keeps_the_old_release(tmp_path: Path) -> None:
    out = tmp_path / "crampkg.owl"
    out.write_bytes(b"old")
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix : <x> . :a :b ")
    from crampkg.errors import KnowledgeBaseError

    with pytest.raises(KnowledgeBaseError, match="broken.ttl"):
        build_release(out, sources=[schema_path(), broken])
    assert out.read_bytes() == b"old"


@pytest.mark.slow
def test_output_does_not_depend_on_hash_seed() -> None:
    code = (
        "import sys, hashlib; from crampkg.quality.release import render_rdfxml, load_sources; "
        "sys.stdout.write(hashlib.sha256(render_rdfxml(load_sources())).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_blank_node_structures_round_trip() -> None:
    """Lists, axiom annotations, shared and cyclic blank nodes survive and stay stable."""
    ex = "https://w3id.org/crampkg/"
    g = rdflib.Graph()
    a, b, c = URIRef(ex + "CRAMPKG_0000100"), URIRef(ex + "CRAMPKG_0000101"), URIRef(ex + "X")
    g.add((a, RDF.type, OWL.Class))
    union = BNode()
    members = BNode()
    Collection(g, members, [a, b])
    g.add((union, RDF.type, OWL.Class))
    g.add((union, OWL.unionOf, members))
    g.add((c, OWL.equivalentClass, union))
    axiom = BNode()
    g.add((axiom, RDF.type, OWL.Axiom))
    g.add((axiom, OWL.annotatedSource, a))
    g.add((axiom, OWL.annotatedProperty, RDFS.label))
    g.add((axiom, OWL.annotatedTarget, Literal("x", lang="en")))
    shared = BNode()
    g.add((a, RDFS.seeAlso, shared))
    g.add((b, RDFS.seeAlso, shared))
    g.add((shared, RDFS.label, Literal("shared")))
    c1, c2 = BNode(), BNode()
    g.add((c1, RDFS.seeAlso, c2))
    g.add((c2, RDFS.seeAlso, c1))
    literal_list = BNode()
    Collection(g, literal_list, [Literal(1), Literal("two")])
    g.add((b, OWL.oneOf, literal_list))
    data = render_rdfxml(g)
    back = rdflib.Graph().parse(data=data, format="xml")
    assert isomorphic(g, back)
    assert render_rdfxml(back) == data


@settings(max_examples=40, deadline=None)
@given(
    text=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff"),
        max_size=40,
    ).filter(lambda s: all(ch in "\t\n\r" or ord(ch) >= 0x20 for ch in s)),
    lang=st.sampled_from([None, "en", "de"]),
)
def test_literals_round_trip(text: str, lang: str | None) -> None:
    g = rdflib.Graph()
    g.add((URIRef("https://w3id.org/crampkg/CRAMPKG_0000100"), RDFS.comment, Literal(text, lang=lang)))
    back = rdflib.Graph().parse(data=render_rdfxml(g), format="xml")
    assert isomorphic(g, back)
