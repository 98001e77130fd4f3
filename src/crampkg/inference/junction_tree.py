"""Exact inference on a Bayesian network of binary variables: a junction tree compiled once.

The network is given as conditional probability tables (one numpy array per variable, axes
``(parent_1, ..., parent_k, variable)``, state 0 = false, 1 = true). :class:`JunctionTree`
triangulates the moral graph once (greedy min-fill elimination), builds a tree of maximal cliques
(maximum-weight spanning tree over separator sizes), and assigns each table to a clique. A query
then multiplies the evidence into the cliques that hold it and passes messages (Hugin style:
collect to the root, distribute to the cliques that are asked about), so the posterior marginal of
every variable, the joint posterior of any clique and the probability of the evidence come out of
one propagation, exactly.

Why a junction tree (README, "How the ranking works"): the real knowledge base's moral graph has a
small treewidth, so every clique table has at most a few thousand entries and a propagation is a
few hundred small numpy operations, the same for every case; variable elimination per query would
redo the elimination order every time, and enumeration is exponential in the number of causes.

Speed trick, kept here only: messages of a subtree that holds no evidence do not depend on the
case, so they are computed once per set of tables (:meth:`set_tables`) and reused by every query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["ImpossibleEvidenceError", "JunctionTree", "Propagation"]


class ImpossibleEvidenceError(ValueError):
    """The evidence has probability 0 under the network (e.g. a finding present and its
    generalisation absent)."""


@dataclass(frozen=True, slots=True)
class _Edge:
    """A tree edge from ``child`` to ``parent`` clique with the axes to sum and the shape to broadcast."""

    child: int
    parent: int
    separator: tuple[int, ...]
    sum_axes_child: tuple[int, ...]  # axes of the child's table not in the separator
    sum_axes_parent: tuple[int, ...]  # axes of the parent's table not in the separator
    shape_in_parent: tuple[int, ...]  # the separator table broadcast to the parent's axes
    shape_in_child: tuple[int, ...]  # the separator table broadcast to the child's axes


def _triangulate(n: int, adjacency: list[set[int]]) -> list[frozenset[int]]:
    """Maximal cliques of a triangulation by greedy min-fill elimination (ties: fewest neighbours,
    then lowest index, so the result is deterministic)."""
    adj = [set(a) for a in adjacency]
    alive = set(range(n))
    cliques: list[frozenset[int]] = []
    while alive:
        best, best_key = -1, None
        for v in alive:
            nb = adj[v]
            fill = 0
            nbl = sorted(nb)
            for i, a in enumerate(nbl):
                na = adj[a]
                for b in nbl[i + 1:]:
                    if b not in na:
                        fill += 1
            key = (fill, len(nb), v)
            if best_key is None or key < best_key:
                best, best_key = v, key
        v = best
        nb = adj[v]
        clique = frozenset(nb | {v})
        if not any(clique <= c for c in cliques):
            cliques.append(clique)
        for a in nb:
            adj[a] |= nb - {a}
            adj[a].discard(v)
        alive.discard(v)
        adj[v] = set()
    # keep maximal ones only (a later clique can contain an earlier one)
    maximal = [c for c in cliques if not any(c < d for d in cliques)]
    return maximal


class TooWideError(ValueError):
    """The moral graph's triangulation needs a clique larger than allowed: exact inference is out
    of reach (the engine answers by likelihood weighting instead)."""


def _eliminate_min_degree(n: int, adjacency: list[set[int]], limit: int | None = None
                          ) -> tuple[list[tuple[int, ...]], list[list[int]]]:
    """Cliques and tree edges of a junction tree by greedy min-degree elimination (a heap with lazy
    updates: about n log n, for graphs too large for min-fill). Each clique's parent is the clique
    of its earliest-eliminated neighbour; a clique inside its parent is merged into it."""
    import heapq

    adj = [set(a) for a in adjacency]
    position = [-1] * n
    heap = [(len(adj[v]), v) for v in range(n)]
    heapq.heapify(heap)
    made: list[tuple[int, frozenset[int]]] = []
    step = 0
    while heap:
        degree, v = heapq.heappop(heap)
        if position[v] >= 0 or degree != len(adj[v]):
            continue
        nb = adj[v]
        if limit is not None and len(nb) > limit:
            raise TooWideError(f"a clique of {len(nb) + 1} variables (limit {limit + 1})")
        position[v] = step
        step += 1
        made.append((v, frozenset(nb | {v})))
        for a in nb:
            adj[a] |= nb
            adj[a].discard(a)
            adj[a].discard(v)
            heapq.heappush(heap, (len(adj[a]), a))
        adj[v] = set()
    owner = {v: i for i, (v, _) in enumerate(made)}
    parent = [-1] * len(made)
    for i, (v, clique) in enumerate(made):
        rest = [u for u in clique if u != v]
        if rest:
            parent[i] = owner[min(rest, key=position.__getitem__)]
    # merge a clique into its parent when it is contained in it (its children move up)
    alive = [True] * len(made)
    for i in range(len(made)):
        j = parent[i]
        if j >= 0 and made[i][1] <= made[j][1]:
            alive[i] = False
            for k in range(len(made)):
                if parent[k] == i:
                    parent[k] = j
    index = {i: k for k, i in enumerate(i for i in range(len(made)) if alive[i])}
    cliques = [tuple(sorted(made[i][1])) for i in range(len(made)) if alive[i]]
    neighbours: list[list[int]] = [[] for _ in cliques]
    for i in range(len(made)):
        if alive[i] and parent[i] >= 0:
            a, b = index[i], index[parent[i]]
            neighbours[a].append(b)
            neighbours[b].append(a)
    return cliques, neighbours


def width_bound(parents: Sequence[Sequence[int]], together: Iterable[Iterable[int]] = (),
                limit: int | None = None) -> int:
    """An upper bound on the treewidth of the moral graph (min-degree elimination); raises
    :class:`TooWideError` as soon as it passes ``limit``."""
    adjacency = _moral(len(parents), parents, together)
    cliques, _ = _eliminate_min_degree(len(parents), adjacency, limit)
    return max((len(c) for c in cliques), default=1) - 1


def _moral(n: int, parents: Sequence[Sequence[int]], together: Iterable[Iterable[int]]) -> list[set[int]]:
    adjacency: list[set[int]] = [set() for _ in range(n)]

    def connect(nodes: Sequence[int]) -> None:
        for i, a in enumerate(nodes):
            for b in nodes[i + 1:]:
                if a != b:
                    adjacency[a].add(b)
                    adjacency[b].add(a)

    for v, ps in enumerate(parents):
        connect((v, *ps))
    for s in together:
        connect(tuple(s))
    return adjacency


MIN_FILL_NODES = 300
"""Up to this many variables the triangulation is greedy min-fill (narrower cliques); beyond, the
faster min-degree elimination."""


class JunctionTree:
    """A compiled junction tree over binary variables ``0 .. n-1``.

    ``parents[v]`` are the parents of ``v``; ``tables[v]`` its conditional probability table with
    axes ``parents[v] + (v,)``. ``together`` lists variable sets that must lie in one clique (so
    that their joint posterior is available from :meth:`Propagation.joint`).
    """

    def __init__(self, parents: Sequence[Sequence[int]], tables: Sequence[np.ndarray],
                 together: Iterable[Iterable[int]] = (), limit: int | None = None):
        n = len(parents)
        self.n = n
        self.parents = [tuple(p) for p in parents]
        self.together = [tuple(sorted(set(s))) for s in together]
        adjacency = _moral(n, self.parents, self.together)
        if n > MIN_FILL_NODES:
            cliques, neighbours = _eliminate_min_degree(n, adjacency, limit)
        else:
            cliques, neighbours = self._min_fill_tree(n, adjacency, limit)
        self.cliques: list[tuple[int, ...]] = cliques
        m = len(cliques)
        # root every component at its first clique; order edges child -> parent (post-order)
        self.parent_of: list[int] = [-1] * m
        self.roots: list[int] = []
        order: list[int] = []
        seen = [False] * m
        for start in range(m):
            if seen[start]:
                continue
            self.roots.append(start)
            seen[start] = True
            stack = [start]
            while stack:
                c = stack.pop()
                order.append(c)
                for d in sorted(neighbours[c]):
                    if not seen[d]:
                        seen[d] = True
                        self.parent_of[d] = c
                        stack.append(d)
        self.preorder = order  # parents before children
        self.edges: dict[int, _Edge] = {}
        for c in order:
            p = self.parent_of[c]
            if p < 0:
                continue
            sep = tuple(sorted(set(cliques[c]) & set(cliques[p])))
            cc, pc = cliques[c], cliques[p]
            self.edges[c] = _Edge(
                child=c, parent=p, separator=sep,
                sum_axes_child=tuple(i for i, v in enumerate(cc) if v not in sep),
                sum_axes_parent=tuple(i for i, v in enumerate(pc) if v not in sep),
                shape_in_parent=tuple(2 if v in sep else 1 for v in pc),
                shape_in_child=tuple(2 if v in sep else 1 for v in cc),
            )
        self.children: list[list[int]] = [[] for _ in range(m)]
        for c in order:
            if self.parent_of[c] >= 0:
                self.children[self.parent_of[c]].append(c)
        # each variable's home: the smallest clique holding it; each family's: the smallest holding it
        self.home: list[int] = [-1] * n
        for v in range(n):
            holding = [i for i, c in enumerate(cliques) if v in c]
            self.home[v] = min(holding, key=lambda i: (len(cliques[i]), i))
        self.position = {c: i for i, c in enumerate(self.preorder)}
        # evidence as a 0/1 mask broadcast over the home clique: masks[v][x] keeps the states v = x
        self.masks: list[tuple[np.ndarray, np.ndarray]] = []
        for v in range(n):
            clique = cliques[self.home[v]]
            shape = tuple(2 if x == v else 1 for x in clique)
            self.masks.append((np.array([1.0, 0.0]).reshape(shape), np.array([0.0, 1.0]).reshape(shape)))
        self.family_home: list[int] = []
        for v, ps in enumerate(self.parents):
            fam = {v, *ps}
            holding = [i for i, c in enumerate(cliques) if fam <= set(c)]
            self.family_home.append(min(holding, key=lambda i: (len(cliques[i]), i)))
        self.together_home: dict[tuple[int, ...], int] = {}
        for s in self.together:
            holding = [i for i, c in enumerate(cliques) if set(s) <= set(c)]
            self.together_home[s] = min(holding, key=lambda i: (len(cliques[i]), i))
        # how each table is laid into its clique: a transpose and a broadcast shape
        self._layout: list[tuple[int, tuple[int, ...], tuple[int, ...]]] = []
        for v, ps in enumerate(self.parents):
            c = self.family_home[v]
            axes_vars = (*ps, v)
            clique = cliques[c]
            present = sorted(axes_vars, key=clique.index)
            perm = tuple(axes_vars.index(x) for x in present)
            shape = tuple(2 if x in axes_vars else 1 for x in clique)
            self._layout.append((c, perm, shape))
        self.set_tables(tables)

    @staticmethod
    def _min_fill_tree(n: int, adjacency: list[set[int]], limit: int | None
                       ) -> tuple[list[tuple[int, ...]], list[list[int]]]:
        """Maximal cliques by greedy min-fill, joined by a maximum-weight spanning forest over
        separator sizes (Kruskal; ties by clique order)."""
        cliques = sorted((tuple(sorted(c)) for c in _triangulate(n, adjacency)), key=lambda c: (-len(c), c))
        if limit is not None and cliques and len(cliques[0]) > limit + 1:
            raise TooWideError(f"a clique of {len(cliques[0])} variables (limit {limit + 1})")
        m = len(cliques)
        candidates = []
        for i in range(m):
            si = set(cliques[i])
            for j in range(i + 1, m):
                w = len(si.intersection(cliques[j]))
                if w:
                    candidates.append((-w, i, j))
        candidates.sort()
        root_of = list(range(m))

        def find(x: int) -> int:
            while root_of[x] != x:
                root_of[x] = root_of[root_of[x]]
                x = root_of[x]
            return x

        neighbours: list[list[int]] = [[] for _ in range(m)]
        for _, i, j in candidates:
            ri, rj = find(i), find(j)
            if ri != rj:
                root_of[ri] = rj
                neighbours[i].append(j)
                neighbours[j].append(i)
        return cliques, neighbours

    @property
    def width(self) -> int:
        """The largest clique's size minus one (the treewidth of this triangulation)."""
        return max((len(c) for c in self.cliques), default=1) - 1

    def set_tables(self, tables: Sequence[np.ndarray]) -> None:
        """(Re)lay the conditional probability tables into the clique potentials, and precompute the
        messages of evidence-free subtrees."""
        if len(tables) != self.n:
            raise ValueError("one table per variable")
        base = [np.ones((2,) * len(c)) for c in self.cliques]
        for v, table in enumerate(tables):
            expected = (2,) * (len(self.parents[v]) + 1)
            if table.shape != expected:
                raise ValueError(f"table of variable {v} has shape {table.shape}, expected {expected}")
            c, perm, shape = self._layout[v]
            base[c] = base[c] * np.transpose(table, perm).reshape(shape)
        self.base = base
        # evidence-free collect messages, child -> parent, in post-order
        free: dict[int, np.ndarray] = {}
        for c in reversed(self.preorder):
            work = base[c]
            for d in self.children[c]:
                work = work * free[d].reshape(self.edges[d].shape_in_parent)
            if self.parent_of[c] >= 0:
                free[c] = work.sum(axis=self.edges[c].sum_axes_child)
            else:
                free[c] = work  # a root: its full potential
        self.free_messages = free
        # each clique's potential times its children's evidence-free messages
        full: list[np.ndarray] = []
        for c in range(len(self.cliques)):
            work = base[c]
            for d in self.children[c]:
                work = work * free[d].reshape(self.edges[d].shape_in_parent)
            full.append(work)
        self.free_full = full

    def propagate(self, evidence: Mapping[int, int], wanted: Iterable[int] = ()) -> Propagation:
        """Condition on ``evidence`` (variable -> 0/1) and compute the beliefs of the cliques in
        ``wanted`` (clique indices) and of every clique on their paths from the root."""
        return Propagation(self, evidence, frozenset(wanted))


class Propagation:
    """The result of one propagation: the evidence's probability and the beliefs asked for."""

    def __init__(self, tree: JunctionTree, evidence: Mapping[int, int], wanted: frozenset[int]):
        self.tree = t = tree
        parent_of, position = t.parent_of, t.position
        # cliques whose subtree holds evidence: those need their collect message recomputed
        pot: dict[int, np.ndarray] = {}
        dirty: set[int] = set()
        home, base, masks = t.home, t.base, t.masks
        for v, x in evidence.items():
            c = home[v]
            found = pot.get(c)
            pot[c] = (base[c] if found is None else found) * masks[v][1 if x else 0]
            while c >= 0 and c not in dirty:
                dirty.add(c)
                c = parent_of[c]
        msg_up: dict[int, np.ndarray] = {}
        work_of: dict[int, np.ndarray] = {}
        free_messages, children, edges = t.free_messages, t.children, t.edges
        for c in sorted(dirty, key=position.__getitem__, reverse=True):  # children before parents
            work = pot.get(c)
            if work is None:
                work = base[c]
            for d in children[c]:
                m = msg_up.get(d)
                work = work * (free_messages[d] if m is None else m).reshape(edges[d].shape_in_parent)
            work_of[c] = work
            if parent_of[c] >= 0:
                msg_up[c] = work.sum(axis=edges[c].sum_axes_child)
        z = 1.0
        for r in t.roots:
            w = work_of.get(r)
            z *= float((free_messages[r] if w is None else w).sum())
        if not z > 0.0:
            raise ImpossibleEvidenceError("the findings contradict each other (their probability is 0)")
        self.probability = z
        """P(evidence)."""
        # distribute: beliefs of the wanted cliques and the cliques on their paths
        need: set[int] = set()
        for c in wanted:
            while c >= 0 and c not in need:
                need.add(c)
                c = parent_of[c]
        belief: dict[int, np.ndarray] = {}
        free_full = t.free_full
        for c in sorted(need, key=position.__getitem__):  # parents before children
            p = parent_of[c]
            own = work_of.get(c)
            if own is None:
                own = free_full[c]  # an evidence-free subtree: potential x every child's message
            if p < 0:
                belief[c] = own
                continue
            edge = edges[c]
            up = msg_up.get(c)
            if up is None:
                up = free_messages[c]
            down = belief[p].sum(axis=edge.sum_axes_parent) if edge.sum_axes_parent else belief[p]
            ratio = np.divide(down, up, out=np.zeros_like(down), where=up > 0.0)  # 0/0 = 0 (Hugin)
            belief[c] = own * ratio.reshape(edge.shape_in_child)
        self.beliefs = belief

    def marginal(self, v: int) -> float:
        """P(v = true | evidence); the home clique of ``v`` must have been wanted."""
        t = self.tree
        c = t.home[v]
        b = self.beliefs[c]
        axis = t.cliques[c].index(v)
        other = tuple(i for i in range(b.ndim) if i != axis)
        m = b.sum(axis=other) if other else b
        total = m[0] + m[1]
        return float(m[1] / total)

    def joint(self, variables: Sequence[int], clique: int) -> np.ndarray:
        """The posterior joint table of ``variables`` (axes in the given order) from a wanted clique."""
        t = self.tree
        cl = t.cliques[clique]
        b = self.beliefs[clique]
        keep = [cl.index(v) for v in variables]
        other = tuple(i for i in range(b.ndim) if i not in keep)
        m = b.sum(axis=other) if other else b
        kept_sorted = sorted(keep)
        m = np.transpose(m, [kept_sorted.index(k) for k in keep])
        normalised: np.ndarray = m / m.sum()
        return normalised
