"""crampkg: a knowledge graph about calf and leg cramps, built from one article.

The public API::

    from crampkg import KnowledgeBase
    kb = KnowledgeBase.load()
    answer = kb.explain(["calf cramp at night", "drinks little", "tap water only"])
    answer.hypotheses[0].label, answer.to_dict()

It informs; it does not diagnose.
"""

from .errors import (
    CaseFormatError,
    CrampkgError,
    KnowledgeBaseError,
    QueryError,
    QueryRefusedError,
    QueryTimeoutError,
    UnknownCauseError,
    UnknownFindingError,
)
from .inference.answer import (
    DISCLAIMER,
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
from .kb.knowledge_base import KnowledgeBase
from .kb.model import Association, CausalLink, Cause, Indication, Recommendation, Strength, Term

NextTest = NextStep

def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("crampkg")
    except PackageNotFoundError:  # a source tree that is not installed
        return "0+unknown"


__version__ = _version()
"""The package version, from its metadata (pyproject.toml is the one source)."""

__all__ = [
    "DISCLAIMER",
    "Action",
    "Association",
    "CaseFormatError",
    "CausalLink",
    "Cause",
    "CrampkgError",
    "Contribution",
    "Explanation",
    "FindingRef",
    "Hypothesis",
    "Indication",
    "Interpretation",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "NextStep",
    "NextTest",
    "QueryError",
    "QueryRefusedError",
    "QueryTimeoutError",
    "Recommendation",
    "RedFlag",
    "Robustness",
    "Strength",
    "Term",
    "UnknownCauseError",
    "UnknownFindingError",
    "WhyNot",
]
