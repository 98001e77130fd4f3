"""The answer's records, kept importable from their 0.1 place.

They live in :mod:`crampkg.inference.answer` (the inference layer); this module re-exports them so
that ``from crampkg.explanation import Explanation`` keeps working.
"""

from __future__ import annotations

from .inference.answer import (
    DISCLAIMER,
    PHASES,
    Action,
    Contribution,
    Explanation,
    FindingRef,
    Hypothesis,
    Interpretation,
    NextStep,
    RedFlag,
    Robustness,
    WhyNot,
)

NextTest = NextStep
"""The 0.1 name of a proposed test."""

__all__ = ["DISCLAIMER", "PHASES", "Action", "Contribution", "Explanation", "FindingRef", "Hypothesis",
           "Interpretation", "NextStep", "NextTest", "RedFlag", "Robustness", "WhyNot"]
