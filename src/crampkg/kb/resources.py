"""Where the data files (ontology, rules, queries) live.

Installed from a wheel they sit in ``crampkg/_data``; in a source checkout
(editable install) they sit at the repository root. Everything that reads a
data file resolves it through :func:`data_dir`, so both layouts behave alike.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the crampkg package


@cache
def data_dir() -> Path:
    """Return the folder holding ``ontology/``, ``rules/`` and ``queries/``."""
    packaged = _PACKAGE_DIR / "_data"
    if (packaged / "ontology").is_dir():
        return packaged
    source_root = _PACKAGE_DIR.parent.parent
    if (source_root / "ontology").is_dir():
        return source_root
    raise FileNotFoundError(
        f"crampkg data files not found in {packaged} or {source_root}; reinstall the package"
    )


def ontology_dir() -> Path:
    return data_dir() / "ontology"


def ontology_sources() -> list[Path]:
    """The Turtle files whose union is the knowledge base, in a stable order."""
    root = ontology_dir()
    return [root / "crampkg.ttl", *sorted((root / "content").glob("*.ttl"))]


def release_path() -> Path:
    """The Protégé-ready RDF/XML release (built from the Turtle sources)."""
    return ontology_dir() / "crampkg.owl"


def shapes_dir() -> Path:
    return ontology_dir() / "shapes"


def rules_dir() -> Path:
    return data_dir() / "rules"


def queries_dir() -> Path:
    return data_dir() / "queries"


def article_path() -> Path:
    """The source article (a copy of shared/seed/leg-cramps-article.txt), against which quotes are checked."""
    return ontology_dir() / "source" / "leg-cramps-article.txt"


def claims_path() -> Path:
    """The checklist of the article's claims mapped to ontology elements."""
    return data_dir() / "tests" / "data" / "claims.tsv"
