"""IRIs are stable: every published id still exists, with the same kind; new ids are registered."""

from __future__ import annotations

import csv
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF

from crampkg.kb import resources
from crampkg.kb import vocab as V

REGISTRY = Path(__file__).resolve().parents[1] / "data" / "id-registry.tsv"

# the registry kind of a sourced assertion, by its direct type (report links and
# interpretations are not in the ranking index, so they are read from the RDF)
ASSERTION_KINDS = {
    "CRAMPKG_0000028": "association", "CRAMPKG_0000029": "association", "CRAMPKG_0000094": "association",
    "CRAMPKG_0000016": "causal link", "CRAMPKG_0000017": "indication", "CRAMPKG_0000095": "interpretation",
}


def rdf_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in resources.ontology_sources():
        graph.parse(path, format="turtle")
    return graph


def deprecated_ids(graph: rdflib.Graph) -> set[str]:
    """Ids that are kept, deprecated (owl:deprecated true): they keep their registry row and any kind."""
    return {V.local_id(str(s)) for s in graph.subjects(OWL.deprecated, rdflib.Literal(True))}


def rdf_ids(graph: rdflib.Graph) -> dict[str, str]:
    """Ids the index does not hold: live report links and interpretations, schema properties, finding kinds."""
    ids: dict[str, str] = {}
    for subject, cls in graph.subject_objects(RDF.type):
        sid, cid = V.local_id(str(subject)), V.local_id(str(cls))
        if not sid.startswith("CRAMPKG_"):
            continue
        if cid in ASSERTION_KINDS:
            ids[sid] = ASSERTION_KINDS[cid]
        elif cls in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty):
            ids[sid] = "schema property"
        elif cid == "CRAMPKG_0000096":
            ids[sid] = "finding kind"
    return ids


def registry() -> dict[str, str]:
    with REGISTRY.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return {row["id"]: row["kind"] for row in csv.DictReader(lines, delimiter="\t")}


def current_ids(kb) -> dict[str, str]:
    index = kb.index
    ids = {t.id: t.kind for t in index.terms.values()}
    for kind, group in (("association", index.associations), ("causal link", index.causal_links),
                        ("indication", index.indications), ("recommendation", index.recommendations)):
        ids.update({a.id: kind for a in group})
    ids.update({s.id: s.kind for s in index.statements})
    ids.update({s.id: "strength" for s in index.strengths.values()})
    ids.update({V.local_id(p): "phase" for p in V.PHASE_NAMES})
    ids.update({V.local_id(r): "role" for r in V.ROLE_NAMES})
    for term in V.SCHEMA_TERMS:
        ids.setdefault(term, "schema property")
    for term, kind in rdf_ids(rdf_graph()).items():
        ids.setdefault(term, kind)
    return ids


def test_no_published_id_disappears_or_changes_kind(kb):
    now = current_ids(kb)
    graph = rdf_graph()
    deprecated = deprecated_ids(graph)
    for term_id, kind in registry().items():
        if term_id in deprecated:  # kept, deprecated: still declared, never reused
            assert (rdflib.URIRef(V.NS + term_id), None, None) in graph, f"{term_id} was deprecated and then deleted"
            continue
        assert term_id in now, f"{term_id} ({kind}) was published and is gone: IRIs are stable (deprecate instead)"
        assert now[term_id] == kind, f"{term_id} was a {kind}, now a {now[term_id]}: ids are never reused"


def test_deprecated_ids_are_registered_and_say_what_replaces_them():
    graph = rdf_graph()
    known = registry()
    replaced_by = rdflib.URIRef("http://purl.obolibrary.org/obo/IAO_0100001")
    for term_id in deprecated_ids(graph):
        assert term_id in known, f"{term_id} is deprecated but was never registered"
        node = rdflib.URIRef(V.NS + term_id)
        comment = " ".join(str(c) for c in graph.objects(node, rdflib.RDFS.comment))
        assert "Deprecated" in comment, f"{term_id}: say why it is deprecated (rdfs:comment)"
        for target in graph.objects(node, replaced_by):
            assert (target, OWL.deprecated, rdflib.Literal(True)) not in graph, f"{term_id} is replaced by a deprecated term"


def test_every_id_is_registered(kb):
    unregistered = sorted(set(current_ids(kb)) - set(registry()))
    assert not unregistered, f"append these ids to {REGISTRY.name}: {unregistered[:10]}"


def test_ids_are_opaque_numbers():
    for term_id in registry():
        assert term_id.startswith("CRAMPKG_") and term_id[8:].isdigit() and len(term_id) == 15, term_id
