"""Case files: JSON and Turtle in, clear errors with positions out."""

from __future__ import annotations

import json

import pytest

from crampkg import CaseFormatError
from crampkg.io.cases import load_case, parse_json_case, parse_turtle_case

TURTLE_CASE = """@prefix ck: <https://w3id.org/crampkg/> .
<#me> a ck:CRAMPKG_0000023 ;
    ck:CRAMPKG_0000053 "vignette-1" ;
    ck:CRAMPKG_0000041 <https://w3id.org/crampkg/%s> ;
    ck:CRAMPKG_0000042 <https://w3id.org/crampkg/%s> .
"""


def test_json_case_round_trip(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"present": ["calf cramp at night"], "absent": ["takes statins"], "id": "a"}))
    case = load_case(path)
    assert case.present == ("calf cramp at night",)
    assert case.absent == ("takes statins",)
    assert case.id == "a"


@pytest.mark.parametrize("text, line, column", [
    ('{"present": ["a",]}', 1, 18),
    ('{\n  "present": ["a"\n  "absent": []\n}', 3, 3),
])
def test_malformed_json_reports_position(text, line, column):
    with pytest.raises(CaseFormatError) as info:
        parse_json_case(text)
    assert info.value.line == line and info.value.column == column
    assert f"line {line}" in str(info.value)


@pytest.mark.parametrize("data, message", [
    ("[]", "JSON object"),
    ('{"present": "calf cramp"}', "must be a list"),
    ('{"present": [1]}', "non-empty string"),
    ('{"present": ["a"], "extra": 1}', "unknown key"),
    ("{}", "at least one"),
])
def test_json_case_structure_errors(data, message):
    with pytest.raises(CaseFormatError, match=message):
        parse_json_case(data)


def test_turtle_case(kb):
    night = kb.resolve_finding("calf cramp at night").id
    statins = kb.resolve_finding("takes statins").id
    case = parse_turtle_case(TURTLE_CASE % (night, statins))
    assert case.present == (kb.resolve_finding(night).iri,)
    assert case.absent == (kb.resolve_finding(statins).iri,)
    assert case.id == "vignette-1"
    answer = kb.explain(case.present, case.absent)
    assert answer.present[0].id == night


def test_malformed_turtle_reports_position():
    with pytest.raises(CaseFormatError) as info:
        parse_turtle_case("@prefix ck: <https://w3id.org/crampkg/> .\n<#me> a ck:CRAMPKG_0000023 ;\n  ck:CRAMPKG_0000041 ck:X ,, .\n")
    assert info.value.line == 3
    assert "malformed Turtle" in str(info.value)


def test_turtle_case_violating_shapes_is_refused():
    bad = "@prefix ck: <https://w3id.org/crampkg/> .\n<#me> a ck:CRAMPKG_0000023 ; ck:CRAMPKG_0000041 \"not an IRI\" .\n"
    with pytest.raises(CaseFormatError, match="case shapes"):
        parse_turtle_case(bad)


def test_turtle_without_case_node_is_refused():
    with pytest.raises(CaseFormatError):
        parse_turtle_case("@prefix ck: <https://w3id.org/crampkg/> .\n<#me> ck:CRAMPKG_0000053 \"x\" .\n")


def test_turtle_with_doctype_like_xml_is_not_parsed_as_xml(tmp_path):
    path = tmp_path / "case.ttl"
    path.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    with pytest.raises(CaseFormatError, match="malformed Turtle"):
        load_case(path)


def test_missing_case_file(tmp_path):
    with pytest.raises(CaseFormatError, match="cannot read"):
        load_case(tmp_path / "nope.json")


def test_deeply_nested_json_is_a_clear_error():
    with pytest.raises(CaseFormatError, match="nested too deeply"):
        parse_json_case("[" * 100_000 + "]" * 100_000)
