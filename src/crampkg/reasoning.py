"""Ranking causes for a case, explaining them, and saying what to test and do.

The method (README, "How the ranking works"):

1. Resolve the findings; close present ones upward over the finding hierarchy
   and absent ones downward; refuse a finding that is both.
2. Run the rules of ``rules/`` to a fixpoint: derived findings join the
   present ones, and the rules that fired are reported ("how").
3. Score every cause with likelihood ratios summed as log-odds (as LIRICAL
   does): start from the log of the cause's prior (its prior strength level's
   frequency; idiopathic is "in most cases"), add ``log(LR+)`` for each present
   finding the cause is associated with and ``log(LR-)`` for each absent one,
   where the strength level of the association fixes both ratios (ontology,
   strength scale). Each reported finding counts once per cause: with its own
   association or, failing that, the strongest of its more general findings.
4. Turn scores into probabilities over the competing causes (softmax), so each
   ``score`` is in [0, 1] and they sum to 1. Ties are broken by id: the answer
   does not depend on the order of the findings.
5. Next tests are ordered by expected information gain over that distribution.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from . import vocab as V
from .errors import CaseFormatError
from .model import Association, Strength, Term

if TYPE_CHECKING:
    from .kb import KnowledgeBase

DISCLAIMER = (
    "crampkg informs, it does not diagnose. Its answers restate one consumer health article; "
    "they are no substitute for a doctor. See a doctor if the measures do not help, if cramps are "
    "frequent, or for any of the reasons listed under see_doctor."
)

_ROLE_VERB = {"confirms": "confirm", "supports": "support", "rules_out": "help rule out"}
PHASES = ("acute", "aftercare", "prevention", "see_doctor")
LEADING = 3
"""How many top hypotheses count as 'leading' for next tests, prevention and see-a-doctor advice."""
MAX_HYPOTHESES = 25
"""Hypotheses listed: the best 25, plus every cause with evidence and the must-not-miss ones (see explain)."""
MAX_ACTIONS = 20
"""Actions listed per phase at the most (the article's own lists are shorter)."""


@dataclass(frozen=True, slots=True)
class FindingRef:
    """A finding of the case: reported, or inferred by a rule."""

    id: str
    label: str
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One finding's signed contribution to one cause, with the article's sentence."""

    finding: str
    label: str
    strength: str
    source: str
    weight: float
    """Natural log of the likelihood ratio: positive supports, negative counts against."""
    association: str
    via: str | None = None
    """The more general finding whose association was used, when not the finding itself."""


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """A cause, its probability among the competing causes, and why."""

    id: str
    label: str
    score: float
    log_score: float
    prior: str
    must_not_miss: bool
    supporting: tuple[Evidence, ...]
    against: tuple[Evidence, ...]
    chains: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class NextTest:
    """A diagnostic that would tell the leading hypotheses apart."""

    id: str
    label: str
    why: str
    discriminates: tuple[str, ...]
    information_gain: float
    reveals: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Action:
    """Something to do, in the article's words, with the causes it is for."""

    id: str
    label: str
    instructions: str
    source: str
    for_causes: tuple[str, ...]
    recommendation: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RedFlag:
    """A reason for attention: a must-not-miss cause with support, or a see-a-doctor trigger present."""

    id: str
    label: str
    why: str
    source: str


@dataclass(frozen=True, slots=True)
class WhyNot:
    """What keeps a cause where it is, and what would settle it."""

    cause: str
    label: str
    rank: int
    score: float
    leader: str
    against: tuple[Evidence, ...]
    would_need: tuple[Evidence, ...]
    """Findings linked to the cause that the case does not report (strongest first)."""
    settling_tests: tuple[str, ...]
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))


@dataclass(frozen=True)
class Explanation:
    """The answer for one case: ranked hypotheses, next tests, actions, sources.

    ``to_dict()`` gives the documented JSON; ``why_not(cause)`` challenges a ranking.
    """

    present: tuple[FindingRef, ...]
    absent: tuple[FindingRef, ...]
    inferred: tuple[FindingRef, ...]
    hypotheses: tuple[Hypothesis, ...]
    next_tests: tuple[NextTest, ...]
    actions: Mapping[str, tuple[Action, ...]]
    red_flags: tuple[RedFlag, ...]
    rules_fired: tuple[str, ...]
    kb_version: str
    disclaimer: str = DISCLAIMER
    hypotheses_omitted: int = 0
    """Causes left out of ``hypotheses`` (no evidence, below the first MAX_HYPOTHESES, not must-not-miss)."""
    _reasoner: Any = field(default=None, repr=False, compare=False)

    def hypothesis(self, cause_id: str) -> Hypothesis:
        return next(h for h in self.hypotheses if h.id == cause_id)

    def why_not(self, cause: str) -> WhyNot:
        """Why ``cause`` (id, label or synonym) is not ranked higher."""
        return self._reasoner.why_not(self, cause)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form documented in the README (plain types only)."""
        def evidence(e: Evidence) -> dict[str, Any]:
            return {"finding": e.finding, "label": e.label, "strength": e.strength, "source": e.source,
                    "weight": round(e.weight, 6), "association": e.association, "via": e.via}

        return {
            "findings": {
                "present": [{"id": f.id, "label": f.label} for f in self.present],
                "absent": [{"id": f.id, "label": f.label} for f in self.absent],
                "inferred": [{"id": f.id, "label": f.label, "rule": f.rule} for f in self.inferred],
            },
            "hypotheses": [
                {"id": h.id, "label": h.label, "score": round(h.score, 6), "must_not_miss": h.must_not_miss,
                 "prior": h.prior,
                 "supporting": [evidence(e) for e in h.supporting],
                 "against": [evidence(e) for e in h.against],
                 "chains": [list(c) for c in h.chains]}
                for h in self.hypotheses
            ],
            "next_tests": [
                {"id": t.id, "label": t.label, "why": t.why, "discriminates": list(t.discriminates),
                 "information_gain": round(t.information_gain, 6), "reveals": list(t.reveals),
                 "sources": list(t.sources)}
                for t in self.next_tests
            ],
            "actions": {
                phase: [{"id": a.id, "label": a.label, "instructions": a.instructions, "source": a.source,
                         "for": list(a.for_causes), "recommendation": a.recommendation, "sources": list(a.sources)}
                        for a in self.actions.get(phase, ())]
                for phase in PHASES
            },
            "hypotheses_omitted": self.hypotheses_omitted,
            "red_flags": [asdict(r) for r in self.red_flags],
            "disclaimer": self.disclaimer,
            "kb_version": self.kb_version,
            "rules_fired": list(self.rules_fired),
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _entropy(probabilities: Iterable[float]) -> float:
    return -sum(p * math.log2(p) for p in probabilities if p > 0)


class _Posterior(Mapping[str, float]):
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


class Reasoner:
    """The ranking model of one knowledge base: everything case-independent precomputed."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        index = kb.index
        self.index = index
        from .causal import CausalGraph  # networkx: imported only when a case is explained

        self.rules = kb.rules
        self.graph = CausalGraph.build(index, self.rules)
        roots = {V.local_id(x) for x in (V.FINDING, V.SYMPTOM, V.HISTORY_FINDING, V.EXAM_FINDING,
                                         V.DERIVED_FINDING, V.ENTITY)}
        self.finding_ids = frozenset(t.id for t in kb.findings())
        self.up = {f: frozenset(a for a in index.ancestors.get(f, {f}) if a in self.finding_ids and a not in roots)
                   for f in self.finding_ids}
        self.down = {f: frozenset(d for d in index.descendants.get(f, {f}) if d in self.finding_ids)
                     for f in self.finding_ids}
        self.cause_ids = tuple(sorted(index.causes))
        self.log_prior = {c: math.log(index.causes[c].prior.frequency) for c in self.cause_ids}
        # evidence links: the article's associations, plus what diagnostic indications say about the
        # finding a test reveals (at the strength of the indication's role, see ontology/crampkg.ttl)
        links: dict[str, list[Association]] = {f: list(a) for f, a in index.assoc_by_finding.items()}
        for ind in index.indications:
            role_strength = index.role_strengths.get(ind.role)
            if role_strength is not None and ind.cause in index.causes:
                links.setdefault(ind.finding, []).append(
                    Association(ind.id, ind.finding, ind.cause, role_strength, ind.sources))
        self.links = links
        # strongest link per (finding, cause), over the finding itself and its generalisations
        self.best: dict[str, dict[str, tuple[Association, str | None]]] = {}
        for f in self.finding_ids:
            per_cause: dict[str, tuple[Association, str | None]] = {}
            own = {a.cause: a for a in _strongest(links.get(f, ()))}
            for cause, assoc in own.items():
                per_cause[cause] = (assoc, None)
            for general in sorted(self.up[f] - {f}):
                for assoc in _strongest(links.get(general, ())):
                    current = per_cause.get(assoc.cause)
                    if current is None or (current[1] is not None and assoc.strength.rank > current[0].strength.rank):
                        per_cause[assoc.cause] = (assoc, general)
            if per_cause:
                self.best[f] = per_cause
        # for absent findings: the strongest association among the finding and its specialisations
        self.best_below: dict[str, dict[str, Association]] = {}
        for f in self.finding_ids:
            below: dict[str, Association] = {}
            for d in sorted(self.down[f]):
                for assoc in links.get(d, ()):
                    cur = below.get(assoc.cause)
                    if cur is None or (assoc.strength.rank, cur.id) > (cur.strength.rank, assoc.id):
                        below[assoc.cause] = assoc
            if below:
                self.best_below[f] = below
        self.indications_by_diagnostic: dict[str, list] = {}
        for ind in sorted(index.indications, key=lambda i: i.id):
            self.indications_by_diagnostic.setdefault(ind.diagnostic, []).append(ind)
        self.background = next(iter(index.strengths.values())).background if index.strengths else 0.05
        self._precompute()

    def _precompute(self) -> None:
        """Case-independent tables that keep explain's cost proportional to the case (performance)."""
        index = self.index
        self._cause_set = frozenset(self.cause_ids)
        # causes without evidence keep log_score == log_prior: their order is fixed once
        self._prior_order = sorted(self.cause_ids, key=lambda c: (-round(self.log_prior[c], 9), c))
        self._cause_info = {c: (index.causes[c].label, index.causes[c].prior.label, index.causes[c].must_not_miss)
                            for c in self.cause_ids}
        self._must_prior_order = [c for c in self._prior_order if index.causes[c].must_not_miss]
        self._links_by_cause: dict[str, list[Association]] = {}
        for links in self.links.values():
            for link in links:
                self._links_by_cause.setdefault(link.cause, []).append(link)
        # next tests: the findings each diagnostic reveals, the causes they bear on, and a bound on
        # the posterior mass of those causes while none of them has evidence (for pruning)
        self._lp_max = max(self.log_prior.values(), default=0.0)
        # prior weights w_c = exp(lp_c - lp_max) and their sums: the posterior of the causes a case
        # does not touch follows from them in constant time (see _Posterior)
        self._prior_weight = {c: math.exp(lp - self._lp_max) for c, lp in self.log_prior.items()}
        self._sum_w = math.fsum(self._prior_weight.values())
        self._sum_wlogw = math.fsum(w * math.log2(w) for w in self._prior_weight.values())
        self._diag_findings: dict[str, tuple[str, ...]] = {}
        self._diag_affected: dict[str, frozenset[str]] = {}
        self._diag_mass: dict[str, float] = {}
        self._diags_by_cause: dict[str, list[str]] = {}
        for d, indications in self.indications_by_diagnostic.items():
            fs = tuple(sorted({i.finding for i in indications if i.finding in self.finding_ids}))
            affected = frozenset(c for f in fs for c in self._bearing(f) if c in self._cause_set)
            self._diag_findings[d] = fs
            self._diag_affected[d] = affected
            # sum over the causes of prior weight x KL(P(findings | cause) || background): an upper
            # bound on the gain is this times exp(lp_max - top) / sum of weights (see _next_tests)
            self._diag_mass[d] = sum(
                math.exp(self.log_prior[c] - self._lp_max)
                * sum(_kl_bernoulli(self._p_positive(f, c), self.background) for f in fs)
                for c in affected)
            for c in affected:
                self._diags_by_cause.setdefault(c, []).append(d)
        self._diags_by_mass = sorted(self._diag_findings, key=lambda d: (-self._diag_mass[d], d))
        # actions: per recommendation its cause/trigger sets and its (case-independent) Action
        self._recs = [(rec, frozenset(rec.causes), frozenset(rec.triggers), self._action(rec))
                      for rec in sorted(index.recommendations, key=lambda r: r.id)]
        self._recs_by_cause: dict[str, list[int]] = {}
        self._recs_by_trigger: dict[str, list[int]] = {}
        self._general_recs: dict[str, list[int]] = {p: [] for p in PHASES}
        for i, (rec, causes, triggers, _) in enumerate(self._recs):
            for c in causes:
                self._recs_by_cause.setdefault(c, []).append(i)
            for t in triggers:
                self._recs_by_trigger.setdefault(t, []).append(i)
            # general advice: for no cause in particular. Triggers only gate prevention advice (pregnancy
            # advice needs a pregnancy); elsewhere the conditional kind ("if nothing helps, see a doctor")
            # is listed too, so that every answer says what to do during a cramp and when to see a doctor
            if not causes and (not triggers or rec.phase != "prevention") and rec.phase in self._general_recs:
                self._general_recs[rec.phase].append(i)
        self._first_rec_source: dict[str, str] = {}
        for rec in index.recommendations:
            if rec.sources:
                for c in rec.causes:
                    self._first_rec_source.setdefault(c, rec.sources[0])
        self._see_doctor = [rec for rec in index.recommendations if rec.phase == "see_doctor"]
        self._see_doctor_by_trigger: dict[str, list[int]] = {}
        for i, rec in enumerate(self._see_doctor):
            for t in set(rec.triggers):
                self._see_doctor_by_trigger.setdefault(t, []).append(i)

    # ------------------------------------------------------------------ case
    def _resolve(self, names: Iterable[str]) -> list[str]:
        ids: list[str] = []
        for name in names:
            if not isinstance(name, str) or not name.strip():
                raise CaseFormatError(f"a finding must be a non-empty string, got {name!r}")
            term = self.kb.resolve_finding(name)
            if term.id not in ids:
                ids.append(term.id)
        return sorted(ids)

    def _ref(self, finding_id: str, rule: str | None = None) -> FindingRef:
        return FindingRef(finding_id, self.index.terms[finding_id].label, rule)

    def explain(self, present: Iterable[str], absent: Iterable[str] = ()) -> Explanation:
        """Rank causes for ``present`` and ``absent`` findings (ids, IRIs, labels or synonyms)."""
        if isinstance(present, str) or isinstance(absent, str):
            raise CaseFormatError("present and absent must be lists of findings, not a single string")
        present_ids = self._resolve(present)
        absent_ids = self._resolve(absent)
        present_closed = set().union(*(self.up[f] for f in present_ids)) if present_ids else set()
        absent_closed = set().union(*(self.down[f] for f in absent_ids)) if absent_ids else set()
        clash = sorted(present_closed & absent_closed)
        if clash:
            raise CaseFormatError(
                f"finding {self.index.terms[clash[0]].label!r} ({clash[0]}) is both present and absent")
        run = self.rules.run(present_closed, absent_closed,
                             close_up=lambda ids: set().union(*(self.up.get(i, {i}) for i in ids)))
        inferred_ids = sorted(f for f in run.inferred if f not in present_closed and f not in absent_closed)
        units = self._evidence_units(present_ids + inferred_ids)
        absent_units = self._evidence_units(absent_ids, upward=False)

        # only the causes the case touches are scored; the others keep their prior (precomputed order)
        cause_set = self._cause_set
        supporting: dict[str, list[Evidence]] = {}
        against: dict[str, list[Evidence]] = {}
        for f in units:
            for cause, (assoc, via) in self.best.get(f, {}).items():
                if cause in cause_set:
                    supporting.setdefault(cause, []).append(self._evidence(f, assoc, True, via))
        for f in absent_units:
            for cause, assoc in self.best_below.get(f, {}).items():
                if cause in cause_set:
                    against.setdefault(cause, []).append(
                        self._evidence(f, assoc, False, assoc.finding if assoc.finding != f else None))
        touched = sorted(supporting.keys() | against.keys())
        touched_scores = {
            c: (self.log_prior[c] + math.fsum(e.weight for e in supporting.get(c, ()))
                + math.fsum(e.weight for e in against.get(c, ())))
            for c in touched}
        posterior = _Posterior(self, touched_scores)
        touched_set = set(touched)

        def log_score(c: str) -> float:
            return touched_scores.get(c, self.log_prior[c])

        def key(c: str) -> tuple[float, str]:
            return (-round(log_score(c), 9), c)

        ranked = heapq.merge(sorted(touched, key=key),
                             (c for c in self._prior_order if c not in touched_set), key=key)
        shown = list(itertools.islice(ranked, MAX_HYPOTHESES))
        extra = (touched_set | set(self._must_prior_order[:LEADING])) - set(shown)
        shown += sorted(extra, key=key)
        known = set(present_closed) | set(inferred_ids) | {x for f in inferred_ids for x in self.up.get(f, {f})}
        reach = self.graph.reachable(units, known)
        info = self._cause_info
        hypotheses = tuple(
            Hypothesis(
                id=c, label=info[c][0], score=posterior[c], log_score=log_score(c),
                prior=info[c][1], must_not_miss=info[c][2],
                supporting=tuple(sorted(supporting[c], key=lambda e: (-e.weight, e.finding))) if c in supporting else (),
                against=tuple(sorted(against[c], key=lambda e: (e.weight, e.finding))) if c in against else (),
                chains=tuple(tuple(ch) for ch in self.graph.chains(units, c, known)) if c in reach else (),
            )
            for c in shown
        )
        leading = [h.id for h in hypotheses[:LEADING]]
        return Explanation(
            present=tuple(self._ref(f) for f in present_ids),
            absent=tuple(self._ref(f) for f in absent_ids),
            inferred=tuple(self._ref(f, run.inferred[f]) for f in inferred_ids),
            hypotheses=hypotheses,
            next_tests=tuple(self._next_tests(posterior, known | absent_closed, leading, touched_set)),
            actions=self._actions(posterior, hypotheses, known, leading, touched_set),
            red_flags=tuple(self._red_flags(hypotheses, known, leading)),
            rules_fired=tuple(run.fired),
            kb_version=self.index.version_iri,
            hypotheses_omitted=len(self.cause_ids) - len(hypotheses),
            _reasoner=self,
        )

    def _evidence_units(self, ids: list[str], upward: bool = True) -> list[str]:
        """Drop a finding that another one of the list specialises (upward) or generalises (absent)."""
        chosen = set(ids)
        if upward:
            return sorted(f for f in chosen if not any(f in self.up[o] and o != f for o in chosen))
        return sorted(f for f in chosen if not any(f in self.down[o] and o != f for o in chosen))

    def _evidence(self, finding: str, assoc: Association, present: bool, via: str | None) -> Evidence:
        strength = assoc.strength
        weight = math.log(strength.lr_present if present else strength.lr_absent)
        return Evidence(finding=finding, label=self.index.terms[finding].label, strength=strength.label,
                        source=assoc.sources[0] if assoc.sources else "", weight=weight,
                        association=assoc.id, via=via)

    # ------------------------------------------------------------------ next tests
    def _p_positive(self, finding: str, cause: str) -> float:
        """P(finding | cause): the strongest link of the finding or of a more specific one, else background.

        A more general finding is present whenever a more specific one is, so
        its probability is at least theirs; a more specific finding does not
        inherit the probability of a general one.
        """
        link = self.best_below.get(finding, {}).get(cause)
        return link.strength.frequency if link else self.background

    def _bearing(self, finding: str) -> Iterable[str]:
        """The causes for which :meth:`_p_positive` of ``finding`` may differ from the background
        (keep the two in step: the next-test computation treats every other cause as background)."""
        return self.best_below.get(finding, {}).keys()

    def _next_tests(self, posterior: _Posterior, known: set[str], leading: list[str],
                    touched: set[str] | None = None) -> list[NextTest]:
        """The five diagnostics with the highest expected information gain (ties by id).

        The gain is exact for every diagnostic that can make the top five. A diagnostic bearing only on
        causes the case does not touch is skipped when a bound on its gain is below the fifth-best gain
        so far: the gain (mutual information) is at most sum_c p(c) KL(P(findings | c) || background),
        and for untouched causes p(c) is the prior weight scaled by one case constant. They are
        visited by decreasing bound, so the walk stops early and the cost follows the case, not the KB.
        """
        total = 1.0
        plogp = posterior.plogp
        prior_entropy = -plogp
        gains: dict[str, tuple[float, tuple[str, ...]]] = {}

        best5: list[float] = []  # min-heap of the five largest gains so far

        def consider(d: str) -> None:
            reveals = tuple(f for f in self._diag_findings[d] if f not in known)
            if not reveals:
                return
            gain = prior_entropy - self._expected_entropy_grouped(posterior, list(reveals[:8]), total, plogp)
            if gain > 1e-9:
                gains[d] = (gain, reveals)
                if len(best5) < 5:
                    heapq.heappush(best5, gain)
                elif gain > best5[0]:
                    heapq.heapreplace(best5, gain)

        def threshold() -> float:
            return max(1e-9, best5[0]) if len(best5) == 5 else 1e-9

        if touched is None:  # no pruning information: consider them all
            for d in self._diag_findings:
                consider(d)
        else:
            exact = {d for c in touched for d in self._diags_by_cause.get(c, ())}
            for d in sorted(exact):
                consider(d)
            scale = posterior.untouched_scale
            for d in self._diags_by_mass:
                if d in exact:
                    continue
                if self._diag_mass[d] * scale < threshold() - 2e-9:
                    break  # every later diagnostic has a smaller bound
                consider(d)
        tests: list[NextTest] = []
        ranked = sorted(gains.items(), key=lambda item: (-round(item[1][0], 9), item[0]))[:5]
        for diagnostic, (gain, reveals_t) in ranked:
            indications = self.indications_by_diagnostic[diagnostic]
            reveals = list(reveals_t)
            discriminates = tuple(sorted(
                {c for f in reveals for c in leading + [i.cause for i in indications]
                 if c in posterior and abs(self._p_positive(f, c) - self.background) > 1e-12}))
            relevant = [i for i in indications if i.cause in leading] or indications
            why = "; ".join(sorted({
                f"{self.index.terms[i.finding].label if i.finding in self.index.terms else i.finding} "
                f"would {_ROLE_VERB.get(i.role, i.role)} {self.index.causes[i.cause].label if i.cause in self.index.causes else i.cause}"
                for i in relevant}))
            tests.append(NextTest(
                id=diagnostic, label=self.index.terms[diagnostic].label if diagnostic in self.index.terms else diagnostic,
                why=why, discriminates=discriminates, information_gain=gain, reveals=tuple(reveals),
                sources=tuple(sorted({s for i in indications for s in i.sources[:1]}))))
        return tests

    def _expected_entropy_grouped(self, posterior: dict[str, float], findings: list[str], total: float,
                                  plogp: float) -> float:
        """:meth:`_expected_entropy`, with the causes none of ``findings`` bears on handled as one group.

        Those causes share one likelihood L0 per outcome (the background rate), so their part of the
        entropy follows from two sums, S = sum p and E = sum p log2 p, taken once over all causes minus
        the affected ones: cost 2^k times the affected causes, not times every cause.
        """
        affected = sorted({c for f in findings for c in self._bearing(f) if c in posterior})
        b = self.background
        q_rows = [(posterior[c], [self._p_positive(f, c) for f in findings]) for c in affected]
        s_a = sum(p for p, _ in q_rows)
        e_a = sum(p * math.log2(p) for p, _ in q_rows if p > 0)
        s_u = total - s_a
        e_u = plogp - e_a
        k = len(findings)
        expected = 0.0
        for bits in range(1 << k):
            outcome = [(bits >> (k - 1 - j)) & 1 == 0 for j in range(k)]  # True first, as the original
            l0 = 1.0
            for positive in outcome:
                l0 *= b if positive else 1.0 - b
            joint = []
            for p, qs in q_rows:
                likelihood = 1.0
                for q, positive in zip(qs, outcome):
                    likelihood *= q if positive else 1.0 - q
                joint.append(p * likelihood)
            t = sum(joint) + s_u * l0
            if t <= 0:
                continue
            h = -sum((j / t) * math.log2(j / t) for j in joint if j > 0)
            if l0 > 0 and s_u > 0:
                h -= (l0 / t) * (e_u + s_u * math.log2(l0 / t))
            expected += t * h
        return expected

    def _expected_entropy(self, posterior: Mapping[str, float], findings: list[str]) -> float:
        """Expected entropy of the posterior after observing ``findings`` (independent given the cause).

        The plain definition, over every cause: the reference the tests hold
        :meth:`_expected_entropy_grouped` (the one explain uses) to.
        """
        outcomes = [()]
        for f in findings:
            outcomes = [o + (v,) for o in outcomes for v in (True, False)]
        expected = 0.0
        for outcome in outcomes:
            joint = {}
            for c, p in posterior.items():
                likelihood = 1.0
                for f, positive in zip(findings, outcome):
                    q = self._p_positive(f, c)
                    likelihood *= q if positive else 1.0 - q
                joint[c] = p * likelihood
            total = sum(joint.values())
            if total > 0:
                expected += total * _entropy(v / total for v in joint.values())
        return expected

    # ------------------------------------------------------------------ actions
    def _actions(self, posterior: Mapping[str, float], hypotheses: tuple[Hypothesis, ...], known: set[str],
                 leading: list[str], touched: set[str]) -> dict[str, tuple[Action, ...]]:
        """Recommendations by phase, most relevant first, at most MAX_ACTIONS each.

        Candidates are the recommendations a finding of the case triggers, those for a leading,
        must-not-miss or evidenced cause, and the general ones (indexed: the cost follows the case).
        acute / aftercare: for a leading cause first, then the rest in article (id) order.
        prevention: triggered (e.g. pregnancy advice), then for leading or must-not-miss causes,
        then general. see_doctor: triggered, then for leading or must-not-miss causes and the general
        ones, then the conditional general ones and those for other causes with evidence.
        """
        must = {h.id for h in hypotheses[:LEADING] if h.must_not_miss} | set(self._must_with_support(hypotheses))
        lead_set = set(leading)
        lead_or_must = lead_set | must
        candidates: set[int] = set()
        for t in known:
            candidates.update(self._recs_by_trigger.get(t, ()))
        for c in lead_or_must | touched:
            candidates.update(self._recs_by_cause.get(c, ()))
        for phase in PHASES:
            candidates.update(self._general_recs[phase][:2 * MAX_ACTIONS])
        grouped: dict[str, list[tuple[tuple, Action]]] = {p: [] for p in PHASES}
        for i in sorted(candidates):
            rec, causes, triggers, action = self._recs[i]
            items = grouped.get(rec.phase)
            if items is None:
                continue
            triggered = not triggers.isdisjoint(known)
            relevance = max((posterior.get(c, 0.0) for c in rec.causes), default=0.0)
            if rec.phase == "prevention":
                if rec.triggers and not triggered:
                    continue
                if rec.causes and not rec.triggers and causes.isdisjoint(lead_or_must):
                    continue
                key = (0 if triggered else 1 if rec.causes else 2, -relevance, rec.id)
            elif rec.phase == "see_doctor":
                applies = triggered or not causes.isdisjoint(lead_or_must) or not (rec.causes or rec.triggers)
                key = (0 if triggered else 1 if applies else 2, -relevance, rec.id)
            else:
                key = (0 if not causes.isdisjoint(lead_set) else 1, rec.id)
            items.append((key, action))
        return {p: _merge_same_intervention(a for _, a in sorted(items, key=lambda x: x[0]))[:MAX_ACTIONS]
                for p, items in grouped.items()}

    @staticmethod
    def _must_with_support(hypotheses: tuple[Hypothesis, ...]) -> list[str]:
        """Must-not-miss causes with supporting evidence (they sit among the touched causes)."""
        return [h.id for h in hypotheses if h.must_not_miss and h.supporting]

    def _action(self, rec) -> Action:
        term = self.index.terms.get(rec.intervention)
        return Action(id=rec.intervention, label=term.label if term else rec.intervention,
                      instructions=rec.instructions, source=rec.sources[0] if rec.sources else "",
                      for_causes=tuple(rec.causes), recommendation=rec.id, sources=rec.sources)

    def _red_flags(self, hypotheses: tuple[Hypothesis, ...], known: set[str], leading: list[str]) -> list[RedFlag]:
        flags: list[RedFlag] = []
        lead_set = set(leading)
        for h in hypotheses:
            if h.must_not_miss and (h.supporting or h.id in lead_set):
                reason = ", ".join(e.label for e in h.supporting) or "among the leading hypotheses"
                source = self._first_rec_source.get(h.id)
                if source is None:
                    source = h.supporting[0].source if h.supporting else ""
                flags.append(RedFlag(h.id, h.label, f"must not be missed; supported by: {reason}", source))
        hits = sorted({i for t in known for i in self._see_doctor_by_trigger.get(t, ())})
        for i in hits:
            rec = self._see_doctor[i]
            for trigger in sorted(set(rec.triggers) & known):
                label = self.index.terms[trigger].label if trigger in self.index.terms else trigger
                if any(f.id == trigger for f in flags):
                    continue
                flags.append(RedFlag(trigger, label, "the article advises seeing a doctor in this situation",
                                     rec.sources[0] if rec.sources else ""))
        return flags

    # ------------------------------------------------------------------ why not
    def why_not(self, explanation: Explanation, cause: str) -> WhyNot:
        target = self.kb.resolve_cause(cause).id
        rank = next(i for i, h in enumerate(explanation.hypotheses, 1) if h.id == target)
        hyp = explanation.hypotheses[rank - 1]
        reported = {f.id for f in explanation.present} | {f.id for f in explanation.inferred}
        reported_closed = set().union(*(self.up.get(f, {f}) for f in reported)) if reported else set()
        absent = {f.id for f in explanation.absent}
        absent_closed = set().union(*(self.down.get(f, {f}) for f in absent)) if absent else set()
        missing = sorted(
            (self._evidence(a.finding, a, True, None) for a in _strongest(self._links_by_cause.get(target, ()), by="finding")
             if a.finding not in reported_closed and a.finding not in absent_closed),
            key=lambda e: (-e.weight, e.finding))
        settling = sorted({i.diagnostic for i in self.index.indications if i.cause == target})
        leader = explanation.hypotheses[0]
        if rank == 1:
            summary = f"{hyp.label} is already ranked first (score {hyp.score:.3f})."
        else:
            summary = (f"{hyp.label} is ranked {rank} (score {hyp.score:.3f}) behind {leader.label} "
                       f"({leader.score:.3f}): {len(hyp.supporting)} finding(s) support it, {len(hyp.against)} "
                       f"count against it, and {len(missing)} finding(s) it is linked to were not reported.")
        return WhyNot(cause=target, label=hyp.label, rank=rank, score=hyp.score, leader=leader.id,
                      against=hyp.against, would_need=tuple(missing[:8]), settling_tests=tuple(settling),
                      summary=summary)


def _merge_same_intervention(actions: Iterable[Action]) -> tuple[Action, ...]:
    """One entry per intervention: the first (most relevant) recommendation's text, every cause and source."""
    merged: dict[str, Action] = {}
    for action in actions:
        first = merged.get(action.id)
        if first is None:
            merged[action.id] = action
            continue
        merged[action.id] = Action(
            id=first.id, label=first.label, instructions=first.instructions, source=first.source,
            for_causes=tuple(dict.fromkeys(first.for_causes + action.for_causes)),
            recommendation=first.recommendation,
            sources=tuple(dict.fromkeys(first.sources + action.sources)))
    return tuple(merged.values())


def _strongest(associations: Iterable[Association], by: str = "cause") -> list[Association]:
    """Keep the strongest association per cause (or per finding), ties broken by lowest id."""
    best: dict[str, Association] = {}
    for assoc in sorted(associations, key=lambda a: a.id):
        key = getattr(assoc, by)
        if key not in best or assoc.strength.rank > best[key].strength.rank:
            best[key] = assoc
    return [best[k] for k in sorted(best)]


def _kl_bernoulli(q: float, b: float) -> float:
    """KL(Bernoulli(q) || Bernoulli(b)) in bits."""
    total = 0.0
    if q > 0:
        total += q * math.log2(q / b)
    if q < 1:
        total += (1 - q) * math.log2((1 - q) / (1 - b))
    return max(total, 0.0)


def strength_table(strengths: Iterable[Strength]) -> list[dict[str, Any]]:
    """The strength scale as rows (label, rank, frequency, LR+, LR-) for the README and the CLI."""
    return [{"id": s.id, "label": s.label, "rank": s.rank, "frequency": s.frequency,
             "lr_present": round(s.lr_present, 3), "lr_absent": round(s.lr_absent, 3), "wording": list(s.wording)}
            for s in sorted(strengths, key=lambda s: -s.rank)]


__all__ = ["Action", "Evidence", "Explanation", "FindingRef", "Hypothesis", "NextTest", "Reasoner", "RedFlag",
           "WhyNot", "DISCLAIMER", "Term"]
