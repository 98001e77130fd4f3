"""Plain-text rendering of answers for the terminal (the CLI's default output)."""

from __future__ import annotations

import textwrap
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..inference.answer import Explanation, Hypothesis, WhyNot
    from ..kb.knowledge_base import KnowledgeBase

WIDTH = 100


def _wrap(text: str, indent: str = "    ") -> str:
    return textwrap.fill(text, width=WIDTH, initial_indent=indent, subsequent_indent=indent)


def _label(kb: KnowledgeBase, term_id: str) -> str:
    term = kb.index.terms.get(term_id)
    return term.label if term else term_id


def _why(h: Hypothesis) -> str:
    parts = []
    for c in h.contributions[:3]:
        if c.establishes:
            parts.append(f"{c.label} ({'reported' if c.present else 'absent: excluded'})")
        else:
            sign = "+" if c.log_odds > 0 else "-"
            parts.append(f"{c.label}{'' if c.present else ' absent'} ({sign}{abs(c.log_odds):.2f})")
    return ", ".join(parts) or "prior only"


ACTIONS_SHOWN = 8
"""Advice entries printed per phase (the JSON answer has them all, at most 20)."""


def _chain_text(kb: KnowledgeBase, chain: tuple[str, ...]) -> str:
    """A chain as labels; a step from a class to the class it specialises reads "is a kind of"."""
    parts = [_label(kb, chain[0])]
    for a, b in pairwise(chain):
        term = kb.index.terms.get(a)
        is_a = term is not None and b in term.parents
        parts.append(("(a kind of) " if is_a else "-> ") + _label(kb, b))
    return " ".join(parts)


def render_explanation(answer: Explanation, kb: KnowledgeBase, top: int = 5) -> str:
    """A readable report: red flags first, then the causes with their posterior and why, the
    questions and tests to do next, interpretations and what to do."""
    out: list[str] = []
    out.append("Findings: " + (", ".join(f.label for f in answer.present) or "none present"))
    if answer.absent:
        out.append("Absent:   " + ", ".join(f.label for f in answer.absent))
    if answer.inferred:
        out.append("Inferred: " + ", ".join(f"{f.label} (rule {f.rule})" for f in answer.inferred))
    if answer.red_flags:
        out.append("")
        out.append("Red flags:")
        for r in answer.red_flags:
            out.append(_wrap(f"- {r.label}: {r.why}", "  "))
            if r.source:
                out.append(_wrap(f'"{r.source}"', "      "))
    out.append("")
    out.append("Probability of each cause given the findings (they do not sum to 1: causes can occur together)")
    out.append(f"{'rank':<5}{'cause':<46}{'prob.':>6}  why (change in log-odds)")
    shown = list(answer.hypotheses[:top])
    shown += [h for h in answer.hypotheses[top:] if h.must_not_miss or h.reported]
    ids = {h.id for h in shown}
    for h in shown:
        rank = answer.hypotheses.index(h) + 1
        why = _why(h)
        if h.excluded_by:
            why = "excluded: requires " + ", ".join(_label(kb, f) for f in h.excluded_by) + " (absent)"
        indent = "  " if h.parent in ids else ""
        flag = (" !" if h.must_not_miss else "") + (" (reported)" if h.reported else "")
        out.append(f"{rank:<5}{(indent + h.label + flag)[:45]:<46}{h.score:>6.3f}  {why}")
        if h.source:
            out.append(_wrap(f'source: "{h.source}"', " " * 5))
        for chain in h.chains[:1]:
            if len(chain) > 2:
                out.append(_wrap("chain: " + _chain_text(kb, chain), " " * 5))
    idio = answer.idiopathic
    out.append(f"{'-':<5}{'no modelled cause (' + idio.label + ')':<46}{idio.score:>6.3f}  "
               f"P(none of the causes above); prior {idio.prior:.2f}")
    if idio.source:
        out.append(_wrap(f'source: "{idio.source}"', " " * 5))
    out.append("  (! = must not be missed)"
               + (f"; {answer.hypotheses_omitted} more causes not listed" if answer.hypotheses_omitted else ""))
    if answer.interpretations:
        out.append("")
        out.append("What the findings mean:")
        for i in answer.interpretations:
            out.append(_wrap(f"- {i.label}: {i.meaning}", "  "))
            out.append(_wrap(f'"{i.source}"', "      "))
    if answer.questions:
        out.append("")
        out.append("Questions to ask (expected information gain, bits):")
        for q in answer.questions:
            out.append(f"  - {q.question} ({q.information_gain:.3f})")
            out.append(_wrap(q.why, "      "))
    if answer.tests:
        out.append("")
        out.append("Tests to do:")
        for t in answer.tests:
            out.append(f"  - {t.label} ({t.information_gain:.3f})")
            if t.why:
                out.append(_wrap(t.why, "      "))
    titles = {"acute": "During a cramp", "aftercare": "Afterwards", "prevention": "Prevention",
              "see_doctor": "See a doctor"}
    for phase, title in titles.items():
        actions = answer.actions.get(phase, ())
        if not actions:
            continue
        out.append("")
        out.append(f"{title}:")
        for a in actions[:ACTIONS_SHOWN]:
            out.append(_wrap(f"- {a.label}: {a.instructions}", "  "))
            out.append(_wrap(f'"{a.source}"', "      "))
        if len(actions) > ACTIONS_SHOWN:
            out.append(f"  (+{len(actions) - ACTIONS_SHOWN} more: --json lists every one)")
    if answer.robustness is not None:
        rob = answer.robustness
        out.append("")
        out.append(f"Robustness ({rob.draws} redraws of the scale's numbers, seed {rob.seed}): "
                   + ", ".join(f"{_label(kb, c)} stays in the top 3 in {share:.0%}"
                               for c, share in rob.top3_share.items()))
        out.append(_wrap(rob.note, "  "))
    out.append("")
    out.append(f"Rules fired: {', '.join(answer.rules_fired) or 'none'}   Knowledge base: {answer.kb_version}")
    out.append(_wrap(answer.disclaimer, ""))
    return "\n".join(out)


def render_why_not(result: WhyNot, kb: KnowledgeBase) -> str:
    """Why a cause is not ranked higher, and what would change it most."""
    out = [result.summary]
    against = [c for c in result.contributions if c.log_odds < 0]
    support = [c for c in result.contributions if c.log_odds > 0]
    if support:
        out.append("For it:")
        out += [_wrap(f"- {c.label} (+{c.log_odds:.2f}): \"{c.source}\"", "  ") for c in support]
    if against:
        out.append("Against it:")
        out += [_wrap(f"- {c.label}{'' if c.present else ' absent'} ({c.log_odds:.2f}): \"{c.source}\"", "  ")
                for c in against]
    if result.chain:
        out.append("The chain it would need: " + " -> ".join(_label(kb, n) for n in result.chain))
    if result.would_change_most is not None:
        s = result.would_change_most
        out.append(f"What would change it most: {s.label} ({s.kind})")
    return "\n".join(out)
