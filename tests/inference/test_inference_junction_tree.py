"""The junction tree gives the exact posteriors of brute-force enumeration on random networks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from crampkg.inference.junction_tree import ImpossibleEvidenceError, JunctionTree


def _random_network(rng: np.random.Generator, n: int):
    parents = []
    for v in range(n):
        k = int(rng.integers(0, min(v, 3) + 1))
        parents.append(tuple(sorted(rng.choice(v, size=k, replace=False).tolist())) if k else ())
    tables = []
    for v in range(n):
        p1 = rng.random((2,) * len(parents[v]))
        tables.append(np.stack([1 - p1, p1], axis=-1))
    return parents, tables


def _brute(parents, tables, evidence):
    n = len(parents)
    joint = {}
    for x in itertools.product((0, 1), repeat=n):
        p = 1.0
        for v in range(n):
            p *= tables[v][tuple(x[q] for q in parents[v]) + (x[v],)]
        if all(x[u] == s for u, s in evidence.items()):
            joint[x] = p
    return joint


@pytest.mark.parametrize("seed", range(60))
def test_marginals_joints_and_evidence_probability_match_enumeration(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 9))
    parents, tables = _random_network(rng, n)
    pair = tuple(sorted(rng.choice(n, size=2, replace=False).tolist()))
    tree = JunctionTree(parents, tables, together=[pair])
    evidence = {int(v): int(rng.integers(0, 2)) for v in rng.choice(n, size=int(rng.integers(0, n)), replace=False)}
    joint = _brute(parents, tables, evidence)
    p_e = sum(joint.values())
    if p_e == 0:
        with pytest.raises(ImpossibleEvidenceError):
            tree.propagate(evidence)
        return
    prop = tree.propagate(evidence, wanted=set(tree.home) | set(tree.together_home.values()))
    assert prop.probability == pytest.approx(p_e, rel=1e-12)
    for v in range(n):
        expected = sum(p for x, p in joint.items() if x[v] == 1) / p_e
        assert prop.marginal(v) == pytest.approx(expected, abs=1e-12)
    table = prop.joint(list(pair), tree.together_home[pair])
    for a in (0, 1):
        for b in (0, 1):
            expected = sum(p for x, p in joint.items() if x[pair[0]] == a and x[pair[1]] == b) / p_e
            assert table[a, b] == pytest.approx(expected, abs=1e-12)


def test_new_tables_change_the_answer_without_recompiling():
    parents = [(), (0,)]
    t0 = [np.array([0.5, 0.5]), np.array([[0.9, 0.1], [0.2, 0.8]])]
    tree = JunctionTree(parents, t0)
    before = tree.propagate({1: 1}, wanted={tree.home[0]}).marginal(0)
    assert before == pytest.approx(0.8 / 0.9)
    tree.set_tables([np.array([0.9, 0.1]), t0[1]])
    after = tree.propagate({1: 1}, wanted={tree.home[0]}).marginal(0)
    assert after == pytest.approx(0.08 / (0.08 + 0.09))


def test_wrong_table_shape_is_refused():
    with pytest.raises(ValueError):
        JunctionTree([(), (0,)], [np.array([0.5, 0.5]), np.array([0.5, 0.5])])


def test_contradictory_evidence_is_an_error():
    copy = np.array([[1.0, 0.0], [0.0, 1.0]])
    tree = JunctionTree([(), (0,)], [np.array([0.7, 0.3]), copy])
    with pytest.raises(ImpossibleEvidenceError):
        tree.propagate({0: 1, 1: 0})


@pytest.mark.parametrize("seed", range(40))
def test_the_min_degree_tree_for_large_networks_is_exact_too(seed, monkeypatch):
    from crampkg.inference import junction_tree

    monkeypatch.setattr(junction_tree, "MIN_FILL_NODES", 0)  # take the large-network path
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(2, 9))
    parents, tables = _random_network(rng, n)
    pair = tuple(sorted(rng.choice(n, size=2, replace=False).tolist()))
    tree = JunctionTree(parents, tables, together=[pair])
    evidence = {int(v): int(rng.integers(0, 2)) for v in rng.choice(n, size=int(rng.integers(0, n)), replace=False)}
    joint = _brute(parents, tables, evidence)
    p_e = sum(joint.values())
    if p_e == 0:
        return
    prop = tree.propagate(evidence, wanted=set(tree.home) | set(tree.together_home.values()))
    assert prop.probability == pytest.approx(p_e, rel=1e-12)
    for v in range(n):
        expected = sum(p for x, p in joint.items() if x[v] == 1) / p_e
        assert prop.marginal(v) == pytest.approx(expected, abs=1e-12)


def test_a_too_wide_network_is_refused_with_the_clique_size():
    from crampkg.inference.junction_tree import TooWideError, width_bound

    # one child with eight parents: the moral graph is a 9-clique
    parents = [()] * 8 + [tuple(range(8))]
    assert width_bound(parents) == 8
    with pytest.raises(TooWideError):
        width_bound(parents, limit=5)
