"""The steps of an answer on the approximate path (likelihood weighting, :mod:`.sampling`).

Used only when the knowledge base's network is too wide for a junction tree (see
:data:`crampkg.inference.model.MAX_EXACT_WIDTH`); the answer then says ``"exact": false`` and gives
its error bound. One weighted sample set per case serves every step: the posteriors, P(no modelled
cause), the leave-one-out contributions (the left-out findings' likelihoods divided out) and the
Rao-Blackwellised information gains.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .model import Candidate, Model
from .network import binary_entropy
from .next_steps import non_barren
from .posterior import CasePosterior
from .sampling import Sampler, Samples, effective_size

MIN_EFFECTIVE = 400
"""Below this effective sample size a case is sampled again with :data:`MAX_SAMPLES` samples."""
MAX_SAMPLES = 32000


class ApproximateCase:
    """One case's weighted samples and what the answer reads from them."""

    def __init__(self, model: Model, evidence: Mapping[int, int]):
        sampler = model.sampler
        assert sampler is not None
        self.model = model
        self.sampler: Sampler = sampler
        self._relevant: set[int] | None = None
        self.evidence = dict(evidence)
        keep = non_barren(model, evidence)
        self.samples: Samples = sampler.run(evidence, keep=keep)
        try:
            self.weights = self.samples.weights()
            if effective_size(self.weights) < MIN_EFFECTIVE and sampler.samples < MAX_SAMPLES:
                # a finding far upstream (pregnant, whose specialisation is rare) leaves few samples
                # with weight: draw more, once, with a larger seeded stream
                larger = Sampler(model.structure, model.numbers, model.target_no_cause,
                                 samples=MAX_SAMPLES, seed=sampler.seed, scale=sampler.scale)
                self.sampler = larger
                self.samples = larger.run(evidence, keep=keep)
                self.weights = self.samples.weights()
        except ValueError:
            from ..errors import CaseFormatError

            raise CaseFormatError("the findings contradict each other under the knowledge base "
                                  "(no sample is consistent with them)") from None

    def posterior(self) -> CasePosterior:
        model, sampler = self.model, self.sampler
        nodes = model.structure.nodes
        marginals = sampler.marginals(self.samples, self.weights, model.latent_nodes)
        return CasePosterior(
            evidence=self.evidence, propagation=None,
            scores={nodes[v].id: p for v, p in marginals.items()},
            no_cause=sampler.p_no_cause(self.samples, self.weights),
            error_bound=sampler.error_bound(self.samples, self.weights, model.cause_nodes))

    def without(self, nodes_out: frozenset[int]) -> tuple[dict[str, float], float]:
        model, sampler = self.model, self.sampler
        nodes = model.structure.nodes
        weights = self.samples.weights(leave_out=nodes_out)
        marginals = sampler.marginals(self.samples, weights, model.cause_nodes)
        return ({nodes[v].id: p for v, p in marginals.items()}, sampler.p_no_cause(self.samples, weights))

    def relevant(self) -> set[int]:
        """The evidence's ancestors (and the evidence): the part of the network the case touches."""
        found: set[int] = set()
        stack = list(self.evidence)
        nodes = self.model.structure.nodes
        while stack:
            v = stack.pop()
            if v not in found:
                found.add(v)
                stack.extend(p.node for p in nodes[v].parents)
        return found

    def gain(self, cand: Candidate) -> float | None:
        """Rao-Blackwellised mutual information of what the candidate reveals with the hidden state
        (summed over a test's findings: an upper bound when it reveals several). Only candidates
        whose Markov blanket reaches the part of the network the case touches are considered (a
        large knowledge base has thousands of questions about unrelated causes)."""
        if self._relevant is None:
            self._relevant = self.relevant()
        if self.evidence and not any(set(b) & self._relevant or y in self._relevant
                                     for y, b in zip(cand.reveals, cand.blankets, strict=True)):
            return None
        total = 0.0
        any_open = False
        for y in cand.reveals:
            if y in self.evidence:
                continue
            p = self.sampler.blanket_probability(y, self.samples, self.model.children[y])
            mean = float((self.weights * p).sum())
            if 1e-12 < mean < 1 - 1e-12:
                any_open = True
            total += float(binary_entropy(np.array([mean]))[0] - (self.weights * binary_entropy(p)).sum())
        return max(0.0, total) if any_open else None

    def largest_change(self, revealed: list[int], goal: int) -> float | None:
        """The largest change of the goal's posterior over the outcomes of the revealed findings,
        by reweighting the same samples with each outcome's likelihood."""
        values = self.samples.values
        base = float((self.weights * values[goal]).sum())
        largest = None
        for outcome in range(2 ** len(revealed)):
            factor = np.ones(values.shape[1])
            for k, v in enumerate(revealed):
                x = (outcome >> k) & 1
                if v in self.samples.sampled:
                    factor = factor * (values[v] == bool(x))
                else:
                    p = self.sampler.p_on(v, values)
                    factor = factor * (p if x else 1.0 - p)
            w = self.weights * factor
            total = w.sum()
            if not total > 0:
                continue
            change = abs(float((w * values[goal]).sum() / total) - base)
            if largest is None or change > largest:
                largest = change
        return largest
