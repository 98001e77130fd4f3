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

        log_scores: dict[str, float] = {}
        supporting: dict[str, list[Evidence]] = {c: [] for c in self.cause_ids}
        against: dict[str, list[Evidence]] = {c: [] for c in self.cause_ids}
        for f in units:
            for cause, (assoc, via) in self.best.get(f, {}).items():
                if cause in supporting:
                    supporting[cause].append(self._evidence(f, assoc, True, via))
        for f in absent_units:
            for cause, assoc in self.best_below.get(f, {}).items():
                if cause in against:
                    against[cause].append(self._evidence(f, assoc, False, assoc.finding if assoc.finding != f else None))
        for c in self.cause_ids:
            log_scores[c] = self.log_prior[c] + sum(e.weight for e in supporting[c]) + sum(e.weight for e in against[c])
        posterior = _softmax(log_scores)
        order = sorted(self.cause_ids, key=lambda c: (-round(log_scores[c], 9), c))
        known = set(present_closed) | set(inferred_ids) | {x for f in inferred_ids for x in self.up.get(f, {f})}
        hypotheses = tuple(
            Hypothesis(
                id=c, label=self.index.causes[c].label, score=posterior[c], log_score=log_scores[c],
                prior=self.index.causes[c].prior.label, must_not_miss=self.index.causes[c].must_not_miss,
                supporting=tuple(sorted(supporting[c], key=lambda e: (-e.weight, e.finding))),
                against=tuple(sorted(against[c], key=lambda e: (e.weight, e.finding))),
                chains=tuple(tuple(ch) for ch in self.graph.chains(units, c, known)),
            )
            for c in order
        )
        leading = [h.id for h in hypotheses[:LEADING]]
        return Explanation(
            present=tuple(self._ref(f) for f in present_ids),
            absent=tuple(self._ref(f) for f in absent_ids),
            inferred=tuple(self._ref(f, run.inferred[f]) for f in inferred_ids),
            hypotheses=hypotheses,
            next_tests=tuple(self._next_tests(posterior, known | absent_closed, leading)),
            actions=self._actions(posterior, hypotheses, known, leading),
            red_flags=tuple(self._red_flags(hypotheses, known, leading)),
            rules_fired=tuple(run.fired),
            kb_version=self.index.version_iri,
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

    def _next_tests(self, posterior: dict[str, float], known: set[str], leading: list[str]) -> list[NextTest]:
        prior_entropy = _entropy(posterior.values())
        tests: list[NextTest] = []
        for diagnostic, indications in sorted(self.indications_by_diagnostic.items()):
            reveals = sorted({i.finding for i in indications if i.finding in self.finding_ids} - known)
            if not reveals:
                continue
            gain = prior_entropy - self._expected_entropy(posterior, reveals[:8])
            if gain <= 1e-9:
                continue
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
        tests.sort(key=lambda t: (-round(t.information_gain, 9), t.id))
        return tests[:5]

    def _expected_entropy(self, posterior: dict[str, float], findings: list[str]) -> float:
        """Expected entropy of the posterior after observing ``findings`` (independent given the cause)."""
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
    def _actions(self, posterior: dict[str, float], hypotheses: tuple[Hypothesis, ...], known: set[str],
                 leading: list[str]) -> dict[str, tuple[Action, ...]]:
        must = {h.id for h in hypotheses if h.must_not_miss and (h.supporting or h.id in leading)}
        grouped: dict[str, list[tuple[tuple, Action]]] = {p: [] for p in PHASES}
        for rec in self.index.recommendations:
            if rec.phase not in grouped:
                continue
            triggered = bool(set(rec.triggers) & known)
            relevance = max((posterior.get(c, 0.0) for c in rec.causes), default=0.0)
            if rec.phase == "prevention":
                if rec.triggers and not triggered:
                    continue
                if rec.causes and not rec.triggers and not (set(rec.causes) & (set(leading) | must)):
                    continue
                key = (0 if triggered else 1 if rec.causes else 2, -relevance, rec.id)
            elif rec.phase == "see_doctor":
                applies = triggered or bool(set(rec.causes) & (set(leading) | must)) or not (rec.causes or rec.triggers)
                key = (0 if triggered else 1 if applies else 2, -relevance, rec.id)
            else:
                key = (0 if set(rec.causes) & set(leading) else 1, rec.id)
            grouped[rec.phase].append((key, self._action(rec)))
        return {p: _merge_same_intervention(a for _, a in sorted(items, key=lambda x: x[0]))
                for p, items in grouped.items()}

    def _action(self, rec) -> Action:
        term = self.index.terms.get(rec.intervention)
        return Action(id=rec.intervention, label=term.label if term else rec.intervention,
                      instructions=rec.instructions, source=rec.sources[0] if rec.sources else "",
                      for_causes=tuple(rec.causes), recommendation=rec.id, sources=rec.sources)

    def _red_flags(self, hypotheses: tuple[Hypothesis, ...], known: set[str], leading: list[str]) -> list[RedFlag]:
        flags: list[RedFlag] = []
        for h in hypotheses:
            if h.must_not_miss and (h.supporting or h.id in leading):
                reason = ", ".join(e.label for e in h.supporting) or "among the leading hypotheses"
                source = next((r.sources[0] for r in self.index.recommendations
                               if h.id in r.causes and r.sources), h.supporting[0].source if h.supporting else "")
                flags.append(RedFlag(h.id, h.label, f"must not be missed; supported by: {reason}", source))
        for rec in self.index.recommendations:
            if rec.phase == "see_doctor":
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
            (self._evidence(a.finding, a, True, None) for a in _strongest(self.index.assoc_by_cause.get(target, ()), by="finding")
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


def _softmax(log_scores: dict[str, float]) -> dict[str, float]:
    if not log_scores:
        return {}
    top = max(log_scores.values())
    weights = {c: math.exp(s - top) for c, s in log_scores.items()}
    total = sum(weights.values())
    return {c: w / total for c, w in weights.items()}


def strength_table(strengths: Iterable[Strength]) -> list[dict[str, Any]]:
    """The strength scale as rows (label, rank, frequency, LR+, LR-) for the README and the CLI."""
    return [{"id": s.id, "label": s.label, "rank": s.rank, "frequency": s.frequency,
             "lr_present": round(s.lr_present, 3), "lr_absent": round(s.lr_absent, 3), "wording": list(s.wording)}
            for s in sorted(strengths, key=lambda s: -s.rank)]


__all__ = ["Action", "Evidence", "Explanation", "FindingRef", "Hypothesis", "NextTest", "Reasoner", "RedFlag",
           "WhyNot", "DISCLAIMER", "Term"]
