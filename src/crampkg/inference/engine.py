"""The reasoning engine: a case in, an :class:`~crampkg.inference.answer.Explanation` out.

The method (README, "How the ranking works"; docs/model.md):

1. Resolve the findings; a finding present and one of its generalisations absent contradict each
   other and are refused.
2. Run the rules (compiled) to report which fired and what they infer; in the network the rules are
   deterministic nodes, so what they infer is not added as evidence a second time.
3. Propagate the evidence through the Bayesian network compiled from the knowledge base (noisy-OR
   links, subclasses as deterministic ORs, reports as copies of their cause): every cause's score
   is its exact posterior P(cause | findings); idiopathic is P(no modelled cause | findings).
4. Explain each score by leave-one-out contributions, chains from the reported exposures, the
   sentences of the links; propose questions and tests by expected information gain; list the
   article's advice; flag what must not be missed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from ..errors import CaseFormatError
from ..kb import vocab as V
from .actions import ActionTables, actions, red_flags
from .answer import Contribution, Explanation, FindingRef, Hypothesis, Interpretation, NextStep, WhyNot
from .approximate import ApproximateCase
from .junction_tree import ImpossibleEvidenceError
from .model import Model
from .network import Parent, shortest_path
from .next_steps import next_steps
from .posterior import CasePosterior, logit, posterior, scores_without

if TYPE_CHECKING:
    from ..kb.knowledge_base import KnowledgeBase
    from .answer import Robustness

MAX_HYPOTHESES = 25
CHAIN_CACHE = 50_000
MAX_CHAINS = 3


class Engine:
    """The compiled model of one knowledge base and the steps of an answer over it."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.model = Model(kb)
        self.tables = ActionTables.build(kb.index, self.model.facts.primary)
        index = kb.index
        self.finding_ids = frozenset(t.id for t in kb.findings())
        self.up = {f: frozenset(a for a in index.ancestors.get(f, {f}) if a in self.finding_ids)
                   for f in self.finding_ids}
        below: dict[str, set[str]] = {f: set() for f in self.finding_ids}
        for d in self.finding_ids:
            for a in self.up[d]:
                below[a].add(d)
        self.down = {f: frozenset(b) for f, b in below.items()}
        self._link_cache: dict[tuple[int, int], str | None] = {}
        self._chain_cache: dict[tuple[int, int, frozenset[int]], tuple[str, ...] | None] = {}
        self._unfired: dict[frozenset[int], set[int]] = {}
        self._rule_nodes = [i for i, n in enumerate(self.model.structure.nodes) if n.role == "rule"]
        self._undirected = self._build_undirected()

    # ------------------------------------------------------------------ case
    def _resolve(self, names: Iterable[str]) -> list[str]:
        ids: list[str] = []
        for name in names:
            if not isinstance(name, str) or not name.strip():
                raise CaseFormatError(f"a finding must be a non-empty string, got {name!r}")
            term = self.kb.resolve_finding(name)
            if term.id not in self.model.node_of:
                raise CaseFormatError(f"finding {term.label!r} ({term.id}) is deprecated or not part of the network")
            if term.id not in ids:
                ids.append(term.id)
        return sorted(ids)

    def case(self, present: Iterable[str], absent: Iterable[str]) -> tuple[list[str], list[str], dict[int, int]]:
        """Resolved present and absent ids and the network evidence; contradictions refused."""
        if isinstance(present, str) or isinstance(absent, str):
            raise CaseFormatError("present and absent must be lists of findings, not a single string")
        present_ids = self._resolve(present)
        absent_ids = self._resolve(absent)
        up = set().union(*(self.up[f] for f in present_ids)) if present_ids else set()
        down = set().union(*(self.down[f] for f in absent_ids)) if absent_ids else set()
        clash = sorted(up & down)
        if clash:
            terms = self.kb.index.terms
            raise CaseFormatError(f"finding {terms[clash[0]].label!r} ({clash[0]}) is both present and absent")
        node = self.model.node_of
        evidence = {node[f]: 1 for f in present_ids}
        evidence.update({node[f]: 0 for f in absent_ids})
        return present_ids, absent_ids, evidence

    def posterior(self, evidence: Mapping[int, int]) -> CasePosterior:
        if not self.model.exact:
            return ApproximateCase(self.model, evidence).posterior()
        try:
            return posterior(self.model, evidence)
        except ImpossibleEvidenceError:
            raise CaseFormatError("the findings contradict each other under the knowledge base "
                                  "(the network gives them probability 0)") from None

    def explain(self, present: Iterable[str], absent: Iterable[str] = (), robustness: bool = False,
                draws: int = 200, seed: int = 0) -> Explanation:
        """The answer for a case (findings by id, IRI, label or synonym)."""
        present_ids, absent_ids, evidence = self.case(present, absent)
        kb, model = self.kb, self.model
        terms = kb.index.terms
        up_closed = set().union(*(self.up[f] for f in present_ids)) if present_ids else set()
        down_closed = set().union(*(self.down[f] for f in absent_ids)) if absent_ids else set()
        run = kb.rules.run(up_closed, down_closed,
                           close_up=lambda ids: set().union(*(self.up.get(i, {i}) for i in ids)))
        inferred_ids = sorted(f for f in run.inferred if f not in up_closed and f not in down_closed)
        approximate = None if model.exact else ApproximateCase(model, evidence)
        post = approximate.posterior() if approximate is not None else self.posterior(evidence)
        without = approximate.without if approximate is not None else (
            lambda out: scores_without(model, evidence, out))
        hypotheses, idiopathic = self._hypotheses(post, present_ids, absent_ids, down_closed, without)
        questions, tests = next_steps(model, post, post.scores,
                                      approximate.gain if approximate is not None else None)
        known = up_closed | set(inferred_ids)
        labels = {t: terms[t].label for t in known if t in terms}
        robust: Robustness | None = None
        if robustness and model.exact:  # the redraws need exact posteriors to mean anything
            from .robustness import robustness as measure

            robust = measure(self, evidence, [h.id for h in hypotheses[:3]], draws=draws, seed=seed)
        return Explanation(
            present=tuple(FindingRef(f, terms[f].label) for f in present_ids),
            absent=tuple(FindingRef(f, terms[f].label) for f in absent_ids),
            inferred=tuple(FindingRef(f, terms[f].label, run.inferred[f]) for f in inferred_ids),
            hypotheses=tuple(hypotheses),
            idiopathic=idiopathic,
            questions=questions,
            tests=tests,
            interpretations=self._interpretations(up_closed),
            actions=actions(self.tables, {**post.scores, idiopathic.id: idiopathic.score}, hypotheses, known,
                            idiopathic=idiopathic),
            red_flags=red_flags(self.tables, hypotheses, known, labels),
            rules_fired=tuple(run.fired),
            kb_version=model.version_iri,
            exact=model.exact,
            error_bound=post.error_bound,
            robustness=robust,
            hypotheses_omitted=len(model.cause_nodes) - len(hypotheses),
        )

    def scores(self, evidence: Mapping[int, int]) -> dict[str, float]:
        """Cause id -> posterior, for evidence given as node -> 0/1 (the robustness and tests path)."""
        post = posterior(self.model, evidence, wanted=self.model.wanted_latent)
        return {self.model.structure.nodes[i].id: post.scores[self.model.structure.nodes[i].id]
                for i in self.model.cause_nodes}

    # ------------------------------------------------------------------ hypotheses
    def _hypotheses(self, post: CasePosterior, present: Sequence[str], absent: Sequence[str],
                    down_closed: set[str],
                    scores_without: Callable[[frozenset[int]], tuple[dict[str, float], float]]
                    ) -> tuple[list[Hypothesis], Hypothesis]:
        model = self.model
        kb = self.kb
        s = model.structure
        nodes = s.nodes
        terms = kb.index.terms
        without: dict[str, tuple[dict[str, float], float]] = {}
        for f in (*present, *absent):
            # a present finding leaves with its present specialisations (pregnant with weight gain in
            # pregnancy, which implies it), an absent one with its absent generalisations
            implied = self.down[f] if f in present else self.up[f]
            same_side = set(present) if f in present else set(absent)
            out_nodes = frozenset(model.node_of[g] for g in (implied & same_side) | {f})
            without[f] = scores_without(out_nodes)
        reported = {model.report_of[f] for f in present if f in model.report_of}
        present_exposures = [model.node_of[f] for f in present if nodes[model.node_of[f]].kind == "exposure"]
        closed = frozenset(model.node_of[a] for f in present for a in self.up[f] if a in model.node_of)
        # the hypotheses an answer lists (MAX_HYPOTHESES by score, and every reported or must-not-miss
        # cause) get their chains and sentences; a large knowledge base's other causes are counted in
        # hypotheses_omitted and cost nothing more
        order = sorted(model.cause_nodes, key=lambda i: (-round(post.scores[nodes[i].id], 9),
                                                         -round(model.priors[nodes[i].id], 9), nodes[i].id))
        shown = set(order[:MAX_HYPOTHESES])
        shown |= {i for i in model.cause_nodes if nodes[i].id in reported or kb.index.causes[nodes[i].id].must_not_miss}
        out: list[Hypothesis] = []
        for i in model.cause_nodes:
            if i not in shown:
                continue
            n = nodes[i]
            cause = kb.index.causes[n.id]
            p = post.scores[n.id]
            contributions = []
            for f in (*present, *absent):
                before = without[f][0][n.id]
                delta = logit(p) - logit(before)
                if abs(delta) < 1e-6:
                    continue
                link = self._link_between(model.node_of[f], i)
                contributions.append(Contribution(
                    finding=f, label=terms[f].label, present=f in present, log_odds=delta, link=link,
                    source=model.link_sentence(link),
                    establishes=model.report_of.get(f) == n.id))
            contributions.sort(key=lambda c: (-abs(c.log_odds), c.finding))
            chains = self._chains(present_exposures, i, closed)
            parent = next((x for x in terms[n.id].parents if x in model.node_of
                           and nodes[model.node_of[x]].role == "cause"), None)
            # the sentence behind the strongest finding in favour, else the cause's own sentence
            source = next((c.source for c in contributions if c.source and c.log_odds > 0), "") or (
                terms[n.id].sources[0] if terms[n.id].sources else "")
            out.append(Hypothesis(
                id=n.id, label=n.label, label_de=terms[n.id].label_de, score=p, prior=model.priors[n.id],
                prior_level=cause.prior.label, parent=parent, reported=n.id in reported,
                must_not_miss=cause.must_not_miss, contributions=tuple(contributions), chains=chains,
                excluded_by=tuple(f for f in cause.requires if f in down_closed), source=source))
        out.sort(key=lambda h: (-round(h.score, 9), -round(h.prior, 9), h.id))
        idio = self._idiopathic(post, present, absent, without)
        return out, idio

    def _idiopathic(self, post: CasePosterior, present: Sequence[str], absent: Sequence[str],
                    without: Mapping[str, tuple[dict[str, float], float]]) -> Hypothesis:
        model = self.model
        terms = self.kb.index.terms
        cause = model.idiopathic
        cid = cause.id if cause else V.IDIOPATHIC
        contributions = []
        for f in (*present, *absent):
            delta = logit(post.no_cause) - logit(without[f][1])
            if abs(delta) >= 1e-6:
                contributions.append(Contribution(finding=f, label=terms[f].label, present=f in present,
                                                  log_odds=delta, link=None, source=""))
        contributions.sort(key=lambda c: (-abs(c.log_odds), c.finding))
        term = terms.get(cid)
        return Hypothesis(
            id=cid, label=term.label if term else "idiopathic leg cramps", label_de=term.label_de if term else None,
            score=post.no_cause, prior=model.target_no_cause,
            prior_level=cause.prior.label if cause else "usually", parent=None, reported=False,
            must_not_miss=False, contributions=tuple(contributions), chains=(),
            source=term.sources[0] if term and term.sources else "")

    def _path_from(self, start: int, goal: int, present: frozenset[int] = frozenset()) -> tuple[str, ...] | None:
        """A shortest chain from a reported exposure to a cause or state, as ids.

        A report is a copy of its cause (its child in the network), so its chain may go on from the
        cause it reports (drinks little -> insufficient fluid intake -> electrolyte imbalance) or
        from the finding itself into a rule; it never comes back through the finding. A rule node
        (and the finding it derives) is passed only when every finding of the rule is present in
        the case: a chain shows what the case supports, not what it could.
        """
        key = (start, goal, present)
        if key in self._chain_cache:
            return self._chain_cache[key]
        model = self.model
        nodes = model.structure.nodes
        unfired = self._unfired.get(present)
        if unfired is None:  # rule nodes not fired and what they derive: once per case
            unfired = set()
            for i in self._rule_nodes:
                if not all(p.node in present for p in nodes[i].parents):
                    unfired.add(i)
                    unfired.update(c for c in model.children[i] if nodes[c].role == "finding")
            self._unfired = {present: unfired}
        blocked = unfired | {start}

        def allowed(v: int) -> bool:
            return v not in blocked

        candidates = []
        path = shortest_path(model.structure, start, goal, allowed=allowed, children=model.children)
        if path:
            candidates.append(tuple(nodes[v].id for v in path))
        cause = model.report_of.get(nodes[start].id)
        if cause is not None and nodes[start].gate == "copy":
            via = shortest_path(model.structure, model.node_of[cause], goal, allowed=allowed, children=model.children)
            if via:
                candidates.append((nodes[start].id, *(nodes[v].id for v in via)))
        candidates = [c for c in candidates if len(c) > 1]
        found = min(candidates, key=lambda c: (len(c), c)) if candidates else None
        if len(self._chain_cache) > CHAIN_CACHE:  # keyed by the case's findings too: keep it bounded
            self._chain_cache.clear()
        self._chain_cache[key] = found
        return found

    def _chains(self, starts: Sequence[int], goal: int, present: frozenset[int]) -> tuple[tuple[str, ...], ...]:
        found = []
        for start in starts:
            chain = self._path_from(start, goal, present)
            if chain:
                found.append(chain)
        found.sort(key=lambda c: (len(c), c))
        return tuple(found[:MAX_CHAINS])

    def _build_undirected(self) -> list[list[int]]:
        nodes = self.model.structure.nodes
        adj: list[list[int]] = [[] for _ in nodes]
        for i, n in enumerate(nodes):
            for p in n.parents:
                adj[i].append(p.node)
                adj[p.node].append(i)
        return [sorted(set(a)) for a in adj]

    def _link_between(self, finding: int, cause: int) -> str | None:
        """The link that carries a finding's effect to a cause, cited with the contribution.

        The finding's effect flows along a directed chain when there is one: from an exposure down
        to the cause (drinks little -> insufficient fluid intake -> electrolyte imbalance), or from the
        cause down to a symptom (one-sided diet -> magnesium deficiency -> calf cramp at night); the
        sourced link nearest the cause on that chain says why it matters for the cause ("Often this
        imbalance comes from under-drinking.", "A magnesium deficiency is usually caused by a
        one-sided unhealthy diet ..."). Otherwise (two causes competing for one finding) the
        finding's own link on the shortest trail is cited.
        """
        key = (finding, cause)
        if key in self._link_cache:
            return self._link_cache[key]
        model = self.model
        nodes = model.structure.nodes
        children = model.children
        found: str | None = None
        down = shortest_path(model.structure, finding, cause, children=children)
        report = model.report_of.get(nodes[finding].id)
        if down is None and report is not None:
            via = shortest_path(model.structure, model.node_of[report], cause, children=children)
            down = [finding, *via] if via else None
        up = None if down else shortest_path(model.structure, cause, finding, children=children)
        if down or up:
            path = down if down else list(reversed(up or []))  # finding ... cause
            for a, b in reversed(list(pairwise(path))):  # nearest the cause first
                edge = self._edge(a, b)
                if edge is not None and edge.links:
                    found = edge.links[0]
                    break
        else:
            trail = self._trail(finding, cause)
            for a, b in pairwise(trail):  # nearest the finding first
                edge = self._edge(a, b)
                if edge is not None and edge.links:
                    found = edge.links[0]
                    break
        self._link_cache[key] = found
        return found

    def _edge(self, a: int, b: int) -> Parent | None:
        nodes = self.model.structure.nodes
        return next((p for p in nodes[b].parents if p.node == a), None) or next(
            (p for p in nodes[a].parents if p.node == b), None)

    def _trail(self, start: int, goal: int) -> list[int]:
        """A shortest undirected trail between two nodes (empty when they are not connected)."""
        return shortest_path(self.model.structure, start, goal, children=self._undirected) or []

    def _interpretations(self, present: set[str]) -> tuple[Interpretation, ...]:
        terms = self.kb.index.terms
        out = []
        for f in sorted(present):
            for i in self.model.interpretations.get(f, ()):
                out.append(Interpretation(finding=f, label=terms[f].label, meaning=i.meaning,
                                          source=i.sources[0] if i.sources else ""))
        return tuple(out)

    # ------------------------------------------------------------------ why not
    def why_not(self, explanation: Explanation, cause: str) -> WhyNot:
        """Why a cause is not ranked higher: its contributions, the chain it would need, and the
        question or test not yet answered that would change its posterior most."""
        kb, model = self.kb, self.model
        target = kb.resolve_cause(cause).id
        ranked = list(explanation.hypotheses)
        if target == explanation.idiopathic.id:
            hyp = explanation.idiopathic
            rank = 1 + sum(1 for h in ranked if h.score > hyp.score)
        else:
            hyp = next(h for h in ranked if h.id == target)
            rank = ranked.index(hyp) + 1
        present = [f.id for f in explanation.present]
        absent = [f.id for f in explanation.absent]
        _, _, evidence = self.case(present, absent)
        best: tuple[float, NextStep] | None = None
        steps = {s.id: s for s in (*explanation.questions, *explanation.tests)}
        approximate = None if model.exact else ApproximateCase(model, evidence)
        if target in model.node_of:
            goal = model.node_of[target]
            for cand in model.candidates:
                revealed = [v for v in cand.reveals if v not in evidence]
                if not revealed or len(revealed) > 3:
                    continue
                change = (approximate.largest_change(revealed, goal) if approximate is not None
                          else self._largest_change(evidence, revealed, goal))
                if change is None:
                    continue
                if best is None or change > best[0] + 1e-12:
                    step = steps.get(cand.id) or NextStep(
                        id=cand.id, label=cand.label, kind=cand.kind,
                        reveals=tuple(model.structure.nodes[v].id for v in revealed), question="",
                        why=f"its answer would move {hyp.label} by up to {change:.3f}", information_gain=0.0,
                        cost=cand.cost, sources=cand.sources[:3])
                    best = (change, step)
        present_exposures = [model.node_of[f] for f in present
                             if model.structure.nodes[model.node_of[f]].kind == "exposure"]
        chain: tuple[str, ...] = ()
        if target in model.node_of:
            goal = model.node_of[target]
            exposures = [i for i, n in enumerate(model.structure.nodes) if n.kind == "exposure"]
            paths = [self._path_from(s, goal, frozenset(present_exposures)) for s in (present_exposures or exposures)]
            found = [p for p in paths if p]
            if not found and present_exposures:
                found = [p for p in (self._path_from(s, goal, frozenset(exposures)) for s in exposures) if p]
            if found:
                chain = min(found, key=lambda p: (len(p), p))
        leader = ranked[0]
        if hyp.excluded_by:
            needed = ", ".join(kb.index.terms[f].label for f in hyp.excluded_by)
            summary = (f"{hyp.label} is excluded (probability 0): it cannot be present without {needed}, "
                       "which the case reports as absent.")
        elif rank == 1:
            summary = f"{hyp.label} is already ranked first (probability {hyp.score:.3f})."
        else:
            n_for = sum(1 for c in hyp.contributions if c.log_odds > 0)
            n_against = sum(1 for c in hyp.contributions if c.log_odds < 0)
            summary = (f"{hyp.label} has probability {hyp.score:.3f} (rank {rank}; {leader.label} leads with "
                       f"{leader.score:.3f}): {n_for} finding(s) raise it, {n_against} lower it.")
            if best is not None:
                summary += f" What would change it most: {best[1].label}."
        return WhyNot(cause=target, label=hyp.label, rank=rank, score=hyp.score, leader=leader.id,
                      contributions=hyp.contributions, chain=chain,
                      would_change_most=best[1] if best else None, excluded_by=hyp.excluded_by, summary=summary)

    def _largest_change(self, evidence: Mapping[int, int], revealed: Sequence[int], goal: int) -> float | None:
        """The largest change of the goal's posterior over the outcomes of the revealed findings."""
        tree = self.model.net.tree
        base = tree.propagate(evidence, wanted={tree.home[goal]}).marginal(goal)
        largest = None
        for outcome in range(2 ** len(revealed)):
            ev = dict(evidence)
            for k, v in enumerate(revealed):
                ev[v] = (outcome >> k) & 1
            try:
                p = tree.propagate(ev, wanted={tree.home[goal]}).marginal(goal)
            except ImpossibleEvidenceError:
                continue
            change = abs(p - base)
            if largest is None or change > largest:
                largest = change
        return largest
