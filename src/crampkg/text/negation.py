"""NegEx-style context of each match: the person's, negated, someone else's, or hypothetical.

* **Negation triggers** are the negation words of :data:`~crampkg.text.vocabulary.NEGATION_WORDS`
  ("no", "not", "don't", "never", "without", "denies"; "kein", "nicht", "nie", "ohne") that are
  not part of a matched name ("without warm-up" is the finding *no warm-up*, present) and not part
  of a pseudo-negation ("no doubt", "not only", "nicht nur").
* A trigger's **scope** runs forward to the end of its clause: punctuation, a contrasting
  conjunction ("but", "aber", "sondern", ...), "and"/"und" followed by "I"/"ich", "during"/"beim"
  ("does not get hard during the cramp"), or eight content words, whichever comes first. When nothing is matched in it and the trigger ends its clause
  (German "Schwanger bin ich nicht.", "Statine nehme ich nicht mehr"), the scope runs backward
  to the start of the clause instead.
* **Other people** ("my mother", "meine Schwester") and **hypotheticals** ("asked whether",
  "in case", "ob", "falls") open a scope to the end of the sentence part they start (ended like a
  negation scope; for other people also by "I"/"ich", which brings the person back).
  Findings in it are not the person's and are not counted, whatever their negation.
* A negated complement ("I don't always warm up") is a double negation: it is dropped, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from .match import Match
from .normalise import (
    CLAUSE_AND,
    FIRST_PERSON,
    HYPOTHETICAL,
    NEGATION_ENDS,
    OTHER_PEOPLE,
    PSEUDO_NEGATIONS,
    SCOPE_ENDS,
    Token,
    fold,
)

MAX_SCOPE_WORDS = 8
_POSSESSIVES = frozenset(fold(w) for w in """
    my our his her their a an
    mein meine meiner meinem meinen unser unsere unserer unserem sein seine ihr ihre ihrer eine einer
""".split())
_TRAILING = frozenset(fold(w) for w in "more anymore longer really at all lately recently mehr wirklich".split())
_SENTENCE_END = frozenset(".!?;")
_I = frozenset({"i", "i'm", "i've", "ich"})


@dataclass(frozen=True, slots=True)
class Context:
    """Why a match counts as it does."""

    status: str
    """``present``, ``absent``, ``other`` (someone else's), ``hypothetical`` or ``dropped``."""
    cue: str = ""
    """The words that set the status (a negation trigger, "my mother", "whether"), if any."""


def _starts_sequence(tokens: list[Token], at: int, seq: tuple[str, ...]) -> bool:
    """Whether the words from ``at`` (skipping nothing) are ``seq``."""
    j = at
    for word in seq:
        while j < len(tokens) and tokens[j].kind == "punct" and tokens[j].folded == "-":
            j += 1
        if j >= len(tokens) or tokens[j].folded != word:
            return False
        j += 1
    return True


def _next_word(tokens: list[Token], at: int) -> Token | None:
    return tokens[at + 1] if at + 1 < len(tokens) else None


def _ends_clause(tokens: list[Token], j: int, *, sentence_only: bool = False) -> bool:
    token = tokens[j]
    if token.kind == "punct":
        if sentence_only and token.folded == ",":
            nxt = _next_word(tokens, j)
            return nxt is not None and nxt.folded in _I
        return not sentence_only or token.folded in _SENTENCE_END or token.folded == "-"
    if token.folded in SCOPE_ENDS:
        return True
    if token.folded in CLAUSE_AND:
        nxt = _next_word(tokens, j)
        return nxt is not None and nxt.folded in FIRST_PERSON
    return False


def forward_scope(tokens: list[Token], at: int, *, sentence_only: bool = False, stop_at_i: bool = False) -> int:
    """The index one past the last token in scope of a cue at ``at``."""
    words = 0
    j = at + 1
    while j < len(tokens):
        if _ends_clause(tokens, j, sentence_only=sentence_only):
            break
        if stop_at_i and tokens[j].folded in _I:
            break
        if not sentence_only and tokens[j].folded in NEGATION_ENDS:
            break
        if tokens[j].kind in ("word", "neg"):
            words += 1
            if words > MAX_SCOPE_WORDS and not sentence_only:
                break
        j += 1
    return j


def clause_start(tokens: list[Token], at: int) -> int:
    """The index of the first token of the clause that holds ``at``."""
    j = at - 1
    while j >= 0 and not _ends_clause(tokens, j):
        j -= 1
    return j + 1


def negation_triggers(tokens: list[Token], consumed: set[int]) -> list[int]:
    """Indexes of negation words that negate (not in a matched name, not a pseudo-negation)."""
    pseudo: set[int] = set()
    for i, token in enumerate(tokens):
        if token.kind == "neg":
            for seq in PSEUDO_NEGATIONS:
                if seq[0] == token.folded and _starts_sequence(tokens, i, seq):
                    pseudo.add(i)
    return [i for i, t in enumerate(tokens) if t.kind == "neg" and i not in consumed and i not in pseudo]


def context_cues(tokens: list[Token]) -> list[tuple[int, str, str]]:
    """(index, kind, words) of every other-people and hypothetical cue."""
    cues: list[tuple[int, str, str]] = []
    for i, token in enumerate(tokens):
        if token.folded in OTHER_PEOPLE and i > 0 and tokens[i - 1].folded in _POSSESSIVES:
            cues.append((i, "other", f"{tokens[i - 1].surface} {token.surface}"))
            continue
        for seq in HYPOTHETICAL:
            if seq[0] == token.folded and _starts_sequence(tokens, i, seq):
                cues.append((i + len(seq) - 1, "hypothetical", " ".join(seq)))
                break
    return cues


def contexts(tokens: list[Token], matches: list[Match]) -> list[Context]:
    """The context of each match (same order)."""
    consumed = {i for m in matches for i in m.tokens}
    result: list[Context | None] = [None] * len(matches)
    for at, kind, words in context_cues(tokens):
        end = forward_scope(tokens, at, sentence_only=True, stop_at_i=kind == "other")
        for n, m in enumerate(matches):
            if result[n] is None and any(at < i < end for i in m.tokens):
                result[n] = Context(kind, words)
    negated: dict[int, str] = {}
    for at in negation_triggers(tokens, consumed):
        end = forward_scope(tokens, at)
        hit = [n for n, m in enumerate(matches) if any(at < i < end for i in m.tokens)]
        if not hit and all(tokens[j].kind == "stop" or tokens[j].folded in _TRAILING for j in range(at + 1, end)):
            start = clause_start(tokens, at)
            hit = [n for n, m in enumerate(matches) if start <= m.tokens[0] and m.tokens[-1] < at]
        for n in hit:
            negated.setdefault(n, tokens[at].surface)
    out: list[Context] = []
    for n, m in enumerate(matches):
        found = result[n]
        if found is not None:
            out.append(found)
        elif n in negated:
            out.append(Context("dropped" if m.complement else "absent", negated[n]))
        elif m.complement:
            out.append(Context("absent", "(opposite of: " + m.pattern.name + ")"))
        else:
            out.append(Context("present"))
    return out
