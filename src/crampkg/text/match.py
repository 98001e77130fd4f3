"""Token-set matching of a text against the compiled names of the findings.

Rules, in order:

* **Typos**: a word that is neither filler nor a known word is corrected to the one known word
  (of the names or the word families) it is closest to, if that is unique, starts with the same
  letter and is at most one edit away (two from eight letters on); see :meth:`LanguageLexicon.correct`.
* **Token sets**: a name matches when every one of its keys occurs within one clause (no
  punctuation in between), in any order, in a window with at most ``max(1, n - 1)`` other content
  words for a name of ``n`` keys (filler words are free). A negation word of a name ("no warm-up")
  must stand next to one of the name's other words.
* **Longest specific match**: a match of a finding above (more general than) the finding of a
  longer or overlapping match is dropped: "calf cramp at night" wins over "calf cramp". A match of
  an unrelated finding inside a longer one stays ("cramp during a marathon": *marathon run* too),
  and of two matches of the same words the stronger stays.
* **No silent guess**: two unrelated findings matched by the same words with the same strength are
  an :class:`Ambiguity`, and neither is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import vocabulary as voc
from .lexicon import LanguageLexicon, Lexicon, Pattern
from .normalise import Token, fold, word_keys

CONNECTIVES = frozenset(fold(w) for w in voc.CONNECTIVES)


@dataclass(frozen=True, slots=True)
class Match:
    """One finding matched by some words of the text."""

    finding: str
    pattern: Pattern
    tokens: tuple[int, ...]
    """Indexes of the text's tokens that carry the name's keys."""
    start: int
    end: int
    """Character offsets of the matched words (first to last, end exclusive)."""
    similarity: float
    """1.0 when every word is spelt as known; lower when a typo was corrected."""
    extra: int
    """Content words inside the window that are not part of the name."""
    n_keys: int
    """How many of the name's keys the words carry."""
    corrected: tuple[tuple[str, str], ...] = ()
    """(typed word, known word) pairs of corrected typos."""

    @property
    def complement(self) -> bool:
        return self.pattern.complement

    @property
    def strength(self) -> tuple[int, int, int, float, int]:
        """Sort key: more keys, more words, fewer extra words, better spelling, positive before complement."""
        return (self.n_keys, len(self.tokens), -self.extra, self.similarity, 0 if self.complement else 1)

    @property
    def confidence(self) -> float:
        """How sure the match is, in (0, 1]: spelling, extra words in the window, complement."""
        value = self.similarity * (0.9 ** self.extra)
        return round(value * (0.85 if self.complement else 1.0), 3)


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """Words that match two or more unrelated findings equally well."""

    tokens: tuple[int, ...]
    start: int
    end: int
    findings: tuple[str, ...]
    names: tuple[str, ...]


def effective_tokens(tokens: list[Token], lex: LanguageLexicon, lang: str
                     ) -> tuple[list[tuple[str, ...]], list[float], dict[int, str]]:
    """Keys per token after typo correction, similarity per token, and the corrected words by index."""
    keys: list[tuple[str, ...]] = []
    sims: list[float] = []
    corrected: dict[int, str] = {}
    known = lex.known_keys
    for i, token in enumerate(tokens):
        ks, sim = token.keys, 1.0
        if token.kind == "word" and ks and all(k.startswith("w:") and k not in known for k in ks):
            fix = lex.correct(token.folded)
            if fix is not None:
                fixed_keys, _ = word_keys(fix[0], lang)
                if fixed_keys:
                    ks, sim = fixed_keys, fix[1]
                    corrected[i] = fix[0]
        keys.append(ks)
        sims.append(sim)
    return keys, sims, corrected


def _min_window(occurrences: list[tuple[int, str]], needed: frozenset[str]) -> tuple[int, int] | None:
    """The shortest (first, last) token range holding every key of ``needed`` (occurrences sorted)."""
    best: tuple[int, int] | None = None
    counts: dict[str, int] = {}
    have = 0
    left = 0
    for right in range(len(occurrences)):
        key = occurrences[right][1]
        counts[key] = counts.get(key, 0) + 1
        if counts[key] == 1:
            have += 1
        while have == len(needed):
            first, last = occurrences[left][0], occurrences[right][0]
            if best is None or last - first < best[1] - best[0]:
                best = (first, last)
            lkey = occurrences[left][1]
            counts[lkey] -= 1
            if counts[lkey] == 0:
                have -= 1
            left += 1
    return best


def _segments(tokens: list[Token]) -> list[tuple[int, int]]:
    """(first, end) token ranges between punctuation."""
    spans: list[tuple[int, int]] = []
    start = 0
    for i, token in enumerate(tokens):
        if token.kind == "punct":
            if i > start:
                spans.append((start, i))
            start = i + 1
    if start < len(tokens):
        spans.append((start, len(tokens)))
    return spans


def candidate_matches(tokens: list[Token], lex: LanguageLexicon, lang: str) -> list[Match]:
    """Every name that matches somewhere in the text (before the longest-match selection)."""
    keys, sims, corrected = effective_tokens(tokens, lex, lang)
    found: list[Match] = []
    for first, end in _segments(tokens):
        positions: dict[str, list[int]] = {}
        for i in range(first, end):
            for key in keys[i]:
                positions.setdefault(key, []).append(i)
        if not positions:
            continue
        present = positions.keys()
        seen: set[int] = set()
        for key in present:
            for p in lex.by_key.get(key, ()):
                if p in seen:
                    continue
                seen.add(p)
                pattern = lex.patterns[p]
                if not pattern.core <= present:
                    continue
                match = _match_in_segment(pattern, positions, tokens, keys, sims, corrected)
                if match is not None:
                    found.append(match)
    return found


def _match_in_segment(pattern: Pattern, positions: dict[str, list[int]], tokens: list[Token],
                      keys: list[tuple[str, ...]], sims: list[float], corrected: dict[int, str]) -> Match | None:
    core = pattern.core
    occurrences = sorted((i, k) for k in core for i in positions[k])
    window = _min_window(occurrences, core)
    if window is None:
        return None
    lo, hi = window
    used = sorted({i for i, k in occurrences if lo <= i <= hi})
    for weak in pattern.keys - core:  # weak keys count when they are right there
        used += [i for i in positions.get(weak, ()) if lo - 2 <= i <= hi + 2 and i not in used][:1]
    used = sorted(set(used))
    lo, hi = used[0], used[-1]
    used_set = set(used)
    extra = sum(1 for i in range(lo, hi + 1) if i not in used_set and tokens[i].kind in ("word", "neg"))
    if extra > max(1, len(core) - 1):
        return None
    if voc.NEG in core:  # the name's negation stands next to one of its words (filler between is free)
        neg_at = [i for i in used if voc.NEG in keys[i]]
        if not any(_adjacent(tokens, n, used_set) for n in neg_at):
            return None
    similarity = min(sims[i] for i in used)
    fixes = tuple((tokens[i].surface, corrected[i]) for i in used if i in corrected)
    n_keys = len({k for i in used for k in keys[i]} & pattern.keys)
    return Match(pattern.finding, pattern, tuple(used), tokens[lo].start, tokens[hi].end, similarity, extra,
                 n_keys, fixes)


def _adjacent(tokens: list[Token], at: int, used: set[int]) -> bool:
    for step in (-1, 1):
        i = at + step
        while 0 <= i < len(tokens) and tokens[i].kind == "stop":
            i += step
        if 0 <= i < len(tokens) and i in used and i != at:
            return True
    return False


def select(candidates: list[Match], lexicon: Lexicon, tokens: list[Token] | None = None
           ) -> tuple[list[Match], list[Ambiguity]]:
    """The longest specific matches, and the ambiguities (see the module docstring)."""
    ordered = sorted(candidates, key=lambda m: (m.strength, -m.start), reverse=True)
    kept: list[Match] = []
    ambiguous: list[Ambiguity] = []
    ancestors = lexicon.ancestors
    i = 0
    while i < len(ordered):
        # a group: the same words, the same strength
        group = [ordered[i]]
        j = i + 1
        while j < len(ordered) and ordered[j].tokens == ordered[i].tokens and ordered[j].strength == ordered[i].strength:
            group.append(ordered[j])
            j += 1
        i = j
        survivors: dict[str, Match] = {}
        for m in group:
            if _beaten(m, kept, ancestors, tokens):
                continue
            survivors.setdefault(m.finding, m)
        if not survivors:
            continue
        findings = list(survivors)
        # within the group, a finding above another one of the group gives way to it
        specific = [f for f in findings if not any(f != g and f in ancestors.get(g, ()) for g in findings)]
        if len(specific) == 1:
            kept.append(survivors[specific[0]])
            continue
        m0 = survivors[specific[0]]
        if any(a.tokens == m0.tokens for a in ambiguous):
            continue
        ambiguous.append(Ambiguity(m0.tokens, m0.start, m0.end, tuple(sorted(specific)),
                                   tuple(survivors[f].pattern.name for f in sorted(specific))))
    # a last pass: nothing kept lies inside, or is more general than, another kept match
    kept = [m for p, m in enumerate(kept)
            if not _beaten(m, [k for q, k in enumerate(kept) if q != p and (k.strength, -q) > (m.strength, -p)],
                           ancestors, tokens)]
    # an ambiguity covered by a longer kept match is no ambiguity
    ambiguous = [a for a in ambiguous if not any(set(a.tokens) < set(k.tokens) for k in kept)]
    return sorted(kept, key=lambda m: m.start), ambiguous


def _beaten(m: Match, kept: list[Match], ancestors: dict[str, frozenset[str]], tokens: list[Token] | None) -> bool:
    words = set(m.tokens)
    for k in kept:
        other = set(k.tokens)
        if words == other:
            return True  # the same words, a stronger match
        if words < other and not _separated(m, tokens):
            return True  # a part of a longer name that is not a phrase of its own ("restless" of "restless sleep")
        if words & other and (m.finding in ancestors.get(k.finding, ()) or m.finding == k.finding):
            return True  # a more general finding than an overlapping (or longer) match's
    return False


def _separated(part: Match, tokens: list[Token] | None) -> bool:
    """Whether ``part`` is a phrase of its own inside the longer match that contains it: its words stand together, right after
    or right before a connective word ("cramp *during* a marathon", "Krämpfe *beim* Sport")."""
    if tokens is None:
        return True
    words = [i for i in range(part.tokens[0], part.tokens[-1] + 1) if tokens[i].kind != "stop"]
    if words != list(part.tokens):
        return False  # other words in between: not one phrase

    def neighbour(at: int, step: int) -> Token | None:
        i = at + step
        while 0 <= i < len(tokens) and tokens[i].kind == "stop":
            i += step
        return tokens[i] if 0 <= i < len(tokens) else None

    before, after = neighbour(part.tokens[0], -1), neighbour(part.tokens[-1], 1)
    return any(t is not None and t.folded in CONNECTIVES for t in (before, after))
