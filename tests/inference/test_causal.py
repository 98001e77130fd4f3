"""Causal chains in the answers: networkx shortest paths over the knowledge base's links.

The reference graph is built here from the ontology alone (SPARQL over the link kinds of
docs/model.md section 2, the class hierarchy and the rule files), not from the compiled network:

* report link ("is report of") and risk link ("raises risk of"): exposure finding -> cause / state
* causal link: upstream -> downstream
* subclass: a cause -> the more general cause; a finding -> the more general finding
* rule: each finding of its condition -> the rule -> the finding it derives

A hypothesis' chains start at an exposure the case reports and end at the hypothesis (issue 3: "the
path from the person's findings through intermediate states to the cause"; issue 10: "drinks little
-> insufficient fluid intake -> electrolyte imbalance").
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crampkg import CaseFormatError, KnowledgeBase

NS = "https://w3id.org/crampkg/"

LINKS = """PREFIX : <https://w3id.org/crampkg/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?kind ?a ?b WHERE {
  { ?l a :CRAMPKG_0000028 ; :CRAMPKG_0000030 ?a ; :CRAMPKG_0000031 ?b . BIND("report" AS ?kind) }
  UNION { ?l a :CRAMPKG_0000029 ; :CRAMPKG_0000030 ?a ; :CRAMPKG_0000031 ?b . BIND("risk" AS ?kind) }
  UNION { ?l a :CRAMPKG_0000016 ; :CRAMPKG_0000033 ?a ; :CRAMPKG_0000034 ?b . BIND("causal" AS ?kind) }
  FILTER NOT EXISTS { ?l owl:deprecated true }
}"""
EXPOSURES = """PREFIX : <https://w3id.org/crampkg/>
SELECT ?f WHERE { ?f :CRAMPKG_0000067 :CRAMPKG_0000084 }"""


def _id(term) -> str:
    return str(term).removeprefix(NS)


@dataclass(frozen=True)
class Reference:
    """The reference graph of the knowledge base and the ids the generated cases draw from."""

    kb: KnowledgeBase
    graph: nx.DiGraph
    exposure_ids: list[str]
    finding_ids: list[str]
    rule_ids: frozenset[str]


def _reference_graph(kb: KnowledgeBase) -> nx.DiGraph:
    g = nx.DiGraph()
    for row in kb.store.select(LINKS):
        g.add_edge(_id(row["a"]), _id(row["b"]), kind=str(row["kind"]))
    causes = {c.id for c in kb.causes()} | {t.id for t in kb.states()}
    findings = {t.id for t in kb.findings()}
    for group in (causes, findings):
        for x in group:
            for parent in kb.index.terms[x].parents:
                if parent in group:
                    g.add_edge(x, parent, kind="is a")
    for rule in kb.rules.rules:
        for f in rule.condition.requires:
            g.add_edge(f, rule.id, kind="rule")
        for d in rule.condition.infers:
            g.add_edge(rule.id, d, kind="rule")
    return g


@pytest.fixture(scope="module")
def ref(kb: KnowledgeBase) -> Reference:
    return Reference(kb, _reference_graph(kb), sorted(_id(row["f"]) for row in kb.store.select(EXPOSURES)),
                     sorted(t.id for t in kb.findings()), frozenset(r.id for r in kb.rules.rules))


def test_reference_graph_holds_every_kind_of_link(ref: Reference):
    kb, graph = ref.kb, ref.graph
    kinds = {data["kind"] for _, _, data in graph.edges(data=True)}
    assert kinds == {"report", "risk", "causal", "is a", "rule"}
    # the exposures the article links to a cause reach it ("no warm-up" has no link: the article
    # advises warming up but states no link to a cause)
    causes = {c.id for c in kb.causes()}
    for label in ("drinks little", "tap water only", "unbalanced diet", "untrained", "pregnant",
                  "takes cholesterol-lowering drugs", "sport the day before", "marathon"):
        f = kb.resolve_finding(label).id
        assert nx.descendants(graph, f) & causes, label


def _check_chains(ref: Reference, present, skip_rule_chains=False):
    """Every chain of every hypothesis is a shortest path of the reference graph, restricted to what
    the case supports (findings only when known, rules only when they fired); a hypothesis has a
    chain exactly when such a path exists from a reported exposure."""
    kb, graph, finding_ids, rule_ids = ref.kb, ref.graph, ref.finding_ids, ref.rule_ids
    try:
        answer = kb.explain(present)
    except CaseFormatError:
        return None
    known = {f.id for f in answer.present} | {f.id for f in answer.inferred}
    known |= {p for f in set(known) for p in kb.index.ancestors.get(f, {f}) if p in finding_ids}
    findings = set(finding_ids)
    view = graph.subgraph([n for n in graph.nodes
                           if (n not in findings or n in known) and (n not in rule_ids or n in answer.rules_fired)])
    exposures = [f.id for f in answer.present if f.id in ref.exposure_ids]
    for h in answer.hypotheses:
        if skip_rule_chains and any(n in rule_ids for chain in h.chains for n in chain):
            continue
        for chain in h.chains:
            assert chain[0] in exposures and chain[-1] == h.id, chain
            assert len(set(chain)) == len(chain), f"{h.label}: a chain visits a node twice: {chain}"
            for n in chain[1:]:
                assert n in view, f"{h.label}: {n} is not part of the case ({chain})"
            for a, b in pairwise(chain):
                assert graph.has_edge(a, b), f"{h.label}: {a} -> {b} is no link of the knowledge base ({chain})"
            # as short as the shortest path from its start
            assert len(chain) == nx.shortest_path_length(view, chain[0], h.id) + 1, chain
        reachable = [f for f in exposures if f in view and h.id in view and nx.has_path(view, f, h.id)]
        assert bool(h.chains) == bool(reachable), (h.label, reachable)
    return answer


def test_report_chains_run_through_the_reported_cause(ref: Reference):
    kb = ref.kb
    # "A magnesium deficiency is usually caused by a one-sided unhealthy diet with few fruits and
    # vegetables." / "Often this imbalance comes from under-drinking."
    answer = _check_chains(ref, ["unbalanced diet", "drinks little", "calf cramp at night"], skip_rule_chains=True)
    ids = {label: kb.resolve_cause(label).id for label in
           ("one-sided unhealthy diet", "magnesium deficiency", "insufficient fluid intake", "electrolyte imbalance")}
    diet, drinks = kb.resolve_finding("unbalanced diet").id, kb.resolve_finding("drinks little").id
    assert (diet, ids["one-sided unhealthy diet"], ids["magnesium deficiency"]) in \
        answer.hypothesis(ids["magnesium deficiency"]).chains
    assert (drinks, ids["insufficient fluid intake"], ids["electrolyte imbalance"]) in \
        answer.hypothesis(ids["electrolyte imbalance"]).chains


@pytest.mark.parametrize("present", [["marathon", "untrained", "calf cramp during or after exertion"],
                                     ["untrained", "calf cramp"], ["drinks little", "calf cramp"]])
def test_chains_through_a_rule_do_not_walk_back_through_the_reported_cause(ref: Reference, present):
    _check_chains(ref, present)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_chains_are_shortest_paths_of_the_knowledge_base(ref: Reference, data):
    exposures = data.draw(st.lists(st.sampled_from(ref.exposure_ids), min_size=1, max_size=4, unique=True))
    others = data.draw(st.lists(st.sampled_from(ref.finding_ids), max_size=2, unique=True))
    present = list(dict.fromkeys(exposures + others))
    _check_chains(ref, present, skip_rule_chains=True)
