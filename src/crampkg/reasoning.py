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
from typing import TYPE_CHECKING, Any

from . import vocab as V
from .errors import CaseFormatError
from .explanation import (
    DISCLAIMER,
    PHASES,
    Action,
    Evidence,
    Explanation,
    FindingRef,
    Hypothesis,
    NextTest,
    RedFlag,
    WhyNot,
)
from .model import Association, Strength, positional_constructor
from .posterior import Posterior as _Posterior
from .posterior import entropy as _entropy
from .posterior import kl_bernoulli as _kl_bernoulli

# explain makes a few dozen of these per case: built through the slots (see positional_constructor)
_new_hypothesis = positional_constructor(Hypothesis)
_new_next_test = positional_constructor(NextTest)
_new_finding_ref = positional_constructor(FindingRef)

if TYPE_CHECKING:
    from .kb import KnowledgeBase

_ROLE_VERB = {"confirms": "confirm", "supports": "support", "rules_out": "help rule out"}
LEADING = 3
"""How many top hypotheses count as 'leading' for next tests, prevention and see-a-doctor advice."""
MAX_HYPOTHESES = 25
"""Hypotheses listed: the best 25, plus every cause with evidence and the must-not-miss ones (see explain)."""
MAX_ACTIONS = 20
"""Actions listed per phase at the most (the article's own lists are shorter)."""


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
        # the findings below each finding (itself included), from the findings' own ancestors: the
        # same sets as index.descendants restricted to findings, without building that whole map
        below: dict[str, set[str]] = {f: set() for f in self.finding_ids}
        for d in self.finding_ids:
            for a in index.ancestors.get(d, (d,)):
                if a in below:
                    below[a].add(d)
        self.down = {f: frozenset(below[f]) for f in self.finding_ids}
        del below
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
        # finding -> causes that require it (absent: excluded), through the finding's generalisations
        self._required_by: dict[str, list[str]] = {}
        for c in self.cause_ids:
            for f in index.causes[c].requires:
                self._required_by.setdefault(f, []).append(c)
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
        self._diag_finding_sets = {d: frozenset(fs) for d, fs in self._diag_findings.items()}
        # per diagnostic, what a reported next test says apart from the gain (case-independent parts)
        terms, causes = index.terms, index.causes
        self._diag_info: dict[str, tuple] = {}
        for d, indications in self.indications_by_diagnostic.items():
            phrases = tuple(
                f"{terms[i.finding].label if i.finding in terms else i.finding} "
                f"would {_ROLE_VERB.get(i.role, i.role)} {causes[i.cause].label if i.cause in causes else i.cause}"
                for i in indications)
            self._diag_info[d] = (
                terms[d].label if d in terms else d,
                tuple(zip(indications, phrases)),
                frozenset(i.cause for i in indications),
                tuple(sorted({s for i in indications for s in i.sources[:1]})))
        # per finding: the causes whose P(finding | cause) differs from the background (discriminates)
        self._differs: dict[str, frozenset[str]] = {}
        # caches filled on first use (case-independent, bounded by the knowledge base): the Evidence of
        # a present / absent finding unit per cause, and the likelihood table of a set of revealed findings
        self._support_cache: dict[str, list[tuple[str, Evidence]]] = {}
        self._against_cache: dict[str, list[tuple[str, Evidence]]] = {}
        self._likelihood_cache: dict[tuple[str, ...], tuple] = {}
        self._prior_key = {c: (-round(self.log_prior[c], 9), c) for c in self.cause_ids}
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
            # advice needs a pregnancy); elsewhere the conditional kind is listed too. Every conditional
            # see-a-doctor recommendation ("if the measures do not help ...", "if you take a
            # cholesterol-lowering drug ...") is general advice on when to see a doctor, whatever its
            # causes: every answer lists them, the ones the case triggers first
            general = not causes and (not triggers or rec.phase != "prevention")
            if rec.phase == "see_doctor" and triggers:
                general = True
            if general and rec.phase in self._general_recs:
                self._general_recs[rec.phase].append(i)
        self._general_candidates = frozenset(i for phase in PHASES for i in self._general_recs[phase][:2 * MAX_ACTIONS])
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
        return _new_finding_ref(finding_id, self.index.terms[finding_id].label, rule)

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
        supporting: dict[str, list[Evidence]] = {}
        against: dict[str, list[Evidence]] = {}
        for f in units:
            for cause, evidence in self._support_of(f):
                found = supporting.get(cause)
                if found is None:
                    supporting[cause] = [evidence]
                else:
                    found.append(evidence)
        for f in absent_units:
            for cause, evidence in self._against_of(f):
                found = against.get(cause)
                if found is None:
                    against[cause] = [evidence]
                else:
                    found.append(evidence)
        # a cause that requires a finding known to be absent is excluded (probability 0)
        excluded: dict[str, list[str]] = {}
        if absent_closed:
            required_by = self._required_by
            for f in sorted(absent_closed):
                for cause in required_by.get(f, ()):
                    excluded.setdefault(cause, []).append(f)
        touched = sorted(supporting.keys() | against.keys() | excluded.keys())
        log_prior = self.log_prior
        touched_scores = {
            c: (-math.inf if c in excluded else
                log_prior[c] + math.fsum(e.weight for e in supporting.get(c, ()))
                + math.fsum(e.weight for e in against.get(c, ())))
            for c in touched}
        posterior = _Posterior(self, touched_scores)
        touched_set = set(touched)
        # the order is (-round(log score, 9), id): touched causes by their score, the others in the
        # precomputed prior order; only the first MAX_HYPOTHESES untouched ones can be shown
        prior_key = self._prior_key
        keyed = [((-round(score, 9), c), c) for c, score in touched_scores.items()]
        untouched = (c for c in self._prior_order if c not in touched_set)
        keyed += [(prior_key[c], c) for c in itertools.islice(untouched, MAX_HYPOTHESES)]
        keyed.sort()
        shown = [c for _, c in keyed[:MAX_HYPOTHESES]]
        extra = (touched_set | set(self._must_prior_order[:LEADING])) - set(shown)
        if extra:
            shown += sorted(extra, key=lambda c: (-round(touched_scores[c], 9), c) if c in touched_scores
                            else prior_key[c])
        up = self.up
        known = set(present_closed) | set(inferred_ids) | {x for f in inferred_ids for x in up.get(f, {f})}
        # chains: a shortest path is searched only from the units that reach the cause
        graph = self.graph
        reach_of = [(u, graph.reachable((u,), known)) for u in units]
        info = self._cause_info
        touched_p = posterior._touched
        weights, scale = self._prior_weight, posterior.untouched_scale
        hypotheses = []
        for c in shown:
            label, prior, must = info[c]
            sup = supporting.get(c)
            ag = against.get(c)
            sources = [u for u, reach in reach_of if c in reach]
            p = touched_p.get(c)
            hypotheses.append(_new_hypothesis(
                c, label, weights[c] * scale if p is None else p, touched_scores.get(c, log_prior[c]), prior, must,
                tuple(sorted(sup, key=_support_order)) if sup else (),
                tuple(sorted(ag, key=_against_order)) if ag else (),
                graph.chain_tuples(sources, c, known) if sources else (),
                tuple(excluded.get(c, ())),
            ))
        hypotheses = tuple(hypotheses)
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

    def _support_of(self, finding: str) -> list[tuple[str, Evidence]]:
        """(cause, Evidence) for a present finding unit, per cause it bears on (cached: case-independent)."""
        found = self._support_cache.get(finding)
        if found is None:
            cause_set = self._cause_set
            found = [(cause, self._evidence(finding, assoc, True, via))
                     for cause, (assoc, via) in self.best.get(finding, {}).items() if cause in cause_set]
            self._support_cache[finding] = found
        return found

    def _against_of(self, finding: str) -> list[tuple[str, Evidence]]:
        """(cause, Evidence) for an absent finding unit, per cause it bears on (cached: case-independent)."""
        found = self._against_cache.get(finding)
        if found is None:
            cause_set = self._cause_set
            found = [(cause, self._evidence(finding, assoc, False, assoc.finding if assoc.finding != finding else None))
                     for cause, assoc in self.best_below.get(finding, {}).items() if cause in cause_set]
            self._against_cache[finding] = found
        return found

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
        diag_findings, diag_finding_sets = self._diag_findings, self._diag_finding_sets
        tables, likelihoods = self._likelihood_cache, self._likelihoods
        touched_p, weights, scale = posterior._touched, self._prior_weight, posterior.untouched_scale

        best5: list[float] = []  # min-heap of the five largest gains so far

        def consider(d: str) -> None:
            reveals = diag_findings[d]
            if not diag_finding_sets[d].isdisjoint(known):
                reveals = tuple(f for f in reveals if f not in known)
                if not reveals:
                    return
            # the expected entropy after the test: _expected_entropy_grouped, inlined (the hot loop)
            findings = reveals[:8]
            table = tables.get(findings)
            affected, outcomes = likelihoods(findings) if table is None else table
            ps = [weights[c] * scale if (p := touched_p.get(c)) is None else p for c in affected]
            gain = prior_entropy - _grouped_expected_entropy(ps, outcomes, total, plogp)
            if gain > 1e-9:
                gains[d] = (gain, reveals)
                if len(best5) < 5:
                    heapq.heappush(best5, gain)
                elif gain > best5[0]:
                    heapq.heapreplace(best5, gain)

        if touched is None:  # no pruning information: consider them all
            for d in diag_findings:
                consider(d)
        else:
            diags_by_cause = self._diags_by_cause
            exact = {d for c in touched for d in diags_by_cause.get(c, ())}
            for d in sorted(exact):
                consider(d)
            diag_mass = self._diag_mass
            for d in self._diags_by_mass:
                if d in exact:
                    continue
                # the bound of the fifth-best gain so far (every later diagnostic has a smaller one)
                if diag_mass[d] * scale < (max(1e-9, best5[0]) if len(best5) == 5 else 1e-9) - 2e-9:
                    break
                consider(d)
        tests: list[NextTest] = []
        ranked = sorted(gains.items(), key=lambda item: (-round(item[1][0], 9), item[0]))[:5]
        lead_set = set(leading)
        for diagnostic, (gain, reveals) in ranked:
            label, phrases, indicated, sources = self._diag_info[diagnostic]
            candidates = lead_set | indicated
            differs: set[str] = set()
            for f in reveals:
                differs |= self._differing(f)
            relevant = [phrase for i, phrase in phrases if i.cause in lead_set] or [phrase for _, phrase in phrases]
            tests.append(_new_next_test(diagnostic, label, "; ".join(sorted(set(relevant))),
                                        tuple(sorted(candidates & differs)), gain, reveals, sources))
        return tests

    def _differing(self, finding: str) -> frozenset[str]:
        """The causes c with P(finding | c) != background (to 1e-12): what a test revealing it discriminates."""
        found = self._differs.get(finding)
        if found is None:
            b, cause_set = self.background, self._cause_set
            found = frozenset(c for c, link in self.best_below.get(finding, {}).items()
                              if c in cause_set and abs(link.strength.frequency - b) > 1e-12)
            self._differs[finding] = found
        return found

    def _likelihoods(self, findings: tuple[str, ...]) -> tuple:
        """For revealed ``findings``: the causes they bear on, and per outcome (findings positive first,
        as :meth:`_expected_entropy`) each such cause's likelihood and the background's (cached)."""
        table = self._likelihood_cache.get(findings)
        if table is not None:
            return table
        cause_set = self._cause_set
        affected = sorted({c for f in findings for c in self._bearing(f) if c in cause_set})
        b = self.background
        q_rows = [[self._p_positive(f, c) for f in findings] for c in affected]
        k = len(findings)
        outcomes = []
        for bits in range(1 << k):
            outcome = [(bits >> (k - 1 - j)) & 1 == 0 for j in range(k)]
            l0 = 1.0
            for positive in outcome:
                l0 *= b if positive else 1.0 - b
            row = []
            for qs in q_rows:
                likelihood = 1.0
                for q, positive in zip(qs, outcome):
                    likelihood *= q if positive else 1.0 - q
                row.append(likelihood)
            outcomes.append((l0, row))
        table = (affected, tuple(outcomes))
        if len(self._likelihood_cache) > 50_000:  # bounded: distinct subsets of revealed findings
            self._likelihood_cache.clear()
        self._likelihood_cache[findings] = table
        return table

    def _expected_entropy_grouped(self, posterior: _Posterior, findings: list[str], total: float,
                                  plogp: float) -> float:
        """:meth:`_expected_entropy`, with the causes none of ``findings`` bears on handled as one group.

        Those causes share one likelihood L0 per outcome (the background rate), so their part of the
        entropy follows from two sums, S = sum p and E = sum p log2 p, taken once over all causes minus
        the affected ones: cost 2^k times the affected causes, not times every cause.
        """
        affected, outcomes = self._likelihoods(tuple(findings))
        touched, weights, scale = posterior._touched, self._prior_weight, posterior.untouched_scale
        ps = [weights[c] * scale if (p := touched.get(c)) is None else p for c in affected]
        return _grouped_expected_entropy(ps, outcomes, total, plogp)

    def _expected_entropy(self, posterior: Mapping[str, float], findings: list[str]) -> float:
        """Expected entropy of the posterior after observing ``findings`` (independent given the cause).

        The plain definition, over every cause: the reference the tests hold
        :meth:`_expected_entropy_grouped` (the one explain uses) to.
        """
        outcomes = [()]
        for _ in findings:
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
        candidates = set(self._general_candidates)
        by_trigger, by_cause = self._recs_by_trigger, self._recs_by_cause
        for t in known:
            found = by_trigger.get(t)
            if found is not None:
                candidates.update(found)
        for c in lead_or_must | touched:
            found = by_cause.get(c)
            if found is not None:
                candidates.update(found)
        grouped: dict[str, list[tuple[tuple, Action]]] = {p: [] for p in PHASES}
        fast = isinstance(posterior, _Posterior)
        if fast:
            touched_p, weights, scale = posterior._touched, self._prior_weight, posterior.untouched_scale

        def probability(c: str) -> float:  # posterior.get(c, 0.0)
            if not fast:
                return posterior.get(c, 0.0)
            p = touched_p.get(c)
            if p is None:
                w = weights.get(c)
                return 0.0 if w is None else w * scale
            return p

        for i in sorted(candidates):
            rec, causes, triggers, action = self._recs[i]
            phase = rec.phase
            items = grouped.get(phase)
            if items is None:
                continue
            if phase == "prevention" or phase == "see_doctor":
                triggered = not triggers.isdisjoint(known)
                relevance = max([probability(c) for c in rec.causes], default=0.0)
                if phase == "prevention":
                    if rec.triggers and not triggered:
                        continue
                    if rec.causes and not rec.triggers and causes.isdisjoint(lead_or_must):
                        continue
                    key = (0 if triggered else 1 if rec.causes else 2, -relevance, rec.id)
                else:
                    applies = triggered or not causes.isdisjoint(lead_or_must) or not (rec.causes or rec.triggers)
                    key = (0 if triggered else 1 if applies else 2, -relevance, rec.id)
            else:
                key = (0 if not causes.isdisjoint(lead_set) else 1, rec.id)
            items.append((key, action))
        return {p: _merge_same_intervention([a for _, a in sorted(items, key=_first)])[:MAX_ACTIONS]
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
        if hyp.excluded_by:
            needed = ", ".join(self.index.terms[f].label for f in hyp.excluded_by)
            summary = (f"{hyp.label} is excluded (score 0): it cannot be present without {needed}, "
                       "which the case reports as absent.")
        elif rank == 1:
            summary = f"{hyp.label} is already ranked first (score {hyp.score:.3f})."
        else:
            summary = (f"{hyp.label} is ranked {rank} (score {hyp.score:.3f}) behind {leader.label} "
                       f"({leader.score:.3f}): {len(hyp.supporting)} finding(s) support it, {len(hyp.against)} "
                       f"count against it, and {len(missing)} finding(s) it is linked to were not reported.")
        return WhyNot(cause=target, label=hyp.label, rank=rank, score=hyp.score, leader=leader.id,
                      against=hyp.against, would_need=tuple(missing[:8]), settling_tests=tuple(settling),
                      summary=summary)


def _grouped_expected_entropy(ps: list[float], outcomes: tuple, total: float, plogp: float) -> float:
    """Expected entropy after a test, the causes it bears on listed (``ps``), the rest as one group.

    ``outcomes`` holds, per outcome, the background likelihood ``l0`` shared by the unaffected causes
    and the row of likelihoods of the affected ones; ``total`` and ``plogp`` are the sums of p and
    p log2 p over every cause, so the unaffected group's part needs no loop over it.
    """
    log2 = math.log2
    s_u = total - sum(ps)
    e_u = plogp - sum([p * log2(p) for p in ps if p > 0])
    expected = 0.0
    for l0, row in outcomes:
        joint = [p * likelihood for p, likelihood in zip(ps, row)]
        t = sum(joint) + s_u * l0
        if t <= 0:
            continue
        h = -sum([(j / t) * log2(j / t) for j in joint if j > 0])
        if l0 > 0 and s_u > 0:
            h -= (l0 / t) * (e_u + s_u * log2(l0 / t))
        expected += t * h
    return expected


def _first(item: tuple) -> Any:
    return item[0]


def _support_order(e: Evidence) -> tuple[float, str]:
    return (-e.weight, e.finding)


def _against_order(e: Evidence) -> tuple[float, str]:
    return (e.weight, e.finding)


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


def strength_table(strengths: Iterable[Strength]) -> list[dict[str, Any]]:
    """The strength scale as rows (label, rank, frequency, LR+, LR-) for the README and the CLI."""
    return [{"id": s.id, "label": s.label, "rank": s.rank, "frequency": s.frequency,
             "lr_present": round(s.lr_present, 3), "lr_absent": round(s.lr_absent, 3), "wording": list(s.wording)}
            for s in sorted(strengths, key=lambda s: -s.rank)]


__all__ = ["Action", "Evidence", "Explanation", "FindingRef", "Hypothesis", "NextTest", "Reasoner", "RedFlag",
           "WhyNot", "DISCLAIMER", "strength_table"]
