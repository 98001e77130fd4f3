"""Reading a text: tokens, matches, context, and the :class:`TextReading` that reports them."""

from __future__ import annotations

from .lexicon import Lexicon
from .match import Ambiguity, Match, candidate_matches, select
from .negation import Context, context_cues, contexts, negation_triggers
from .normalise import LANGUAGES, Token, detect_language, tokenise
from .reading import AmbiguousSpan, Candidate, Span, TextFinding, TextReading

MAX_TEXT_CHARS = 20_000
"""Longer texts are refused by the callers (CLI, server) before they get here; the reader truncates."""


def _span(text: str, start: int, end: int) -> Span:
    return Span(start, end, text[start:end])


def _finding(text: str, lexicon: Lexicon, group: list[tuple[Match, Context]], status: str) -> TextFinding:
    first = group[0][0]
    spans = tuple(_span(text, m.start, m.end) for m, _ in group)
    matched = tuple(dict.fromkeys(m.pattern.name for m, _ in group))
    cue = next((c.cue for _, c in group if c.cue), "")
    corrected = tuple(dict.fromkeys(p for m, _ in group for p in m.corrected))
    confidence = max(m.confidence for m, _ in group)
    return TextFinding(first.finding, lexicon.labels[first.finding], status, spans, matched, confidence, cue, corrected)


def _unplaced(text: str, tokens: list[Token], used: set[int]) -> tuple[Span, ...]:
    runs: list[Span] = []
    start = end = -1
    for i, token in enumerate(tokens):
        if token.kind == "word" and i not in used:
            if start < 0:
                start = token.start
            end = token.end
        elif token.kind in ("stop",) and start >= 0:
            continue
        elif start >= 0:
            runs.append(_span(text, start, end))
            start = -1
    if start >= 0:
        runs.append(_span(text, start, end))
    return tuple(runs)


def read(text: str, lexicon: Lexicon, lang: str | None = None) -> TextReading:
    """Read ``text`` against a compiled lexicon (``lang``: ``en``, ``de`` or None to detect)."""
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}")
    text = text[:MAX_TEXT_CHARS]
    language = lang or detect_language(text)
    tokens = tokenise(text, language)
    candidates = candidate_matches(tokens, lexicon[language], language)
    matches, ambiguities = select(candidates, lexicon, tokens)
    found = contexts(tokens, matches)

    by_status: dict[str, dict[str, list[tuple[Match, Context]]]] = {}
    for m, c in zip(matches, found, strict=True):
        if c.status == "dropped":
            continue
        by_status.setdefault(c.status, {}).setdefault(m.finding, []).append((m, c))
    _most_specific(by_status, lexicon)
    present_groups = by_status.get("present", {})
    present_ids = set(present_groups)
    ancestors = lexicon.ancestors
    present_closed = set().union(*(ancestors.get(f, {f}) for f in present_ids)) if present_ids else set()

    present = [_finding(text, lexicon, g, "present") for g in present_groups.values()]
    absent: list[TextFinding] = []
    not_counted: list[TextFinding] = []
    for f, g in by_status.get("absent", {}).items():
        if f in present_closed:  # "cramps at night, no other cramps": the present mention wins
            not_counted.append(_finding(text, lexicon, g, "contradicted"))
        else:
            absent.append(_finding(text, lexicon, g, "absent"))
    for status in ("other", "hypothetical"):
        for g in by_status.get(status, {}).values():
            not_counted.append(_finding(text, lexicon, g, status))

    ambiguous = tuple(_ambiguous(text, lexicon, a) for a in ambiguities)
    used = {i for m in matches for i in m.tokens} | {i for a in ambiguities for i in a.tokens}
    used |= {i for i, _, _ in context_cues(tokens)} | set(negation_triggers(tokens, used))
    order = sorted(present, key=lambda t: t.spans[0].start), sorted(absent, key=lambda t: t.spans[0].start)
    return TextReading(text, language, tuple(order[0]), tuple(order[1]),
                       tuple(sorted(not_counted, key=lambda t: t.spans[0].start)), ambiguous,
                       _unplaced(text, tokens, used))


def _most_specific(by_status: dict[str, dict[str, list[tuple[Match, Context]]]], lexicon: Lexicon) -> None:
    """A present finding above another present one gives its mentions to it ("calf muscle gets hard ...
    the hardening gets worse when I try to relax"); an absent one below another absent one, likewise."""
    for status, upward in (("present", True), ("absent", False)):
        groups = by_status.get(status, {})
        for f in list(groups):
            for g in list(groups):
                if f == g or f not in groups or g not in groups:
                    continue
                general, specific = (f, g) if upward else (g, f)
                if general in lexicon.ancestors.get(specific, ()):
                    groups[g].extend(groups.pop(f))


def _ambiguous(text: str, lexicon: Lexicon, a: Ambiguity) -> AmbiguousSpan:
    return AmbiguousSpan(_span(text, a.start, a.end),
                         tuple(Candidate(f, lexicon.labels[f], n) for f, n in zip(a.findings, a.names, strict=True)))
