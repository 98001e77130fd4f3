"""The reasoning layer on the article's own cases and vignettes from each section."""

from __future__ import annotations

import itertools
import math

import pytest

from crampkg import CaseFormatError, UnknownCauseError, UnknownFindingError
from crampkg.provenance import is_verbatim


def ids_of(kb, *labels):
    return [kb.resolve_finding(label).id for label in labels]


def rank_of(answer, cause_label):
    return next(i for i, h in enumerate(answer.hypotheses, 1) if h.label == cause_label)


def test_night_cramps_tap_water_drinks_little_point_to_magnesium(kb):
    answer = kb.explain(["calf cramp at night", "drinks little", "tap water only"])
    top = [h.label for h in answer.hypotheses[:2]]
    assert top[0] in {"magnesium deficiency", "electrolyte imbalance"}
    assert "magnesium deficiency" in top
    assert answer.next_tests, "a blood test should be proposed"
    first_test = answer.next_tests[0]
    assert "magnesium" in first_test.label.lower() or any(
        "magnesium" in kb.index.terms[f].label for f in first_test.reveals)
    prevention = " ".join(a.label + " " + a.instructions for a in answer.actions["prevention"]).lower()
    assert "mineral water" in prevention
    assert any(food in prevention for food in ("millet", "bran", "soy", "beans", "corn"))
    assert answer.rules_fired, "low mineral intake should be inferred"
    assert any(f.label == "low mineral intake" for f in answer.inferred)


def test_statins_and_muscle_aches_point_to_the_drug(kb):
    answer = kb.explain(["takes statins", "muscle aches"])
    assert answer.hypotheses[0].label == kb.resolve_cause("cholesterol-lowering drug side effect").label
    doctor = " ".join(a.label + " " + a.instructions for a in answer.actions["see_doctor"]).lower()
    assert "drug" in doctor or "medication" in doctor


def test_pregnancy_and_night_cramps_rank_electrolyte_imbalance_high(kb):
    answer = kb.explain(["pregnant", "calf cramp at night"])
    assert rank_of(answer, "electrolyte imbalance") <= 3
    prevention = " ".join(a.label + " " + a.instructions for a in answer.actions["prevention"]).lower()
    for words in ("circl", "massage", "water", "exercise"):
        assert words in prevention, words


def test_untrained_marathon_points_to_overload(kb):
    answer = kb.explain(["marathon", "untrained", "calf cramp during or after exertion"])
    assert answer.hypotheses[0].label in {"muscular overload", "lack of training"}
    assert any(f.label == "overload risk" for f in answer.inferred)


def test_sport_the_day_before_without_warm_up_then_night_cramp(kb):
    answer = kb.explain(["sport the day before", "no warm-up", "calf cramp at night"])
    assert rank_of(answer, "muscular overload") <= 2
    assert "overload risk" in {f.label for f in answer.inferred}


def test_measures_not_helping_flags_vascular_causes_and_doctor(kb):
    answer = kb.explain(["calf cramp at night", "measures have not helped"])
    flagged = {r.id for r in answer.red_flags}
    vascular = {c.id for c in kb.causes() if c.must_not_miss}
    assert flagged & vascular
    assert answer.actions["see_doctor"]
    assert any("ultrasound" in t.label.lower() for t in answer.next_tests)


def test_restless_sleep_and_cold_bedroom(kb):
    answer = kb.explain(["calf cramp at night", "restless sleep", "bedroom too cold"])
    top3 = {h.label for h in answer.hypotheses[:3]}
    assert {"very restless sleep", "unsuitable bedroom temperature"} <= top3


def test_no_specific_finding_leaves_idiopathic_first(kb):
    answer = kb.explain(["calf cramp"])
    assert answer.hypotheses[0].label == "idiopathic leg cramps"


def test_absent_findings_count_against(kb):
    base = kb.explain(["calf cramp at night", "takes statins"])
    less = kb.explain(["calf cramp at night"], absent=["takes statins"])
    statin = kb.resolve_cause("cholesterol-lowering drug side effect").id
    assert less.hypothesis(statin).score < base.hypothesis(statin).score
    assert less.hypothesis(statin).against
    assert all(e.weight < 0 for e in less.hypothesis(statin).against)


def test_scores_are_probabilities_and_order_independent(kb):
    findings = ["calf cramp at night", "drinks little", "tap water only", "pregnant"]
    reference = kb.explain(findings).to_dict()
    scores = [h["score"] for h in reference["hypotheses"]]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert math.isclose(sum(scores), 1.0, abs_tol=1e-4)
    assert scores == sorted(scores, reverse=True)
    for perm in itertools.permutations(findings):
        assert kb.explain(list(perm)).to_dict() == reference


def test_every_cited_source_is_verbatim(kb):
    answer = kb.explain(["calf cramp at night", "drinks little", "tap water only", "measures have not helped"])
    data = answer.to_dict()
    sources = [e["source"] for h in data["hypotheses"] for e in h["supporting"] + h["against"]]
    sources += [a["source"] for phase in data["actions"].values() for a in phase]
    sources += [r["source"] for r in data["red_flags"]]
    assert sources
    for source in sources:
        assert is_verbatim(source), source


def test_json_shape_is_the_documented_one(kb):
    data = kb.explain(["calf cramp at night"]).to_dict()
    assert set(data) >= {"findings", "hypotheses", "next_tests", "actions", "red_flags", "disclaimer",
                         "kb_version", "rules_fired"}
    assert set(data["actions"]) == {"acute", "aftercare", "prevention", "see_doctor"}
    assert data["actions"]["see_doctor"], "the answer always says when to see a doctor"
    assert data["actions"]["acute"] and data["actions"]["aftercare"]
    h = data["hypotheses"][0]
    assert set(h) >= {"id", "label", "score", "must_not_miss", "supporting", "against", "chains"}
    assert data["kb_version"] == kb.version_iri
    assert "does not diagnose" in data["disclaimer"]


def test_chain_goes_through_the_inferred_state(kb):
    answer = kb.explain(["drinks little", "tap water only", "calf cramp at night"])
    mg = kb.resolve_cause("magnesium deficiency").id
    chains = answer.hypothesis(mg).chains
    assert chains
    assert any(len(c) >= 3 for c in chains), chains
    for chain in chains:
        assert chain[-1] == mg


def test_why_not_explains_a_low_cause(kb):
    answer = kb.explain(["takes statins", "muscle aches"])
    result = answer.why_not("magnesium deficiency")
    assert result.rank > 1
    assert result.would_need
    assert result.settling_tests
    assert "magnesium deficiency" in result.summary


def test_why_not_unknown_cause(kb):
    answer = kb.explain(["calf cramp"])
    with pytest.raises(UnknownCauseError):
        answer.why_not("alien abduction")


def test_unknown_finding_names_it_and_suggests(kb):
    with pytest.raises(UnknownFindingError) as info:
        kb.explain(["calf cramp at nite"])
    assert "calf cramp at nite" in str(info.value)
    assert "calf cramp at night" in info.value.suggestions


def test_contradictory_case_is_refused(kb):
    with pytest.raises(CaseFormatError):
        kb.explain(["calf cramp at night"], absent=["calf cramp"])


def test_ids_iris_labels_and_synonyms_resolve_alike(kb):
    term = kb.resolve_finding("tap water only")
    for name in (term.id, term.iri, "TAP WATER ONLY", f"  tap   water only "):
        assert kb.resolve_finding(name).id == term.id
    a = kb.explain([term.id]).to_dict()
    b = kb.explain(["Tap Water Only"]).to_dict()
    assert a == b


def test_posterior_in_constant_time_matches_the_plain_softmax(kb):
    from crampkg.reasoning import _Posterior

    reasoner = kb.reasoner
    touched = {c: reasoner.log_prior[c] + delta for c, delta in
               zip(reasoner.cause_ids[::3], (2.5, -1.0, 4.0, 0.3, -2.2, 1.1, 0.0))}
    fast = _Posterior(reasoner, touched)
    scores = {c: touched.get(c, reasoner.log_prior[c]) for c in reasoner.cause_ids}
    top = max(scores.values())
    z = sum(math.exp(s - top) for s in scores.values())
    plain = {c: math.exp(s - top) / z for c, s in scores.items()}
    for c in reasoner.cause_ids:
        assert math.isclose(fast[c], plain[c], rel_tol=1e-9)
    assert math.isclose(fast.plogp, sum(p * math.log2(p) for p in plain.values()), rel_tol=1e-9)


def test_grouped_information_gain_matches_the_plain_definition(kb):
    from crampkg.reasoning import _Posterior

    reasoner = kb.reasoner
    posterior = _Posterior(reasoner, {c: reasoner.log_prior[c] + 1.5 for c in reasoner.cause_ids[:4]})
    for findings in reasoner._diag_findings.values():
        if not findings:
            continue
        grouped = reasoner._expected_entropy_grouped(posterior, list(findings[:8]), 1.0, posterior.plogp)
        plain = reasoner._expected_entropy(posterior, list(findings[:8]))
        assert math.isclose(grouped, plain, rel_tol=1e-9, abs_tol=1e-12)


def test_large_knowledge_base_lists_a_bounded_answer(tmp_path):
    import shutil

    from crampkg import KnowledgeBase, resources
    from crampkg.reasoning import MAX_HYPOTHESES

    shutil.copy(resources.ontology_dir() / "crampkg.ttl", tmp_path)
    shutil.copytree(resources.ontology_dir() / "content", tmp_path / "content")
    extra = ["@prefix : <https://w3id.org/crampkg/> .", "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    for n in range(60):
        extra.append(f":CRAMPKG_09{n:05d} a owl:Class , owl:NamedIndividual ; rdfs:subClassOf :CRAMPKG_0000006 ; "
                     f'rdfs:label "extra cause {n}"@en ; :CRAMPKG_0000064 :CRAMPKG_0000074 .')
    (tmp_path / "extra.ttl").write_text("\n".join(extra))
    big = KnowledgeBase.load(tmp_path)
    assert len(big.causes()) >= 79
    answer = big.explain(["calf cramp at night", "tap water only", "measures have not helped"])
    touched = {h.id for h in answer.hypotheses if h.supporting or h.against}
    assert len(answer.hypotheses) <= MAX_HYPOTHESES + len(touched) + 3
    assert answer.hypotheses_omitted == len(big.causes()) - len(answer.hypotheses) > 0
    assert all(h.id in {x.id for x in answer.hypotheses} for h in answer.hypotheses if h.must_not_miss)
    assert sum(h.score for h in answer.hypotheses) < 1.0
    assert [h.score for h in answer.hypotheses] == sorted((h.score for h in answer.hypotheses), reverse=True)


def test_every_answer_says_when_to_see_a_doctor_triggered_advice_first(kb):
    plain = kb.explain(["calf cramp"]).actions["see_doctor"]
    labels = [a.label for a in plain]
    assert "ruling out a vascular cause" in labels
    assert "consulting a doctor about the cholesterol-lowering drug" in labels
    triggered = kb.explain(["calf cramp", "takes statins"]).actions["see_doctor"]
    assert triggered[0].label == "consulting a doctor about the cholesterol-lowering drug"
    failing = kb.explain(["calf cramp at night", "measures have not helped"]).actions["see_doctor"]
    assert failing[0].label == "ruling out a vascular cause"


def test_a_cause_whose_required_finding_is_absent_is_excluded(kb):
    drug = kb.resolve_cause("cholesterol-lowering drug side effect")
    assert drug.requires == (kb.resolve_finding("takes statins").id,)
    answer = kb.explain(["calf cramp", "muscle aches"], absent=["takes statins"])
    hyp = answer.hypothesis(drug.id)
    assert hyp.score == 0.0 and hyp.excluded_by == drug.requires
    assert answer.hypotheses[-1].score == 0.0
    assert math.isclose(sum(h.score for h in answer.hypotheses), 1.0, abs_tol=1e-4)
    assert "excluded" in answer.why_not(drug.id).summary
    assert answer.to_dict()["hypotheses"][-1]["excluded_by"]
    # not reported either way: the prior applies, nothing is excluded
    unknown = kb.explain(["calf cramp", "muscle aches"]).hypothesis(drug.id)
    assert unknown.score > 0 and not unknown.excluded_by


def test_pregnancy_causes_need_a_pregnancy(kb):
    answer = kb.explain(["calf cramp at night"], absent=["pregnant"])
    excluded = {h.label for h in answer.hypotheses if h.excluded_by}
    assert excluded == {"state of pregnancy", "weight-related leg overload in pregnancy"}
