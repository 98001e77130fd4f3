"""``crampkg serve`` with real clients: SPARQLWrapper, rdflib's SPARQLStore, httpx."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
import rdflib

from _sparql_server import assert_no_traceback, running_server

pytestmark = pytest.mark.slow

CK = "https://w3id.org/crampkg/"
CAUSES = f"""PREFIX ck: <{CK}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?cause ?label WHERE {{ ?cause rdfs:subClassOf ck:CRAMPKG_0000006 ; rdfs:label ?label .
  FILTER(LANG(?label) = "en") }} ORDER BY ?label"""
CONSTRUCT = f"CONSTRUCT WHERE {{ ?s a <{CK}CRAMPKG_0000021> ; <{CK}CRAMPKG_0000050> ?rank }}"


@pytest.fixture(scope="module")
def server() -> str:
    with running_server(timeout=5.0) as base:
        yield base


def test_sparqlwrapper_all_result_formats(server: str) -> None:
    from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(CAUSES)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    labels = {r["label"]["value"] for r in rows}
    # magnesium deficiency is a subclass of electrolyte imbalance: found only thanks to the entailments
    assert {"magnesium deficiency", "electrolyte imbalance"} <= labels
    client.setReturnFormat(XML)
    document = client.query().convert()
    assert len(document.getElementsByTagName("result")) == len(rows)
    client.setReturnFormat(CSV)
    table = list(csv.reader(io.StringIO(client.query().convert().decode())))
    assert table[0] == ["cause", "label"] and len(table) == len(rows) + 1
    client.setReturnFormat(TSV)
    lines = client.query().convert().decode().splitlines()
    assert lines[0] == "?cause\t?label" and f"<{CK}CRAMPKG_0000301>" in "\n".join(lines)


def test_sparqlwrapper_post_and_ask(server: str) -> None:
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    client = SPARQLWrapper(f"{server}/sparql")
    client.setMethod(POST)
    client.setQuery(f"ASK {{ <{CK}CRAMPKG_0000301> ?p ?o }}")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


def test_rdflib_sparqlstore(server: str) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = rdflib.Graph(store=SPARQLStore(f"{server}/sparql", returnFormat="json"))
    labels = {str(row.label) for row in graph.query(CAUSES)}
    assert "magnesium deficiency" in labels
    assert (rdflib.URIRef(f"{CK}CRAMPKG_0000301"), rdflib.RDFS.subClassOf, rdflib.URIRef(f"{CK}CRAMPKG_0000006")) in graph


@pytest.mark.parametrize("accept, rdflib_format", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"),
])
def test_construct_in_every_graph_format(server: str, accept: str, rdflib_format: str) -> None:
    response = httpx.post(f"{server}/sparql", content=CONSTRUCT,
                          headers={"Content-Type": "application/sparql-query", "Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(accept)
    graph = rdflib.Graph().parse(data=response.content, format=rdflib_format)
    assert len(set(graph.subjects())) == 5


def test_format_parameter_and_form_post(server: str) -> None:
    response = httpx.post(f"{server}/sparql", data={"query": CAUSES, "format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert httpx.get(f"{server}/sparql", params={"query": CAUSES}, headers={"Accept": "text/html"}).status_code == 406


def test_service_description(server: str) -> None:
    response = httpx.get(f"{server}/sparql")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = next(graph.subjects(rdflib.RDF.type, sd.Service))
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    assert str(service).endswith("/sparql")
    as_jsonld = httpx.get(f"{server}/sparql", headers={"Accept": "application/ld+json"})
    assert as_jsonld.status_code == 200 and json.loads(as_jsonld.text)


def test_cors(server: str) -> None:
    preflight = httpx.options(f"{server}/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in {"*", "https://example.org"}
    simple = httpx.get(f"{server}/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert simple.headers["access-control-allow-origin"] == "*"


def test_explain_json_and_turtle(server: str, kb) -> None:
    case = {"present": ["calf cramp at night", "tap water only"], "absent": []}
    response = httpx.post(f"{server}/explain", json=case)
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(json.dumps(kb.explain(case["present"]).to_dict()))
    turtle = f"""@prefix ck: <{CK}> .
<#me> a ck:CRAMPKG_0000023 ; ck:CRAMPKG_0000041 ck:CRAMPKG_0000101 , ck:CRAMPKG_0000138 ."""
    from_turtle = httpx.post(f"{server}/explain", content=turtle, headers={"Content-Type": "text/turtle"})
    assert from_turtle.status_code == 200, from_turtle.text
    assert from_turtle.json()["hypotheses"] == response.json()["hypotheses"]
    unknown = httpx.post(f"{server}/explain", json={"present": ["calf cramp at nite"]})
    assert unknown.status_code == 400
    assert "calf cramp at night" in unknown.json()["error"]["suggestions"]
    malformed = httpx.post(f"{server}/explain", content=b'{"present": [', headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["error"]["line"] == 1
    assert_no_traceback(malformed.text)


def test_explain_why_not(server: str, kb) -> None:
    case = {"present": ["takes statins", "muscle aches"]}
    response = httpx.post(f"{server}/explain", params={"why_not": "magnesium deficiency"}, json=case)
    assert response.status_code == 200, response.text
    expected = kb.why_not(kb.explain(case["present"]), "magnesium deficiency").to_dict()
    assert response.json()["why_not"] == json.loads(json.dumps(expected))
    assert response.json()["why_not"]["rank"] > 1
    # the answer beside it is the 0.2.0 one: posteriors, idiopathic apart, questions and tests
    answer = response.json()
    assert answer["schema_version"] == "0.2.0" and answer["exact"] is True
    assert answer["hypotheses"][0]["label"] == "cholesterol-lowering drug side effect"
    assert answer["idiopathic"]["label"] == "idiopathic leg cramps"
    assert answer["next_tests"] == answer["tests"]
    unknown = httpx.post(f"{server}/explain", params={"why_not": "magnesium deficiancy"}, json=case)
    assert unknown.status_code == 400
    assert "magnesium deficiency" in unknown.json()["error"]["suggestions"]


def test_openapi_and_home_page(server: str) -> None:
    document = httpx.get(f"{server}/openapi.json").json()
    assert document["openapi"].startswith("3.1") and {"/sparql", "/explain"} <= set(document["paths"])
    page = httpx.get(f"{server}/")
    assert page.status_code == 200 and "<textarea" in page.text and 'action="/"' in page.text
    console = httpx.get(f"{server}/query")  # the SPARQL console (its script: /static/query.js)
    assert console.status_code == 200 and "<textarea" in console.text and "/static/query.js" in console.text
