"""Build the Protégé-ready release: one RDF/XML file from the Turtle sources.

``ontology/crampkg.ttl`` and ``ontology/content/*.ttl`` are merged into one graph
and written as ``ontology/crampkg.owl`` (RDF/XML, which Protégé, ROBOT and
owlready2 all read). The ontology header (IRI, versionIRI, title, description,
license, source) comes from ``crampkg.ttl`` and is written first.

The output is deterministic: blank nodes get canonical labels
(:func:`rdflib.compare.to_canonical_graph`), subjects and their properties are
written in sorted order and namespace declarations are fixed, so rebuilding
from unchanged sources gives identical bytes (the test suite relies on that to
check that the committed release is in sync). The file is written atomically.

rdflib's own RDF/XML serializers are not used because their output order
depends on set iteration (and so on ``PYTHONHASHSEED``) and on random blank
node ids.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from ..errors import KnowledgeBaseError
from ..io.files import atomic_write_bytes
from ..kb import resources

if TYPE_CHECKING:
    import rdflib
    from rdflib.term import Node

__all__ = ["build_release", "load_sources", "render_rdfxml"]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_OWL = "http://www.w3.org/2002/07/owl#"

#: Fixed prefixes of the release, in the order they are declared.
PREFIXES: tuple[tuple[str, str], ...] = (
    ("rdf", _RDF),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("owl", _OWL),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("oboInOwl", "http://www.geneontology.org/formats/oboInOwl#"),
    ("obo", "http://purl.obolibrary.org/obo/"),
    ("crampkg", "https://w3id.org/crampkg/"),
)

# The rdf:type written as the element name of a subject (OWLAPI style), by priority.
_NODE_TYPES = (
    _OWL + "Ontology",
    _OWL + "Class",
    _OWL + "ObjectProperty",
    _OWL + "DatatypeProperty",
    _OWL + "AnnotationProperty",
    _OWL + "Axiom",
    _OWL + "Restriction",
    _OWL + "AllDisjointClasses",
    _OWL + "NamedIndividual",
)

_NCNAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def load_sources(sources: Iterable[Path] | None = None) -> rdflib.Graph:
    """Parse the Turtle sources (default: :func:`crampkg.kb.resources.ontology_sources`) into one graph."""
    import rdflib

    graph = rdflib.Graph()
    for path in sources if sources is not None else resources.ontology_sources():
        try:
            graph.parse(path, format="turtle")
        except FileNotFoundError as exc:
            raise KnowledgeBaseError(f"ontology source not found: {path}") from exc
        except Exception as exc:  # rdflib raises several parser-specific types
            raise KnowledgeBaseError(f"cannot parse ontology source {path}: {exc}") from exc
    return graph


def build_release(out: Path | None = None, sources: Iterable[Path] | None = None) -> Path:
    """Merge the Turtle sources into one RDF/XML file and return its path.

    ``out`` defaults to :func:`crampkg.kb.resources.release_path` (``ontology/crampkg.owl``);
    ``sources`` to :func:`crampkg.kb.resources.ontology_sources`. The file is replaced
    atomically: on any error the previous release is left intact.
    """
    target = Path(out) if out is not None else resources.release_path()
    data = render_rdfxml(load_sources(sources))
    return atomic_write_bytes(target, data)


def render_rdfxml(graph: rdflib.Graph) -> bytes:
    """Serialise ``graph`` as deterministic, OWL-friendly RDF/XML (UTF-8 bytes)."""
    from rdflib.compare import to_canonical_graph

    return _Writer(to_canonical_graph(graph)).render().encode("utf-8")


class _Writer:
    def __init__(self, graph: rdflib.Graph) -> None:
        from rdflib import BNode, URIRef

        self.g = graph
        self.BNode, self.URIRef = BNode, URIRef
        self.ns_of = dict((ns, prefix) for prefix, ns in PREFIXES)
        self.extra_ns: dict[str, str] = {}
        self.lines: list[str] = []
        self.written: set[Node] = set()
        # How often each blank node is an object: inline it only when exactly once.
        self.bnode_refs: Counter[Node] = Counter(
            o for o in graph.objects() if isinstance(o, BNode)
        )
        self._collect_extra_namespaces()

    # -- names -----------------------------------------------------------------

    def _split(self, iri: str) -> tuple[str, str]:
        for sep in ("#", "/"):
            if sep in iri:
                ns, local = iri.rsplit(sep, 1)
                ns += sep
                if _NCNAME_RE.match(local):
                    return ns, local
        # e.g. obo:IAO_0000115 ends in a valid NCName after the last "/", so this is rare
        raise KnowledgeBaseError(f"cannot write {iri} as an RDF/XML element name")

    def _collect_extra_namespaces(self) -> None:
        from rdflib import RDF

        names = {str(p) for p in self.g.predicates()}
        names |= {str(t) for t in self.g.objects(None, RDF.type) if isinstance(t, self.URIRef)}
        extra = sorted({self._split(n)[0] for n in names} - set(self.ns_of))
        for i, ns in enumerate(extra, start=1):
            self.extra_ns[ns] = f"ns{i}"

    def qname(self, iri: str) -> str:
        ns, local = self._split(iri)
        prefix = self.ns_of.get(ns) or self.extra_ns[ns]
        return f"{prefix}:{local}"

    # -- ordering ---------------------------------------------------------------

    @staticmethod
    def _key(term: Node) -> tuple[int, str, str, str]:
        from rdflib import BNode, Literal

        if isinstance(term, Literal):
            return (2, str(term), term.language or "", str(term.datatype or ""))
        if isinstance(term, BNode):
            return (1, str(term), "", "")
        return (0, str(term), "", "")

    def _node_type(self, subject: Node) -> str | None:
        from rdflib import RDF

        types = {str(t) for t in self.g.objects(subject, RDF.type) if isinstance(t, self.URIRef)}
        for candidate in _NODE_TYPES:
            if candidate in types:
                return candidate
        return min(types) if types else None

    # -- output -----------------------------------------------------------------

    def render(self) -> str:
        from rdflib import RDF, BNode, URIRef

        self.lines.append('<?xml version="1.0" encoding="utf-8"?>')
        decls = [*PREFIXES, *((p, ns) for ns, p in sorted(self.extra_ns.items(), key=lambda x: x[1]))]
        attrs = "".join(f"\n    xmlns:{p}={quoteattr(ns)}" for p, ns in decls)
        self.lines.append(f"<rdf:RDF{attrs}>")

        ontologies = sorted(
            (s for s in self.g.subjects(RDF.type, URIRef(_OWL + "Ontology")) if isinstance(s, URIRef)),
            key=str,
        )
        iri_subjects = sorted(
            {s for s in self.g.subjects() if isinstance(s, URIRef)} - set(ontologies), key=str
        )
        for subject in [*ontologies, *iri_subjects]:
            self._subject(subject, 1)
        # Blank nodes not inlined (no or several references), in canonical order.
        for node in sorted({s for s in self.g.subjects() if isinstance(s, BNode)}, key=str):
            if node not in self.written:
                self._subject(node, 1)
        self.lines.append("</rdf:RDF>")
        return "\n".join(self.lines) + "\n"

    def _subject(self, subject: Node, depth: int) -> None:
        from rdflib import RDF, BNode

        self.written.add(subject)
        pad = "    " * depth
        node_type = self._node_type(subject)
        element = self.qname(node_type) if node_type else "rdf:Description"
        if isinstance(subject, BNode):
            # Referenced once: nested, needs no id. Otherwise: a canonical nodeID.
            ident = "" if self.bnode_refs[subject] == 1 and depth > 1 else f" rdf:nodeID={quoteattr(self._node_id(subject))}"
        else:
            ident = f" rdf:about={quoteattr(str(subject))}"
        props = sorted(
            (
                (p, o)
                for p, o in self.g.predicate_objects(subject)
                if not (p == RDF.type and node_type is not None and str(o) == node_type)
            ),
            key=lambda po: (str(po[0]), self._key(po[1])),
        )
        if not props:
            self.lines.append(f"{pad}<{element}{ident}/>")
            return
        self.lines.append(f"{pad}<{element}{ident}>")
        for predicate, obj in props:
            self._property(str(predicate), obj, depth + 1)
        self.lines.append(f"{pad}</{element}>")

    def _property(self, predicate: str, obj: Node, depth: int) -> None:
        from rdflib import BNode, Literal

        pad = "    " * depth
        name = self.qname(predicate)
        if isinstance(obj, Literal):
            text = str(obj)
            if _XML_ILLEGAL_RE.search(text):
                raise KnowledgeBaseError(f"literal of {predicate} has characters XML 1.0 cannot hold: {text!r}")
            attr = ""
            if obj.language:
                attr = f" xml:lang={quoteattr(obj.language)}"
            elif obj.datatype is not None:
                attr = f" rdf:datatype={quoteattr(str(obj.datatype))}"
            self.lines.append(f"{pad}<{name}{attr}>{escape(text, {chr(13): '&#13;'})}</{name}>")
        elif isinstance(obj, BNode) and self.bnode_refs[obj] == 1 and obj not in self.written:
            items = self._list_items(obj)
            if items is not None:
                self.lines.append(f'{pad}<{name} rdf:parseType="Collection">')
                for item in items:
                    if isinstance(item, BNode):
                        self._subject(item, depth + 1)
                    else:
                        self.lines.append(f"{pad}    <rdf:Description rdf:about={quoteattr(str(item))}/>")
                self.lines.append(f"{pad}</{name}>")
            else:
                self.lines.append(f"{pad}<{name}>")
                self._subject(obj, depth + 1)
                self.lines.append(f"{pad}</{name}>")
        elif isinstance(obj, BNode):
            self.lines.append(f"{pad}<{name} rdf:nodeID={quoteattr(self._node_id(obj))}/>")
        else:
            self.lines.append(f"{pad}<{name} rdf:resource={quoteattr(str(obj))}/>")

    def _list_items(self, head: Node) -> list[Node] | None:
        """The members of a well-formed RDF list starting at ``head`` (else None).

        Well-formed: every cell is a blank node referenced once, with exactly one
        rdf:first, one rdf:rest and nothing else, and members that are IRIs or
        blank nodes referenced once (literals cannot appear in parseType=Collection).
        """
        from rdflib import RDF, BNode, URIRef

        items: list[Node] = []
        cell: Node = head
        seen: set[Node] = set()
        while cell != RDF.nil:
            if not isinstance(cell, BNode) or cell in seen or self.bnode_refs[cell] != 1:
                return None
            seen.add(cell)
            pairs = list(self.g.predicate_objects(cell))
            firsts = [o for p, o in pairs if p == RDF.first]
            rests = [o for p, o in pairs if p == RDF.rest]
            if len(pairs) != 2 or len(firsts) != 1 or len(rests) != 1:
                return None
            item = firsts[0]
            if not (isinstance(item, URIRef) or (isinstance(item, BNode) and self.bnode_refs[item] == 1)):
                return None
            items.append(item)
            cell = rests[0]
        if not items:
            return None
        self.written.update(seen)
        return items

    @staticmethod
    def _node_id(node: Node) -> str:
        text = re.sub(r"[^A-Za-z0-9_]", "_", str(node))
        return text if _NCNAME_RE.match(text) else f"b{text}"
