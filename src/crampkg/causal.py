"""The causal graph (networkx) and the chains from a person's findings to a cause.

Nodes are findings, causes and intermediate states (opaque ids). Edges, each
labelled with the assertion or rule behind it:

* finding -> cause          a finding-cause association ("suggests");
* upstream -> downstream    a causal link of the article ("leads to");
* rule input -> derived     a rule of ``rules/`` ("inferred by R00n");
* specific -> general       the finding hierarchy ("is a").

A chain for a hypothesis is a shortest path from a finding the person has
(reported or inferred) to the cause, through nodes the case supports: other
reported or inferred findings, states and causes, never a finding the person
did not report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from .model import Index
from .rules import RuleSet


@dataclass(slots=True)
class CausalGraph:
    """The knowledge base's evidence and causal links as one directed graph."""

    graph: nx.DiGraph
    findings: frozenset[str]

    @classmethod
    def build(cls, index: Index, rules: RuleSet) -> CausalGraph:
        """Build the graph once per knowledge base (independent of any case)."""
        graph = nx.DiGraph()
        findings = frozenset(t.id for t in index.terms.values() if t.kind == "finding")
        for assoc in sorted(index.associations, key=lambda a: a.id):
            graph.add_edge(assoc.finding, assoc.cause, kind="suggests", via=assoc.id)
        for link in sorted(index.causal_links, key=lambda a: a.id):
            graph.add_edge(link.upstream, link.downstream, kind="leads to", via=link.id)
        for rule in rules.rules:
            if rule.condition is None:
                continue
            for derived in rule.condition.infers:
                for required in sorted(rule.condition.requires):
                    graph.add_edge(required, derived, kind="inferred by", via=rule.id)
        for term_id in sorted(findings):
            for parent in index.terms[term_id].parents:
                if parent in findings:
                    graph.add_edge(term_id, parent, kind="is a", via="")
        return cls(graph=graph, findings=findings)

    def chains(self, sources: Iterable[str], target: str, known: set[str], limit: int = 5) -> list[list[str]]:
        """Shortest paths from each of ``sources`` to ``target`` through findings in ``known``.

        Longest (most explanatory) chains first, then by ids; at most ``limit``.
        """
        if target not in self.graph:
            return []
        allowed = [n for n in self.graph.nodes if n not in self.findings or n in known]
        view = self.graph.subgraph(allowed)
        found: set[tuple[str, ...]] = set()
        for source in sorted(set(sources)):
            if source == target or source not in view:
                continue
            try:
                path = nx.shortest_path(view, source, target)
            except nx.NetworkXNoPath:
                continue
            found.add(tuple(self._with_rule_inputs(view, path)))
        # drop a chain that is the tail of a longer one
        kept = [c for c in found if not any(len(o) > len(c) and o[-len(c):] == c for o in found)]
        kept.sort(key=lambda c: (-len(c), c))
        return [list(c) for c in kept[:limit]]

    @staticmethod
    def _with_rule_inputs(view: nx.DiGraph, path: list[str]) -> list[str]:
        """Prefix a path that starts at an inferred finding with the finding its rule read."""
        path = list(path)
        while True:
            inputs = sorted(p for p in view.predecessors(path[0])
                            if view.edges[p, path[0]]["kind"] == "inferred by" and p not in path)
            if not inputs:
                return path
            path.insert(0, inputs[0])

    def edge(self, a: str, b: str) -> dict:
        """The attributes (kind, via) of the edge a -> b."""
        return dict(self.graph.edges[a, b])
