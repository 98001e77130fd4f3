"""``crampkg check``: every integrity check of the knowledge base in one report."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import rdflib

    from ..kb.knowledge_base import KnowledgeBase
    from .owl import ReasonerReport


@dataclass(slots=True)
class CheckReport:
    """Counts, claims covered and problems; ``ok`` when there are no problems."""

    counts: dict[str, int] = field(default_factory=dict)
    claims: tuple[int, int] = (0, 0)
    problems: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.counts, "claims": {"mapped": self.claims[0], "total": self.claims[1]},
                "problems": self.problems, "timings": {k: round(v, 3) for k, v in self.timings.items()},
                "notes": self.notes}

    def render(self) -> str:
        lines = ["crampkg check"]
        lines.append("  " + ", ".join(f"{v} {k}" for k, v in self.counts.items()))
        lines.append(f"  article claims mapped: {self.claims[0]}/{self.claims[1]}")
        lines += [f"  {note}" for note in self.notes]
        lines.append("  timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.timings.items()))
        if self.problems:
            lines.append(f"  {len(self.problems)} problem(s):")
            lines += [f"  - {p}" for p in self.problems]
        else:
            lines.append("  OK: shapes conform, QC queries return no rows, quotes verbatim, claims mapped"
                         + (", HermiT consistent" if any(n.startswith("HermiT: consistent") for n in self.notes)
                            else ""))
        return "\n".join(lines)


def find_subclass_cycles(parents: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Every ``rdfs:subClassOf`` cycle of a class -> told parents map, each as ``[a, b, ..., a]``
    (iterative, so a long chain cannot overflow the stack). A cycle silently merges its classes."""
    colour: dict[str, int] = {}  # 1 on the current path, 2 done
    cycles: list[list[str]] = []
    for root in parents:
        if colour.get(root):
            continue
        colour[root] = 1
        path = [root]
        stack = [iter(parents.get(root, ()))]
        while stack:
            parent = next(stack[-1], None)
            if parent is None:
                stack.pop()
                colour[path.pop()] = 2
                continue
            state = colour.get(parent)
            if state == 1:
                cycles.append(path[path.index(parent):] + [parent])
            elif state is None:
                colour[parent] = 1
                path.append(parent)
                stack.append(iter(parents.get(parent, ())))
    return cycles


def cycles_of(ancestors: Mapping[str, Collection[str]]) -> list[list[str]]:
    """The ``rdfs:subClassOf`` cycles of an index's ``ancestors``: told parents (lazy ``Ancestors``) or
    closures (a dict class -> its ancestors and itself, where a cycle shows as two classes above each other)."""
    parents = getattr(ancestors, "_parents", None)
    if parents is not None:
        return find_subclass_cycles(parents)
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    for node, ups in ancestors.items():
        for up in ups:
            if up != node and node in ancestors.get(up, ()) and frozenset((node, up)) not in seen:
                seen.add(frozenset((node, up)))
                cycles.append([node, up, node])
    return cycles


def subclass_cycles(kb: KnowledgeBase) -> list[list[str]]:
    """The ``rdfs:subClassOf`` cycles among the knowledge base's classes."""
    return cycles_of(kb.index.ancestors)


def run_checks(kb: KnowledgeBase, reasoner: bool = True) -> CheckReport:
    """Run shapes, QC queries, quotes, claims and (optionally) HermiT on ``kb``."""
    from . import provenance, validation

    report = CheckReport()
    index = kb.index
    report.counts = {
        "findings": len(kb.findings()), "causes": len(kb.causes()), "states": len(kb.states()),
        "diagnostics": len(kb.diagnostics()), "interventions": len(kb.interventions()),
        "associations": len(index.associations), "causal links": len(index.causal_links),
        "indications": len(index.indications), "recommendations": len(index.recommendations),
        "statements": len(index.statements), "rules": len(kb.rules.rules),
    }

    for cycle in subclass_cycles(kb):
        report.problems.append("rdfs:subClassOf cycle (its classes would be merged): " + " -> ".join(cycle))

    started = time.perf_counter()
    graph = kb.rdflib_graph()
    if not kb.sources:
        report.notes.append(f"checked what {kb.store.description} holds ({len(graph)} triples)")
    shacl = validation.validate_graph(graph, shapes="kb")
    report.timings["shapes"] = time.perf_counter() - started
    for v in shacl.violations:
        report.problems.append(f"shape: {v.focus} {v.path}: {v.message}")

    started = time.perf_counter()
    for result in validation.run_qc(kb.store):
        for row in result.rows[:20]:
            report.problems.append(f"qc {result.query_id}: {row}")
    report.timings["qc"] = time.perf_counter() - started

    started = time.perf_counter()
    report.problems += provenance.check_quotes(kb)
    coverage = provenance.check_claims(kb)
    report.claims = (coverage.mapped, coverage.claims)
    report.problems += coverage.problems
    report.timings["provenance"] = time.perf_counter() - started

    if reasoner:
        hermit = _reason(kb, graph)
        report.timings["hermit"] = hermit.seconds
        if not hermit.consistent:
            report.problems.append("HermiT: the ontology is inconsistent")
        for cls in hermit.unsatisfiable:
            report.problems.append(f"HermiT: unsatisfiable class {cls}")
        if hermit.consistent and not hermit.unsatisfiable:
            report.notes.append("HermiT: consistent, no unsatisfiable class")
    else:
        report.notes.append("HermiT: skipped (--no-reasoner)")
    return report


def _reason(kb: KnowledgeBase, graph: rdflib.Graph) -> ReasonerReport:
    """HermiT on what ``kb`` was loaded from: its files, or (a remote store) what the store returned."""
    from .owl import check_reasoner

    if kb.sources:
        return check_reasoner(list(kb.sources))
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="crampkg-check-") as folder:
        path = Path(folder) / "store.ttl"
        graph.serialize(destination=str(path), format="turtle", encoding="utf-8")
        return check_reasoner([path])
