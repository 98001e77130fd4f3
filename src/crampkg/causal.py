"""The causal graph and the chains from a person's findings to a cause.

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

The graph is kept as plain adjacency dicts (insertion-ordered, as networkx
keeps them), so the explain path neither imports networkx nor builds a
subgraph view per cause: the search is networkx's bidirectional BFS run on
the dicts with the case's node filter, which returns the same paths.
:attr:`CausalGraph.graph` still gives the networkx ``DiGraph`` (built on first
use).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .model import Index
from .rules import RuleSet

if TYPE_CHECKING:
    import networkx as nx


class CausalGraph:
    """The knowledge base's evidence and causal links as one directed graph."""

    __slots__ = ("succ", "pred", "edges", "findings", "_graph", "_rule_inputs")

    def __init__(self, edges: dict[tuple[str, str], dict], findings: frozenset[str]):
        self.edges = edges
        self.findings = findings
        self.succ: dict[str, list[str]] = {}
        self.pred: dict[str, list[str]] = {}
        for a, b in edges:  # dict order = first insertion order, as networkx's adjacency
            self.succ.setdefault(a, []).append(b)
            self.pred.setdefault(b, []).append(a)
            self.succ.setdefault(b, [])
            self.pred.setdefault(a, [])
        self._graph = None
        # per node, the nodes a rule infers it from (sorted): what _with_rule_inputs prefixes a chain with
        self._rule_inputs: dict[str, list[str]] = {}
        for (a, b), attrs in edges.items():
            if attrs.get("kind") == "inferred by":
                self._rule_inputs.setdefault(b, []).append(a)
        for inputs in self._rule_inputs.values():
            inputs.sort()

    @classmethod
    def build(cls, index: Index, rules: RuleSet) -> CausalGraph:
        """Build the graph once per knowledge base (independent of any case)."""
        edges: dict[tuple[str, str], dict] = {}

        def add(a: str, b: str, kind: str, via: str) -> None:
            edges.setdefault((a, b), {}).update(kind=kind, via=via)

        findings = frozenset(t.id for t in index.terms.values() if t.kind == "finding")
        for assoc in sorted(index.associations, key=lambda a: a.id):
            add(assoc.finding, assoc.cause, "suggests", assoc.id)
        for link in sorted(index.causal_links, key=lambda a: a.id):
            add(link.upstream, link.downstream, "leads to", link.id)
        for rule in rules.rules:
            if rule.condition is None:
                continue
            for derived in rule.condition.infers:
                for required in sorted(rule.condition.requires):
                    add(required, derived, "inferred by", rule.id)
        for term_id in sorted(findings):
            for parent in index.terms[term_id].parents:
                if parent in findings:
                    add(term_id, parent, "is a", "")
        return cls(edges, findings)

    @property
    def graph(self) -> nx.DiGraph:
        """The same graph as a networkx DiGraph (built on first use)."""
        if self._graph is None:
            import networkx as nx

            graph = nx.DiGraph()
            for (a, b), attrs in self.edges.items():
                graph.add_edge(a, b, **attrs)
            self._graph = graph
        return self._graph

    def _allowed(self, node: str, known: set[str] | frozenset[str]) -> bool:
        return node not in self.findings or node in known

    def reachable(self, sources: Iterable[str], known: set[str] | frozenset[str]) -> set[str]:
        """Nodes reachable from ``sources`` through nodes the case supports (cost: the reached part only)."""
        findings, succ = self.findings, self.succ
        seen = {s for s in sources if s in succ and (s not in findings or s in known)}
        stack = list(seen)
        while stack:
            for w in succ[stack.pop()]:
                if w not in seen and (w not in findings or w in known):
                    seen.add(w)
                    stack.append(w)
        return seen

    def _shortest_path(self, source: str, target: str, known) -> list[str] | None:
        """networkx's bidirectional BFS (same visiting order, so the same path) on the filtered dicts."""
        if source == target:
            return [source]
        findings, gsucc, gpred = self.findings, self.succ, self.pred
        pred = {source: None}
        succ = {target: None}
        forward, reverse = [source], [target]
        meet = None
        while forward and reverse and meet is None:
            if len(forward) <= len(reverse):
                level, forward = forward, []
                for v in level:
                    for w in gsucc[v]:
                        if w in findings and w not in known:
                            continue
                        if w not in pred:
                            forward.append(w)
                            pred[w] = v
                        if w in succ:
                            meet = w
                            break
                    if meet is not None:
                        break
            else:
                level, reverse = reverse, []
                for v in level:
                    for w in gpred[v]:
                        if w in findings and w not in known:
                            continue
                        if w not in succ:
                            succ[w] = v
                            reverse.append(w)
                        if w in pred:
                            meet = w
                            break
                    if meet is not None:
                        break
        if meet is None:
            return None
        path: list[str] = []
        w = meet
        while w is not None:
            path.append(w)
            w = pred[w]
        path.reverse()
        w = succ[path[-1]]
        while w is not None:
            path.append(w)
            w = succ[w]
        return path

    def chains(self, sources: Iterable[str], target: str, known: set[str], limit: int = 5) -> list[list[str]]:
        """Shortest paths from each of ``sources`` to ``target`` through findings in ``known``.

        Longest (most explanatory) chains first, then by ids; at most ``limit``.
        """
        return [list(c) for c in self.chain_tuples(sources, target, known, limit)]

    def chain_tuples(self, sources: Iterable[str], target: str, known: set[str] | frozenset[str],
                     limit: int = 5) -> tuple[tuple[str, ...], ...]:
        """:meth:`chains` as tuples (what :class:`~crampkg.reasoning.Hypothesis` holds)."""
        succ, findings = self.succ, self.findings
        if target not in succ:
            return ()
        found: set[tuple[str, ...]] = set()
        for source in sorted(set(sources)):
            if source == target or source not in succ or (source in findings and source not in known):
                continue
            path = self._shortest_path(source, target, known)
            if path is None:
                continue
            found.add(tuple(self._with_rule_inputs(path, known)))
        if len(found) > 1:  # drop a chain that is the tail of a longer one
            kept = [c for c in found if not any(len(o) > len(c) and o[-len(c):] == c for o in found)]
            kept.sort(key=_chain_order)
            return tuple(kept[:limit])
        return tuple(found) if limit > 0 else ()

    def _with_rule_inputs(self, path: list[str], known) -> list[str]:
        """Prefix a path that starts at an inferred finding with the finding its rule read."""
        path = list(path)
        rule_inputs, findings = self._rule_inputs, self.findings
        while True:
            first = next((p for p in rule_inputs.get(path[0], ())
                          if (p not in findings or p in known) and p not in path), None)
            if first is None:
                return path
            path.insert(0, first)

    def edge(self, a: str, b: str) -> dict:
        """The attributes (kind, via) of the edge a -> b."""
        return dict(self.edges[a, b])


def _chain_order(chain: tuple[str, ...]) -> tuple[int, tuple[str, ...]]:
    return (-len(chain), chain)
