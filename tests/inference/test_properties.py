"""Property-based tests: resolution, case parsing and explain on generated input."""

from __future__ import annotations

import json
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crampkg import CaseFormatError, CrampkgError, KnowledgeBase, UnknownFindingError
from crampkg.io.cases import parse_json_case, parse_turtle_case

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def finding_ids(kb: KnowledgeBase) -> list[str]:
    return sorted(t.id for t in kb.findings())


@pytest.fixture(scope="module")
def names(kb: KnowledgeBase) -> list[str]:
    """Every name of a finding that resolves."""
    return sorted({name for t in kb.findings() for name in (t.id, t.label, *t.synonyms)
                   if kb.finding_resolver.lookup(name) is not None})


def _consistent(kb: KnowledgeBase, present, absent):
    """Drop absent findings that clash with present ones (a clash is refused, tested elsewhere)."""
    engine = kb.engine
    up = set().union(*(engine.up[f] for f in present)) if present else set()
    return [a for a in absent if not (engine.down[a] & up)]


@SETTINGS
@given(data=st.data(), rnd=st.randoms())
def test_explain_any_subset(kb: KnowledgeBase, finding_ids: list[str], data, rnd):
    present = data.draw(st.lists(st.sampled_from(finding_ids), max_size=8, unique=True))
    absent = data.draw(st.lists(st.sampled_from(finding_ids), max_size=4, unique=True))
    absent = _consistent(kb, present, [a for a in absent if a not in present])
    if not present and not absent:
        return
    try:
        answer = kb.explain(present, absent)
    except CaseFormatError:
        # only a rule's derived finding can contradict the rest (given present without its inputs'
        # being possible, e.g. "overload risk" with "marathon" absent)
        derived = {f for f in finding_ids if kb.is_derived(f)}
        assert derived & set(present) | derived & set(absent)
        return
    first = answer.to_dict()
    scores = {h.id: h.score for h in answer.hypotheses}
    # posteriors: each in [0, 1], not a distribution; listed best first
    assert all(0.0 <= s <= 1.0 for s in scores.values())
    assert 0.0 <= answer.idiopathic.score <= 1.0
    ordered = [h.score for h in answer.hypotheses]
    assert all(a >= b - 1e-12 for a, b in pairwise(ordered))
    for h in answer.hypotheses:
        # a parent is present whenever its subclass is
        if h.parent in scores:
            assert scores[h.parent] >= h.score - 1e-9, (h.label, h.parent)
        # a present report of the cause establishes it (issue 9 "is report of")
        if any(c.establishes and c.present for c in h.contributions):
            assert h.reported, h.label
        if h.reported:
            assert abs(h.score - 1.0) < 1e-9
        if h.excluded_by:
            assert h.score == 0.0 and set(h.excluded_by) <= set(absent) | {
                d for a in absent for d in kb.engine.down[a]}
        assert set(h.contributions) == set(h.supporting) | set(h.against)
        assert all(c.finding in set(present) | set(absent) for c in h.contributions)
    # "no modelled cause" and "this cause present" exclude each other
    if scores:
        assert answer.idiopathic.score <= 1.0 - max(scores.values()) + 1e-9
    if any(h.reported for h in answer.hypotheses):
        assert answer.idiopathic.score < 1e-9
    assert answer.idiopathic.id not in scores
    assert first["actions"]["see_doctor"]
    assert first["exact"] is True
    known = set(present) | set(absent) | {f.id for f in answer.inferred}
    for step in (*answer.questions, *answer.tests):
        assert set(step.reveals) - known, step.label
    shuffled_p, shuffled_a = list(present), list(absent)
    rnd.shuffle(shuffled_p)
    rnd.shuffle(shuffled_a)
    assert kb.explain(shuffled_p, shuffled_a).to_dict() == first
    json.dumps(first)  # plain JSON types only


@SETTINGS
@given(data=st.data(), style=st.sampled_from(["upper", "lower", "title", "spaces"]))
def test_every_known_name_resolves_in_any_case(kb: KnowledgeBase, names: list[str], data, style):
    name = data.draw(st.sampled_from(names))
    variant = {"upper": name.upper(), "lower": name.lower(), "title": name.title(),
               "spaces": "  " + name.replace(" ", "   ") + " "}[style]
    assert kb.resolve_finding(variant).id == kb.resolve_finding(name).id


@SETTINGS
@given(st.text(min_size=1, max_size=60))
def test_unknown_text_never_resolves_silently(kb: KnowledgeBase, text):
    try:
        term = kb.resolve_finding(text)
    except UnknownFindingError as exc:
        assert text in str(exc) or repr(text)[1:-1] in str(exc)
        assert len(exc.suggestions) <= 5
    else:
        assert kb.finding_resolver.lookup(text) == term.id


@SETTINGS
@given(st.binary(max_size=300))
def test_json_case_parser_never_crashes(data):
    try:
        parse_json_case(data)
    except CaseFormatError:
        pass


@SETTINGS
@given(st.text(max_size=300))
def test_turtle_case_parser_never_crashes(text):
    try:
        parse_turtle_case(text)
    except CaseFormatError:
        pass


@SETTINGS
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.sampled_from(["present", "absent", "id", "x"]), children, max_size=3),
                    max_leaves=12))
def test_json_case_structures_give_a_case_or_a_clear_error(kb: KnowledgeBase, value):
    try:
        case = parse_json_case(json.dumps(value))
    except CaseFormatError as exc:
        assert str(exc)
        return
    try:
        kb.explain(case.present, case.absent)
    except CrampkgError as exc:
        assert str(exc)


@pytest.mark.parametrize("injection", ["x> . ?s ?p ?o } #", "CRAMPKG_0000101> } ; DROP ALL", "\" ; DELETE WHERE {?s ?p ?o}"])
def test_injection_through_finding_ids_is_just_an_unknown_finding(kb: KnowledgeBase, injection):
    with pytest.raises(UnknownFindingError):
        kb.explain([injection])
