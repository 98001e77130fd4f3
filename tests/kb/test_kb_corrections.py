"""Regression tests for the corrections of issue 9, each naming the article sentence it is about.

They read the Turtle directly (rdflib), not the ranking code, so they hold whatever reasoner runs.
"""

from __future__ import annotations

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from crampkg.kb import resources

CK = rdflib.Namespace("https://w3id.org/crampkg/")
IAO_REPLACED_BY = rdflib.URIRef("http://purl.obolibrary.org/obo/IAO_0100001")
SYN = rdflib.Namespace("http://www.geneontology.org/formats/oboInOwl#")
REPORT, RISK, MANIFESTATION, CAUSAL = CK.CRAMPKG_0000028, CK.CRAMPKG_0000029, CK.CRAMPKG_0000094, CK.CRAMPKG_0000016
ALMOST_ALWAYS, USUALLY, OFTEN, CAN, SOMETIMES = (CK[f"CRAMPKG_00000{n}"] for n in range(70, 75))


@pytest.fixture(scope="module")
def g() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in resources.ontology_sources():
        graph.parse(path, format="turtle")
    return graph


def n(local: str) -> rdflib.URIRef:
    return CK["CRAMPKG_" + local]


def live(g, node) -> bool:
    return (node, OWL.deprecated, rdflib.Literal(True)) not in g


def links(g, kind, finding=None, cause=None):
    out = []
    for link in g.subjects(RDF.type, kind):
        if finding is not None and (link, CK.CRAMPKG_0000030, finding) not in g:
            continue
        if cause is not None and (link, CK.CRAMPKG_0000031, cause) not in g:
            continue
        out.append(link)
    return out


def primary(g, link) -> str:
    return str(g.value(link, CK.CRAMPKG_0000062))


def test_night_cramp_and_electrolyte_imbalance_at_each_sentences_own_wording(g):
    """'Sometimes the cause of nocturnal calf cramps is an imbalance of electrolytes.' is 'sometimes';
    'With systemic deficiency symptoms, leg cramps can occur almost every night.' is how often episodes
    recur (frequent leg cramps), at its verb 'can' -- never 'almost always' for night cramps."""
    link = n("0001001")
    assert (link, RDF.type, MANIFESTATION) in g
    assert primary(g, link) == "Sometimes the cause of nocturnal calf cramps is an imbalance of electrolytes."
    assert g.value(link, CK.CRAMPKG_0000032) == SOMETIMES and str(g.value(link, CK.CRAMPKG_0000065)) == "sometimes"
    recurrence = [l for l in links(g, MANIFESTATION, cause=n("0000300"))
                  if primary(g, l) == "With systemic deficiency symptoms, leg cramps can occur almost every night."]
    assert len(recurrence) == 1
    assert g.value(recurrence[0], CK.CRAMPKG_0000030) == n("0000147")  # frequent leg cramps (course)
    assert g.value(recurrence[0], CK.CRAMPKG_0000032) == CAN
    assert rdflib.Literal("almost every night") not in set(g.objects(ALMOST_ALWAYS, CK.CRAMPKG_0000065))


def test_magnesium_is_the_first_thought_and_circulatory_disorders_may_cause_night_cramps(g):
    """'At night calf cramps should be thought of a magnesium deficiency.' and 'Some circulatory
    disorders may also be the cause of nocturnal leg cramps.' are manifestation links of night cramps."""
    (mg,) = links(g, MANIFESTATION, finding=n("0000101"), cause=n("0000301"))
    assert primary(g, mg) == "At night calf cramps should be thought of a magnesium deficiency."
    (circ,) = links(g, MANIFESTATION, finding=n("0000101"), cause=n("0000314"))
    assert primary(g, circ) == "Some circulatory disorders may also be the cause of nocturnal leg cramps."
    assert str(g.value(circ, CK.CRAMPKG_0000065)) == "may"


def test_no_link_of_cramps_at_rest_cites_a_night_sentence(g):
    """'At night, this happens because the muscles are at rest.' is about night cramps, not cramps at rest."""
    for kind in (REPORT, RISK, MANIFESTATION):
        assert links(g, kind, finding=n("0000102")) == []
    for old in ("0001006", "0001007"):
        assert not live(g, n(old)) and g.value(n(old), IAO_REPLACED_BY) is not None


def test_gaze_diagnosis_no_longer_supports_a_circulatory_disorder(g):
    """'The diagnosis of a calf cramp is a gaze diagnosis.' and 'Since cramps usually occur at home and
    often at night, the later consulted doctor usually can no longer judge whether it really was a
    convulsion or rather a pulling pain ...' are interpretations, not evidence for a cramp cause."""
    assert not live(g, n("0003000"))
    assert (n("0003000"), RDF.type, CK.CRAMPKG_0000017) not in g
    for indication in g.subjects(RDF.type, CK.CRAMPKG_0000017):
        assert g.value(indication, CK.CRAMPKG_0000030) != n("0000110")
    assert links(g, MANIFESTATION, finding=n("0000110")) == []
    meanings = {g.value(i, CK.CRAMPKG_0000030): primary(g, i) for i in g.subjects(RDF.type, CK.CRAMPKG_0000095)}
    assert meanings[n("0000100")] == "The diagnosis of a calf cramp is a gaze diagnosis."
    assert meanings[n("0000110")].startswith("Since cramps usually occur at home and often at night")


def test_overload_leads_to_lack_of_training_nowhere(g):
    """'Even those who are well trained can exceed the maximum performance limit.': lack of training
    follows from being untrained (a report), not from overload; R005/R006 are gone."""
    assert links(g, RISK, cause=n("0000311")) == []
    (report,) = links(g, REPORT, cause=n("0000311"))
    assert g.value(report, CK.CRAMPKG_0000030) == n("0000135")
    rules = {p.name[:3] for p in resources.rules_dir().glob("*.rq")}
    assert not rules & {"005", "006"}


def test_sport_the_day_before_is_can_not_almost_always(g):
    """'If sport has been done the day before, an overload can be the reason for a nocturnal leg cramp.'"""
    quote = "If sport has been done the day before, an overload can be the reason for a nocturnal leg cramp."
    found = [l for kind in (RISK, MANIFESTATION, CAUSAL) for l in g.subjects(RDF.type, kind) if primary(g, l) == quote]
    assert found and all(g.value(l, CK.CRAMPKG_0000032) == CAN for l in found)
    (risk,) = links(g, RISK, finding=n("0000131"), cause=n("0000309"))
    assert str(g.value(risk, CK.CRAMPKG_0000065)) == "can"


def test_cholesterol_lowering_drugs_are_named_by_the_articles_words(g):
    """'To name a few here are so-called cholesterol-lowering drugs.' -- not narrowed to statins."""
    finding = n("0000140")
    assert str(g.value(finding, RDFS.label)) == "takes cholesterol-lowering drugs"
    exact = {str(s) for s in g.objects(finding, SYN.hasExactSynonym)}
    related = {str(s) for s in g.objects(finding, SYN.hasRelatedSynonym)}
    assert "Cholesterinsenker" in exact and "statins" in related and "statins" not in exact
    assert "takes medication" not in exact | related
    assert not [x for x in g.objects(finding, SYN.hasDbXref) if str(x) in {"ATC:C10AA", "CHEBI:87631", "MESH:D019161"}]
    definition = g.value(n("0000312"), rdflib.URIRef("http://purl.obolibrary.org/obo/IAO_0000115"))
    assert definition is not None and "statin" not in str(definition)


def test_pregnancy_is_an_exposure_not_a_cause(g):
    """'Leg cramps in pregnancy usually have the same causes as non-pregnant people.'"""
    assert not live(g, n("0000313")) and g.value(n("0000313"), IAO_REPLACED_BY) == n("0000141")
    assert (n("0000313"), RDFS.subClassOf, n("0000006")) not in g
    # "Very often, the electrolyte balance is confused, ie that either calcium or magnesium are
    # present in too small an amount.": one risk link naming both deficiencies as alternatives
    (imbalance,) = links(g, RISK, finding=n("0000141"), cause=n("0000301"))
    assert set(g.objects(imbalance, CK.CRAMPKG_0000031)) == {n("0000301"), n("0000302")}
    assert primary(g, imbalance).startswith("Very often, the electrolyte balance is confused")
    assert g.value(imbalance, CK.CRAMPKG_0000032) == USUALLY
    (weight,) = links(g, RISK, finding=n("0000141"), cause=n("0000310"))
    assert primary(g, weight).startswith("In pregnant women, it is also due to the slowly increasing weight")
    assert (n("0000141"), CK.CRAMPKG_0000067, CK.CRAMPKG_0000084) in g
    assert "Schwangerschaft" in {str(s) for s in g.objects(n("0000141"), SYN.hasExactSynonym)}


def test_under_drinking_in_pregnancy_counts_once(g):
    """'Often this imbalance comes from under-drinking.' reaches electrolyte imbalance through one link."""
    quote = "Often this imbalance comes from under-drinking."
    carriers = [l for kind in (REPORT, RISK, CAUSAL) for l in g.subjects(RDF.type, kind) if primary(g, l) == quote]
    assert carriers == [n("0002004")]
    assert not live(g, n("0001040")) and not live(g, n("0000185"))


def test_blood_examination_reveals_each_result(g):
    """'In the blood calcium, potassium and sodium as well as magnesium and the creatine kinase value
    should be determined.' -- each result, not one binary low electrolyte; the test's source is that
    sentence, not 'A pronounced magnesium deficiency can also lead to muscle cramps.'"""
    blood = n("0000405")
    revealed = set(g.objects(blood, CK.CRAMPKG_0000046))
    assert revealed == {n("0000161"), n("0000162"), n("0000163"), n("0000164"), n("0000165")}
    sentence = "In the blood calcium, potassium and sodium as well as magnesium and the creatine kinase value should be determined."
    for ind in ("0003004", "0003005", "0003006", "0003007"):
        assert g.value(n(ind), CK.CRAMPKG_0000035) == blood and primary(g, n(ind)) == sentence
    quotes = {str(q) for q in g.objects(n("0003004"), CK.CRAMPKG_0000060)}
    assert "A pronounced magnesium deficiency can also lead to muscle cramps." not in quotes
    assert not live(g, n("0003003"))


def test_creatine_kinase_and_muscle_tone_have_interpretations(g):
    """'If this is increased, this indicates increased muscle cell decay.' and 'A severely hardened
    muscle tone indicates a recent spasm or recurrent leg cramps.'; the physical examination reveals
    the tone ('... the calf muscles should be examined and felt.')."""
    by_finding = {g.value(i, CK.CRAMPKG_0000030): i for i in g.subjects(RDF.type, CK.CRAMPKG_0000095)}
    assert primary(g, by_finding[n("0000165")]) == "If this is increased, this indicates increased muscle cell decay."
    assert primary(g, by_finding[n("0000166")]) == "A severely hardened muscle tone indicates a recent spasm or recurrent leg cramps."
    assert n("0000166") in set(g.objects(n("0000402"), CK.CRAMPKG_0000046))


def test_xrefs_only_for_the_same_concept(g):
    """'Some circulatory disorders may also be the cause of nocturnal leg cramps.' names no peripheral
    vascular disease; 'a very restless sleep' is not a sleep disorder in general."""
    assert list(g.objects(n("0000314"), SYN.hasDbXref)) == []
    assert "peripheral vascular disease" not in {str(s) for s in g.objects(n("0000314"), SYN.hasRelatedSynonym)}
    assert list(g.objects(n("0000316"), SYN.hasDbXref)) == []


@pytest.mark.parametrize(("local", "label"), [
    ("0000454", "kräftiges Treten mit dem betroffenen Bein"),
    ("0000625", "Kinder und Säuglinge"),
    ("0000134", "Belastung über die Leistungsgrenze hinaus"),
    ("0000011", "Nachsorgemaßnahme"),
])
def test_german_labels(g, local, label):
    """German labels say what the article says: kicking ('kick the affected leg hard'), infants ('Children
    and infants are almost never affected.'), beyond the limit, and one word (Nachsorge) for aftercare."""
    assert rdflib.Literal(label, lang="de") in set(g.objects(n(local), RDFS.label))


@pytest.mark.parametrize(("local", "synonym"), [
    ("0000101", "nächtliche Wadenkrämpfe"), ("0000101", "Wadenkrämpfe nachts"), ("0000101", "nocturnal cramps"),
    ("0000100", "muscle cramps"), ("0000137", "drink too little"), ("0000138", "tap water"),
    ("0000130", "sports"), ("0000146", "no improvement"), ("0000140", "Cholesterinsenker"),
])
def test_synonyms_people_type(g, local, synonym):
    names = {str(s) for p in (SYN.hasExactSynonym, SYN.hasRelatedSynonym) for s in g.objects(n(local), p)}
    assert synonym in names


def test_every_wording_is_in_its_primary_sentence_and_level(g):
    """Every risk, manifestation and causal link: its wording is in its first sentence and on its level."""
    for kind in (RISK, MANIFESTATION, CAUSAL):
        for link in g.subjects(RDF.type, kind):
            wording = str(g.value(link, CK.CRAMPKG_0000065))
            assert wording.lower() in primary(g, link).lower(), link
            level_words = {str(w).lower() for w in g.objects(g.value(link, CK.CRAMPKG_0000032), CK.CRAMPKG_0000065)}
            assert wording.lower() in level_words, link
            assert primary(g, link) in {str(q) for q in g.objects(link, CK.CRAMPKG_0000060)}


def test_pain_gel_shows_the_sentence_that_recommends_it(g):
    """Answers showed 'An improvement is to be expected after 2 days at the latest.' for pain gels."""
    assert primary(g, n("0004012")).startswith("The typical muscular hangover symptoms")


def test_no_report_link_has_a_number(g):
    for link in g.subjects(RDF.type, REPORT):
        assert g.value(link, CK.CRAMPKG_0000032) is None and g.value(link, CK.CRAMPKG_0000065) is None
