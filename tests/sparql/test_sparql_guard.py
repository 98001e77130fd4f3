"""The SPARQL guard: refusals by walking the parsed algebra, caps, and parser positions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crampkg.errors import QueryError, QueryRefusedError
from crampkg.sparql.guard import (
    QuerySyntaxError,
    QueryTooLongError,
    bracket_depth,
    check_query,
    expand_unicode_escapes,
    rdflib_safe_evaluation,
)

GRAPH = "https://w3id.org/crampkg/crampkg.owl"


@pytest.mark.parametrize("text, form", [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
    ("ASK {}", "ASK"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE <https://w3id.org/crampkg/CRAMPKG_0000301>", "DESCRIBE"),
    (f"SELECT * FROM <{GRAPH}> WHERE {{ ?s ?p ?o }}", "SELECT"),
    ("SELECT ?x WHERE { BIND(\"SERVICE <http://evil/>\" AS ?x) }", "SELECT"),  # only a string
])
def test_accepts_read_only_queries(text: str, form: str) -> None:
    assert check_query(text, allowed_graphs=frozenset({GRAPH})).form == form


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { \\U00000053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { FILTER EXISTS { SERVICE <http://example.org/> { ?a ?b ?c } } }",
    "SELECT * WHERE { { SELECT * WHERE { SERVICE ?endpoint { ?a ?b ?c } } } }",
    "SELECT * WHERE { OPTIONAL { SERVICE <file:///etc/passwd> { ?a ?b ?c } } }",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <http://example.org/data.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT * \\u0046ROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }",
    "ASK FROM <file:///etc/hostname> { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } FROM <http://example.org/x> WHERE { ?s ?p ?o }",
    "DESCRIBE ?s FROM <http://example.org/x> WHERE { ?s ?p ?o }",
])
def test_refuses_outbound_and_local_access(text: str) -> None:
    with pytest.raises(QueryRefusedError) as info:
        check_query(text, allowed_graphs=frozenset({GRAPH}))
    assert info.value.http_status == 403


@pytest.mark.parametrize("text", [
    "INSERT DATA { <http://a/> <http://b/> <http://c/> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "LOAD <file:///etc/passwd> INTO GRAPH <http://x/>",
    "CLEAR ALL", "DROP DEFAULT", "CREATE GRAPH <http://x/>",
    "COPY DEFAULT TO <http://x/>", "MOVE DEFAULT TO <http://x/>", "ADD DEFAULT TO <http://x/>",
    "\\u0049NSERT DATA { <http://a/> <http://b/> <http://c/> }",
    "PREFIX x: <http://x/> INSERT { ?s x:p 1 } WHERE { ?s ?p ?o }",
    "ASK {} ; INSERT DATA { <http://a/> <http://b/> <http://c/> }",
])
def test_refuses_updates(text: str) -> None:
    with pytest.raises(QueryError) as info:
        check_query(text)
    assert info.value.http_status in {400, 403}
    if not text.startswith("ASK"):
        assert isinstance(info.value, QueryRefusedError)


def test_syntax_error_has_message_and_position() -> None:
    with pytest.raises(QuerySyntaxError) as info:
        check_query("SELECT * WHERE {\n  ?s ?p }")
    assert info.value.line == 2 and info.value.column is not None
    assert "line 2" in str(info.value) and info.value.http_status == 400


def test_length_cap() -> None:
    with pytest.raises(QueryTooLongError) as info:
        check_query("ASK {}" + " " * 100, max_length=50)
    assert info.value.http_status == 413


def test_depth_cap_counts_after_unicode_escapes() -> None:
    deep = "SELECT * WHERE " + "{" * 3000 + "}" * 3000
    with pytest.raises(QuerySyntaxError, match="nested"):
        check_query(deep)
    escaped = "ASK " + "\\u007B" * 100 + "\\u007D" * 100
    assert bracket_depth(expand_unicode_escapes(escaped)) == 100
    with pytest.raises(QuerySyntaxError, match="nested"):
        check_query(escaped)


def test_rdflib_load_graphs_is_switched_off() -> None:
    import rdflib.plugins.sparql as rdflib_sparql

    rdflib_safe_evaluation()
    assert rdflib_sparql.SPARQL_LOAD_GRAPHS is False


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_either_passes_or_raises_a_query_error(text: str) -> None:
    try:
        check_query(text)
    except QueryError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["SELECT", "*", "WHERE", "{", "}", "?s", "?p", "?o", "(", ")", ".", "FILTER",
                                 "SERVICE", "<http://x/>", "OPTIONAL", "UNION", "\\u0053", "\"", "#", "\n",
                                 "LIMIT", "1", "GRAPH", "FROM", "INSERT", "DATA", ";", "[", "]", "VALUES"]),
                max_size=40))
def test_token_soup_never_escapes_the_guard(tokens: list[str]) -> None:
    text = " ".join(tokens)
    try:
        guarded = check_query(text)
    except QueryError:
        return
    assert "SERVICE" not in expand_unicode_escapes(text).upper() or '"' in text or "#" in text
    assert guarded.form in {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
