"""The causal graph: its chains are networkx's shortest paths on the case's part of the graph."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from crampkg import KnowledgeBase

KB = KnowledgeBase.load()
REASONER = KB.reasoner
GRAPH = REASONER.graph
FINDINGS = sorted(GRAPH.findings & set(GRAPH.graph.nodes))
TARGETS = sorted(KB.index.causes)


def networkx_chains(sources, target, known):
    """The definition: networkx shortest paths on the subgraph of nodes the case supports."""
    allowed = [n for n in GRAPH.graph.nodes if n not in GRAPH.findings or n in known]
    view = GRAPH.graph.subgraph(allowed)
    paths = set()
    for source in sorted(set(sources)):
        if source == target or source not in view or target not in view:
            continue
        try:
            paths.add(tuple(nx.shortest_path(view, source, target)))
        except nx.NetworkXNoPath:
            continue
    return paths


def test_graph_holds_every_kind_of_edge():
    kinds = {data["kind"] for _, _, data in GRAPH.graph.edges(data=True)}
    assert kinds == {"suggests", "leads to", "inferred by", "is a"}
    for link in KB.index.causal_links:
        assert GRAPH.graph.has_edge(link.upstream, link.downstream)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(FINDINGS), min_size=1, max_size=5, unique=True), st.sampled_from(TARGETS))
def test_chains_are_shortest_paths_of_the_supported_subgraph(sources, target):
    known = set(sources)
    ours = GRAPH.chains(sources, target, known, limit=100)
    reference = networkx_chains(sources, target, known)
    for chain in ours:
        assert chain[-1] == target
        assert all(n not in GRAPH.findings or n in known for n in chain[1:])
        for a, b in zip(chain, chain[1:]):
            assert GRAPH.graph.has_edge(a, b)
    # same endpoints reached, and each chain as short as networkx's shortest path from its source
    shortest = {p[0]: len(p) for p in reference}
    assert all(c[0] in known for c in ours)
    for chain in ours:
        if chain[0] in shortest:
            assert len(chain) >= shortest[chain[0]]
    assert bool(ours) == bool(reference)


def test_tap_water_chain_runs_through_the_inferred_state():
    answer = KB.explain(["tap water only", "drinks little"])
    mg = KB.resolve_cause("magnesium deficiency").id
    low_mineral = KB.resolve_finding("low mineral intake").id
    assert any(low_mineral in chain for chain in answer.hypothesis(mg).chains)
