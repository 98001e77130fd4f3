"""Triples the class hierarchy entails, added to an export or to the served dataset.

A SPARQL user asking for every cause (``?c rdfs:subClassOf ck:CRAMPKG_0000006``)
should find the subclasses of subclasses, and a query for every sourced
assertion should find associations, links and recommendations, on any triple
store, with or without its own reasoning. So the export with ``--inferred``
materialises the transitive ``rdfs:subClassOf`` closure and the ``rdf:type``
of every named individual up that closure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..kb import vocab as V

if TYPE_CHECKING:
    import rdflib

    from ..kb.knowledge_base import KnowledgeBase


def entailed_triples(kb: KnowledgeBase) -> set[tuple[str, str, str]]:
    """(subject, predicate, object) IRIs entailed by the told class hierarchy."""
    ancestors = kb.index.ancestors
    out: set[tuple[str, str, str]] = set()
    for cls, ups in ancestors.items():
        for up in ups:
            if up != cls:
                out.add((V.iri(cls), V.RDFS_SUBCLASS_OF, V.iri(up)))
    return out


def add_entailments(graph: rdflib.Graph, kb: KnowledgeBase) -> None:
    """Add the subclass closure and the entailed types of named individuals to ``graph``."""
    from rdflib import RDF, URIRef

    for s, p, o in entailed_triples(kb):
        graph.add((URIRef(s), URIRef(p), URIRef(o)))
    ancestors = kb.index.ancestors
    for individual, cls in list(graph.subject_objects(RDF.type)):
        local = V.local_id(str(cls))
        for up in ancestors.get(local, ()):
            graph.add((individual, RDF.type, URIRef(V.iri(up))))
