"""The named queries of queries/*.rq on the real knowledge base, and safe parameter binding."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from crampkg.errors import QueryError, QueryRefusedError, UnknownCauseError, UnknownFindingError
from crampkg.kb import queries as Q
from crampkg.kb.stores import Value, bound_text, sparql_term

NS = "https://w3id.org/crampkg/"


def labels(result: Q.QueryResult, column: str) -> set[str]:
    return {row[column] for row in result.rows if row.get(column)}


def test_every_query_has_a_complete_header_and_returns_what_it_says(kb) -> None:
    queries = Q.load_queries()
    expected = {"causes_of_finding", "findings_of_cause", "diagnostics_for_cause", "interventions_for_cause",
                "prevention_advice", "when_to_see_doctor", "sources_of_assertion", "causal_chain",
                "rank_causes", "all_causes"}
    assert expected <= set(queries)
    for query in queries.values():
        assert query.purpose and query.example.startswith("crampkg query " + query.name)
        assert query.returns, query.name
        assert "_:" not in query.text


def test_causes_of_finding(kb) -> None:
    # KB 0.2.0: "tap water only" reports a cause (low-mineral tap water) and has no direct cause link
    result = Q.run(kb, "causes_of_finding", finding="calf cramp at night")
    assert "magnesium deficiency" in labels(result, "causeLabel")
    assert all(row["quote"] for row in result.rows)
    assert result.variables == list(Q.get_query("causes_of_finding").returns)
    ranks = [row["rank"] for row in result.rows]
    assert ranks == sorted(ranks, reverse=True)


def test_causes_of_a_specific_finding_include_those_of_the_general_one(kb) -> None:
    general = Q.run(kb, "causes_of_finding", finding="calf cramp")
    own = {row["causeLabel"] for row in general.rows if row["via"] != "specific"}
    specific = labels(Q.run(kb, "causes_of_finding", finding="calf cramp at night"), "causeLabel")
    assert own <= specific


def test_a_general_finding_gathers_the_causes_of_its_specialisations(kb) -> None:
    """"What causes calf cramps?" (CRAMPKG_0000100): the causes linked to any kind of calf cramp."""
    general = Q.run(kb, "causes_of_finding", finding="CRAMPKG_0000100")
    assert general.rows, "a general finding must gather the links of its specialisations"
    by_id = {row["cause"] for row in general.rows}
    for child in (t.id for t in kb.findings() if "CRAMPKG_0000100" in t.parents):
        child_rows = Q.run(kb, "causes_of_finding", finding=child).rows
        assert {r["cause"] for r in child_rows if r["via"] == "itself"} <= by_id
    for row in general.rows:
        assert row["via"] in {"itself", "general", "specific"}
        if row["via"] == "specific":  # each gathered link is really on a specialisation
            via = row["viaFinding"].removeprefix(NS)
            assert "CRAMPKG_0000100" in kb.index.ancestors[via] and via != "CRAMPKG_0000100"
    # any other name of the finding (label, German label, synonym) gets the same rows
    for name in kb.finding_names("CRAMPKG_0000100"):
        assert Q.run(kb, "causes_of_finding", finding=name).rows == general.rows


def test_findings_of_cause(kb) -> None:
    result = Q.run(kb, "findings_of_cause", cause="magnesium deficiency")
    assert "calf cramp at night" in labels(result, "findingLabel")
    assert all(row["cause"] == NS + "CRAMPKG_0000301" for row in result.rows)


def test_diagnostics_for_cause(kb) -> None:
    result = Q.run(kb, "diagnostics_for_cause", cause="magnesium deficiency")
    # KB 0.2.0: the article's indication is the blood laboratory examination, which confirms the
    # deficiency by revealing low blood magnesium
    assert "blood laboratory examination" in labels(result, "diagnosticLabel")
    assert any(r["diagnosticLabel"] == "blood laboratory examination" and r["findingLabel"] == "low blood magnesium"
               and r["roleLabel"] == "confirms" and r["quote"] for r in result.rows)
    assert labels(result, "roleLabel") <= {"confirms", "supports", "rules out"}


def test_interventions_for_cause_by_phase(kb) -> None:
    every = Q.run(kb, "interventions_for_cause", cause="magnesium deficiency")
    prevention = Q.run(kb, "interventions_for_cause", cause="magnesium deficiency", phase="prevention")
    assert prevention.rows and {r["phaseLabel"] for r in prevention.rows} == {"prevention"}
    assert len(prevention.rows) <= len(every.rows)
    with pytest.raises(QueryError, match="unknown phase"):
        Q.run(kb, "interventions_for_cause", cause="magnesium deficiency", phase="sometime")


def test_prevention_advice_and_when_to_see_doctor(kb) -> None:
    advice = Q.run(kb, "prevention_advice")
    assert len(labels(advice, "interventionLabel")) >= 3 and all(r["quote"] for r in advice.rows)
    doctor = Q.run(kb, "when_to_see_doctor")
    assert "measures have not helped" in labels(doctor, "triggerLabel")


def test_sources_of_assertion(kb) -> None:
    own = Q.run(kb, "sources_of_assertion", id="CRAMPKG_0000301")
    quotes = {r["quote"] for r in own.rows if r["kind"] == "own"}
    assert "Magnesium deficiency is one of the most common causes of calf muscle cramps." in quotes
    assert any(r["kind"] == "assertion" for r in own.rows)
    association = next(r["subject"] for r in own.rows if r["kind"] == "assertion")
    again = Q.run(kb, "sources_of_assertion", id=association)
    assert again.rows and {r["kind"] for r in again.rows} == {"own"}
    with pytest.raises(QueryError, match="unknown term"):
        Q.run(kb, "sources_of_assertion", id="CRAMPKG_9999999")


def test_causal_chain(kb) -> None:
    result = Q.run(kb, "causal_chain", cause="magnesium deficiency")
    assert "one-sided unhealthy diet" in labels(result, "upstreamLabel")
    assert "magnesium deficiency" in labels(result, "downstreamLabel")


def test_rank_causes_matches_the_likelihood_model(kb) -> None:
    result = Q.run(kb, "rank_causes", present=["calf cramp at night", "tap water only"])
    assert result.rows[0]["label"] == "magnesium deficiency"
    scores = [row["score"] for row in result.rows]
    assert scores == sorted(scores, reverse=True)
    assert len(result.rows) == len(kb.causes())
    for row in result.rows:
        cause = kb.index.causes[row["cause"].removeprefix(NS)]
        assert row["logPrior"] == pytest.approx(math.log(cause.prior.frequency), abs=1e-5)
    # an absent finding with cause links ("drinks little" has none since KB 0.2.0)
    with_absent = Q.run(kb, "rank_causes", present=["calf cramp at night", "tap water only"], absent=["pregnant"])
    by_cause = {r["cause"]: r for r in with_absent.rows}
    assert any(r["logAgainst"] is not None and r["logAgainst"] < 0 for r in by_cause.values())
    with pytest.raises(QueryError, match="needs parameter"):
        Q.run(kb, "rank_causes")


def test_all_causes_uses_the_hierarchy(kb) -> None:
    result = Q.run(kb, "all_causes")
    assert {row["label"] for row in result.rows} == {c.label for c in kb.causes()}
    magnesium = next(r for r in result.rows if r["label"] == "magnesium deficiency")
    assert magnesium["parentLabel"] == "electrolyte imbalance"
    assert isinstance(magnesium["mustNotMiss"], bool)


def test_unknown_names_are_reported_with_what_is_known(kb) -> None:
    with pytest.raises(QueryError, match="known queries: .*causes_of_finding"):
        Q.run(kb, "no_such_query")
    with pytest.raises(QueryError, match="its parameters: finding:finding"):
        Q.run(kb, "causes_of_finding", finding="tap water only", colour="red")
    with pytest.raises(UnknownFindingError) as info:
        Q.run(kb, "causes_of_finding", finding="tap watr only")
    assert "tap water only" in info.value.suggestions
    with pytest.raises(UnknownCauseError):
        Q.run(kb, "findings_of_cause", cause="vampire bite")


@pytest.mark.parametrize("hostile", [
    "x> . ?s ?p ?o } #", "CRAMPKG_0000101> } UNION { ?s ?p ?o", '" } ; DROP ALL #', "\\u003E } #",
    "https://w3id.org/crampkg/CRAMPKG_0000101> . ?a ?b ?c",
])
def test_injection_through_parameters_is_impossible(kb, hostile: str) -> None:
    with pytest.raises((UnknownFindingError, QueryError)):
        Q.run(kb, "causes_of_finding", finding=hostile)
    with pytest.raises((UnknownFindingError, QueryError)):
        Q.run(kb, "rank_causes", present=["calf cramp at night", hostile])


CASES = [
    ("causes_of_finding", {"finding": "calf cramp at night"}),
    ("findings_of_cause", {"cause": "electrolyte imbalance"}),
    ("diagnostics_for_cause", {"cause": "magnesium deficiency"}),
    ("interventions_for_cause", {"cause": "magnesium deficiency"}),
    ("interventions_for_cause", {"cause": "magnesium deficiency", "phase": "prevention"}),
    ("sources_of_assertion", {"id": "CRAMPKG_0000301"}),
    ("causal_chain", {"cause": "magnesium deficiency"}),
    ("rank_causes", {"present": ["calf cramp at night", "tap water only"], "absent": ["pregnant"]}),
]


@pytest.mark.parametrize("name, params", CASES)
def test_values_binding_equals_substitution(kb, name: str, params: dict) -> None:
    """What a remote store receives (VALUES at the top) answers like the embedded substitution."""
    query = Q.get_query(name)
    text = bound_text(query.text, Q.bind_params(kb, query, params))
    rows = kb.store.select(text)
    remote_like = Counter(tuple(sorted((k, v.value) for k, v in r.items())) for r in rows)
    embedded = Q.run(kb, name, **params)
    expected = Counter(tuple(sorted((k, str(v).lower() if isinstance(v, bool) else str(v))
                                    for k, v in r.items() if v is not None)) for r in embedded.rows)

    def norm(counter: Counter) -> Counter:
        return Counter({tuple((k, v[:12] if k in {"score", "logPrior", "logFor", "logAgainst"} else v)
                              for k, v in key): n for key, n in counter.items()})

    assert norm(remote_like) == norm(expected)


def test_run_sparql_goes_through_the_guard(kb) -> None:
    with pytest.raises(QueryRefusedError):
        Q.run_sparql(kb, "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }")
    assert Q.run_sparql(kb, "ASK { ?s ?p ?o }").rows == [{"boolean": True}]
    graph = Q.run_sparql(kb, "CONSTRUCT WHERE { ?s a <https://w3id.org/crampkg/CRAMPKG_0000021> }")
    assert len(graph.rows) == 5 and graph.variables == ["subject", "predicate", "object"]
    with pytest.raises(QueryError, match="more than 3 rows"):
        Q.run_sparql(kb, "SELECT * WHERE { ?s ?p ?o }", max_rows=3)


def test_store_bindings_are_typed(kb) -> None:
    """The store binds terms itself: a scalar by substitution, a list into the query's placeholder."""
    finding = Value("https://w3id.org/crampkg/CRAMPKG_0000021", "iri")
    text = "SELECT ?s WHERE { VALUES ?c {} ?s a ?c }"
    assert kb.store.select(text, {"c": [finding]}) == kb.store.select("SELECT ?s WHERE { ?s a ?c }", {"c": finding})
    assert kb.store.ask("ASK { ?s a ?c }", {"c": finding})
    assert len(kb.store.construct("CONSTRUCT WHERE { ?s a ?c }", {"c": finding}, limit=2)) == 2
    with pytest.raises(QueryError, match="placeholder"):
        kb.store.select("SELECT ?s WHERE { ?s a ?c }", {"c": [finding]})
    with pytest.raises(QueryError):
        kb.store.ask("SELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError):
        kb.store.construct("ASK { ?s ?p ?o }")


def test_sparql_term_refuses_what_could_break_out() -> None:
    assert sparql_term(Value('a"b\\c\nd', "literal")) == '"a\\"b\\\\c\\nd"'
    assert sparql_term(Value("x", "literal", lang="de")) == '"x"@de'
    assert sparql_term(Value("1.5", "literal", datatype="http://www.w3.org/2001/XMLSchema#decimal")) == \
        '"1.5"^^<http://www.w3.org/2001/XMLSchema#decimal>'
    for bad in (Value("https://x/> } ; DROP ALL #", "iri"), Value("https://x/\n", "iri"),
                Value("x", "literal", lang="de } #"), Value("b0", "bnode"),
                Value("1 }", "literal", datatype="http://www.w3.org/2001/XMLSchema#integer")):
        with pytest.raises(QueryError):
            sparql_term(bad)
    with pytest.raises(QueryError, match="short form"):
        bound_text("CONSTRUCT WHERE { ?s a ?c }", {"c": Value("https://x/", "iri")})
    with pytest.raises(QueryError, match="variable name"):
        bound_text("SELECT * WHERE { ?s ?p ?o }", {"s } #": Value("https://x/", "iri")})
