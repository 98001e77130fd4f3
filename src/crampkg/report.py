"""Plain-text rendering of answers for the terminal (the CLI's default output)."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .kb import KnowledgeBase
    from .explanation import Explanation, WhyNot

WIDTH = 100


def _wrap(text: str, indent: str = "    ") -> str:
    return textwrap.fill(text, width=WIDTH, initial_indent=indent, subsequent_indent=indent)


def _label(kb: KnowledgeBase, term_id: str) -> str:
    term = kb.index.terms.get(term_id)
    return term.label if term else term_id


def render_explanation(answer: Explanation, kb: KnowledgeBase, top: int = 5) -> str:
    """A readable report: findings, ranked causes (rank, cause, score, why, source), tests, actions."""
    out: list[str] = []
    out.append("Findings: " + ", ".join(f.label for f in answer.present))
    if answer.absent:
        out.append("Absent:   " + ", ".join(f.label for f in answer.absent))
    if answer.inferred:
        out.append("Inferred: " + ", ".join(f"{f.label} (rule {f.rule})" for f in answer.inferred))
    out.append("")
    out.append(f"{'rank':<5}{'cause':<44}{'score':>7}  why")
    shown = list(answer.hypotheses[:top])
    shown += [h for h in answer.hypotheses[top:] if h.must_not_miss]
    for h in shown:
        rank = answer.hypotheses.index(h) + 1
        why = ", ".join(f"{e.label} ({e.strength})" for e in h.supporting[:3]) or "prior only"
        if h.excluded_by:
            why = "excluded: requires " + ", ".join(_label(kb, f) for f in h.excluded_by) + " (absent)"
        if h.against:
            why += "; against: " + ", ".join(e.label for e in h.against[:2])
        flag = " !" if h.must_not_miss else ""
        out.append(f"{rank:<5}{(h.label + flag)[:43]:<44}{h.score:>7.3f}  {why}")
        if h.supporting:
            out.append(_wrap(f'source: "{h.supporting[0].source}"', " " * 5))
        for chain in h.chains[:1]:
            if len(chain) > 2:
                out.append(_wrap("chain: " + " -> ".join(_label(kb, n) for n in chain), " " * 5))
    out.append("  (! = must not be missed)"
               + (f"; {answer.hypotheses_omitted} more causes without evidence not listed"
                  if answer.hypotheses_omitted else ""))
    if answer.next_tests:
        out.append("")
        out.append("Next tests:")
        for t in answer.next_tests:
            out.append(f"  - {t.label} (information gain {t.information_gain:.3f})")
            out.append(_wrap(t.why, "      "))
    titles = {"acute": "During a cramp", "aftercare": "Afterwards", "prevention": "Prevention",
              "see_doctor": "See a doctor"}
    for phase, title in titles.items():
        actions = answer.actions.get(phase, ())
        if not actions:
            continue
        out.append("")
        out.append(f"{title}:")
        for a in actions[:6]:
            out.append(_wrap(f"- {a.label}: {a.instructions}", "  "))
            out.append(_wrap(f'"{a.source}"', "      "))
    if answer.red_flags:
        out.append("")
        out.append("Red flags:")
        for r in answer.red_flags:
            out.append(_wrap(f"- {r.label}: {r.why}", "  "))
    out.append("")
    out.append(f"Rules fired: {', '.join(answer.rules_fired) or 'none'}   Knowledge base: {answer.kb_version}")
    # the answer's disclaimer names the JSON key; the report names its own section instead
    out.append(_wrap(answer.disclaimer.replace("listed under see_doctor", 'listed under "See a doctor" above'), ""))
    return "\n".join(out)


def render_why_not(result: WhyNot, kb: KnowledgeBase) -> str:
    """Why a cause is not ranked higher, and what would settle it."""
    out = [result.summary]
    if result.against:
        out.append("Against it:")
        out += [_wrap(f"- {e.label} is absent ({e.strength}): \"{e.source}\"", "  ") for e in result.against]
    if result.would_need:
        out.append("It would be supported by (not reported):")
        out += [_wrap(f"- {e.label} ({e.strength}): \"{e.source}\"", "  ") for e in result.would_need]
    if result.settling_tests:
        out.append("Tests that would settle it: " + ", ".join(_label(kb, t) for t in result.settling_tests))
    return "\n".join(out)
