"""Rules: headers, compilation, and agreement of the compiled engine with SPARQL."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crampkg.kb import resources
from crampkg.kb.rules import RuleSet
from crampkg.quality.provenance import is_verbatim


def test_every_rule_has_a_header_and_a_verbatim_source(kb):
    rules = kb.rules.rules
    # issue 9: rules derive states only where the article needs a conjunction -- an untrained
    # marathon run (R004) and exertion while drinking little (R009); the other rules were removed
    assert {r.id for r in rules} == {"R004", "R009"}
    for rule in rules:
        assert len(rule.condition.requires) >= 2, f"{rule.id} is no conjunction"
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
    """The rules' findings and their specialisations (a marathon is heavy physical exertion)."""
    ids = set()
    for rule in kb.rules.rules:
        c = rule.condition
        ids |= c.requires | c.blocked_if_absent | c.blocked_if_present | set(c.infers)
    findings = {t.id for t in kb.findings()}
    ids |= {d for d in findings if kb.index.ancestors.get(d, frozenset({d})) & ids}
    return sorted(ids)


def _close_up(kb, ids):
    findings = {t.id for t in kb.findings()}
    return {a for i in ids for a in kb.index.ancestors.get(i, {i}) if a in findings}


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_compiled_engine_agrees_with_sparql(kb, data):
    ids = _finding_ids(kb)
    drawn = set(data.draw(st.lists(st.sampled_from(ids), max_size=len(ids))))
    absent = set(data.draw(st.lists(st.sampled_from(ids), max_size=4))) - drawn
    for present in (drawn, _close_up(kb, drawn)):  # as given, and closed over the hierarchy as explain does
        absent_here = absent - present
        compiled = kb.rules.run(present, absent_here, close_up=lambda i: _close_up(kb, i))
        reference = kb.rules.run_sparql(present, absent_here)
        assert compiled.inferred.keys() == reference.inferred.keys()
        assert set(compiled.fired) == set(reference.fired)


def test_a_marathon_while_drinking_little_is_exertion_while_drinking_little(kb):
    # "This is especially true in athletes to cramps that exceed the limit and not pause, quite often
    # after or during marathons." with "Too low drinking continues to increase the risk." (R009); a
    # marathon is heavy physical exertion, so explain closes it upward before the rules run
    answer = kb.explain(["marathon", "drinks little"])
    assert answer.rules_fired == ("R009",)
    assert [f.label for f in answer.inferred] == ["exertion while drinking little"]
    assert not kb.explain(["marathon"]).rules_fired


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
