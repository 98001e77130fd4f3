"""The Python vocabulary agrees with the schema ontology, and the namespace is closed."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.namespace import RDFS

from crampkg.kb import resources
from crampkg.kb import vocab as V


@pytest.fixture(scope="module")
def schema() -> rdflib.Graph:
    return rdflib.Graph().parse(resources.ontology_dir() / "crampkg.ttl")


def test_every_schema_term_exists_with_the_same_label(schema):
    for term, label in V.SCHEMA_TERMS.items():
        iri = rdflib.URIRef(V.iri(term))
        labels = {str(o) for o in schema.objects(iri, RDFS.label) if getattr(o, "language", None) == "en"}
        assert labels, f"{term} is not in ontology/crampkg.ttl"
        # vocab comments may qualify the label ("strength: almost always"); the label must be in them
        assert any(lab in label for lab in labels), (term, label, labels)


def test_every_schema_entity_is_in_the_vocabulary(schema):
    declared = {V.local_id(str(s)) for s in schema.subjects(RDFS.label, None)
                if str(s).startswith(V.NS + "CRAMPKG_")}
    assert declared <= set(V.SCHEMA_TERMS)


def test_closed_namespace_fails_on_a_typo():
    assert str(V.CK.CRAMPKG_0000030) == V.HAS_FINDING
    with pytest.raises(AttributeError):
        _ = V.CK.CRAMPKG_0000999


def test_ids_and_iris_round_trip():
    assert V.local_id(V.iri("CRAMPKG_0000101")) == "CRAMPKG_0000101"
    assert V.local_id("http://example.org/x") == "http://example.org/x"
