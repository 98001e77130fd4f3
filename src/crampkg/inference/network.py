"""The Bayesian network compiled from the knowledge base (docs/model.md, section 4).

:func:`build_structure` turns the facts (links by kind, hierarchy, rules, priors) into nodes and
parents: which node is a noisy-OR of which parents at which strength level, which is a
deterministic OR, AND or copy. :func:`make_tables` fills the conditional probability tables from
one set of numbers (the strength scale's; the robustness check redraws them), and
:class:`Network` holds the structure, the numbers, the prior scale fitted so that P(no modelled
cause) is the article's "in most cases", and the compiled junction tree.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import KnowledgeBaseError
from ..kb import vocab as V
from .facts import CAUSAL, MANIFESTATION, REPORT, RISK, SUBCLASS, TEST, Facts, Link
from .junction_tree import JunctionTree

if TYPE_CHECKING:
    from ..kb.knowledge_base import KnowledgeBase

DEFAULT_EXPOSURE_PRIOR = "CRAMPKG_0000074"
"""Strength level of an exposure's prior where the article gives none ("sometimes")."""

NOISY_OR, AND, OR, COPY = "noisy-or", "and", "or", "copy"


@dataclass(frozen=True, slots=True)
class Parent:
    """One parent of a node: its index, how strong the edge is, and the links it stands for."""

    node: int
    weight: str
    """``"one"`` (deterministic), a strength level id, or ``"sensitivity:<role>"``."""
    links: tuple[str, ...] = ()
    kind: str = ""
    """The link kind: report, risk, causal, manifestation, test, subclass (or rule)."""


@dataclass(frozen=True, slots=True)
class Node:
    """A binary node of the network (states false, true)."""

    id: str
    """Ontology id of the cause, state or finding; the rule id for a rule node."""
    label: str
    role: str
    """cause, state, finding or rule."""
    kind: str
    """For findings: exposure, manifestation, test result, course (``""`` otherwise)."""
    gate: str
    """noisy-or, and, or, copy."""
    parents: tuple[Parent, ...]
    leak: tuple[str, ...]
    """How the leak is made: ``()`` none; ``("prior", level)`` scaled prior; ``("background", level)``;
    ``("split", level, k)`` a report's share of its cause's prior; ``("fixed", p)``."""


@dataclass(frozen=True)
class Structure:
    """Nodes in topological order and how to find them."""

    nodes: tuple[Node, ...]
    index: Mapping[str, int]
    causes: tuple[int, ...]
    """The cause nodes (every cause of leg cramps but idiopathic)."""
    reports: Mapping[str, tuple[str, ...]]
    """Cause id -> the finding ids that report it."""
    problems: tuple[str, ...] = ()
    links: Mapping[str, Link] = field(default_factory=dict)

    def children(self) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in self.nodes]
        for i, n in enumerate(self.nodes):
            for p in n.parents:
                out[p.node].append(i)
        return out


def build_structure(kb: KnowledgeBase, facts: Facts) -> Structure:
    """The network's nodes and edges from the knowledge base and its facts."""
    index = kb.index
    deprecated = facts.deprecated
    problems = list(facts.problems)
    findings = {t.id: t for t in kb.findings() if t.id not in deprecated}
    causes = {c.id: c for c in kb.causes() if c.id not in deprecated and c.id != V.IDIOPATHIC}
    states = {t.id: t for t in kb.states() if t.id not in deprecated}
    latent = set(causes) | set(states)
    links = {link.id: link for link in facts.links}

    # parents[target] = {source: (weight rank key, weight, [link ids], kind)}
    parents: dict[str, dict[str, list[Any]]] = {}  # target -> source -> [weight, link ids, kind]
    gate: dict[str, str] = {}
    leak: dict[str, tuple[str, ...]] = {}
    labels: dict[str, str] = {}
    role: dict[str, str] = {}
    kind: dict[str, str] = {}
    levels = index.strengths
    rank = {lid: s.rank for lid, s in levels.items()}

    def add_edge(source: str, target: str, weight: str, link: str | None, link_kind: str) -> None:
        edges = parents.setdefault(target, {})
        found = edges.get(source)
        ids = [link] if link else []
        if found is None:
            edges[source] = [weight, ids, link_kind]
            return
        # one edge per pair: the strongest link's number, every link kept for its sentences
        old_weight = found[0]
        if _stronger(weight, old_weight, rank):
            found[0] = weight
            found[2] = link_kind
        found[1].extend(ids)

    for cid, cause in causes.items():
        labels[cid], role[cid], kind[cid] = cause.label, "cause", ""
    for sid, state in states.items():
        labels[sid], role[sid], kind[sid] = state.label, "state", ""
    for fid, term in findings.items():
        labels[fid], role[fid] = term.label, "finding"
        kind[fid] = facts.finding_kind.get(fid, "")
        if not kind[fid]:
            problems.append(f"finding {fid} ({term.label}) has no finding kind")
            kind[fid] = "manifestation"

    # hierarchy: a class is the OR of its subclasses (causes, states, findings alike)
    for group in (causes, states, findings):
        for cid in group:
            ups = [up for up in index.terms[cid].parents if up in group and up not in deprecated]
            # direct parents only: a store holding the entailed hierarchy (``export --inferred``)
            # lists every ancestor as a parent, which would add redundant edges
            ups = [up for up in ups if not any(up != other and up in index.ancestors.get(other, ()) for other in ups)]
            for up in sorted(ups):
                add_edge(cid, up, "one", None, SUBCLASS)

    reports: dict[str, list[str]] = {}
    for link in facts.links:
        s, t = link.source, link.target
        if link.kind == REPORT:
            if s in findings and t in causes:
                reports.setdefault(t, []).append(s)
            else:
                problems.append(f"report link {link.id} does not relate a finding to a cause")
        elif link.kind == RISK:
            if s in findings and t in latent and link.level is not None and link.level in levels:
                weight = link.level if link.alternatives == 1 else f"share:{link.alternatives}:{link.level}"
                add_edge(s, t, weight, link.id, RISK)
            else:
                problems.append(f"risk link {link.id} does not relate a finding to a cause or state with a level")
        elif link.kind == CAUSAL:
            if s in latent and t in latent and link.level is not None and link.level in levels:
                add_edge(s, t, link.level, link.id, CAUSAL)
            else:
                problems.append(f"causal link {link.id} does not relate two causes or states with a level")
        elif link.kind == MANIFESTATION:
            if s in latent and t in findings and link.level is not None and link.level in levels:
                add_edge(s, t, link.level, link.id, MANIFESTATION)
            else:
                problems.append(f"manifestation link {link.id} does not relate a cause or state to a finding "
                                "with a level")
        elif link.kind == TEST:  # noqa: SIM102 (shaped as the branches above)
            if s in latent and t in findings and link.role in facts.roles:
                add_edge(s, t, f"sensitivity:{link.role}", link.id, TEST)

    # rules: one AND node per rule over its required findings; the derived finding is their OR
    rule_nodes: dict[str, tuple[str, ...]] = {}
    for rule in kb.rules.rules:
        c = rule.condition
        if c is None or c.blocked_if_absent or c.blocked_if_present:
            problems.append(f"rule {rule.id} is not a plain conjunction of findings: the network cannot hold it")
            continue
        inputs = tuple(sorted(c.requires))
        if not inputs or not all(f in findings for f in inputs):
            problems.append(f"rule {rule.id} names a finding the network does not have")
            continue
        rid = rule.id
        rule_nodes[rid] = inputs
        labels[rid], role[rid], kind[rid] = rule.name, "rule", ""
        gate[rid] = AND
        for f in inputs:
            add_edge(f, rid, "one", None, "rule")
        for target in c.infers:
            if target in findings:
                add_edge(rid, target, "one", None, "rule")
                gate[target] = OR
    # a derived finding's link replaces, for that cause, its inputs' links citing the same sentence
    for rid, inputs in rule_nodes.items():
        derived = [t for t, edges in parents.items() if rid in edges]
        for d in derived:
            for edges in parents.values():
                if d not in edges:
                    continue
                stated = {links[x].sources[0] for x in edges[d][1] if x in links and links[x].sources}
                for f in inputs:
                    if f in edges and stated & {links[x].sources[0] for x in edges[f][1]
                                                if x in links and links[x].sources}:
                        del edges[f]

    # reports: one report -> a copy of its cause; several -> the cause is their OR
    for cid, found in reports.items():
        found = sorted(set(found))
        reports[cid] = found
        if len(found) == 1:
            r = found[0]
            if parents.get(r):
                problems.append(f"finding {r} reports {cid} and has parents of its own")
            parents[r] = {cid: ["one", [x.id for x in facts.links if x.kind == REPORT and x.source == r], REPORT]}
            gate[r] = COPY
        else:
            for r in found:
                if parents.get(r):
                    problems.append(f"finding {r} reports {cid} and has parents of its own")
                ids = [x.id for x in facts.links if x.kind == REPORT and x.source == r and x.target == cid]
                add_edge(r, cid, "one", ids[0] if ids else None, REPORT)
                leak[r] = ("split", causes[cid].prior.id, str(len(found)))

    # leaks
    default_background = next(iter(levels.values())).background if levels else 0.05
    for cid, cause in causes.items():
        if cid in leak:
            continue
        multi_report = len(reports.get(cid, ())) > 1
        leak[cid] = () if (cause.requires or multi_report) else ("prior", cause.prior.id)
    for sid in states:
        leak[sid] = () if parents.get(sid) else ("prior", facts.prior.get(sid, DEFAULT_EXPOSURE_PRIOR))
    for fid in findings:
        if fid in leak or gate.get(fid) in (COPY, OR):
            continue
        if kind[fid] == "exposure":
            leak[fid] = ("prior", facts.prior.get(fid, DEFAULT_EXPOSURE_PRIOR))
            continue
        level = facts.background.get(fid)
        p = levels[level].frequency if level in levels else default_background
        false_positive = [1.0 - facts.roles[w.split(":", 1)[1]].specificity
                          for w, _ids, _k in parents.get(fid, {}).values() if w.startswith("sensitivity:")]
        if false_positive:
            # a test result: positive without its causes at the test's false-positive rate (1 -
            # specificity), unless the article gives the finding a background rate of its own
            p = max(false_positive + ([levels[level].frequency] if level in levels else []))
        if level is not None and level in levels and p == levels[level].frequency:
            leak[fid] = ("background", level)
        else:
            leak[fid] = ("fixed", repr(p))
    for rid in rule_nodes:
        leak[rid] = ()
    for fid in findings:
        if gate.get(fid) == OR and fid not in rule_nodes:
            # a derived finding: only through its rules (and its subclasses)
            leak.setdefault(fid, ())
            leak[fid] = ()

    names = sorted(set(labels))
    order = _topological(names, parents)
    if order is None:
        cycle = _find_cycle(names, parents)
        raise KnowledgeBaseError("the knowledge base's links form a cycle, which a Bayesian network cannot hold: "
                                 + " -> ".join(labels.get(x, x) for x in cycle))
    position = {n: i for i, n in enumerate(order)}
    nodes = []
    for n in order:
        edges = parents.get(n, {})
        ps = tuple(Parent(position[s], w, tuple(sorted(set(ids))), k)
                   for s, (w, ids, k) in sorted(edges.items(), key=lambda kv: position[kv[0]]))
        nodes.append(Node(id=n, label=labels[n], role=role[n], kind=kind[n],
                          gate=gate.get(n, NOISY_OR), parents=ps, leak=leak.get(n, ())))
    cause_nodes = tuple(position[c] for c in sorted(causes))
    return Structure(nodes=tuple(nodes), index=position, causes=cause_nodes,
                     reports={c: tuple(r) for c, r in reports.items()}, problems=tuple(problems), links=links)


def _stronger(new: str, old: str, rank: Mapping[str, int]) -> bool:
    def key(w: str) -> float:
        if w == "one":
            return 1e9
        if w.startswith("sensitivity:"):
            return 1e8
        if w.startswith("share:"):
            return rank.get(w.split(":", 2)[2], 0) - 0.5
        return rank.get(w, 0)
    return key(new) > key(old)


def _topological(names: Sequence[str], parents: Mapping[str, Mapping[str, object]]) -> list[str] | None:
    """Kahn's algorithm, ties by id (deterministic); None when there is a cycle."""
    indegree = {n: 0 for n in names}
    children: dict[str, list[str]] = {n: [] for n in names}
    for t, edges in parents.items():
        for s in edges:
            indegree[t] += 1
            children[s].append(t)
    import heapq

    ready = [n for n in names if indegree[n] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        n = heapq.heappop(ready)
        order.append(n)
        for c in children[n]:
            indegree[c] -= 1
            if indegree[c] == 0:
                heapq.heappush(ready, c)
    return order if len(order) == len(names) else None


def _find_cycle(names: Sequence[str], parents: Mapping[str, Mapping[str, object]]) -> list[str]:
    children: dict[str, list[str]] = {n: [] for n in names}
    for t, edges in parents.items():
        for s in edges:
            children[s].append(t)
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        colour[n] = 1
        stack.append(n)
        for c in sorted(children[n]):
            if colour.get(c) == 1:
                return stack[stack.index(c):] + [c]
            if c not in colour:
                found = visit(c)
                if found:
                    return found
        stack.pop()
        colour[n] = 2
        return None

    for n in sorted(names):
        if n not in colour:
            found = visit(n)
            if found:
                return found
    return []


@dataclass(frozen=True)
class Numbers:
    """The numbers a network's tables are made from: one probability per strength level, the role
    numbers and the default background."""

    level: Mapping[str, float]
    sensitivity: Mapping[str, float]
    specificity: Mapping[str, float]
    background: float

    @classmethod
    def from_kb(cls, kb: KnowledgeBase, facts: Facts) -> Numbers:
        strengths = kb.index.strengths
        return cls(level={k: s.frequency for k, s in strengths.items()},
                   sensitivity={r: n.sensitivity for r, n in facts.roles.items()},
                   specificity={r: n.specificity for r, n in facts.roles.items()},
                   background=next(iter(strengths.values())).background if strengths else 0.05)


def weight_of(parent: Parent, numbers: Numbers) -> float:
    """The activation probability of an edge."""
    w = parent.weight
    if w == "one":
        return 1.0
    if w.startswith("sensitivity:"):
        return numbers.sensitivity[w.split(":", 1)[1]]
    if w.startswith("share:"):  # one of k alternatives: 1 - (1 - p)^(1/k), so that any one fires with p
        _, k, level = w.split(":", 2)
        return float(1.0 - (1.0 - numbers.level[level]) ** (1.0 / int(k)))
    return numbers.level[w]


def leak_of(node: Node, numbers: Numbers, scale: float) -> float:
    """The leak probability of a node (for a root: its prior)."""
    spec = node.leak
    if not spec:
        return 0.0
    if spec[0] == "prior":
        return min(1.0, numbers.level[spec[1]] * scale)
    if spec[0] == "background":
        return numbers.level[spec[1]]
    if spec[0] == "split":
        p = min(1.0, numbers.level[spec[1]] * scale)
        return float(1.0 - (1.0 - p) ** (1.0 / int(spec[2])))
    if spec[0] == "fixed":
        return float(spec[1])
    raise ValueError(f"unknown leak {spec!r}")


def make_tables(structure: Structure, numbers: Numbers, scale: float) -> list[np.ndarray]:
    """Conditional probability tables, axes (parents..., node), one per node."""
    tables = []
    for node in structure.nodes:
        k = len(node.parents)
        if node.gate == COPY:
            t = np.array([[1.0, 0.0], [0.0, 1.0]])
        elif node.gate in (AND, OR):
            grid = np.indices((2,) * k).reshape(k, -1).T if k else np.zeros((1, 0), dtype=int)
            if node.gate == AND:
                on = grid.all(axis=1) if k else np.array([True])
            else:
                on = grid.any(axis=1) if k else np.array([False])
            p_on = on.astype(float)
            if node.gate == OR and node.leak:
                p_on = 1.0 - (1.0 - p_on) * (1.0 - leak_of(node, numbers, scale))
            p_on = p_on.reshape((2,) * k) if k else p_on.reshape(())
            t = np.stack([1.0 - p_on, p_on], axis=-1)
        else:
            q = 1.0 - leak_of(node, numbers, scale)  # P(off) with no parent on
            p_off = np.full((2,) * k, q) if k else np.array(q)
            for axis, parent in enumerate(node.parents):
                factor = np.ones(2)
                factor[1] = 1.0 - weight_of(parent, numbers)
                shape = [1] * k
                shape[axis] = 2
                p_off = p_off * factor.reshape(shape)
            t = np.stack([p_off, 1.0 - p_off], axis=-1)
        tables.append(t)
    return tables


class Network:
    """A compiled network: structure, numbers, fitted prior scale and junction tree."""

    def __init__(self, structure: Structure, numbers: Numbers, target_no_cause: float,
                 together: Sequence[Sequence[int]] = ()):
        self.structure = structure
        self.numbers = numbers
        self.target_no_cause = target_no_cause
        self.parents_of = [tuple(p.node for p in n.parents) for n in structure.nodes]
        # two trees over the same network: a lean one (the moral graph alone: narrowest cliques) for
        # the posteriors, and one whose cliques also hold each question's or test's findings with
        # their Markov blankets, for the next steps' joint tables (the extra cliques would slow every
        # posterior down by about a third; benchmarks/bn_bench.py)
        tables = make_tables(structure, numbers, 1.0)
        self.tree = JunctionTree(self.parents_of, tables)
        self.query_tree = JunctionTree(self.parents_of, tables, together) if together else self.tree
        # P(no modelled cause | e) = P(e, no cause) / P(e): the numerator is the evidence probability
        # in a copy of the lean tree whose cause tables say "never present" (a collect pass over the
        # cliques with evidence only, instead of setting all causes as evidence: 0.12 -> 0.07 ms)
        self.none_tree = self._copy_tree(self.tree)
        self.scale = self.fit_scale(numbers)
        tables = make_tables(structure, numbers, self.scale)
        self.tree.set_tables(tables)
        self.none_tree.set_tables(self._none_tables(tables))
        if self.query_tree is not self.tree:
            self.query_tree.set_tables(tables)

    @staticmethod
    def _copy_tree(tree: JunctionTree) -> JunctionTree:
        """The same compiled tree (cliques, layout) to hold other tables."""
        other = object.__new__(JunctionTree)
        other.__dict__.update(tree.__dict__)
        return other

    def _none_tables(self, tables: list[np.ndarray]) -> list[np.ndarray]:
        """The tables with every cause forced absent (its "present" column zero)."""
        out = list(tables)
        for c in self.structure.causes:
            t = tables[c].copy()
            t[..., 1] = 0.0
            out[c] = t
        return out

    def p_no_cause(self, evidence: Mapping[int, int] | None = None, p_evidence: float | None = None) -> float:
        """P(no modelled cause present | evidence) with the tables currently set."""
        base = dict(evidence or {})
        if p_evidence is None:
            p_evidence = self.tree.propagate(base).probability if base else 1.0
        try:
            return min(1.0, self.none_tree.propagate(base).probability / p_evidence)
        except ValueError:  # the evidence needs a cause (a reported one): none is impossible
            return 0.0

    def fit_scale(self, numbers: Numbers) -> float:
        """The one factor on every prior that makes P(no modelled cause) the article's level.

        P(no modelled cause) falls monotonically as the factor grows; the root is found by regula
        falsi with the Illinois modification (about ten propagations instead of fifty for
        bisection), to 1e-12 in probability.
        """
        target = self.target_no_cause

        def excess(s: float) -> float:
            self.none_tree.set_tables(self._none_tables(make_tables(self.structure, numbers, s)))
            return self.p_no_cause(p_evidence=1.0) - target

        return fit_prior_scale(self.structure, numbers, excess, tolerance=1e-12)

    def with_numbers(self, numbers: Numbers) -> Network:
        """The same structure and junction tree with other numbers (robustness redraws)."""
        other = object.__new__(Network)
        other.structure = self.structure
        other.numbers = numbers
        other.target_no_cause = self.target_no_cause
        other.parents_of = self.parents_of
        other.query_tree = self.tree  # redraws answer posteriors only: no next steps on them
        other.tree = tree = self._copy_tree(self.tree)
        other.none_tree = self._copy_tree(self.none_tree)
        other.scale = other.fit_scale(numbers)
        tables = make_tables(self.structure, numbers, other.scale)
        tree.set_tables(tables)
        other.none_tree.set_tables(other._none_tables(tables))
        return other


def fit_prior_scale(structure: Structure, numbers: Numbers, excess: Callable[[float], float],
                    tolerance: float) -> float:
    """The prior factor s at which ``excess(s)`` = P(no modelled cause | nothing known) - target is 0.

    ``excess`` falls monotonically as s grows (more likely causes); the root lies between 0 and the
    factor that makes the largest prior 1. Regula falsi with the Illinois modification finds it in
    about ten evaluations (each a propagation, or a sampling run), to ``tolerance`` in probability.
    """
    top = max((numbers.level[n.leak[1]] for n in structure.nodes if n.leak and n.leak[0] in ("prior", "split")),
              default=1.0)
    a, b = 0.0, (1.0 / top if top > 0 else 1.0)
    fa, fb = excess(a), excess(b)
    if fb > 0:
        return b
    if fa < 0:
        raise KnowledgeBaseError("P(no modelled cause) cannot reach its target: the exposures alone make a "
                                 "cause more likely")
    side, c = 0, a
    for _ in range(200):
        c = (a * fb - b * fa) / (fb - fa)
        fc = excess(c)
        if abs(fc) < tolerance or b - a < 1e-15:
            break
        if fc > 0:
            a, fa = c, fc
            if side == 1:
                fb /= 2
            side = 1
        else:
            b, fb = c, fc
            if side == -1:
                fa /= 2
            side = -1
    return c


def binary_entropy(p: np.ndarray) -> np.ndarray:
    """Binary entropy in bits, elementwise (0 at 0 and 1)."""
    out = np.zeros(p.shape)
    inside = (p > 0.0) & (p < 1.0)
    q = p[inside]
    out[inside] = -(q * np.log2(q) + (1.0 - q) * np.log2(1.0 - q))
    return out


def shortest_path(structure: Structure, start: int, goal: int, allowed: Callable[[int], bool] | None = None,
                  children: Sequence[Sequence[int]] | None = None) -> list[int] | None:
    """A shortest directed path from ``start`` to ``goal`` (breadth-first, ties by node order)."""
    if children is None:
        children = structure.children()
    prev: dict[int, int] = {start: -1}
    queue = deque([start])
    while queue:
        n = queue.popleft()
        if n == goal:
            path = [n]
            while prev[path[-1]] != -1:
                path.append(prev[path[-1]])
            return path[::-1]
        for c in sorted(children[n]):
            if c not in prev and (allowed is None or allowed(c)):
                prev[c] = n
                queue.append(c)
    return None
