"""RDF/XML with a DOCTYPE or entity declarations is refused before parsing."""

from __future__ import annotations

import pytest

from crampkg import KnowledgeBase, KnowledgeBaseError
from crampkg.io.xml_guard import check_xml_bytes, check_xml_file
from crampkg.kb import resources

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="x">&lol2;</rdf:Description></rdf:RDF>
"""


def test_billion_laughs_is_refused_with_its_line():
    with pytest.raises(KnowledgeBaseError, match="line 2: XML DOCTYPE"):
        check_xml_bytes(LAUGHS, "evil.owl")


def test_declaration_across_a_chunk_boundary_is_found(tmp_path):
    path = tmp_path / "evil.owl"
    path.write_bytes(b"\n" * 10 + b" " * 5 + LAUGHS[LAUGHS.index(b"<!DOCTYPE"):])
    with pytest.raises(KnowledgeBaseError, match="line 11"):
        check_xml_file(path, chunk=8)


def test_loading_such_a_knowledge_base_fails_cleanly(tmp_path):
    path = tmp_path / "evil.owl"
    path.write_bytes(LAUGHS)
    with pytest.raises(KnowledgeBaseError, match="refused"):
        KnowledgeBase.load(path)


def test_the_shipped_release_has_no_declarations():
    check_xml_file(resources.release_path())
