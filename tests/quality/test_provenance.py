"""Provenance checks: every quote verbatim, every claim mapped; each check can fail."""

from __future__ import annotations

import shutil

from crampkg import KnowledgeBase
from crampkg.kb import resources
from crampkg.quality.provenance import check_claims, check_quotes, collapse, is_verbatim, load_claims


def test_whitespace_is_the_only_normalisation():
    assert collapse("  a \n b\t c ") == "a b c"
    assert is_verbatim("At night calf cramps should be\n   thought of a magnesium deficiency.")
    assert not is_verbatim("At night calf cramps should be thought of magnesium deficiency.")  # a word dropped
    assert not is_verbatim("at night calf cramps should be thought of a magnesium deficiency.")  # case changed
    assert not is_verbatim("")


def test_shipped_knowledge_base_quotes_are_verbatim(kb):
    assert check_quotes(kb) == []


def test_every_claim_of_the_article_is_mapped(kb):
    report = check_claims(kb)
    assert report.problems == []
    assert report.claims == report.mapped >= 140
    paragraphs = {c.paragraph for c in load_claims()}
    assert len(paragraphs) >= 40


def test_a_paraphrased_quote_is_reported(tmp_path):
    shutil.copy(resources.ontology_dir() / "crampkg.ttl", tmp_path)
    shutil.copytree(resources.ontology_dir() / "content", tmp_path / "content")
    path = tmp_path / "content" / "associations.ttl"
    text = path.read_text()
    original = "At night calf cramps should be thought of a magnesium deficiency."
    assert original in text
    path.write_text(text.replace(original, "At night, think of magnesium deficiency.", 1))
    problems = check_quotes(KnowledgeBase.load(tmp_path))
    assert len(problems) == 1 and "not verbatim" in problems[0]


def test_unmapped_and_unknown_claims_are_reported(kb, tmp_path):
    claims = tmp_path / "claims.tsv"
    claims.write_text(
        "claim_id\tparagraph\tclaim\tquote\telements\n"
        "X1\t1\tunmapped\tAt night calf cramps should be thought of a magnesium deficiency.\t\n"
        "X2\t1\tunknown id\tAt night calf cramps should be thought of a magnesium deficiency.\tCRAMPKG_0999999\n"
        "X3\t1\tnot verbatim\tNight cramps mean magnesium.\tCRAMPKG_0000301\n")
    report = check_claims(kb, claims)
    assert report.claims == 3 and report.mapped == 1
    assert any("X1" in p and "mapped to nothing" in p for p in report.problems)
    assert any("X2" in p and "CRAMPKG_0999999" in p for p in report.problems)
    assert any("X3" in p and "not verbatim" in p for p in report.problems)


NOT_SENTENCES = {  # headings and the site's navigation at the end of the article: no claims
    "frequency distribution", "Nocturnal leg cramps", "Leg cramps in pregnancy",
    "Sudden onset of pain in the calf muscles", "treatment measures", "preventive measures",
    "anatomy lexicon", "orthopedics online", "dermatology online", "neurology online",
    "urology online", "Prefer", "Preferences Categories", "Point Of View",
}


def article_sentences() -> list[str]:
    """The article's sentences: lines split after . ? ! (bullets and headings stripped)."""
    import re

    sentences = []
    for line in resources.article_path().read_text(encoding="utf-8").splitlines():
        line = line.strip().lstrip("•").strip()
        if not line or line in NOT_SENTENCES:
            continue
        sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"])", line) if s.strip()]
    return sentences


def test_every_sentence_of_the_article_is_mapped_with_its_link_kinds(kb):
    """Each sentence is a claim of the checklist (or inside one), and every link a claim maps to has its kind."""
    from crampkg.quality.provenance import assertion_kinds

    claims = load_claims()
    quotes = [collapse(c.quote) for c in claims]
    unmapped = [s for s in article_sentences() if not any(collapse(s) in q or q in collapse(s) for q in quotes)]
    assert unmapped == [], f"sentences of the article no claim maps: {unmapped}"
    kinds = assertion_kinds(kb)
    for claim in claims:
        for element in claim.elements:
            if element in kinds and kinds[element] not in {"statement", "recommendation"}:
                assert claim.kinds.get(element) == kinds[element], (claim.claim_id, element)


def test_a_wrong_link_kind_is_reported(kb, tmp_path):
    claims = tmp_path / "claims.tsv"
    claims.write_text(
        "claim_id\tparagraph\tclaim\tquote\telements\tkinds\n"
        "X1\t1\twrong kind\tAt night calf cramps should be thought of a magnesium deficiency."
        "\tCRAMPKG_0001000\tCRAMPKG_0001000=risk\n")
    report = check_claims(kb, claims)
    assert any("X1" in p and "manifestation, not a risk" in p for p in report.problems)
