"""The query page at ``/`` in a real browser (headless Chromium), when the machine has one.

Chromium is not a Python package: on a machine without it this test is skipped
(with the reason); the page's HTML and its JavaScript-free parts are covered by
tests/test_server.py either way.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import urllib.parse

import pytest

from _sparql_server import running_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")

QUERY = """PREFIX ck: <https://w3id.org/crampkg/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE { ?c rdfs:subClassOf+ ck:CRAMPKG_0000006 ; rdfs:label ?label FILTER(LANG(?label) = "en") }"""


def dump_dom(url: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=8000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_a_shared_query_link_runs_in_the_browser_and_shows_a_table():
    with running_server() as base:
        dom = dump_dom(f"{base}/?{urllib.parse.urlencode({'query': QUERY})}")
    assert "<table" in dom
    assert "magnesium deficiency" in dom
    assert "idiopathic leg cramps" in dom
    assert "200 application/sparql-results+json" in dom


def test_a_refused_query_shows_the_error_not_a_traceback():
    with running_server() as base:
        dom = dump_dom(f"{base}/?{urllib.parse.urlencode({'query': 'SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }'})}")
    assert "403" in dom
    assert "SERVICE is not allowed" in dom
    assert "Traceback" not in dom
