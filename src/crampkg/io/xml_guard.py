"""Refusing XML that declares a DOCTYPE or entities, before any RDF/XML parser sees it.

pyoxigraph's RDF/XML parser has no entity-expansion limit (a 1 KB "billion
laughs" file grows to gigabytes), and rdflib's is quadratic on long literals.
RDF/XML needs neither a DOCTYPE nor entity declarations, so crampkg refuses
any RDF/XML input that has one: a knowledge base file given with ``--kb`` or
``KnowledgeBase.load(path)``. (The project's own release, ``crampkg.owl``, has
none; a test keeps it so.)
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import KnowledgeBaseError

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_OVERLAP = 16
RDF_XML_SUFFIXES = frozenset({".owl", ".rdf", ".xml"})


def _refuse(where: str, line: int, kind: bytes) -> KnowledgeBaseError:
    return KnowledgeBaseError(
        f"{where}: line {line}: XML {kind.decode().upper()} declarations are refused "
        "(RDF/XML needs none; they allow entity-expansion attacks)")


def check_xml_bytes(data: bytes, where: str) -> None:
    """Raise :class:`KnowledgeBaseError` if ``data`` declares a DOCTYPE or an entity."""
    match = _DECLARATION.search(data)
    if match:
        raise _refuse(where, data.count(b"\n", 0, match.start()) + 1, match.group(1))


def check_xml_file(path: Path, chunk: int = 1 << 20) -> None:
    """:func:`check_xml_bytes` on a file, read in chunks that overlap so nothing straddles unseen."""
    with path.open("rb") as handle:
        carried, lines_before = b"", 0
        while block := handle.read(chunk):
            data = carried + block
            match = _DECLARATION.search(data)
            if match:
                raise _refuse(str(path), lines_before + data.count(b"\n", 0, match.start()) + 1, match.group(1))
            carried = data[-_OVERLAP:]
            lines_before += data.count(b"\n") - carried.count(b"\n")
