"""The documented approximation: likelihood weighting, when exact inference is out of reach.

The real knowledge base compiles into a junction tree with cliques of at most ten variables, and
every answer is exact. A much larger knowledge base (the x100 and x1000 synthetic ones of the
benchmarks) can have a moral graph whose treewidth makes a junction tree impossible (cliques of
2^100 entries). Then :class:`Sampler` answers instead, and every answer says ``"exact": false``
with its ``error_bound``:

* Samples are drawn in topological order (the nodes' order); a node whose value is reported is set
  to it and the sample is weighted by its likelihood (likelihood weighting, Fung & Chang 1989).
  Symptoms, tests and course findings that are unreported and lead to no reported finding are not
  sampled at all (barren nodes change nothing). Each node draws its own seeded stream, so the same
  case gives the same answer, and the prior scale is fitted on common random numbers.
* A cause's score is the weighted share of samples in which it is present; the error bound is
  three times the larger of two standard-error estimates of the least certain score: sqrt(p (1 - p)
  / ESS), where ESS is the effective sample size (sum w)^2 / sum w^2, and the spread over 20 batches
  of samples, plus three standard errors of the sampled P(no modelled cause) the prior factor was
  fitted on. A case whose ESS is below 400 is sampled again with 32,000 samples.
* Leave-one-out contributions reuse the same samples with the left-out findings' likelihoods
  divided out; the expected information gain of a question or test is Rao-Blackwellised: each
  sample gives P(finding | its Markov blanket) in closed form, and the gain is
  H(E[p]) - E[H(p)] (summed over a test's findings: an upper bound for several).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .network import AND, COPY, OR, Numbers, Structure, fit_prior_scale, leak_of, weight_of

SAMPLES = 4000
SEED = 0
BATCHES = 20


@dataclass(frozen=True)
class Samples:
    """One likelihood-weighted run: the sampled values and each reported finding's likelihood."""

    values: np.ndarray
    """Boolean, one row per node (rows of nodes that were not sampled stay False)."""
    log_likelihood: Mapping[int, np.ndarray]
    """Reported node -> log P(its reported value | its sampled parents), per sample."""
    sampled: frozenset[int]

    def weights(self, leave_out: Iterable[int] = ()) -> np.ndarray:
        """Normalised weights, with the likelihoods of ``leave_out`` divided out."""
        out = set(leave_out)
        total = np.zeros(self.values.shape[1])
        for v, ll in self.log_likelihood.items():
            if v not in out:
                total = total + ll
        if not self.log_likelihood or all(v in out for v in self.log_likelihood):
            return np.full(self.values.shape[1], 1.0 / self.values.shape[1])
        total = total - total.max()
        w = np.exp(total)
        s = w.sum()
        if not s > 0:
            raise ValueError("no sample is consistent with the findings")
        result: np.ndarray = w / s
        return result


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of normalised weights."""
    return float(1.0 / np.square(weights).sum())


class Sampler:
    """Likelihood weighting over the compiled network's structure."""

    def __init__(self, structure: Structure, numbers: Numbers, target_no_cause: float,
                 samples: int = SAMPLES, seed: int = SEED, scale: float | None = None):
        self.structure = structure
        self.numbers = numbers
        self.target_no_cause = target_no_cause
        self.samples = samples
        self.seed = seed
        nodes = structure.nodes
        self.parents = [np.array([p.node for p in n.parents], dtype=np.int64) for n in nodes]
        self.causes = np.array(structure.causes, dtype=np.int64)
        self._uniform: dict[int, np.ndarray] = {}
        self.scale = 1.0
        if scale is None:  # fit the prior factor (a sampler made for more samples reuses it)
            self._set_numbers(numbers, 1.0)
            scale = self.fit_scale()
        self.scale = scale
        self._set_numbers(numbers, self.scale)

    def _set_numbers(self, numbers: Numbers, scale: float) -> None:
        nodes = self.structure.nodes
        self.leak = np.array([leak_of(n, numbers, scale) for n in nodes])
        self.keep_off = [np.array([1.0 - weight_of(p, numbers) for p in n.parents]) for n in nodes]

    def uniform(self, v: int) -> np.ndarray:
        """The node's own seeded stream of uniforms (common random numbers across calls)."""
        found = self._uniform.get(v)
        if found is None:
            found = np.random.default_rng([self.seed, v]).random(self.samples)
            if len(self._uniform) < 20000:
                self._uniform[v] = found
        return found

    def p_on(self, v: int, values: np.ndarray, override: Mapping[int, int] | None = None) -> np.ndarray:
        """P(node v is true | its parents' values in each sample)."""
        node = self.structure.nodes[v]
        ps = self.parents[v]
        if len(ps) == 0:
            return np.full(values.shape[1], 1.0 if node.gate == AND else float(self.leak[v]))
        rows = values[ps]
        if override:
            rows = rows.copy()
            for i, p in enumerate(ps):
                if int(p) in override:
                    rows[i, :] = bool(override[int(p)])
        result: np.ndarray
        if node.gate == COPY:
            result = rows[0].astype(float)
        elif node.gate == AND:
            result = rows.all(axis=0).astype(float)
        elif node.gate == OR:
            result = np.where(rows.any(axis=0), 1.0, self.leak[v])
        else:
            off = np.where(rows, self.keep_off[v][:, None], 1.0).prod(axis=0)
            result = 1.0 - (1.0 - self.leak[v]) * off
        return result

    def run(self, evidence: Mapping[int, int], keep: set[int] | None = None) -> Samples:
        """Sample every node in ``keep`` (all when None), the reported ones weighted.

        A reported finding that is a copy of its cause (a report: drinks little is insufficient
        fluid intake) passes its value up to the cause, which is then weighted by its own table:
        rare reports would otherwise leave almost no sample consistent with the case.
        """
        nodes = self.structure.nodes
        evidence = dict(evidence)
        for v in sorted(evidence, reverse=True):
            while nodes[v].gate == COPY and len(self.parents[v]) == 1:
                up = int(self.parents[v][0])
                if up in evidence and evidence[up] != evidence[v]:
                    break  # contradictory: left to the weights (probability 0)
                evidence[up] = evidence[v]
                v = up
        n = len(self.structure.nodes)
        values = np.zeros((n, self.samples), dtype=bool)
        loglik: dict[int, np.ndarray] = {}
        sampled = set()
        for v in range(n):
            if keep is not None and v not in keep and v not in evidence:
                continue
            p = self.p_on(v, values)
            sampled.add(v)
            if v in evidence:
                x = bool(evidence[v])
                values[v] = x
                loglik[v] = np.log(np.clip(p if x else 1.0 - p, 1e-300, 1.0))
            else:
                values[v] = self.uniform(v) < p
        return Samples(values=values, log_likelihood=loglik, sampled=frozenset(sampled))

    def p_no_cause(self, samples: Samples, weights: np.ndarray) -> float:
        if len(self.causes) == 0:
            return 1.0
        none = ~samples.values[self.causes].any(axis=0)
        return float((weights * none).sum())

    def fit_scale(self) -> float:
        """The prior factor that makes P(no modelled cause) the article's level, on common random
        numbers (so the estimate is a monotone, deterministic function of the factor)."""
        keep = {i for i, n in enumerate(self.structure.nodes) if n.role != "finding" or n.kind == "exposure"}
        uniform = np.full(self.samples, 1.0 / self.samples)

        def excess(s: float) -> float:
            self._set_numbers(self.numbers, s)
            return self.p_no_cause(self.run({}, keep), uniform) - self.target_no_cause

        return fit_prior_scale(self.structure, self.numbers, excess, tolerance=1e-9)

    # -------------------------------------------------------------- answers
    def marginals(self, samples: Samples, weights: np.ndarray, nodes: Sequence[int]) -> dict[int, float]:
        return {v: float((weights * samples.values[v]).sum()) for v in nodes}

    def error_bound(self, samples: Samples, weights: np.ndarray, nodes: Sequence[int]) -> float:
        """A conservative error bound on every score: three times the larger of two standard-error
        estimates of the least certain score, sqrt(p (1 - p) / ESS) and the spread of the estimates
        over 20 batches of the samples (likelihood weighting is biased for small ESS: the batches
        show it)."""
        ess = effective_size(weights)
        if not nodes:
            return 0.0
        values = samples.values[list(nodes)]
        p = values @ weights
        by_ess = float(np.sqrt((p * (1 - p)).max() / ess)) if ess > 0 else 1.0
        batches = np.array_split(np.arange(values.shape[1]), BATCHES)
        estimates = []
        for b in batches:
            wb = weights[b]
            total = wb.sum()
            if total > 0:
                estimates.append(values[:, b] @ wb / total)
        by_batch = float((np.std(np.array(estimates), axis=0) / math.sqrt(len(estimates))).max()) \
            if len(estimates) > 1 else 1.0
        # the prior factor was fitted on a sampled P(no modelled cause): its own standard error
        # shifts every prior a little, so it is added
        by_fit = math.sqrt(self.target_no_cause * (1 - self.target_no_cause) / self.samples)
        return min(1.0, 3.0 * max(by_ess, by_batch) + 3.0 * by_fit)

    def blanket_probability(self, v: int, samples: Samples, children: Sequence[int]) -> np.ndarray:
        """P(v = true | its Markov blanket) in each sample (parents, children, co-parents)."""
        p1 = self.p_on(v, samples.values)
        on, off = p1.copy(), 1.0 - p1
        for c in children:
            if c not in samples.sampled:
                continue  # barren: says nothing about v
            x = samples.values[c]
            with_on = self.p_on(c, samples.values, {v: 1})
            with_off = self.p_on(c, samples.values, {v: 0})
            on = on * np.where(x, with_on, 1.0 - with_on)
            off = off * np.where(x, with_off, 1.0 - with_off)
        total = on + off
        result: np.ndarray = np.where(total > 0, on / np.where(total > 0, total, 1.0), 0.0)
        return result
