"""The answer crampkg gives for a case: typed, immutable, with its documented JSON form.

:class:`Explanation` is what :meth:`crampkg.KnowledgeBase.explain` returns;
``to_dict()`` gives the JSON the CLI prints with ``--json`` and ``POST /explain``
returns (README, "The answer"). The ranking that fills it lives in
:mod:`crampkg.reasoning`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

DISCLAIMER = (
    "crampkg informs, it does not diagnose. Its answers restate one consumer health article; "
    "they are no substitute for a doctor. See a doctor if the measures do not help, if cramps are "
    "frequent, or for any of the reasons listed under see_doctor."
)

PHASES = ("acute", "aftercare", "prevention", "see_doctor")
"""The phases of ``actions``, in the order answers list them."""


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
    excluded_by: tuple[str, ...] = ()
    """Findings known to be absent that the cause requires (it then has probability 0)."""


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
                 "chains": [list(c) for c in h.chains], "excluded_by": list(h.excluded_by)}
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
            "red_flags": [{"id": r.id, "label": r.label, "why": r.why, "source": r.source} for r in self.red_flags],
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
