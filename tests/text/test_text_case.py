"""crampkg.text.case.split_text_case: a JSON case with free text split into the text, its language
and the rest of the case (what POST /explain does with ``{"text": ...}``)."""

from __future__ import annotations

import json

import pytest

from crampkg.errors import CaseFormatError
from crampkg.text.case import split_text_case
from crampkg.text.reader import MAX_TEXT_CHARS


# the last is too deep for json (RecursionError)
@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"', b'{"present": ["calf cramp"]}', b"[" * 100_000])
def test_a_body_without_text_comes_back_unchanged(body: bytes) -> None:
    assert split_text_case(body) == (None, None, body)


def test_text_alone_leaves_no_rest() -> None:
    assert split_text_case(b'{"text": "cramps at night"}') == ("cramps at night", None, b"")


def test_text_with_a_language_and_findings_keeps_the_findings_as_json() -> None:
    body = json.dumps({"text": "Wadenkrampf nachts", "lang": "de", "present": ["drinks little"],
                       "absent": ["marathon"]}).encode()
    text, lang, rest = split_text_case(body)
    assert (text, lang) == ("Wadenkrampf nachts", "de")
    assert json.loads(rest) == {"present": ["drinks little"], "absent": ["marathon"]}


def test_empty_lists_of_findings_leave_no_rest() -> None:
    assert split_text_case(b'{"text": "cramps", "present": [], "absent": []}')[2] == b""


@pytest.mark.parametrize("value", ['""', '"   "', "3", "null", '["cramps"]'])
def test_text_must_be_a_non_empty_string(value: str) -> None:
    with pytest.raises(CaseFormatError, match="'text' must be a non-empty string"):
        split_text_case(f'{{"text": {value}}}'.encode())


def test_text_longer_than_the_reader_reads_is_refused() -> None:
    split_text_case(json.dumps({"text": "a" * MAX_TEXT_CHARS}).encode())  # at the limit: accepted
    with pytest.raises(CaseFormatError, match=f"longer than {MAX_TEXT_CHARS}"):
        split_text_case(json.dumps({"text": "a" * (MAX_TEXT_CHARS + 1)}).encode())


@pytest.mark.parametrize("lang", ["fr", "", "EN", 1])
def test_an_unknown_language_is_refused(lang: object) -> None:
    with pytest.raises(CaseFormatError, match="'lang' must be one of en, de"):
        split_text_case(json.dumps({"text": "cramps", "lang": lang}).encode())
