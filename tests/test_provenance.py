"""Provenance checks: every quote verbatim, every claim mapped; each check can fail."""

from __future__ import annotations

import shutil

from crampkg import KnowledgeBase, resources
from crampkg.provenance import check_claims, check_quotes, collapse, is_verbatim, load_claims


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
