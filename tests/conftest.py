"""Shared fixtures: one knowledge base per test session (it is immutable)."""

from __future__ import annotations

import pytest

from conftest_validation import base_graph, kb_graph  # noqa: F401 (fixtures of the validation, QC and release tests)
from crampkg import KnowledgeBase


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()
