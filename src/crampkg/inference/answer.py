"""The answer crampkg gives for a case: typed, immutable records with their documented JSON form.

:class:`Explanation` is what :meth:`crampkg.KnowledgeBase.explain` returns; ``to_dict()`` /
``to_json()`` give the JSON the CLI prints with ``--json`` and ``POST /explain`` returns (contract:
docs/model.md section 5 and the JSON Schema ``crampkg/schemas/explanation.schema.json``). The records
hold data only: the engine that fills them (:mod:`crampkg.inference.engine`) is not referenced, so
an answer can be stored, compared and serialised on its own. ``why_not`` needs the engine, which
the knowledge base provides (:meth:`crampkg.KnowledgeBase.why_not`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DISCLAIMER = (
    "crampkg informs, it does not diagnose. Its answers restate one consumer health article; "
    "they are no substitute for a doctor. See a doctor if the measures do not help, if cramps are "
    "frequent, or for any of the reasons listed under \"see a doctor\"."
)

PHASES = ("acute", "aftercare", "prevention", "see_doctor")
"""The phases of ``actions``, in the order answers list them."""

SCHEMA_VERSION = "0.2.0"


@dataclass(frozen=True, slots=True)
class FindingRef:
    """A finding of the case: reported, or inferred by a rule."""

    id: str
    label: str
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class Contribution:
    """One reported finding's effect on one hypothesis: the change in log-odds of the cause when
    the finding is left out of the case (leave-one-out), with the link and sentence behind it."""

    finding: str
    label: str
    present: bool
    log_odds: float
    """Positive: the finding makes the cause more likely; negative: less likely."""
    link: str | None
    source: str
    establishes: bool = False
    """The finding is a report of the cause (present: the cause is established; absent: excluded)."""

    @property
    def direction(self) -> str:
        return "for" if self.log_odds > 0 else "against"


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """A cause, its posterior probability given the findings, and why."""

    id: str
    label: str
    label_de: str | None
    score: float
    """P(cause present | findings): exact, from the Bayesian network."""
    prior: float
    """P(cause present) before any finding."""
    prior_level: str
    parent: str | None
    """The more general cause it specialises (the hypothesis tree), if that is a cause too."""
    reported: bool
    must_not_miss: bool
    contributions: tuple[Contribution, ...]
    chains: tuple[tuple[str, ...], ...]
    excluded_by: tuple[str, ...] = ()
    source: str = ""

    @property
    def supporting(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.contributions if c.log_odds > 0)

    @property
    def against(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.contributions if c.log_odds < 0)


@dataclass(frozen=True, slots=True)
class NextStep:
    """A question to ask or a test to do, ranked by expected information gain (bits) about the
    joint state of the causes and intermediate states."""

    id: str
    label: str
    kind: str
    """``question`` or ``test``."""
    reveals: tuple[str, ...]
    question: str
    why: str
    information_gain: float
    cost: int
    """0 question, 1 examination, 2 blood test, 3 imaging (breaks near-ties)."""
    sources: tuple[str, ...]
    discriminates: tuple[str, ...] = ()


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
    """A reason for attention: a must-not-miss cause that is not negligible, or a see-a-doctor trigger."""

    id: str
    label: str
    why: str
    source: str


@dataclass(frozen=True, slots=True)
class Interpretation:
    """What a finding of the case means, in the article's words."""

    finding: str
    label: str
    meaning: str
    source: str


@dataclass(frozen=True, slots=True)
class Robustness:
    """How often each leading hypothesis stays in the top 3 when the scale's numbers are redrawn."""

    draws: int
    seed: int
    top3_share: Mapping[str, float]
    stable: bool
    """Every hypothesis of today's top 3 stays there in at least 90 % of the draws."""
    note: str


@dataclass(frozen=True, slots=True)
class WhyNot:
    """What keeps a cause where it is, and what would change it most."""

    cause: str
    label: str
    rank: int
    score: float
    leader: str
    contributions: tuple[Contribution, ...]
    chain: tuple[str, ...]
    """The causal chain it would need from a reported finding (ids), if any."""
    would_change_most: NextStep | None
    excluded_by: tuple[str, ...]
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return {"cause": self.cause, "label": self.label, "rank": self.rank, "score": round(self.score, 6),
                "leader": self.leader, "contributions": [_contribution(c) for c in self.contributions],
                "against": [_contribution(c) for c in self.contributions if c.log_odds < 0],
                "chain": list(self.chain),
                "would_change_most": _step(self.would_change_most) if self.would_change_most else None,
                "excluded_by": list(self.excluded_by), "summary": self.summary}


@dataclass(frozen=True)
class Explanation:
    """The answer for one case.

    ``hypotheses`` are the causes by posterior (ties broken by prior, then id); ``idiopathic`` is
    P(no modelled cause | findings). ``to_dict()`` gives the documented JSON.
    """

    present: tuple[FindingRef, ...]
    absent: tuple[FindingRef, ...]
    inferred: tuple[FindingRef, ...]
    hypotheses: tuple[Hypothesis, ...]
    idiopathic: Hypothesis
    questions: tuple[NextStep, ...]
    tests: tuple[NextStep, ...]
    interpretations: tuple[Interpretation, ...]
    actions: Mapping[str, tuple[Action, ...]]
    red_flags: tuple[RedFlag, ...]
    rules_fired: tuple[str, ...]
    kb_version: str
    exact: bool = True
    error_bound: float | None = None
    """When not exact: 1.96 standard errors of the least certain cause's score (likelihood weighting)."""
    robustness: Robustness | None = None
    disclaimer: str = DISCLAIMER
    hypotheses_omitted: int = 0
    reading: Mapping[str, Any] | None = field(default=None, compare=False)
    """What a free-text description was understood as (when the case came from text)."""

    @property
    def next_tests(self) -> tuple[NextStep, ...]:
        """The tests to do (0.1 name)."""
        return self.tests

    def hypothesis(self, cause_id: str) -> Hypothesis:
        """The hypothesis of a cause id (idiopathic included)."""
        if cause_id == self.idiopathic.id:
            return self.idiopathic
        return next(h for h in self.hypotheses if h.id == cause_id)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form documented in the README (plain types only)."""
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "findings": {
                "present": [{"id": f.id, "label": f.label} for f in self.present],
                "absent": [{"id": f.id, "label": f.label} for f in self.absent],
                "inferred": [{"id": f.id, "label": f.label, "rule": f.rule} for f in self.inferred],
            },
            "hypotheses": [_hypothesis(h) for h in self.hypotheses],
            "idiopathic": _hypothesis(self.idiopathic),
            "questions": [_step(s) for s in self.questions],
            "tests": [_step(s) for s in self.tests],
            "next_tests": [_step(s) for s in self.tests],
            "interpretations": [{"finding": i.finding, "label": i.label, "meaning": i.meaning, "source": i.source}
                                for i in self.interpretations],
            "actions": {
                phase: [{"id": a.id, "label": a.label, "instructions": a.instructions, "source": a.source,
                         "for": list(a.for_causes), "recommendation": a.recommendation, "sources": list(a.sources)}
                        for a in self.actions.get(phase, ())]
                for phase in PHASES
            },
            "red_flags": [{"id": r.id, "label": r.label, "why": r.why, "source": r.source} for r in self.red_flags],
            "robustness": None if self.robustness is None else {
                "draws": self.robustness.draws, "seed": self.robustness.seed,
                "top3_share": {k: round(v, 6) for k, v in self.robustness.top3_share.items()},
                "stable": self.robustness.stable, "note": self.robustness.note},
            "exact": self.exact,
            "error_bound": None if self.error_bound is None else round(self.error_bound, 6),
            "hypotheses_omitted": self.hypotheses_omitted,
            "disclaimer": self.disclaimer,
            "kb_version": self.kb_version,
            "rules_fired": list(self.rules_fired),
        }
        if self.reading is not None:
            out["reading"] = dict(self.reading)
        return out

    def to_json(self, indent: int | None = None) -> str:
        """``to_dict()`` as JSON text (UTF-8 characters kept)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``Explanation.to_dict()``, shipped in the package."""
    from importlib.resources import files

    text = files("crampkg").joinpath("schemas/explanation.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _contribution(c: Contribution) -> dict[str, Any]:
    return {"finding": c.finding, "label": c.label, "present": c.present, "log_odds": round(c.log_odds, 6),
            "direction": c.direction, "establishes": c.establishes, "link": c.link, "source": c.source}


def _hypothesis(h: Hypothesis) -> dict[str, Any]:
    contributions = [_contribution(c) for c in h.contributions]
    return {"id": h.id, "label": h.label, "label_de": h.label_de, "score": round(h.score, 6),
            "prior": round(h.prior, 6), "prior_level": h.prior_level, "parent": h.parent, "reported": h.reported,
            "must_not_miss": h.must_not_miss, "contributions": contributions,
            "supporting": [c for c in contributions if c["log_odds"] > 0],
            "against": [c for c in contributions if c["log_odds"] < 0],
            "chains": [list(c) for c in h.chains], "excluded_by": list(h.excluded_by), "source": h.source}


def _step(s: NextStep) -> dict[str, Any]:
    return {"id": s.id, "label": s.label, "kind": s.kind, "reveals": list(s.reveals), "question": s.question,
            "why": s.why, "information_gain": round(s.information_gain, 6), "cost": s.cost,
            "sources": list(s.sources), "discriminates": list(s.discriminates)}
