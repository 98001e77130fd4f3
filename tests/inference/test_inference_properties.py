"""Properties every answer of the network must have (issue 10): probabilities mean what they say."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crampkg.errors import CaseFormatError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def finding_ids(kb):
    return sorted(t.id for t in kb.findings() if t.id in kb.engine.model.node_of)


def cases(ids):
    return st.lists(st.tuples(st.sampled_from(ids), st.booleans()), min_size=1, max_size=6, unique_by=lambda t: t[0])


def _explain(kb, pairs):
    present = [f for f, on in pairs if on]
    absent = [f for f, on in pairs if not on]
    try:
        return kb.explain(present, absent)
    except CaseFormatError:
        return None


def test_parents_are_at_least_as_likely_as_their_subclasses(kb, finding_ids):
    @SETTINGS
    @given(cases(finding_ids))
    def check(pairs):
        answer = _explain(kb, pairs)
        if answer is None:
            return
        score = {h.id: h.score for h in answer.hypotheses}
        for h in answer.hypotheses:
            if h.parent is not None:
                assert score[h.parent] >= h.score - 1e-12, (h.label, pairs)
    check()


def test_every_score_is_a_probability_and_order_does_not_matter(kb, finding_ids):
    @SETTINGS
    @given(cases(finding_ids), st.randoms())
    def check(pairs, rnd):
        answer = _explain(kb, pairs)
        if answer is None:
            return
        shuffled = list(pairs)
        rnd.shuffle(shuffled)
        again = _explain(kb, shuffled)
        assert answer.to_dict() == again.to_dict()
        for h in (*answer.hypotheses, answer.idiopathic):
            assert 0.0 <= h.score <= 1.0
    check()


def test_a_report_establishes_its_cause_and_its_absence_excludes_it(kb):
    model = kb.engine.model
    assert model.report_of, "the knowledge base has report links"
    for finding, cause in sorted(model.report_of.items()):
        if len(model.structure.reports[cause]) > 1:
            continue  # a cause with several reports is excluded only when all are absent (below)
        present = kb.explain([finding])
        assert present.hypothesis(cause).score == pytest.approx(1.0, abs=1e-12)
        assert present.hypothesis(cause).reported
        assert present.idiopathic.score == pytest.approx(0.0, abs=1e-12)
        absent = kb.explain([], [finding])
        assert absent.hypothesis(cause).score == pytest.approx(0.0, abs=1e-12)


def test_a_cause_with_several_reports_is_excluded_only_when_all_are_absent(kb):
    model = kb.engine.model
    several = {c: r for c, r in model.structure.reports.items() if len(r) > 1}
    for cause, reports in several.items():
        one = kb.explain([], [reports[0]]).hypothesis(cause).score
        assert 0.0 < one < model.priors[cause]
        assert kb.explain([], list(reports)).hypothesis(cause).score == pytest.approx(0.0, abs=1e-12)
        assert kb.explain([reports[-1]]).hypothesis(cause).score == pytest.approx(1.0, abs=1e-12)


def test_a_derived_finding_adds_nothing_its_inputs_already_said(kb):
    for rule in kb.rules.rules:
        inputs = sorted(rule.condition.requires)
        derived = [f for f in rule.condition.infers if f in kb.engine.model.node_of]
        if not derived:
            continue
        plain = kb.explain(inputs).to_dict()["hypotheses"]
        stated = kb.explain(inputs + derived).to_dict()["hypotheses"]
        assert [(h["id"], h["score"]) for h in plain] == [(h["id"], h["score"]) for h in stated], rule.id


def test_no_modelled_cause_before_any_finding_is_the_articles_in_most_cases(kb):
    model = kb.engine.model
    idiopathic = kb.index.causes["CRAMPKG_0000318"]
    assert model.network.p_no_cause() == pytest.approx(idiopathic.prior.frequency, abs=1e-9)


def test_contributions_are_leave_one_out_log_odds(kb):
    import math

    answer = kb.explain(["calf cramp at night", "unbalanced diet"], ["drinks little"])
    for h in answer.hypotheses[:5]:
        for c in h.contributions:
            present = [f.id for f in answer.present if f.id != c.finding]
            absent = [f.id for f in answer.absent if f.id != c.finding]
            without = kb.explain(present, absent).hypothesis(h.id).score if (present or absent) else \
                kb.engine.model.priors[h.id]
            logit = lambda p: math.log(min(max(p, 1e-12), 1 - 1e-12) / (1 - min(max(p, 1e-12), 1 - 1e-12)))
            assert c.log_odds == pytest.approx(logit(h.score) - logit(without), abs=1e-9)
