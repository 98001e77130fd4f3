"""The SPARQL protocol as real clients speak it (issue 12): a contract suite run on ``crampkg serve``
and on ``oxigraph serve-read-only`` holding the same data.

Every client request (SPARQLWrapper with each ``returnFormat`` for SELECT, ASK, CONSTRUCT and
DESCRIBE over GET, form POST and direct POST; rdflib's ``SPARQLStore``; a YASGUI-style request) must
get the same answer from both servers, and that answer must be the one the embedded store gives
(pyoxigraph on the same N-Triples): solutions as multisets of bindings, booleans, graphs up to
blank-node renaming. Then what crampkg promises beyond Oxigraph: the format names and media types
of Fuseki, Virtuoso and SPARQLWrapper, the same reading of GET and POST, ``format=bogus`` 400,
problem documents, ``Allow`` on every 405, the row-cap message and an OpenAPI document that says
what the server accepts.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import time
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import httpx
import pytest
import rdflib

from _sparql_server import assert_no_traceback, free_port, running_server

pytestmark = pytest.mark.slow

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
CK = "https://w3id.org/crampkg/"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

QUERIES = {
    # IRIs, language-tagged literals, an integer and an unbound OPTIONAL variable
    "SELECT": f"""PREFIX ck: <{CK}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?cause ?label ?labelDe ?rank WHERE {{
  ?cause rdfs:subClassOf ck:CRAMPKG_0000006 ; rdfs:label ?label .
  FILTER(LANG(?label) = "en")
  OPTIONAL {{ ?cause rdfs:label ?labelDe FILTER(LANG(?labelDe) = "de") }}
  OPTIONAL {{ ?cause ck:CRAMPKG_0000064 ?level . ?level ck:CRAMPKG_0000050 ?rank }}
}} ORDER BY ?label ?labelDe""",
    "ASK": f"ASK {{ <{CK}CRAMPKG_0000301> ?p ?o }}",
    "CONSTRUCT": f"CONSTRUCT WHERE {{ ?s a <{CK}CRAMPKG_0000021> ; <{CK}CRAMPKG_0000050> ?rank ; "
                 "<http://www.w3.org/2000/01/rdf-schema#label> ?label }",
    "DESCRIBE": f"DESCRIBE <{CK}CRAMPKG_0000301>",
}


# ---------------------------------------------------------------------- servers
@pytest.fixture(scope="module")
def dataset(kb) -> bytes:
    return kb.export(fmt="nt", inferred=True)


@pytest.fixture(scope="module")
def crampkg_endpoint() -> str:
    with running_server(timeout=10.0) as base:
        yield f"{base}/sparql"


@pytest.fixture(scope="module")
def oxigraph_endpoint(dataset: bytes, tmp_path_factory) -> str:
    if not Path(OXIGRAPH).exists():
        pytest.skip("the oxigraph server CLI is not installed (pip install oxigraph)")
    folder = tmp_path_factory.mktemp("oxigraph-protocol")
    (folder / "crampkg.nt").write_bytes(dataset)
    subprocess.run([OXIGRAPH, "load", "--location", str(folder / "db"), "--file", str(folder / "crampkg.nt")],
                   check=True, capture_output=True, timeout=120)
    port = free_port()
    process = subprocess.Popen([OXIGRAPH, "serve-read-only", "--location", str(folder / "db"),
                                "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("oxigraph serve-read-only did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module", params=["crampkg", "oxigraph"])
def endpoint(request) -> tuple[str, str]:
    """(server name, query URL): every contract test runs on both servers."""
    return request.param, request.getfixturevalue(f"{request.param}_endpoint")


@pytest.fixture(scope="module")
def expected(dataset: bytes) -> dict[str, object]:
    """Each query's answer from the embedded store (pyoxigraph on the same N-Triples)."""
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(input=dataset, format=ox.RdfFormat.N_TRIPLES)
    answers: dict[str, object] = {}
    for form, text in QUERIES.items():
        result = store.query(text)
        if form == "ASK":
            answers[form] = ("boolean", bool(result))
        elif form == "SELECT":
            variables = [v.value for v in result.variables]
            answers[form] = _solutions(variables, ({v: _ox_term(s[v]) for v in variables if s[v] is not None}
                                                   for s in result))
        else:
            nt = ox.serialize(list(result), format=ox.RdfFormat.N_TRIPLES)
            answers[form] = ("graph", rdflib.Graph().parse(data=nt, format="nt"))
    return answers


# ---------------------------------------------------------------------- answers, whatever the format
def _ox_term(term) -> tuple:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return ("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode",)
    return _literal(term.value, term.language, term.datatype.value if term.datatype else None)


def _literal(value: str, lang: str | None, datatype: str | None) -> tuple:
    if lang:
        return ("literal", value, lang.lower(), None)
    return ("literal", value, None, None if datatype in (None, XSD_STRING, RDF_LANG_STRING) else datatype)


def _solutions(variables: list[str], rows) -> tuple:
    return ("solutions", tuple(sorted(variables)),
            Counter(frozenset(row.items()) for row in rows))


def _json_term(binding: dict) -> tuple:
    if binding["type"] == "uri":
        return ("uri", binding["value"])
    if binding["type"] == "bnode":
        return ("bnode",)
    return _literal(binding["value"], binding.get("xml:lang"), binding.get("datatype"))


_TSV_TERM = re.compile(r'^(?:<(?P<iri>[^>]*)>|_:(?P<bnode>\S+)|"(?P<lex>(?:[^"\\]|\\.)*)"'
                       r'(?:@(?P<lang>[A-Za-z0-9-]+)|\^\^<(?P<dt>[^>]*)>)?|(?P<bare>\S+))$')
_XSD = "http://www.w3.org/2001/XMLSchema#"


def _tsv_term(text: str) -> tuple | None:
    if text == "":
        return None
    match = _TSV_TERM.match(text)
    assert match, f"not a TSV term: {text!r}"
    if match["iri"] is not None:
        return ("uri", match["iri"])
    if match["bnode"] is not None:
        return ("bnode",)
    if match["bare"] is not None:  # 42, 2.5, 1e0, true: the abbreviated numbers and booleans of Turtle
        bare = match["bare"]
        kind = ("boolean" if bare in ("true", "false") else "double" if "e" in bare.lower()
                else "decimal" if "." in bare else "integer")
        return _literal(bare, None, _XSD + kind)
    lexical = re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m[1], m[1]), match["lex"])
    return _literal(lexical, match["lang"], match["dt"])


def answer_of(content_type: str, body: bytes) -> tuple:
    """A response as a format-independent answer: ("boolean", b), ("solutions", vars, rows),
    ("csv", header, rows of strings) or ("graph", rdflib.Graph)."""
    media = content_type.split(";")[0].strip().lower()
    if media == "application/sparql-results+json":
        document = json.loads(body)
        if "boolean" in document:
            return ("boolean", document["boolean"])
        return _solutions(document["head"]["vars"], ({k: _json_term(v) for k, v in b.items()}
                                                     for b in document["results"]["bindings"]))
    if media == "application/sparql-results+xml":
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        root = ET.fromstring(body)
        boolean = root.find("r:boolean", ns)
        if boolean is not None:
            return ("boolean", boolean.text.strip() == "true")
        variables = [v.get("name") for v in root.findall("r:head/r:variable", ns)]
        rows = []
        for result in root.findall("r:results/r:result", ns):
            row = {}
            for binding in result.findall("r:binding", ns):
                term = binding[0]
                tag = term.tag.split("}")[1]
                if tag == "uri":
                    row[binding.get("name")] = ("uri", term.text or "")
                elif tag == "bnode":
                    row[binding.get("name")] = ("bnode",)
                else:
                    row[binding.get("name")] = _literal(term.text or "", term.get(
                        "{http://www.w3.org/XML/1998/namespace}lang"), term.get("datatype"))
            rows.append(row)
        return _solutions(variables, rows)
    if media in ("text/csv", "text/tab-separated-values"):
        text = body.decode("utf-8")
        lines = [line for line in text.splitlines() if line]
        if lines and lines[-1] in ("true", "false") and (len(lines) == 1 or lines[0].lstrip("?") == "boolean"):
            return ("boolean", lines[-1] == "true")  # ASK: there is no standard CSV/TSV boolean
        if media == "text/csv":
            table = list(csv.reader(io.StringIO(text)))
            header = table[0]
            return ("csv", tuple(sorted(header)),
                    Counter(frozenset((h, v) for h, v in zip(header, row, strict=True) if v != "") for row in table[1:]))
        header = [v.lstrip("?") for v in lines[0].split("\t")]
        rows = []
        for line in text.split("\n")[1:]:
            if not line:
                continue
            cells = line.rstrip("\r").split("\t")
            rows.append({h: t for h, t in ((h, _tsv_term(c)) for h, c in zip(header, cells, strict=True)) if t is not None})
        return _solutions(header, rows)
    rdflib_format = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
                     "application/ld+json": "json-ld", "application/n-quads": "nquads"}.get(media)
    assert rdflib_format, f"unexpected content type {content_type!r}: {body[:200]!r}"
    if rdflib_format == "nquads":
        dataset = rdflib.Dataset()
        dataset.parse(data=body, format="nquads")
        graph = rdflib.Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
        return ("graph", graph)
    return ("graph", rdflib.Graph().parse(data=body, format=rdflib_format))


def as_csv(answer: tuple) -> tuple:
    """What CSV keeps of a solution answer: the values as strings (no types, no languages)."""
    if answer[0] != "solutions":
        return answer
    return ("csv", answer[1], Counter(frozenset((k, "" if t[0] == "bnode" else t[1]) for k, t in row)
                                      for row in answer[2].elements()))


def assert_same_answer(got: tuple, want: tuple) -> None:
    from rdflib.compare import isomorphic

    if got[0] == "csv":
        want = as_csv(want)
    assert got[0] == want[0], (got[0], want[0])
    if got[0] == "graph":
        assert len(got[1]) == len(want[1]) and isomorphic(got[1], want[1])
    else:
        assert got == want


# ---------------------------------------------------------------------- SPARQLWrapper, the whole matrix
RETURN_FORMATS = ["json", "xml", "turtle", "n3", "rdf", "rdf+xml", "csv", "tsv", "json-ld"]
METHODS = ["GET", "POST", "POSTDIRECTLY"]
# what a server that honours the request sends (the format parameter and SPARQLWrapper's Accept agree)
HONOURED = {
    "SELECT": {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
               "csv": "text/csv", "tsv": "text/tab-separated-values"},
    "CONSTRUCT": {"turtle": "text/turtle", "n3": "text/turtle", "rdf": "application/rdf+xml",
                  "rdf+xml": "application/rdf+xml", "xml": "application/rdf+xml",
                  "json-ld": "application/ld+json", "json": "application/ld+json"},
}
HONOURED["ASK"], HONOURED["DESCRIBE"] = HONOURED["SELECT"], HONOURED["CONSTRUCT"]


def _wrapper(url: str, form: str, return_format: str, method: str):
    from SPARQLWrapper import POST, POSTDIRECTLY, URLENCODED, SPARQLWrapper

    client = SPARQLWrapper(url)
    client.setQuery(QUERIES[form])
    client.setReturnFormat(return_format)
    if method != "GET":
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY if method == "POSTDIRECTLY" else URLENCODED)
    return client


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("return_format", RETURN_FORMATS)
@pytest.mark.parametrize("form", list(QUERIES))
def test_sparqlwrapper_matrix(endpoint, expected, form: str, return_format: str, method: str) -> None:
    """Every SPARQLWrapper returnFormat for every query form and method: the same answer as the
    embedded store; convert() works; crampkg sends the requested format wherever the form has it."""
    name, url = endpoint
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = _wrapper(url, form, return_format, method)
        response = client.query()
        content_type = response.response.headers["Content-Type"]
        body = response.response.read()
    assert_same_answer(answer_of(content_type, body), expected[form])
    # SPARQLWrapper can convert what it got (a fresh request: the first body was read)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        converted = _wrapper(url, form, return_format, method).query().convert()
    assert converted is not None
    wanted = HONOURED[form].get(return_format)
    if name == "crampkg" and wanted:
        assert content_type.split(";")[0] == wanted, (form, return_format, content_type)
        # SPARQLWrapper warns when the content type is not the one requested, or not one it knows
        complaints = [str(w.message) for w in caught if "has been returned" in str(w.message)
                      or "unknown response content type" in str(w.message)]
        assert not complaints, complaints
    elif name == "crampkg":  # a format the form does not have: the Accept header decides (here */*)
        assert content_type.split(";")[0] == ("application/sparql-results+json" if form in ("SELECT", "ASK")
                                              else "text/turtle")


# ---------------------------------------------------------------------- rdflib's SPARQLStore
@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
@pytest.mark.parametrize("return_format", ["xml", "json", "csv", "tsv"])
def test_rdflib_sparqlstore_select_and_ask(endpoint, expected, return_format: str, method: str) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    _, url = endpoint
    graph = rdflib.Graph(store=SPARQLStore(url, returnFormat=return_format, method=method))
    rows = list(graph.query(QUERIES["SELECT"]))
    labels = {str(row.label) for row in rows}
    assert {"magnesium deficiency", "electrolyte imbalance"} <= labels
    assert labels == {row[1] for key, _ in expected["SELECT"][2].items() for name, row in key if name == "label"}
    if return_format in ("xml", "json"):  # CSV and TSV have no standard boolean
        assert graph.query(QUERIES["ASK"]).askAnswer is True


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
def test_rdflib_sparqlstore_graphs(endpoint, expected, form: str, method: str) -> None:
    from rdflib.compare import isomorphic
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    _, url = endpoint
    graph = rdflib.Graph(store=SPARQLStore(url, returnFormat="xml", method=method))
    result = graph.query(QUERIES[form]).graph
    assert isomorphic(result, expected[form][1])
    subject = rdflib.URIRef(f"{CK}CRAMPKG_0000301")
    assert (subject, rdflib.RDFS.subClassOf, rdflib.URIRef(f"{CK}CRAMPKG_0000006")) in graph


# ---------------------------------------------------------------------- a YASGUI-style request
@pytest.mark.parametrize("form", list(QUERIES))
def test_yasgui_style_request(endpoint, expected, form: str) -> None:
    """YASGUI POSTs a form and asks for SPARQL JSON first, anything else second."""
    _, url = endpoint
    accept = ("application/sparql-results+json,*/*;q=0.9" if form in ("SELECT", "ASK")
              else "text/turtle,*/*;q=0.9")
    response = httpx.post(url, data={"query": QUERIES[form]}, headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200, response.text
    wanted = "application/sparql-results+json" if form in ("SELECT", "ASK") else "text/turtle"
    assert response.headers["content-type"].split(";")[0] == wanted
    assert_same_answer(answer_of(response.headers["content-type"], response.content), expected[form])


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values"])
def test_plain_accept_on_both(endpoint, expected, accept: str) -> None:
    _, url = endpoint
    response = httpx.get(url, params={"query": QUERIES["SELECT"]}, headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    assert_same_answer(answer_of(response.headers["content-type"], response.content), expected["SELECT"])


# ---------------------------------------------------------------------- crampkg: format names and media types
@pytest.mark.parametrize("form, value, media", [
    ("SELECT", "json", "application/sparql-results+json"),
    ("SELECT", "xml", "application/sparql-results+xml"),
    ("SELECT", "csv", "text/csv"),
    ("SELECT", "tsv", "text/tab-separated-values"),
    ("SELECT", "application/sparql-results+json", "application/sparql-results+json"),
    ("SELECT", "application/json", "application/sparql-results+json"),
    ("SELECT", "text/tab-separated-values", "text/tab-separated-values"),
    ("SELECT", "application/sparql-results+xml", "application/sparql-results+xml"),
    ("CONSTRUCT", "turtle", "text/turtle"),
    ("CONSTRUCT", "ttl", "text/turtle"),
    ("CONSTRUCT", "n3", "text/turtle"),
    ("CONSTRUCT", "text/n3", "text/turtle"),
    ("CONSTRUCT", "ntriples", "application/n-triples"),
    ("CONSTRUCT", "nt", "application/n-triples"),
    ("CONSTRUCT", "n-triples", "application/n-triples"),
    ("CONSTRUCT", "rdf+xml", "application/rdf+xml"),
    ("CONSTRUCT", "rdfxml", "application/rdf+xml"),
    ("CONSTRUCT", "xml", "application/rdf+xml"),
    ("CONSTRUCT", "json-ld", "application/ld+json"),
    ("CONSTRUCT", "jsonld", "application/ld+json"),
    ("CONSTRUCT", "json", "application/ld+json"),
    ("CONSTRUCT", "application/rdf+xml", "application/rdf+xml"),
    ("CONSTRUCT", "application/ld+json,application/x-json+ld", "application/ld+json"),
    ("CONSTRUCT", "text/turtle; charset=utf-8", "text/turtle"),
])
@pytest.mark.parametrize("parameter", ["format", "output", "results"])
@pytest.mark.parametrize("method", ["GET", "POST form", "POST query"])
def test_format_names_and_media_types(crampkg_endpoint, expected, form, value, media, parameter, method) -> None:
    query = QUERIES[form]
    if method == "GET":
        response = httpx.get(crampkg_endpoint, params={"query": query, parameter: value}, timeout=30)
    elif method == "POST form":
        response = httpx.post(crampkg_endpoint, data={"query": query, parameter: value}, timeout=30)
    else:
        response = httpx.post(crampkg_endpoint, params={parameter: value}, content=query.encode(),
                              headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    assert_same_answer(answer_of(response.headers["content-type"], response.content), expected[form])


@pytest.mark.parametrize("values, accept, media", [
    (["csv"], "application/n-triples", "application/n-triples"),  # csv cannot be met by CONSTRUCT: Accept
    (["csv"], None, "text/turtle"),  # nor without Accept: the default
    (["tsv", "text/tab-separated-values"], "application/ld+json", "application/ld+json"),
    (["", "nt"], None, "application/n-triples"),  # empty values (SPARQLWrapper sends some) are ignored
    (["turtle", "nt"], None, "text/turtle"),  # several values: the first that fits wins
    (["csv", "nt"], "text/turtle", "application/n-triples"),
    (["text/html"], "application/rdf+xml", "application/rdf+xml"),  # a media type not offered: Accept
])
def test_unmet_format_falls_back_to_accept(crampkg_endpoint, values, accept, media) -> None:
    headers = {"Accept": accept} if accept else {}
    params = [("query", QUERIES["CONSTRUCT"]), *(("format", v) for v in values)]
    got = httpx.get(crampkg_endpoint, params=params, headers=headers, timeout=30)
    posted = httpx.post(crampkg_endpoint, content=str(httpx.QueryParams(params)).encode(),
                        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"}, timeout=30)
    for response in (got, posted):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == media


@pytest.mark.parametrize("values", [["csv", "json"], ["json", "csv"], ["tsv", "xml"], ["turtle", "tsv"]])
def test_repeated_format_values_read_the_same_on_get_and_post(crampkg_endpoint, values) -> None:
    """The first value that fits the form wins, on GET, on a form POST and split between URL and body."""
    query = QUERIES["SELECT"]
    want = {"csv": "text/csv", "json": "application/sparql-results+json", "tsv": "text/tab-separated-values",
            "xml": "application/sparql-results+xml"}[next(v for v in values if v != "turtle")]
    pairs = [("query", query), *(("format", v) for v in values)]
    answers = [
        httpx.get(crampkg_endpoint, params=pairs, timeout=30),
        httpx.post(crampkg_endpoint, data={"query": query, "format": values}, timeout=30),
        httpx.post(crampkg_endpoint, params={"format": values[0]},
                   data={"query": query, "format": values[1:]}, timeout=30),
        httpx.post(crampkg_endpoint, params=[("format", v) for v in values], content=query.encode(),
                   headers={"Content-Type": "application/sparql-query"}, timeout=30),
    ]
    for response in answers:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == want


@pytest.mark.parametrize("method", ["GET", "POST form", "POST query"])
@pytest.mark.parametrize("parameter", ["format", "output", "results"])
def test_unknown_format_name_is_400(crampkg_endpoint, method: str, parameter: str) -> None:
    query = QUERIES["SELECT"]
    if method == "GET":
        response = httpx.get(crampkg_endpoint, params={"query": query, parameter: "bogus"}, timeout=30)
    elif method == "POST form":
        response = httpx.post(crampkg_endpoint, data={"query": query, parameter: "bogus"}, timeout=30)
    else:
        response = httpx.post(crampkg_endpoint, params={parameter: "bogus"}, content=query.encode(),
                              headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert response.status_code == 400, response.text
    assert "unknown format 'bogus'" in response.text and "json" in response.text
    assert "Error" not in response.text
    # without a query too (the service description): the same answer
    assert httpx.get(crampkg_endpoint, params={"format": "bogus"}, timeout=30).status_code == 400


def test_nothing_acceptable_is_406(crampkg_endpoint) -> None:
    response = httpx.get(crampkg_endpoint, params={"query": QUERIES["CONSTRUCT"], "format": "csv"},
                         headers={"Accept": "text/csv"}, timeout=30)
    assert response.status_code == 406
    assert "csv" in response.text and "text/turtle" in response.text


def test_service_description_honours_format_names(crampkg_endpoint) -> None:
    for value, media in [("json", "application/ld+json"), ("xml", "application/rdf+xml"),
                         ("ntriples", "application/n-triples"), ("n3", "text/turtle")]:
        response = httpx.get(crampkg_endpoint, params={"format": value}, timeout=30)
        assert response.status_code == 200 and response.headers["content-type"].startswith(media), value


# ---------------------------------------------------------------------- crampkg: errors
PROBLEM_ACCEPTS = ["application/problem+json", "application/json",
                   "application/sparql-results+json,*/*;q=0.9",
                   "application/sparql-results+json,application/json,text/javascript,application/javascript"]
TEXT_ACCEPTS = [None, "*/*", "text/plain", "application/sparql-results+xml", "text/csv"]
ERRORS = [  # (method, path, request arguments, status, a phrase of the detail)
    ("GET", "/sparql", {"params": {"query": "SELEC * WHERE {"}}, 400, "malformed SPARQL"),
    ("GET", "/sparql", {"params": {"query": "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"}},
     403, "SERVICE"),
    ("POST", "/sparql", {"data": {"update": "DROP ALL"}}, 405, "read-only"),
    ("GET", "/sparql", {"params": {"query": "ASK {}", "format": "bogus"}}, 400, "unknown format"),
    ("GET", "/sparql", {"params": {"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 20000"}}, 413,
     "at most 10000 rows; add a smaller LIMIT"),
    ("POST", "/sparql", {"content": b"ASK {}", "headers": {"Content-Type": "text/plain"}}, 415, "POST a query"),
    ("PUT", "/sparql", {}, 405, "PUT is not allowed"),
    ("DELETE", "/rdf-graph-store", {}, 405, "Graph Store"),
    ("GET", "/no-such-thing", {}, 404, "nothing is served"),
]


def _call(base: str, method: str, path: str, accept: str | None, arguments: dict) -> httpx.Response:
    arguments = {**arguments, "headers": {**arguments.get("headers", {}), **({"Accept": accept} if accept else {})}}
    return httpx.request(method, base + path, timeout=30, **arguments)


@pytest.mark.parametrize("method, path, arguments, status, phrase", ERRORS)
def test_errors_are_problem_documents_or_one_line(crampkg_endpoint, method, path, arguments, status, phrase) -> None:
    base = crampkg_endpoint.removesuffix("/sparql")
    # a query that runs needs a results format first (Accept: text/plain alone is 406 for a SELECT)
    runs = status == 413
    for accept in PROBLEM_ACCEPTS:
        if runs and accept == "application/problem+json":
            continue
        response = _call(base, method, path, accept, arguments)
        assert response.status_code == status, (accept, response.text)
        assert response.headers["content-type"] == "application/problem+json", accept
        problem = response.json()
        assert problem["status"] == status and problem["title"] and problem["type"] == "about:blank"
        assert phrase in problem["detail"], problem
        assert not re.search(r"[A-Z][a-z]+Error\b", response.text), response.text
        assert_no_traceback(response.text)
    for accept in TEXT_ACCEPTS:
        if runs and accept == "text/plain":
            continue
        response = _call(base, method, path, accept, arguments)
        assert response.status_code == status, (accept, response.text)
        assert response.headers["content-type"].startswith("text/plain"), accept
        assert response.text.endswith("\n") and response.text.count("\n") == 1, response.text
        assert phrase in response.text
        assert not re.search(r"[A-Z][a-z]+Error\b", response.text), response.text
        assert_no_traceback(response.text)


@pytest.mark.parametrize("method, path, allow", [
    ("PUT", "/sparql", "GET, HEAD, POST"), ("DELETE", "/sparql", "GET, HEAD, POST"),
    ("PATCH", "/sparql", "GET, HEAD, POST"), ("POST", "/sparql", "GET, HEAD, POST"),  # an update
    ("GET", "/explain", "POST"), ("PUT", "/explain", "POST"), ("DELETE", "/health", "GET, HEAD"),
    ("POST", "/openapi.json", "GET, HEAD"),
    *((m, p, "") for p in ("/rdf-graph-store", "/store", "/data", "/update") for m in ("GET", "PUT", "POST", "DELETE")),
])
def test_every_405_says_allow(crampkg_endpoint, method: str, path: str, allow: str) -> None:
    base = crampkg_endpoint.removesuffix("/sparql")
    arguments = {"data": {"update": "DROP ALL"}} if method == "POST" and path == "/sparql" else {}
    response = httpx.request(method, base + path, timeout=30, **arguments)
    assert response.status_code == 405, response.text
    assert "allow" in response.headers
    assert response.headers["allow"] == allow
    assert_no_traceback(response.text)


def test_row_cap_message(crampkg_endpoint) -> None:
    capped = httpx.get(crampkg_endpoint, params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 20000"},
                       timeout=30)
    assert capped.status_code == 413
    assert "at most 10000 rows; add a smaller LIMIT" in capped.text
    unlimited = httpx.get(crampkg_endpoint, params={"query": "CONSTRUCT WHERE { ?a ?b ?c . ?d ?e ?f }"}, timeout=30)
    assert unlimited.status_code == 413 and "at most 10000 triples" in unlimited.text
    assert "add LIMIT" in unlimited.text
    assert httpx.get(crampkg_endpoint, params={"query": "SELECT * WHERE { ?a ?b ?c } LIMIT 10000"},
                     timeout=30).status_code == 200


def test_explain_errors_are_problem_documents_too(crampkg_endpoint) -> None:
    base = crampkg_endpoint.removesuffix("/sparql")
    response = httpx.post(f"{base}/explain", json={"present": ["calf cramp at nite"]}, timeout=30)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["title"] == "Bad Request" and "calf cramp at nite" in body["detail"]
    assert "calf cramp at night" in body["error"]["suggestions"]


# ---------------------------------------------------------------------- crampkg: the OpenAPI document
@pytest.fixture(scope="module")
def openapi(crampkg_endpoint) -> dict:
    return httpx.get(crampkg_endpoint.removesuffix("/sparql") + "/openapi.json", timeout=30).json()


def test_openapi_lists_every_parameter_the_server_reads(openapi) -> None:
    sparql = openapi["paths"]["/sparql"]
    read = {"format", "output", "results", "default-graph-uri", "named-graph-uri"}
    assert read | {"query"} == {p["name"] for p in sparql["get"]["parameters"]}
    assert read == {p["name"] for p in sparql["post"]["parameters"]}
    form = sparql["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert read | {"query"} == set(form["properties"])
    assert {"application/sparql-query", "application/x-www-form-urlencoded"} == set(
        sparql["post"]["requestBody"]["content"])


def test_openapi_format_names_are_exactly_the_accepted_ones(crampkg_endpoint, openapi) -> None:
    import jsonschema

    parameter = next(p for p in openapi["paths"]["/sparql"]["get"]["parameters"] if p["name"] == "format")
    names = parameter["schema"]["items"]["anyOf"][0]["enum"]
    assert {"json", "xml", "csv", "tsv", "turtle", "n3", "ntriples", "nt", "rdf+xml", "rdfxml", "json-ld",
            "jsonld"} <= set(names)
    for name in names:  # each documented name is accepted (for one form or the other)
        for query in (QUERIES["SELECT"], QUERIES["CONSTRUCT"]):
            response = httpx.get(crampkg_endpoint, params={"query": query, "format": name}, timeout=30)
            assert response.status_code == 200, (name, response.text)
    schema = parameter["schema"]["items"]
    for value in ["bogus", "jsn"]:  # rejected by the document and by the server alike
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(value, schema)
        assert httpx.get(crampkg_endpoint, params={"query": "ASK {}", "format": value}, timeout=30).status_code == 400
    jsonschema.validate("application/sparql-results+json", schema)


def test_openapi_documents_every_status_and_media_type(crampkg_endpoint, openapi) -> None:
    import jsonschema

    responses = openapi["paths"]["/sparql"]["get"]["responses"]
    assert {"200", "400", "403", "405", "406", "413", "503"} <= set(responses)
    for media in responses["200"]["content"]:
        form = "SELECT" if "sparql-results" in media or media.startswith("text/") and media != "text/turtle" \
            else "CONSTRUCT"
        response = httpx.get(crampkg_endpoint, params={"query": QUERIES[form]}, headers={"Accept": media}, timeout=30)
        assert response.status_code == 200 and response.headers["content-type"].startswith(media), media
    problem_schema = openapi["components"]["schemas"]["Problem"]
    for method, path, arguments, status, _ in ERRORS:
        response = _call(crampkg_endpoint.removesuffix("/sparql"), method, path,
                         "application/problem+json, application/sparql-results+json;q=0.5", arguments)
        jsonschema.validate(response.json(), problem_schema)
        if path == "/sparql" and method in ("GET", "POST"):
            documented = openapi["paths"]["/sparql"][method.lower()]["responses"]
            assert str(status) in documented and "application/problem+json" in documented[str(status)]["content"]
