"""The ``crampkg`` command line: the group (:mod:`.main`) and one module per command family.

``browse`` (findings, causes, strengths), ``explain``, ``maintain`` (check, export, build-release),
``sparql`` (query, sparql, serve); ``report`` renders an answer as text. ``crampkg = crampkg.cli:main``.
"""

from .main import get_kb, main

__all__ = ["get_kb", "main"]
