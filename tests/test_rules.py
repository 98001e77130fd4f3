"""Rules: headers, compilation, and agreement of the compiled engine with SPARQL."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crampkg import resources
from crampkg.provenance import is_verbatim
from crampkg.rules import RuleSet


def test_every_rule_has_a_header_and_a_verbatim_source(kb):
    rules = kb.rules.rules
    assert len(rules) >= 4
    for rule in rules:
        assert rule.id and rule.name and rule.infers
        assert is_verbatim(rule.source), rule.path
        for inferred in rule.infers:
            assert kb.is_derived(inferred), f"{rule.id} infers {inferred}, which is not a derived finding"


def test_every_rule_is_in_the_compiled_subset(kb):
    assert all(rule.condition is not None for rule in kb.rules.rules)


def test_rule_fires_and_is_recorded(kb):
    rule = kb.rules.rules[0]
    present = set(rule.condition.requires)
    run = kb.rules.run(present, set())
    assert rule.id in run.fired
    assert set(rule.condition.infers) <= set(run.inferred)


def test_blocking_absent_finding_stops_a_rule(kb):
    blocked = [r for r in kb.rules.rules if r.condition.blocked_if_absent]
    for rule in blocked:
        run = kb.rules.run(set(rule.condition.requires), set(rule.condition.blocked_if_absent))
        assert rule.id not in run.fired


def _finding_ids(kb):
    ids = set()
    for rule in kb.rules.rules:
        c = rule.condition
        ids |= c.requires | c.blocked_if_absent | c.blocked_if_present | set(c.infers)
    return sorted(ids)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_compiled_engine_agrees_with_sparql(kb, data):
    ids = _finding_ids(kb)
    present = set(data.draw(st.lists(st.sampled_from(ids), max_size=len(ids))))
    absent = set(data.draw(st.lists(st.sampled_from(ids), max_size=4))) - present
    compiled = kb.rules.run(present, absent)
    reference = kb.rules.run_sparql(present, absent)
    assert compiled.inferred.keys() == reference.inferred.keys()
    assert set(compiled.fired) == set(reference.fired)


def test_rule_folder_loads_by_name():
    rules = RuleSet.load(resources.rules_dir())
    assert len({r.id for r in rules.rules}) == len(rules.rules) > 0


RULE_OUTSIDE_SUBSET = """# id: X1
# name: union-rule
# infers: CRAMPKG_0000999
# source: "Some medications can also cause muscle cramps and muscle aches."
PREFIX : <https://w3id.org/crampkg/>
CONSTRUCT { ?case :CRAMPKG_0000044 :CRAMPKG_0000999 . }
WHERE { { ?case :CRAMPKG_0000041 :CRAMPKG_0000001 } UNION { ?case :CRAMPKG_0000041 :CRAMPKG_0000002 } }
"""


def test_rule_outside_the_subset_runs_through_sparql(tmp_path):
    (tmp_path / "001-union.rq").write_text(RULE_OUTSIDE_SUBSET)
    rules = RuleSet.load(tmp_path)
    assert rules.rules[0].condition is None
    assert rules.run({"CRAMPKG_0000002"}, set()).inferred == {"CRAMPKG_0000999": "X1"}
    assert rules.run({"CRAMPKG_0000003"}, set()).inferred == {}


def test_rule_without_header_is_refused(tmp_path):
    import pytest

    from crampkg.errors import KnowledgeBaseError

    (tmp_path / "001-bad.rq").write_text("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    with pytest.raises(KnowledgeBaseError, match="header"):
        RuleSet.load(tmp_path)
