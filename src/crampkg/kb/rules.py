"""The rules of ``rules/``: SPARQL CONSTRUCT files, run to a fixpoint over a case.

Each rule file holds one CONSTRUCT and a header::

    # id: R001
    # name: low-mineral-intake-from-tap-water
    # infers: CRAMPKG_0000250 (low mineral intake)
    # when: drinks only tap water and drinks little
    # source: "If only tap water is consumed, ..."

A rule reads the case graph (``?case`` with has-present, has-absent and
has-inferred finding triples) and adds has-inferred-finding triples.

Two engines run the same files and must agree (the tests check it on many
generated cases):

* the SPARQL engine executes the CONSTRUCT text on a pyoxigraph store holding
  the case; it runs any rule;
* the compiled engine reads rules written in the documented conjunctive subset
  (triple patterns ``?case <has present|has inferred> <finding>`` and
  ``FILTER NOT EXISTS`` over one such pattern) into sets of finding ids and
  evaluates them on Python sets: the explain hot path uses it, because it
  costs microseconds and does not depend on the size of the knowledge base.
  A rule outside the subset is run with the SPARQL engine instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import KnowledgeBaseError
from . import vocab as V
from .rq import read_header, strip_comments

CloseUp = Callable[[Iterable[str]], set[str]]
"""Closes finding ids upward over the finding hierarchy (the ids and every finding above them)."""

_TERM = rf"(?::(CRAMPKG_\d{{7}})|<{re.escape(V.NS)}(CRAMPKG_\d{{7}})>)"
_PRESENT_PATH = rf"(?:{_TERM}(?:\|{_TERM})?)"
_PATTERN = re.compile(rf"^\?case\s+{_PRESENT_PATH}\s+{_TERM}\s*\.?$")
_NOT_EXISTS = re.compile(rf"^FILTER\s+NOT\s+EXISTS\s*\{{\s*\?case\s+{_PRESENT_PATH}\s+{_TERM}\s*\.?\s*\}}$")
# the case graph's properties (vocab names; a rule writes them as :CRAMPKG_... ids)
_PRESENT = V.local_id(V.HAS_PRESENT_FINDING)
_ABSENT = V.local_id(V.HAS_ABSENT_FINDING)
_INFERRED = V.local_id(V.HAS_INFERRED_FINDING)
_CONSTRUCT = re.compile(r"CONSTRUCT\s*\{(.*?)\}\s*WHERE\s*\{(.*)\}\s*$", re.S | re.I)


@dataclass(frozen=True, slots=True)
class Condition:
    """The compiled form of a rule: finding ids that must be known, and those that block it."""

    requires: frozenset[str]
    blocked_if_absent: frozenset[str]
    blocked_if_present: frozenset[str]
    infers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule file."""

    id: str
    name: str
    infers: tuple[str, ...]
    when: str
    source: str
    path: Path
    text: str
    condition: Condition | None = None

    def fires(self, present: frozenset[str] | set[str], absent: frozenset[str] | set[str]) -> bool:
        """Whether the compiled rule's condition holds on the given (upward-closed) findings."""
        assert self.condition is not None
        c = self.condition
        return (c.requires <= present and not (c.blocked_if_absent & absent)
                and not (c.blocked_if_present & present))


@dataclass(slots=True)
class RuleRun:
    """The outcome of running the rules on one case."""

    inferred: dict[str, str] = field(default_factory=dict)
    """Inferred finding id -> id of the rule that first inferred it."""
    fired: list[str] = field(default_factory=list)
    """Ids of the rules that fired, in firing order (each once)."""
    rounds: int = 0


def _terms(fragment: str) -> list[str]:
    return [a or b for a, b in re.findall(_TERM, fragment)]


def _compile(where: str, construct: str) -> Condition | None:
    """Read a WHERE block in the conjunctive subset into a Condition, or None if it is outside it."""
    present_props = {_PRESENT, _INFERRED}  # known present: told or inferred
    requires: set[str] = set()
    blocked_absent: set[str] = set()
    blocked_present: set[str] = set()
    body = "\n".join(line.split("#", 1)[0] for line in where.splitlines())
    statements = [s.strip() for s in re.split(r"\s*\.\s*\n|\n", body) if s.strip()]
    for statement in statements:
        if _PATTERN.match(statement):
            *props, finding = _terms(statement)
            if set(props) - present_props:
                return None
            requires.add(finding)
        elif _NOT_EXISTS.match(statement):
            *props, finding = _terms(statement)
            if set(props) == {_ABSENT}:
                blocked_absent.add(finding)
            elif set(props) <= present_props:
                blocked_present.add(finding)
            else:
                return None
        else:
            return None
    infers = []
    for statement in (s.strip() for s in construct.split(" .") if s.strip()):
        terms = _terms(statement)
        if not statement.startswith("?case") or len(terms) != 2 or terms[0] != _INFERRED:
            return None
        infers.append(terms[1])
    if not requires or not infers:
        return None
    return Condition(frozenset(requires), frozenset(blocked_absent), frozenset(blocked_present), tuple(infers))


def parse_rule(path: Path) -> Rule:
    """Read one rule file; a missing header key or CONSTRUCT is a KnowledgeBaseError naming the file."""
    text = path.read_text(encoding="utf-8")
    header = read_header(text, ("id", "name", "infers", "when", "source"))
    missing = {"id", "name", "infers", "source"} - header.keys()
    if missing:
        raise KnowledgeBaseError(f"rule {path.name}: header lacks {', '.join(sorted(missing))}")
    query = strip_comments(text)
    match = _CONSTRUCT.search(query)
    if not match:
        raise KnowledgeBaseError(f"rule {path.name}: no CONSTRUCT {{ ... }} WHERE {{ ... }}")
    condition = _compile(match.group(2), match.group(1))
    infers = tuple(_terms(match.group(1))) or tuple(re.findall(r"CRAMPKG_\d{7}", header["infers"]))
    return Rule(
        id=header["id"], name=header["name"], infers=tuple(t for t in infers if t != _INFERRED),
        when=header.get("when", ""), source=header["source"].strip().strip('"'), path=path, text=text,
        condition=condition,
    )


@dataclass(slots=True)
class RuleSet:
    """All rules of a folder, in file-name order."""

    rules: list[Rule]

    @classmethod
    def load(cls, folder: Path) -> RuleSet:
        """Parse every ``*.rq`` file of ``folder``; duplicate ids are an error."""
        rules = [parse_rule(p) for p in sorted(folder.glob("*.rq"))]
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise KnowledgeBaseError(f"duplicate rule id {rule.id} in {folder}")
            seen.add(rule.id)
        return cls(rules)

    def run(self, present: Iterable[str], absent: Iterable[str], close_up: CloseUp = set) -> RuleRun:
        """Run every rule to a fixpoint on finding ids (compiled engine, SPARQL for the rest).

        ``present`` must already be closed upward over the finding hierarchy;
        ``close_up`` closes newly inferred findings the same way.
        """
        def evaluate(rule: Rule, known: set[str], absent_set: frozenset[str]) -> Iterable[str]:
            if rule.condition is None:
                return _run_sparql_rule(rule, known, absent_set)
            return rule.condition.infers if rule.fires(known, absent_set) else ()

        return self._fixpoint(evaluate, present, absent, close_up)

    def run_sparql(self, present: Iterable[str], absent: Iterable[str], close_up: CloseUp = set) -> RuleRun:
        """The reference engine: every rule as SPARQL on a case store, to a fixpoint."""
        return self._fixpoint(_run_sparql_rule, present, absent, close_up)

    def _fixpoint(self, evaluate: Callable[[Rule, set[str], frozenset[str]], Iterable[str]],
                  present: Iterable[str], absent: Iterable[str], close_up: CloseUp) -> RuleRun:
        known = set(present)
        absent_set = frozenset(absent)
        run = RuleRun()
        changed = True
        while changed:
            changed = False
            run.rounds += 1
            for rule in self.rules:
                added = [f for f in evaluate(rule, known, absent_set) if f not in known]
                if added:
                    for f in added:
                        run.inferred.setdefault(f, rule.id)
                    known |= close_up(added)
                    if rule.id not in run.fired:
                        run.fired.append(rule.id)
                    changed = True
        return run


CASE_IRI = V.NS + "case/current"


def _run_sparql_rule(rule: Rule, known: set[str], absent: frozenset[str]) -> list[str]:
    """Execute one rule's CONSTRUCT on a pyoxigraph store holding the case."""
    import pyoxigraph as ox

    store = ox.Store()
    case = ox.NamedNode(CASE_IRI)
    present_p = ox.NamedNode(V.HAS_PRESENT_FINDING)
    absent_p = ox.NamedNode(V.HAS_ABSENT_FINDING)
    store.extend([ox.Quad(case, present_p, ox.NamedNode(V.iri(f))) for f in sorted(known)]
                 + [ox.Quad(case, absent_p, ox.NamedNode(V.iri(f))) for f in sorted(absent)])
    out = []
    triples = store.query(rule.text)
    if not isinstance(triples, ox.QueryTriples):
        raise KnowledgeBaseError(f"rule {rule.id} is not a CONSTRUCT query")
    for triple in triples:
        if triple.predicate.value == V.HAS_INFERRED_FINDING:
            out.append(V.local_id(triple.object.value))
    return sorted(set(out))
