"""Helpers for the browser tests: Debian's Chromium driven by Playwright, and axe-core.

No browser is downloaded: Playwright launches ``/usr/bin/chromium`` (``make test`` installs the
Debian package when it is missing). Outside CI a machine without Chromium or Playwright skips
these tests, saying why; in CI (``CI`` set) that is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CRAMPKG_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def unavailable(reason: str) -> None:
    """Skip, or fail in CI: the browser tests must run there."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser tests: `make test` installs Debian's chromium)")
    pytest.skip(reason)


def launch(playwright):
    path = chromium_path()
    if path is None:
        unavailable("no Chromium at /usr/bin/chromium (apt-get install -y chromium)")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)


def axe_source() -> str:
    """axe-core's browser script, shipped by the test dependency axe-playwright-python (never by crampkg)."""
    from importlib.resources import files

    return files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """The axe-core violations of the page at these impacts (the page's CSP bypassed by the context)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in impacts]
