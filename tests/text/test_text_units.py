"""Unit behaviour of crampkg.text: normalisation, matching (typos, order, longest match, ambiguity),
negation scope, pseudo-negation, other people and hypotheticals."""

from __future__ import annotations

import pytest

from crampkg.kb.model import Term
from crampkg.text.lexicon import Lexicon, compile_language
from crampkg.text.match import candidate_matches, select
from crampkg.text.normalise import decompound, detect_language, fold, name_keys, tokenise

NIGHT_CRAMP, CALF_CRAMP, TAP_WATER, STATINS = "CRAMPKG_0000101", "CRAMPKG_0000100", "CRAMPKG_0000138", "CRAMPKG_0000140"
PREGNANT, NO_WARM_UP, DRINKS_LITTLE, COLD = "CRAMPKG_0000141", "CRAMPKG_0000136", "CRAMPKG_0000137", "CRAMPKG_0000144"
MEASURES = "CRAMPKG_0000146"


def ids(reading):
    return sorted(reading.present_ids), sorted(reading.absent_ids)


# ---------------------------------------------------------------------- normalise
def test_fold_umlauts_and_sharp_s():
    assert fold("Nächtliche Wadenkrämpfe, Fuß") == "nachtliche wadenkrampfe, fuss"


def test_umlaut_free_typing_reads_the_same(kb):
    with_umlauts = kb.read_text("nächtliche Wadenkrämpfe, Schlafzimmer zu kalt")
    without = kb.read_text("naechtliche Wadenkraempfe, Schlafzimmer zu kalt")
    plain = kb.read_text("nachtliche Wadenkrampfe, Schlafzimmer zu kalt")
    assert ids(with_umlauts) == ids(without) == ids(plain) == ([NIGHT_CRAMP, COLD], [])


def test_stems_and_families_join_word_forms():
    assert name_keys("drinks too little", "en") == name_keys("I drink too little", "en")
    assert name_keys("Schwangerschaft", "de") == name_keys("schwanger", "de") == name_keys("pregnancy", "en")
    assert set(name_keys("Wadenkrampf", "de")) == {"CALF", "CRAMP"}


def test_german_compounds_of_family_words():
    assert decompound("nachtkrampfe") == ("NIGHT", "CRAMP")
    assert decompound("toasterbrot") is None


def test_tokens_carry_offsets():
    text = "I  don't warm-up."
    tokens = tokenise(text, "en")
    assert [text[t.start:t.end] for t in tokens] == ["I", "don't", "warm", "up", "."]
    assert [t.kind for t in tokens] == ["stop", "neg", "word", "word", "punct"]


@pytest.mark.parametrize("text, lang", [
    ("I get cramps at night", "en"), ("Ich habe nachts Krämpfe", "de"), ("wadenkrampf in der nacht", "de"),
    ("Schwangerschaft", "de"), ("statins", "en"),
])
def test_language_detection(text, lang):
    assert detect_language(text) == lang


# ---------------------------------------------------------------------- matching
def test_word_order_and_filler_words_do_not_matter(kb):
    assert ids(kb.read_text("Water from the tap, only that.")) == ([TAP_WATER], [])
    assert ids(kb.read_text("At night, in both calves, I get really bad cramps")) == ([CALF_CRAMP], [])
    assert ids(kb.read_text("I get really bad cramps in both calves at night")) == ([NIGHT_CRAMP], [])


def test_typos_are_corrected_and_reported(kb):
    reading = kb.read_text("I get crmaps at nihgt and dirnk too litle")
    assert ids(reading) == ([NIGHT_CRAMP, DRINKS_LITTLE], [])
    night = reading.present[0]
    assert ("crmaps", "cramps") in night.corrected and night.confidence < 1.0


def test_typos_need_the_same_first_letter_and_few_edits(kb):
    assert ids(kb.read_text("I drink only lap water")) == ([], [])  # 'lap' is too short, 'tap' is not guessed
    assert kb.read_text("I take xtatins").present == ()


def test_longest_specific_match_wins(kb):
    reading = kb.read_text("calf cramp at night")
    assert reading.present_ids == [NIGHT_CRAMP]
    assert reading.present[0].spans[0].text == "calf cramp at night"


def test_a_phrase_of_its_own_inside_a_longer_name_stays(kb):
    # "cramp during (a) marathon" is a name of calf cramp during exertion; the marathon is reported too
    assert "CRAMPKG_0000133" in kb.read_text("I get a cramp during a marathon").present_ids
    # "restless" inside "restless sleep" is no phrase of its own: no 'tormenting restlessness'
    assert kb.read_text("I sleep restlessly").present_ids == ["CRAMPKG_0000143"]


def _terms(*rows: tuple[str, str, tuple[str, ...]]) -> list[Term]:
    return [Term(id=i, iri=f"https://example.org/{i}", label=label, kind="finding", synonyms=syn, parents=("X",))
            for i, label, syn in rows]


def test_two_findings_matched_equally_are_ambiguous_never_guessed():
    terms = _terms(("F1", "calf pain", ("sore calf",)), ("F2", "calf stiffness", ("sore calf",)),
                   ("F3", "night sweats", ()))
    lexicon = Lexicon({"en": compile_language(terms, "en")}, {t.id: t.label for t in terms},
                      {t.id: frozenset({t.id}) for t in terms})
    text = "My calf is sore and I have night sweats"
    tokens = tokenise(text, "en")
    kept, ambiguous = select(candidate_matches(tokens, lexicon["en"], "en"), lexicon, tokens)
    assert [m.finding for m in kept] == ["F3"]
    assert len(ambiguous) == 1 and ambiguous[0].findings == ("F1", "F2")
    assert text[ambiguous[0].start:ambiguous[0].end] == "calf is sore"


def test_ambiguity_is_reported_in_the_reading(kb, monkeypatch):
    from crampkg.text import reader

    terms = _terms(("F1", "calf pain", ("sore calf",)), ("F2", "calf stiffness", ("sore calf",)))
    lexicon = Lexicon({lang: compile_language(terms, lang) for lang in ("en", "de")}, {t.id: t.label for t in terms},
                      {t.id: frozenset({t.id}) for t in terms})
    reading = reader.read("sore calf", lexicon)
    assert reading.empty and len(reading.ambiguous) == 1
    assert [c.id for c in reading.ambiguous[0].candidates] == ["F1", "F2"]
    assert "ambiguous 'sore calf' (calf pain or calf stiffness)" in reading.summary()


# ---------------------------------------------------------------------- negation and context
@pytest.mark.parametrize("text, present, absent", [
    ("I don't take statins", [], [STATINS]),
    ("I don't take statins but I drink too little", [DRINKS_LITTLE], [STATINS]),   # 'but' ends the scope
    ("I don't take statins and I drink too little", [DRINKS_LITTLE], [STATINS]),   # 'and I' ends it
    ("I don't take statins, I drink too little", [DRINKS_LITTLE], [STATINS]),      # so does a comma
    ("I am not pregnant", [], [PREGNANT]),
    ("never pregnant", [], [PREGNANT]),
    ("denies being pregnant", [], [PREGNANT]),
    ("Ich nehme keine Statine", [], [STATINS]),
    ("Ich bin nicht schwanger", [], [PREGNANT]),
    ("Schwanger bin ich nicht.", [], [PREGNANT]),                                  # German post-negation
    ("Statine nehme ich nicht mehr", [], [STATINS]),
    ("ohne Aufwärmen", [NO_WARM_UP], []),                                          # a name, not a negation
    ("I went jogging without warm-up", ["CRAMPKG_0000130", NO_WARM_UP], []),
    ("I always warm up", [], [NO_WARM_UP]),                                        # the opposite of a negated name
    ("I don't always warm up", [], []),                                            # double negation: no guess
    ("measures do not help", [MEASURES], []),
    ("My calf does not get hard during the cramp", [CALF_CRAMP], ["CRAMPKG_0000111"]),
])
def test_negation_scope(kb, text, present, absent):
    assert ids(kb.read_text(text)) == (sorted(present), sorted(absent))


@pytest.mark.parametrize("text, present", [
    ("No doubt I drink too little", [DRINKS_LITTLE]),
    ("Ohne Zweifel trinke ich zu wenig", [DRINKS_LITTLE]),
    ("Not only the statins: I am pregnant too", [STATINS, PREGNANT]),
    ("Nicht nur nachts Wadenkrämpfe, ich bin auch schwanger", [NIGHT_CRAMP, PREGNANT]),
])
def test_pseudo_negations_negate_nothing(kb, text, present):
    assert ids(kb.read_text(text)) == (sorted(present), [])


@pytest.mark.parametrize("text, present, status", [
    ("My doctor asked whether I am pregnant", [], "hypothetical"),
    ("Der Arzt fragte, ob ich schwanger bin", [], "hypothetical"),
    ("My mother has cramps at night", [], "other"),
    ("Meine Mutter nimmt Statine", [], "other"),
    ("My mother takes statins, I get cramps at night", [NIGHT_CRAMP], "other"),
    ("My sister doesn't take statins", [], "other"),  # someone else's negation is no absence of the person's
    ("My doctor says I drink too little", [DRINKS_LITTLE], None),
])
def test_other_people_and_hypotheticals_are_not_counted(kb, text, present, status):
    reading = kb.read_text(text)
    assert reading.present_ids == present and reading.absent_ids == []
    assert [f.status for f in reading.not_counted] == ([status] if status else [])
