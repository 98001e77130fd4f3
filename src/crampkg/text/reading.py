"""What a text was understood to say: the typed, frozen result of :func:`crampkg.text.read_text`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Span:
    """A part of the text: character offsets (``text[start:end]``) and the characters."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True, slots=True)
class TextFinding:
    """A finding the text reports (present or absent), or mentions without it counting."""

    id: str
    label: str
    status: str
    """``present``, ``absent``, ``other`` (someone else's), ``hypothetical`` or ``contradicted``."""
    spans: tuple[Span, ...]
    matched: tuple[str, ...]
    """The label(s) or synonym(s) of the finding the spans matched."""
    confidence: float
    """In (0, 1]: 1 for an exact match; lower for corrected typos, extra words, an opposite name."""
    cue: str = ""
    """The negation, person or hypothetical cue that set the status ("don't", "my mother", "whether")."""
    corrected: tuple[tuple[str, str], ...] = ()
    """(typed word, known word) pairs of typos corrected on the way."""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "status": self.status,
                "spans": [s.to_dict() for s in self.spans], "matched": list(self.matched),
                "confidence": self.confidence, "cue": self.cue,
                "corrected": [{"typed": a, "as": b} for a, b in self.corrected]}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One of the findings an ambiguous span could mean."""

    id: str
    label: str
    matched: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "matched": self.matched}


@dataclass(frozen=True, slots=True)
class AmbiguousSpan:
    """Words that match several unrelated findings equally well: reported, never guessed."""

    span: Span
    candidates: tuple[Candidate, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"span": self.span.to_dict(), "candidates": [c.to_dict() for c in self.candidates]}


@dataclass(frozen=True, slots=True)
class TextReading:
    """The findings of a text: present, absent, not counted, ambiguous, and the words not placed."""

    text: str
    lang: str
    """``en`` or ``de``: given, or detected."""
    present: tuple[TextFinding, ...]
    absent: tuple[TextFinding, ...]
    not_counted: tuple[TextFinding, ...]
    """Mentions about other people, hypotheticals, and absences a present finding contradicts."""
    ambiguous: tuple[AmbiguousSpan, ...]
    unplaced: tuple[Span, ...]
    """Runs of content words that matched no finding."""

    @property
    def present_ids(self) -> list[str]:
        """Ids of the present findings, in text order."""
        return [f.id for f in self.present]

    @property
    def absent_ids(self) -> list[str]:
        """Ids of the absent findings, in text order."""
        return [f.id for f in self.absent]

    @property
    def empty(self) -> bool:
        """Whether nothing was understood (no present or absent finding)."""
        return not self.present and not self.absent

    def summary(self) -> str:
        """One line: ``Understood: present …; absent …; not understood: …`` (and ambiguous, not counted)."""
        def names(items: tuple[TextFinding, ...]) -> str:
            return ", ".join(f"{f.label} ({f.spans[0].text!r})" for f in items) or "nothing"

        parts = [f"Understood: present {names(self.present)}", f"absent {names(self.absent)}"]
        if self.ambiguous:
            parts.append("ambiguous " + ", ".join(
                f"{a.span.text!r} ({' or '.join(c.label for c in a.candidates)})" for a in self.ambiguous))
        if self.not_counted:
            parts.append("not counted " + ", ".join(f"{f.label} ({f.status}: {f.cue})" for f in self.not_counted))
        parts.append("not understood: " + (", ".join(repr(s.text) for s in self.unplaced) or "nothing"))
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"text","lang","present","absent","not_counted","ambiguous","unplaced"}``."""
        return {"text": self.text, "lang": self.lang,
                "present": [f.to_dict() for f in self.present], "absent": [f.to_dict() for f in self.absent],
                "not_counted": [f.to_dict() for f in self.not_counted],
                "ambiguous": [a.to_dict() for a in self.ambiguous],
                "unplaced": [s.to_dict() for s in self.unplaced]}
