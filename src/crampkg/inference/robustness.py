"""Does the ranking depend on the article's words or on crampkg's numbers?

The strength scale is ordinal: the article says "almost always", "usually", "often", "can",
"sometimes"; the numbers on those levels are crampkg's. For N draws (seeded), each level's number is
redrawn uniformly between its neighbours' numbers (the lowest between 0 and the next, the highest
between the previous and 1), keeping the ordinal order; the prior scale is refitted, and the case
answered again. The answer reports, for each of today's three leading hypotheses, the share of
draws in which it stays in the top 3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .answer import Robustness
from .network import Numbers

if TYPE_CHECKING:
    from .engine import Engine

STABLE_SHARE = 0.9


def redraw(numbers: Numbers, ranks: Mapping[str, int], rng: np.random.Generator) -> Numbers:
    """One draw of the level numbers within their neighbours' interval, ordinal order kept."""
    order = sorted(numbers.level, key=lambda lid: ranks[lid])
    values = [numbers.level[lid] for lid in order]
    lows = [0.0] + values[:-1]
    highs = values[1:] + [1.0]
    drawn = sorted(float(rng.uniform(lo, hi)) for lo, hi in zip(lows, highs, strict=True))
    return Numbers(level=dict(zip(order, drawn, strict=True)), sensitivity=numbers.sensitivity,
                   specificity=numbers.specificity, background=numbers.background)


def robustness(engine: Engine, evidence: Mapping[int, int], leading: Sequence[str], draws: int = 200,
               seed: int = 0) -> Robustness:
    """The share of redraws under which each leading hypothesis stays in the top 3."""
    model = engine.model
    ranks = {lid: s.rank for lid, s in engine.kb.index.strengths.items()}
    rng = np.random.default_rng(seed)
    stays = dict.fromkeys(leading, 0)
    base = model.net
    nodes = model.structure.nodes
    priors = model.priors
    for _ in range(draws):
        # a redrawn copy of the network answers the case; the shared model is never changed, so
        # answers computed at the same time in other threads keep the article's numbers
        tree = base.with_numbers(redraw(base.numbers, ranks, rng)).tree
        prop = tree.propagate(evidence, wanted=model.wanted_causes)
        scores = {nodes[i].id: prop.marginal(i) for i in model.cause_nodes}
        ranked = sorted(scores, key=lambda c: (-round(scores[c], 12), -round(priors[c], 12), c))
        top = set(ranked[:3])
        for c in leading:
            if c in top:
                stays[c] += 1
    shares = {c: stays[c] / draws for c in leading} if draws else {}
    stable = all(v >= STABLE_SHARE for v in shares.values())
    note = ("the leading hypotheses hold under the redrawn numbers: the ranking follows the article's words"
            if stable else
            "the ranking depends on crampkg's numbers, not only on the article's words, for: "
            + ", ".join(f"{engine.kb.index.terms[c].label} ({shares[c]:.0%})" for c in leading
                        if shares[c] < STABLE_SHARE))
    return Robustness(draws=draws, seed=seed, top3_share=shares, stable=stable, note=note)
