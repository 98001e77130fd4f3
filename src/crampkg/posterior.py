"""The probability distribution over causes, and the information measures on it."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .reasoning import Reasoner


def entropy(probabilities: Iterable[float]) -> float:
    return -sum(p * math.log2(p) for p in probabilities if p > 0)


class Posterior(Mapping[str, float]):
    """The softmax of the log scores over every cause, in time proportional to the touched causes.

    A cause the case does not touch keeps its prior log score ``lp_c``, so its
    probability is ``w_c * k`` with ``w_c = exp(lp_c - lp_max)`` precomputed and
    one constant ``k`` per case; the normaliser and the entropy sum follow from
    the precomputed sums of ``w`` and ``w log2 w`` corrected for the touched causes.
    """

    def __init__(self, reasoner: Reasoner, touched_scores: dict[str, float]):
        self._reasoner = reasoner
        weights = reasoner._prior_weight
        top = max([reasoner._lp_max, *touched_scores.values()])
        a = math.exp(reasoner._lp_max - top)
        touched_w = math.fsum(weights[c] for c in touched_scores)
        touched_wlogw = math.fsum(weights[c] * math.log2(weights[c]) for c in touched_scores)
        raw = {c: math.exp(score - top) for c, score in touched_scores.items()}
        untouched_w = max(reasoner._sum_w - touched_w, 0.0)
        z = a * untouched_w + math.fsum(raw.values())
        self._touched = {c: r / z for c, r in raw.items()}
        self.untouched_scale = a / z
        """Probability of an untouched cause per unit of prior weight."""
        k = self.untouched_scale
        untouched_plogp = 0.0
        if untouched_w > 0 and k > 0:
            untouched_plogp = k * (reasoner._sum_wlogw - touched_wlogw) + k * math.log2(k) * untouched_w
        self.plogp = untouched_plogp + math.fsum(p * math.log2(p) for p in self._touched.values() if p > 0)
        """Sum of p log2 p over every cause (minus the entropy)."""

    def __getitem__(self, cause: str) -> float:
        if cause in self._touched:
            return self._touched[cause]
        return self._reasoner._prior_weight[cause] * self.untouched_scale

    def __contains__(self, cause: object) -> bool:
        return cause in self._reasoner._prior_weight

    def __iter__(self):
        return iter(self._reasoner.cause_ids)

    def __len__(self) -> int:
        return len(self._reasoner.cause_ids)


def kl_bernoulli(q: float, b: float) -> float:
    """KL(Bernoulli(q) || Bernoulli(b)) in bits."""
    total = 0.0
    if q > 0:
        total += q * math.log2(q / b)
    if q < 1:
        total += (1 - q) * math.log2((1 - q) / (1 - b))
    return max(total, 0.0)
