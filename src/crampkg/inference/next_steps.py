"""What to ask and what to test next: expected information gain, exactly, from one propagation.

The gain of a question or test is the mutual information (bits) between what it reveals and the
joint state of everything hidden that is not a symptom: the causes, the intermediate states and
the exposures not yet asked about (the latent set ``L``). For revealed findings ``Y_1..Y_k``, which
are independent given ``L``::

    I(Y; L | e) = H(Y_1..Y_k | e) - sum_i E[ H(Y_i | MB_i, e) ]

where ``MB_i`` is the finding's Markov blanket in the network (symptoms that nobody reported and
that lead to no reported finding are barren and left out). The compiler puts each finding with its
blanket, and a test's findings together, into one clique of the junction tree, so both terms come
from the posterior clique tables of the answer's one propagation, with no further inference.

Near-ties (within 0.01 bit) are broken by the cost tier (question < examination < blood test <
ultrasound), then by id. A must-not-miss cause with a posterior of at least 1 % always brings a
test that can rule it out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from .answer import NextStep
from .junction_tree import Propagation
from .model import Candidate, Model
from .network import binary_entropy
from .posterior import CasePosterior

MAX_QUESTIONS = 6
MAX_TESTS = 5
MUST_NOT_MISS_FLOOR = 0.01
_ROLE_VERB = {"confirms": "confirm", "supports": "support", "rules_out": "help rule out"}


def _h1(p: float) -> float:
    """Binary entropy of one probability, in bits."""
    if p <= 0.0 or p >= 1.0:
        return 0.0
    return -(p * math.log2(p) + (1.0 - p) * math.log2(1.0 - p))


def _entropy(table: np.ndarray) -> float:
    t = table[table > 0.0]
    return float(-(t * np.log2(t)).sum())


def non_barren(model: Model, evidence: Mapping[int, int]) -> set[int]:
    """Nodes that matter for the case: every node but the symptoms, test results and course findings
    that are unreported and lead to no reported finding (barren: summing them out changes nothing)."""
    nodes = model.structure.nodes
    keep = {i for i, n in enumerate(nodes) if n.role != "finding" or n.kind == "exposure"}
    seen: set[int] = set()
    stack = list(evidence)
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        keep.add(v)
        stack.extend(p.node for p in nodes[v].parents)
    return keep


def gain(model: Model, candidate: Candidate, post: CasePosterior, keep: set[int],
         prop: Propagation) -> float | None:
    """The expected information gain of a candidate (bits), or None when it reveals nothing new;
    ``prop`` is the case's propagation on the network's query tree."""
    tree = model.net.query_tree
    evidence = post.evidence
    revealed = [(y, b) for y, b in zip(candidate.reveals, candidate.blankets, strict=True) if y not in evidence]
    if not revealed:
        return None
    conditional = 0.0
    marginals = []
    homes = model.step_cliques
    for y, blanket in revealed:
        clique = homes.get((candidate.id, y))
        if clique is None:
            clique = homes[(candidate.id, y)] = tree.together_home[tuple(sorted({y, *blanket}))]
        given = [v for v in blanket if v in keep]
        joint = prop.joint([y, *given], clique)
        p_y = float(joint[1].sum())
        marginals.append(p_y)
        if given:
            p_s = joint[0] + joint[1]
            p1 = np.divide(joint[1], p_s, out=np.zeros_like(p_s), where=p_s > 0.0)
            conditional += float((p_s * binary_entropy(p1)).sum())
        else:
            conditional += _h1(p_y)
    if all(p <= 1e-12 or p >= 1.0 - 1e-12 for p in marginals):
        return None  # every revealed finding is already implied by the case
    if len(revealed) == 1:
        total = _h1(marginals[0])
    else:
        ys = [y for y, _ in revealed]
        key = tuple(sorted(candidate.reveals))
        joint = prop.joint(ys, tree.together_home[key])
        total = _entropy(joint)
    return max(0.0, total - conditional)


def next_steps(model: Model, post: CasePosterior, scores: Mapping[str, float],
               gain_of: Callable[[Candidate], float | None] | None = None
               ) -> tuple[tuple[NextStep, ...], tuple[NextStep, ...]]:
    """The questions to ask and the tests to do, each list by expected information gain
    (``gain_of`` replaces the exact gain on the approximate path)."""
    if gain_of is None:
        keep = non_barren(model, post.evidence)
        prop = model.net.query_tree.propagate(post.evidence, wanted=model.wanted_steps)

        def gain_of(cand: Candidate) -> float | None:
            return gain(model, cand, post, keep, prop)

    found: list[tuple[Candidate, float]] = []
    for cand in model.candidates:
        g = gain_of(cand)
        if g is not None and g > 1e-9:
            found.append((cand, g))

    def order(item: tuple[Candidate, float]) -> tuple[float, int, float, str]:
        cand, g = item
        return (-round(g, 2), cand.cost, -round(g, 9), cand.id)

    found.sort(key=order)
    questions = [_question(model, c, g, post) for c, g in found if c.kind == "question"][:MAX_QUESTIONS]
    tests_ranked = [(c, g) for c, g in found if c.kind == "test"]
    chosen = tests_ranked[:MAX_TESTS]
    chosen_ids = {c.id for c, _ in chosen}
    # a must-not-miss cause that is not negligible always brings a test that can rule it out
    for cause in model.kb.causes():
        if not cause.must_not_miss or scores.get(cause.id, 0.0) < MUST_NOT_MISS_FLOOR:
            continue
        ruling = [(c, g) for c, g in tests_ranked
                  if any(cid == cause.id and role == "rules_out" for _, role, cid in c.indications)]
        ruling = ruling or [(c, g) for c, g in tests_ranked if any(cid == cause.id for _, _, cid in c.indications)]
        if ruling and not any(c.id in chosen_ids for c, _ in ruling):
            chosen.append(ruling[0])
            chosen_ids.add(ruling[0][0].id)
    tests = [_test(model, c, g, post, scores) for c, g in chosen]
    return tuple(questions), tuple(tests)


def _question(model: Model, cand: Candidate, g: float, post: CasePosterior) -> NextStep:
    s = model.structure
    v = cand.reveals[0]
    node = s.nodes[v]
    reasons: list[str] = []
    discriminates: list[str] = []
    cause = model.report_of.get(node.id)
    if cause is not None:
        label = model.kb.index.terms[cause].label
        reasons.append(f"a yes establishes {label}, a no rules it out")
        discriminates.append(cause)
    for child in model.children_of(v):
        cn = s.nodes[child]
        edge = next(p for p in cn.parents if p.node == v)
        if edge.kind == "risk":
            wording = model.links[edge.links[0]].wording if edge.links and edge.links[0] in model.links else ""
            reasons.append(f"it raises the risk of {cn.label}" + (f" (\"{wording}\")" if wording else ""))
            discriminates.append(cn.id)
        elif edge.kind == "rule":
            reasons.append(f"it is part of rule {cn.id} ({cn.label})")
        elif edge.kind == "subclass" and cn.role == "finding":
            reasons.append(f"a yes also means {cn.label}")
    for p in node.parents:
        if p.kind in ("manifestation", "test"):
            pn = s.nodes[p.node]
            reasons.append(f"{pn.label} can show as this")
            discriminates.append(pn.id)
    why = "; ".join(dict.fromkeys(reasons)) or "it bears on the causes of the case"
    return NextStep(id=cand.id, label=cand.label, kind="question", reveals=(node.id,),
                    question=_as_question(cand.label), why=why, information_gain=g, cost=cand.cost,
                    sources=cand.sources[:3], discriminates=tuple(dict.fromkeys(discriminates)))


def _as_question(label: str) -> str:
    return f"{label[:1].upper()}{label[1:]}?"


def _test(model: Model, cand: Candidate, g: float, post: CasePosterior, scores: Mapping[str, float]) -> NextStep:
    s = model.structure
    terms = model.kb.index.terms
    evidence = post.evidence
    unknown = {s.nodes[v].id for v in cand.reveals if v not in evidence}
    phrases = []
    discriminates = []
    for finding, role, cause in cand.indications:
        if finding not in unknown:
            continue
        f_label = terms[finding].label if finding in terms else finding
        c_label = terms[cause].label if cause in terms else cause
        if role == "rules_out":  # sensitive: its absence is what rules the cause out
            phrases.append(f"{f_label} would point to {c_label}; its absence would help rule it out")
        else:
            phrases.append(f"{f_label} would {_ROLE_VERB.get(role, role)} {c_label}")
        discriminates.append(cause)
    revealed = tuple(s.nodes[v].id for v in cand.reveals if v not in evidence)
    return NextStep(id=cand.id, label=cand.label, kind="test", reveals=revealed,
                    question=f"Can {cand.label} be done?", why="; ".join(dict.fromkeys(phrases)),
                    information_gain=g, cost=cand.cost, sources=cand.sources[:3],
                    discriminates=tuple(sorted(set(discriminates), key=lambda c: (-round(scores.get(c, 0.0), 9), c))))
