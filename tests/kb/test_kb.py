"""Loading the knowledge base and its typed accessors."""

from __future__ import annotations

from itertools import pairwise

import pytest

from crampkg import KnowledgeBase, KnowledgeBaseError, UnknownFindingError
from crampkg.kb import vocab as V


def test_accessors_cover_every_part_of_the_article(kb):
    assert len(kb.findings()) >= 40
    assert len(kb.causes()) >= 12
    assert len(kb.diagnostics()) >= 6
    assert len(kb.interventions()) >= 15
    assert kb.states()
    assert kb.version_iri.startswith(V.NS)
    labels = {c.label for c in kb.causes()}
    for expected in ("magnesium deficiency", "idiopathic leg cramps", "dehydration"):
        assert expected in labels


def test_every_phase_has_recommendations(kb):
    for phase in ("acute", "aftercare", "prevention", "see_doctor"):
        assert kb.recommendations(phase), phase


def test_idiopathic_has_the_highest_prior(kb):
    idiopathic = kb.resolve_cause("idiopathic leg cramps")
    assert all(idiopathic.prior.rank >= c.prior.rank for c in kb.causes())


def test_vascular_causes_must_not_be_missed(kb):
    """The must-not-miss causes are exactly the vascular ones (circulatory disorder of the leg,
    vascular change in the calf muscles), not "some cause"."""
    flagged = {c.id: c.label for c in kb.causes() if c.must_not_miss}
    assert flagged == {
        "CRAMPKG_0000314": "circulatory disorder of the leg",
        "CRAMPKG_0000315": "vascular change in the calf muscles",
    }


def test_associations_by_finding_and_cause(kb):
    mg = kb.resolve_cause("magnesium deficiency").id
    by_cause = kb.associations(cause=mg)
    assert by_cause and all(a.cause == mg for a in by_cause)
    f = by_cause[0].finding
    assert any(a.cause == mg for a in kb.associations(finding=f))


def test_strength_scale_is_ordered(kb):
    levels = sorted(kb.index.strengths.values(), key=lambda s: s.rank)
    assert [s.rank for s in levels] == [1, 2, 3, 4, 5]
    assert all(a.lr_present < b.lr_present for a, b in pairwise(levels))
    assert all(a.lr_absent > b.lr_absent for a, b in pairwise(levels))
    assert all(s.lr_present > 1 > s.lr_absent for s in levels)


def test_search_and_resolution(kb):
    assert {t.label for t in kb.search_findings("tap")} >= {"tap water only"}
    with pytest.raises(UnknownFindingError):
        kb.resolve_finding("no such finding")


def test_load_from_explicit_folder_and_missing_path(tmp_path):
    from crampkg.kb import resources

    kb = KnowledgeBase.load(resources.ontology_dir())
    assert kb.causes()
    with pytest.raises(KnowledgeBaseError):
        KnowledgeBase.load(tmp_path / "missing")


def test_malformed_turtle_knowledge_base_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix : <x> .\n:a :b \n")
    with pytest.raises(KnowledgeBaseError, match="cannot load"):
        KnowledgeBase.load(bad)


def test_to_rdflib_graph_and_entailments(kb):
    g = kb.rdflib_graph()
    gi = kb.rdflib_graph(inferred=True)
    assert len(gi) > len(g)


def test_german_labels_resolve(kb):
    assert kb.resolve_finding("nächtlicher Wadenkrampf").label == "calf cramp at night"
    assert kb.resolve_cause("Magnesiummangel").label == "magnesium deficiency"
    assert all(t.label_de for t in kb.findings())


def test_a_hierarchy_deeper_than_the_recursion_limit_loads(tmp_path):
    """A subClassOf chain deeper than Python's recursion limit is no cycle: it loads, and every
    class in it is a finding with the whole chain above it."""
    import shutil
    import sys

    from crampkg.kb import resources
    from crampkg.kb import vocab as V

    depth = sys.getrecursionlimit() + 200
    shutil.copy(resources.ontology_dir() / "crampkg.ttl", tmp_path / "crampkg.ttl")
    chain = [f"<{V.NS}CRAMPKG_9{i:06d}>" for i in range(depth)]
    lines = [f"{chain[0]} <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{V.FINDING}> ."]
    lines += [f"{c} <http://www.w3.org/2000/01/rdf-schema#subClassOf> {up} ." for up, c in pairwise(chain)]
    lines += [f'{c} <http://www.w3.org/2000/01/rdf-schema#label> "deep {i}"@en .' for i, c in enumerate(chain)]
    lines += [f"{c} <{V.RDF_TYPE}> <http://www.w3.org/2002/07/owl#Class> ." for c in chain]
    (tmp_path / "deep.ttl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    kb = KnowledgeBase.load(tmp_path)
    deepest = f"CRAMPKG_9{depth - 1:06d}"
    assert kb.index.terms[deepest].kind == "finding"
    assert "CRAMPKG_9000000" in kb.index.ancestors[deepest]
    assert len(kb.index.ancestors[deepest]) >= depth
