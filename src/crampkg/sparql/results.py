"""Content negotiation and serialization of SPARQL results (run inside the query workers).

SELECT and ASK results: SPARQL JSON, XML, CSV and TSV. CONSTRUCT and DESCRIBE
results: Turtle, N-Triples, RDF/XML and JSON-LD (all by pyoxigraph). The
serializers take terms that were already collected (so the worker can enforce
the row cap before writing anything).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from ..errors import NotAcceptableError

if TYPE_CHECKING:
    import pyoxigraph as ox

    Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
    """A term of a SELECT solution."""

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
PREFIXES = {
    "ck": "https://w3id.org/crampkg/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "IAO": "http://purl.obolibrary.org/obo/IAO_",
    "oboInOwl": "http://www.geneontology.org/formats/oboInOwl#",
    "dcterms": "http://purl.org/dc/terms/",
}


@dataclass(frozen=True, slots=True)
class Format:
    """A result format: short name (also the ``format=`` parameter) and media type."""

    name: str
    media_type: str


SOLUTION_FORMATS = (
    Format("json", "application/sparql-results+json"),
    Format("xml", "application/sparql-results+xml"),
    Format("csv", "text/csv"),
    Format("tsv", "text/tab-separated-values"),
)
GRAPH_FORMATS = (
    Format("turtle", "text/turtle"),
    Format("nt", "application/n-triples"),
    Format("rdfxml", "application/rdf+xml"),
    Format("jsonld", "application/ld+json"),
)
_GRAPH_FORMS = frozenset({"CONSTRUCT", "DESCRIBE", "GRAPH"})
FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {}
"""Every format name and media type a client may give (``format=`` / ``output=`` / ``results=``, or in
Accept), lower case, to the format it means for (SELECT and ASK, CONSTRUCT and DESCRIBE); None where it
means nothing for that form. The names are those of Fuseki, Virtuoso and SPARQLWrapper."""
for _keys, _meaning in [
    (("json", "application/json", "text/javascript", "application/javascript"), ("json", "jsonld")),
    (("srj", "sparql-results+json", "application/sparql-results+json"), ("json", None)),
    (("xml", "application/xml", "text/xml"), ("xml", "rdfxml")),
    (("srx", "sparql-results+xml", "application/sparql-results+xml"), ("xml", None)),
    (("csv", "text/csv"), ("csv", None)),
    (("tsv", "text/tab-separated-values"), ("tsv", None)),
    (("turtle", "ttl", "text/turtle", "application/turtle", "application/x-turtle"), (None, "turtle")),
    # N3 is a superset of Turtle: a Turtle document is an N3 document
    (("n3", "text/n3", "text/rdf+n3", "application/n3"), (None, "turtle")),
    (("nt", "ntriples", "n-triples", "application/n-triples", "text/plain"), (None, "nt")),
    (("rdfxml", "rdf+xml", "rdf/xml", "rdf", "xml-rdf", "application/rdf+xml"), (None, "rdfxml")),
    (("jsonld", "json-ld", "application/ld+json", "application/x-json+ld"), (None, "jsonld")),
]:
    FORMAT_NAMES.update(dict.fromkeys(_keys, _meaning))
SHORT_FORMAT_NAMES = tuple(k for k in FORMAT_NAMES if "/" not in k)


def formats_for(form: str) -> tuple[Format, ...]:
    """The formats a query form can be answered in (first = default)."""
    return GRAPH_FORMATS if form in _GRAPH_FORMS else SOLUTION_FORMATS


def format_values(values: list[str] | tuple[str, ...] | str | None) -> list[str]:
    """The format names and media types in ``format`` / ``output`` / ``results`` values, in order.

    A value may list several (``application/ld+json,application/x-json+ld``, as SPARQLWrapper sends);
    media type parameters are dropped, empty values ignored. A name that is no format at all (not a
    media type either) is :class:`~crampkg.errors.UnknownFormatError` (400); a media type this
    endpoint does not produce is kept (it cannot be met, and the Accept header then decides).
    """
    from ..errors import UnknownFormatError

    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    keys: list[str] = []
    for value in values:
        for piece in value.split(",")[:20]:
            key = piece.split(";")[0].strip().lower()
            if not key:
                continue
            if key not in FORMAT_NAMES and "/" not in key:
                raise UnknownFormatError(
                    f"unknown format {piece.strip()[:100]!r}; use one of {', '.join(SHORT_FORMAT_NAMES)} "
                    "or a media type")
            keys.append(key)
    return keys


def negotiate(form: str, accept: str | None, override: str | list[str] | None = None) -> Format:
    """Pick the format for a query form from ``format=`` values (``override``) or the Accept header.

    The first value that names a format of this query form wins (``json`` is SPARQL JSON for SELECT
    and ASK, JSON-LD for CONSTRUCT and DESCRIBE; ``xml`` SPARQL XML or RDF/XML); when none can be
    met (``format=csv`` on a CONSTRUCT) the Accept header decides, as when no value is given.
    """
    offered = formats_for(form)
    by_name = {f.name: f for f in offered}
    graph = form in _GRAPH_FORMS
    keys = format_values(override)
    for key in keys:
        meaning = FORMAT_NAMES.get(key)
        name = meaning and meaning[1 if graph else 0]
        if name:
            return by_name[name]
    try:
        return _from_accept(form, offered, accept)
    except NotAcceptableError as exc:
        if keys:
            asked = override if isinstance(override, str) else ",".join(override or ())
            raise NotAcceptableError(f"format {asked[:200]!r} is not available for {form} "
                                     f"(use one of {', '.join(by_name)}), and {exc}") from None
        raise


def _from_accept(form: str, offered: tuple[Format, ...], accept: str | None) -> Format:
    by_name = {f.name: f for f in offered}
    graph = form in _GRAPH_FORMS
    if not accept or not accept.strip():
        return offered[0]
    ranges: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")[:50]):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        quality = 1.0
        for param in pieces[1:]:
            if param.lower().startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            ranges.append((-quality, position, media))
    for _, _, media in sorted(ranges):
        meaning = FORMAT_NAMES.get(media) if "/" in media else None
        name = meaning and meaning[1 if graph else 0]
        if name:
            return by_name[name]
        if media in {"*/*", "*"}:
            return offered[0]
        if media.endswith("/*"):
            major = media[:-1]
            for fmt in offered:
                if fmt.media_type.startswith(major):
                    return fmt
    raise NotAcceptableError(
        f"none of the accepted types ({accept[:200]}) is available for {form}; "
        f"offered: {', '.join(f.media_type for f in offered)}")


_LIMIT = re.compile(r"\bLIMIT\s+(\d{1,18})\b", re.IGNORECASE)


def too_many_message(cap: int, unit: str, query: str) -> str:
    """What to say when a result passes the row (``unit="rows"``) or triple cap: the cap, and a
    smaller LIMIT when the query already has one over it (``LIMIT 20000``), else to add one."""
    limits = [int(m) for m in _LIMIT.findall(query)]
    advice = "add a smaller LIMIT" if any(n > cap for n in limits) else "add LIMIT"
    return (f"the result has more than {cap} {unit}, and this endpoint returns at most {cap} {unit}; "
            f"{advice} (at most {cap}, with OFFSET to page through the rest)")


# ---------------------------------------------------------------------- solutions
def _json_term(term: Term) -> dict[str, str]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype and term.datatype.value not in {XSD_STRING, RDF_LANG_STRING}:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "literal", "value": str(term)}


def _xml_term(term: Term) -> str:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{xml_escape(term.value)}</literal>"
        if term.datatype and term.datatype.value not in {XSD_STRING, RDF_LANG_STRING}:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{xml_escape(term.value)}</literal>"
        return f"<literal>{xml_escape(term.value)}</literal>"
    return f"<literal>{xml_escape(str(term))}</literal>"


def _csv_value(term: Term | None) -> str:
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def _xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (literals may hold them)."""
    return "".join(c for c in text if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd")
                   or c >= "\U00010000")


def serialize_solutions(variables: list[str], rows: list[list[Term | None]], fmt: Format) -> bytes:
    """SELECT results (``rows`` of pyoxigraph terms or None, in ``variables`` order) as ``fmt``."""
    if fmt.name == "json":
        bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    if fmt.name == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        out.append("</head>\n<results>")
        for row in rows:
            out.append("<result>")
            out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                    for v, t in zip(variables, row, strict=True) if t is not None]
            out.append("</result>")
        out.append("</results>\n</sparql>\n")
        return _xml_safe("\n".join(out)).encode("utf-8")
    if fmt.name == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        for row in rows:
            writer.writerow([_csv_value(t) for t in row])
        return buffer.getvalue().encode("utf-8")
    if fmt.name == "tsv":
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise NotAcceptableError(f"format {fmt.name} is not a SPARQL results format")


def serialize_boolean(value: bool, fmt: Format) -> bytes:
    """An ASK result as ``fmt`` (CSV/TSV: a one-column table named ``boolean``)."""
    text = "true" if value else "false"
    if fmt.name == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt.name == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{text}</boolean></sparql>\n").encode()
    if fmt.name == "csv":
        return f"boolean\r\n{text}\r\n".encode()
    return f"?boolean\n{text}\n".encode()


def serialize_triples(triples: list[ox.Triple], fmt: Format) -> bytes:
    """CONSTRUCT / DESCRIBE triples (pyoxigraph Triples) as Turtle, N-Triples, RDF/XML or JSON-LD."""
    import pyoxigraph as ox

    rdf_format = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                  "rdfxml": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD}[fmt.name]
    prefixes = PREFIXES if fmt.name in {"turtle", "rdfxml"} else None
    data = ox.serialize(triples, format=rdf_format, prefixes=prefixes)
    return data if data is not None else b""
