"""Patient cases as files or request bodies: JSON or Turtle in, finding names out.

JSON: ``{"present": ["calf cramp at night", ...], "absent": [...], "id": "optional"}``.

Turtle: a node typed as patient case (``crampkg:CRAMPKG_0000023``) with
``CRAMPKG_0000041`` (has present finding) and ``CRAMPKG_0000042`` (has absent
finding) pointing at finding IRIs::

    @prefix ck: <https://w3id.org/crampkg/> .
    <#me> a ck:CRAMPKG_0000023 ;
        ck:CRAMPKG_0000041 ck:CRAMPKG_0000101 , ck:CRAMPKG_0000120 ;
        ck:CRAMPKG_0000042 ck:CRAMPKG_0000150 .

A Turtle case is parsed with pyoxigraph (no DOCTYPE, no remote contexts, no
entity expansion), checked term by term (no RDF 1.2 triple terms or base
directions, literals and IRIs of bounded length, at most ``MAX_CASE_TRIPLES``
triples), and the triples themselves (not the text: rdflib's Turtle parser
disagrees with pyoxigraph's and is quadratic in ``@prefix`` lines) are validated
by the SHACL case shapes shipped with the project. The server does this in a
worker process that is stopped after its time limit. Every error is a :class:`CaseFormatError` with a line and column
where the parser gives one. Whether each finding exists is checked later,
with suggestions, by the knowledge base.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from ..errors import CaseFormatError
from ..kb import vocab as V

if TYPE_CHECKING:
    import pyoxigraph as ox
    import rdflib

    OxTerm: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

MAX_CASE_BYTES = 1_000_000
MAX_FINDINGS = 200
MAX_NAME_LENGTH = 300
MAX_CASE_TRIPLES = 2_000


@dataclass(frozen=True, slots=True)
class Case:
    """The findings of one person, as given (names, ids or IRIs; not yet resolved)."""

    present: tuple[str, ...]
    absent: tuple[str, ...] = ()
    id: str | None = None


def _has_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_names(values: object, key: str) -> tuple[str, ...]:
    if not isinstance(values, list):
        raise CaseFormatError(f"{key!r} must be a list of finding names, got {type(values).__name__}")
    if len(values) > MAX_FINDINGS:
        raise CaseFormatError(f"{key!r} has {len(values)} findings; at most {MAX_FINDINGS} are accepted")
    for position, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise CaseFormatError(f"{key}[{position}] must be a non-empty string, got {value!r}")
        if len(value) > MAX_NAME_LENGTH:
            raise CaseFormatError(f"{key}[{position}] is longer than {MAX_NAME_LENGTH} characters")
        if _has_surrogate(value):
            raise CaseFormatError(f"{key}[{position}] is not valid Unicode (a lone surrogate such as \\ud800)")
    return tuple(values)


def case_from_mapping(data: object) -> Case:
    """Validate a decoded JSON object as a case."""
    if not isinstance(data, dict):
        raise CaseFormatError(f"a case must be a JSON object with 'present' and 'absent', got {type(data).__name__}")
    unknown = sorted(set(data) - {"present", "absent", "id"})
    if unknown:
        raise CaseFormatError(f"unknown key(s) in case: {', '.join(unknown)}; allowed: present, absent, id")
    present = _check_names(data.get("present", []), "present")
    absent = _check_names(data.get("absent", []), "absent")
    if not present and not absent:
        raise CaseFormatError("a case needs at least one present or absent finding")
    case_id = data.get("id")
    if case_id is not None and not isinstance(case_id, str):
        raise CaseFormatError("'id' must be a string")
    if case_id is not None and (len(case_id) > MAX_NAME_LENGTH or _has_surrogate(case_id)):
        raise CaseFormatError(f"'id' must be valid Unicode of at most {MAX_NAME_LENGTH} characters")
    return Case(present, absent, case_id)


def parse_json_case(data: bytes | str) -> Case:
    """Parse a JSON case; malformed JSON reports the parser's line and column."""
    if len(data) > MAX_CASE_BYTES:
        raise CaseFormatError(f"case is larger than {MAX_CASE_BYTES} bytes")
    try:
        decoded = json.loads(data)
    except json.JSONDecodeError as exc:
        raise CaseFormatError(f"malformed JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    except UnicodeDecodeError as exc:
        raise CaseFormatError(f"case is not UTF-8: {exc.reason}") from None
    except RecursionError:
        raise CaseFormatError("malformed JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits (Python's int-string limit)
        raise CaseFormatError(f"malformed JSON: {str(exc)[:200]}") from None
    return case_from_mapping(decoded)


_CLIMBING_IRI = re.compile(rb"<(?:\.\.?/|/)|<[^<>\s]*/\.\.(?:/|>)")
_POSITION = re.compile(r"line (\d+)(?:, column (\d+))?|(\d+):(\d+)")


def parse_turtle_case(data: bytes | str) -> Case:
    """Parse and SHACL-validate a Turtle case (exactly one patient case node)."""
    import pyoxigraph as ox

    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_CASE_BYTES:
        raise CaseFormatError(f"case is larger than {MAX_CASE_BYTES} bytes")
    try:
        triples = list(ox.parse(raw, format=ox.RdfFormat.TURTLE, base_iri="urn:crampkg:case:"))
    except SyntaxError as exc:
        line, column = _syntax_position(exc)
        raise CaseFormatError(f"malformed Turtle: {_first_line(exc)}", line=line, column=column) from None
    except ValueError as exc:
        raise CaseFormatError(f"malformed Turtle: {_first_line(exc)}") from None
    if _CLIMBING_IRI.search(raw):
        raise CaseFormatError("relative IRIs that leave the case document (<../x>, </x>) are not accepted")
    if len(triples) > MAX_CASE_TRIPLES:
        raise CaseFormatError(f"the case has {len(triples)} triples; at most {MAX_CASE_TRIPLES} are accepted")
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            _check_term(term)
    _validate_shapes(triples)
    cases = sorted({t.subject.value for t in triples
                    if t.predicate.value == V.RDF_TYPE and t.object.value == V.PATIENT_CASE})
    if len(cases) != 1:
        raise CaseFormatError(f"a Turtle case must describe exactly one patient case ({V.PATIENT_CASE}), found {len(cases)}")
    subject = cases[0]

    def objects(predicate: str) -> tuple[str, ...]:
        return tuple(sorted(t.object.value for t in triples
                            if t.subject.value == subject and t.predicate.value == predicate))

    ids = objects(V.CASE_IDENTIFIER)
    return Case(objects(V.HAS_PRESENT_FINDING), objects(V.HAS_ABSENT_FINDING), ids[0] if ids else None)


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _syntax_position(exc: SyntaxError) -> tuple[int | None, int | None]:
    if getattr(exc, "lineno", None):
        return exc.lineno, getattr(exc, "offset", None)
    match = _POSITION.search(str(exc))
    if not match:
        return None, None
    if match.group(1):
        return int(match.group(1)), int(match.group(2)) if match.group(2) else None
    return int(match.group(3)), int(match.group(4))


def _check_term(term: OxTerm) -> None:
    """Refuse what a case never needs and rdflib cannot take (RDF 1.2, huge literals, odd IRIs)."""
    import pyoxigraph as ox

    if isinstance(term, ox.Triple):
        raise CaseFormatError("RDF 1.2 triple terms and reifiers (<<( )>>, {| |}, ~) are not accepted in a case")
    if isinstance(term, ox.Literal):
        if getattr(term, "direction", None) is not None:
            raise CaseFormatError("literals with a base direction (@en--ltr) are not accepted in a case")
        if len(term.value) > MAX_NAME_LENGTH:
            raise CaseFormatError(f"a literal in the case is longer than {MAX_NAME_LENGTH} characters")
    elif isinstance(term, ox.NamedNode):
        if len(term.value) > 2 * MAX_NAME_LENGTH:
            raise CaseFormatError(f"an IRI in the case is longer than {2 * MAX_NAME_LENGTH} characters")
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$", term.value):
            raise CaseFormatError(f"the IRI <{term.value[:80]}> is not an absolute IRI")


def _to_rdflib(term: OxTerm) -> rdflib.URIRef | rdflib.BNode | rdflib.Literal:
    import pyoxigraph as ox
    import rdflib

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Triple):  # refused by _check_term before
        raise CaseFormatError("RDF 1.2 triple terms are not accepted in a case")
    datatype = term.datatype.value if term.datatype is not None and not term.language else None
    return rdflib.Literal(term.value, lang=term.language or None, datatype=datatype)


def _validate_shapes(triples: list[ox.Triple]) -> None:
    """SHACL-validate the parsed triples (an rdflib graph built from them, not a second parse)."""
    import warnings

    import rdflib

    from ..quality.validation import validate_graph  # pyshacl only on this path

    graph = rdflib.Graph()
    with warnings.catch_warnings():  # an ill-typed literal ("x"^^xsd:integer) stays a literal; SHACL judges it
        warnings.simplefilter("ignore")
        for t in triples:
            graph.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))
    try:
        report = validate_graph(graph, shapes="case")
    except (ValueError, TypeError) as exc:
        raise CaseFormatError(f"the case cannot be validated: {str(exc)[:200]}") from None
    if not report.conforms:
        first = report.violations[0]
        raise CaseFormatError(
            f"case does not conform to the case shapes: {first.message} (focus {first.focus}, path {first.path})"
            + (f" and {len(report.violations) - 1} more" if len(report.violations) > 1 else ""))


def load_case(path: str | Path) -> Case:
    """Read a case file: ``.json`` as JSON, ``.ttl`` as Turtle; others are sniffed."""
    from .files import read_regular_file

    file = Path(path)
    try:  # a regular file only (not /dev/zero, a FIFO, ...), at most MAX_CASE_BYTES whatever st_size says
        data = read_regular_file(file, MAX_CASE_BYTES, what="case file")
    except OSError as exc:
        raise CaseFormatError(str(exc)) from None
    fmt = case_format(file.suffix, data)
    return parse_json_case(data) if fmt == "json" else parse_turtle_case(data)


def case_format(suffix_or_media_type: str, data: bytes) -> str:
    """``json`` or ``turtle``, from a file suffix or media type, else from the first character."""
    hint = suffix_or_media_type.lower()
    if "json" in hint:
        return "json"
    if "turtle" in hint or hint in {".ttl", ".n3", ".nt"}:
        return "turtle"
    return "json" if data.lstrip()[:1] in (b"{", b"[") else "turtle"
