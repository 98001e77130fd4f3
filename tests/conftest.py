"""Shared fixtures: one knowledge base per test session (it is immutable)."""

from __future__ import annotations

import pytest

from crampkg import KnowledgeBase


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()
