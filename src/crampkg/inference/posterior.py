"""Posteriors for one case: the causes' probabilities, idiopathic, and each finding's contribution.

Evidence is every reported finding (present -> true, absent -> false). Derived findings are not
evidence: the rules are deterministic nodes of the network, so what they infer follows from their
inputs and no sentence is counted twice. One propagation of the junction tree gives every cause's
and state's posterior and the joint tables the next steps need; one more (every cause set to
false) gives P(no modelled cause | findings); one per reported finding gives the leave-one-out
contributions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from .junction_tree import Propagation
from .model import Model

CLIP = 1e-12
"""Probabilities are clipped to [CLIP, 1 - CLIP] before taking log-odds (a report makes a cause
certain; its contribution is then the largest finite one, about 27.6)."""


def logit(p: float) -> float:
    p = min(max(p, CLIP), 1.0 - CLIP)
    return math.log(p / (1.0 - p))


@dataclass(frozen=True)
class CasePosterior:
    """The posteriors of one case."""

    evidence: Mapping[int, int]
    propagation: Propagation | None
    """The junction tree's propagation (None on the approximate path)."""
    scores: Mapping[str, float]
    """Cause or state id -> P(present | findings)."""
    no_cause: float
    """P(no modelled cause present | findings)."""
    error_bound: float | None = None
    """On the approximate path: 1.96 standard errors of the least certain cause's score."""


def posterior(model: Model, evidence: Mapping[int, int], wanted: frozenset[int] | None = None) -> CasePosterior:
    """Propagate the evidence; every cause's and state's posterior and P(no modelled cause)."""
    tree = model.net.tree
    prop = tree.propagate(evidence, wanted=model.wanted_latent if wanted is None else wanted)
    nodes = model.structure.nodes
    scores = {nodes[i].id: prop.marginal(i) for i in model.latent_nodes}
    return CasePosterior(evidence=dict(evidence), propagation=prop, scores=scores,
                         no_cause=p_no_cause(model, evidence, prop.probability))


def p_no_cause(model: Model, evidence: Mapping[int, int], p_evidence: float) -> float:
    """P(every modelled cause absent | evidence) = P(evidence, all absent) / P(evidence)."""
    return model.net.p_no_cause(evidence, p_evidence)


def scores_without(model: Model, evidence: Mapping[int, int], nodes_out: frozenset[int]) -> tuple[dict[str, float], float]:
    """Posteriors of the causes (and P(no cause)) with findings left out of the evidence (a finding
    goes together with its reported specialisations, which imply it)."""
    rest = {k: v for k, v in evidence.items() if k not in nodes_out}
    nodes = model.structure.nodes
    if not rest:
        return ({nodes[i].id: model.priors[nodes[i].id] for i in model.cause_nodes},
                model.target_no_cause)
    prop = model.net.tree.propagate(rest, wanted=model.wanted_causes)
    return ({nodes[i].id: prop.marginal(i) for i in model.cause_nodes},
            p_no_cause(model, rest, prop.probability))
