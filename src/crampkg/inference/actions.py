"""What to do: the article's recommendations by phase, and the red flags, for one answer.

acute / aftercare: advice for a leading cause first, then the rest in the article's (id) order.
prevention: the advice a reported finding triggers (pregnancy advice when pregnancy is reported),
then the advice for the leading, reported or not-negligible must-not-miss causes, then general
advice. see a doctor: every conditional recommendation, always (the article's "if no action
works, a doctor should be consulted" and the others), the ones the case triggers first. Each
phase lists one entry per intervention, at most :data:`MAX_ACTIONS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..kb.model import Index, Recommendation
from .answer import PHASES, Action, Hypothesis, RedFlag

MAX_ACTIONS = 20
LEADING = 3
MUST_NOT_MISS_FLOOR = 0.01
RED_FLAG_FLOOR = 0.05
RED_FLAG_RISE = 2.0
"""A must-not-miss cause is a red flag when it leads, or when the findings have at least doubled its
probability and it has reached 5 % (a night cramp alone does not make a circulatory disorder a red
flag; night cramps that measures do not help do)."""


@dataclass(frozen=True)
class ActionTables:
    """Recommendations indexed once per knowledge base."""

    recs: tuple[tuple[Recommendation, frozenset[str], frozenset[str], Action], ...]
    """(recommendation, cause set, trigger set, Action) in id order."""
    first_source: Mapping[str, str]

    @classmethod
    def build(cls, index: Index, primary: Mapping[str, str]) -> ActionTables:
        recs = []
        first_source: dict[str, str] = {}
        for rec in sorted(index.recommendations, key=lambda r: r.id):
            sources = tuple(dict.fromkeys(((primary[rec.id],) if rec.id in primary else ()) + tuple(rec.sources)))
            term = index.terms.get(rec.intervention)
            action = Action(id=rec.intervention, label=term.label if term else rec.intervention,
                            instructions=rec.instructions, source=sources[0] if sources else "",
                            for_causes=tuple(rec.causes), recommendation=rec.id, sources=sources)
            recs.append((rec, frozenset(rec.causes), frozenset(rec.triggers), action))
            for c in rec.causes:
                if sources:
                    first_source.setdefault(c, sources[0])
        return cls(recs=tuple(recs), first_source=first_source)


def actions(tables: ActionTables, scores: Mapping[str, float], hypotheses: Sequence[Hypothesis],
            known: set[str], idiopathic: Hypothesis | None = None) -> dict[str, tuple[Action, ...]]:
    """Recommendations by phase, most relevant first."""
    # the reported causes (certain) and the three leading causes that are not reported; "no
    # modelled cause" too when it is likelier than each of them ("If the causes are unknown, one
    # should stick to general measures that usually work very well.")
    unreported = [h for h in hypotheses if not h.reported]
    leading = {h.id for h in hypotheses if h.reported}
    leading |= {h.id for h in unreported[:LEADING]}
    if idiopathic is not None and (not unreported or idiopathic.score >= unreported[0].score):
        leading.add(idiopathic.id)
    must = {h.id for h in hypotheses if h.must_not_miss and h.score >= MUST_NOT_MISS_FLOOR}
    focus = leading | must
    grouped: dict[str, list[tuple[tuple[Any, ...], Action]]] = {p: [] for p in PHASES}
    for rec, causes, triggers, action in tables.recs:
        items = grouped.get(rec.phase)
        if items is None:
            continue
        triggered = not triggers.isdisjoint(known)
        relevance = max([scores.get(c, 0.0) for c in rec.causes], default=0.0)
        if rec.phase == "prevention":
            if rec.triggers and not triggered:
                continue
            if rec.causes and not rec.triggers and causes.isdisjoint(focus):
                continue
            key: tuple[Any, ...] = (0 if triggered else 1 if rec.causes else 2, -relevance, rec.id)
        elif rec.phase == "see_doctor":
            applies = triggered or not causes.isdisjoint(focus) or not (rec.causes or rec.triggers)
            key = (0 if triggered else 1 if applies else 2, -relevance, rec.id)
        else:
            key = (0 if not causes.isdisjoint(leading) else 1, rec.id)
        items.append((key, action))
    return {p: _merge_same_intervention(a for _, a in sorted(items, key=lambda kv: kv[0]))[:MAX_ACTIONS]
            for p, items in grouped.items()}


def red_flags(tables: ActionTables, hypotheses: Sequence[Hypothesis], known: set[str], labels: Mapping[str, str]
              ) -> tuple[RedFlag, ...]:
    """Must-not-miss causes with support or among the leading ones, and see-a-doctor triggers present."""
    flags: list[RedFlag] = []
    lead = {h.id for h in hypotheses[:LEADING]}
    for h in hypotheses:
        support = [c for c in h.contributions if c.log_odds > 0]
        raised = h.score >= RED_FLAG_FLOOR and h.score >= RED_FLAG_RISE * h.prior
        if h.must_not_miss and (raised or h.id in lead):
            reason = ", ".join(c.label for c in support) or "among the leading hypotheses"
            source = tables.first_source.get(h.id) or (support[0].source if support else h.source)
            flags.append(RedFlag(h.id, h.label, f"must not be missed (probability {h.score:.2f}); "
                                                f"supported by: {reason}", source))
    seen = {f.id for f in flags}
    for rec, _causes, triggers, action in tables.recs:
        if rec.phase != "see_doctor":
            continue
        for trigger in sorted(triggers & known):
            if trigger in seen:
                continue
            seen.add(trigger)
            flags.append(RedFlag(trigger, labels.get(trigger, trigger),
                                 "the article advises seeing a doctor in this situation", action.source))
    return tuple(flags)


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
