"""The SPARQL console at ``/query`` in a real browser (Playwright driving Debian's headless Chromium)."""

from __future__ import annotations

import re
import urllib.parse

import httpx
import pytest

from _browser import launch, unavailable
from _sparql_server import running_server

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - a test dependency
    sync_playwright = None

pytestmark = pytest.mark.slow

QUERY = """PREFIX ck: <https://w3id.org/crampkg/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?c ?label WHERE { ?c rdfs:subClassOf+ ck:CRAMPKG_0000006 ; rdfs:label ?label FILTER(LANG(?label) = "en") }"""


@pytest.fixture(scope="module")
def server():
    with running_server() as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    if sync_playwright is None:
        unavailable("the Python package playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield pg
    context.close()
    assert not errors, errors


def test_a_shared_query_link_runs_and_shows_a_table_with_term_links(page, tmp_path):
    page.goto(f"/query?{urllib.parse.urlencode({'query': QUERY})}")
    table = page.locator("#out table")
    expect(table).to_contain_text("magnesium deficiency")
    expect(table).to_contain_text("idiopathic leg cramps")
    expect(page.locator("#status")).to_have_text("200 application/sparql-results+json")
    page.screenshot(path=str(tmp_path / "console.png"), full_page=True)
    link = table.get_by_role("link", name="https://w3id.org/crampkg/CRAMPKG_0000301")
    link.click()  # an IRI opens the term: its properties and values
    expect(page.locator("#out table")).to_contain_text("Magnesiummangel")
    assert "CRAMPKG_0000301" in urllib.parse.unquote(page.url)


def test_examples_from_the_queries_folder_and_the_share_button(page, server):
    page.goto("/query")
    page.get_by_label("Example query").select_option("causes_of_finding")
    expect(page.locator("#purpose")).to_contain_text("causes of leg cramps")
    assert "VALUES ?finding { <https://w3id.org/crampkg/CRAMPKG_" in page.locator("#q").input_value()  # bound
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#out table")).to_contain_text("magnesium deficiency")
    page.get_by_role("button", name="Copy link to this query").click()
    # the page sets data-url once the clipboard has answered (asynchronously): wait for it
    expect(page.locator("#share-status")).to_have_attribute("data-url", re.compile(r"/query\?query="))
    link = page.locator("#share-status").get_attribute("data-url")
    assert link.startswith(f"{server}/query?query=")
    again = page.context.new_page()
    again.goto(link)
    expect(again.locator("#out table")).to_contain_text("magnesium deficiency")
    examples = httpx.get(f"{server}/query/examples").json()
    assert {e["name"] for e in examples} >= {"causes_of_finding", "rank_causes", "when_to_see_doctor"}


def test_a_refused_query_shows_the_error_not_a_traceback(page):
    page.goto(f"/query?{urllib.parse.urlencode({'query': 'SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }'})}")
    expect(page.locator("#status")).to_contain_text("403")
    expect(page.locator("#out")).to_contain_text("SERVICE")
    assert "Traceback" not in page.content()


def test_an_old_console_link_at_the_root_still_works(page):
    page.goto(f"/?{urllib.parse.urlencode({'query': QUERY})}")
    assert urllib.parse.urlsplit(page.url).path == "/query"
    expect(page.locator("#out table")).to_contain_text("magnesium deficiency")
