"""OWL 2 DL reasoning checks with HermiT (through owlready2).

:func:`check_reasoner` renders the knowledge base as RDF/XML (owlready2 does not
read Turtle), loads it into a **new** :class:`owlready2.World` on every call (the
process-wide default world is never touched, so calls do not see each other's
data), runs HermiT and reports whether the ontology is consistent and which
classes are unsatisfiable.

owlready2 is imported inside the function so that importing :mod:`crampkg.owl`
costs nothing on the explain path. Pellet is not offered: the Pellet build
shipped with owlready2 0.50/0.51 does not run on Java 17.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..errors import KnowledgeBaseError

__all__ = ["ReasonerReport", "check_reasoner"]


@dataclass(frozen=True, slots=True)
class ReasonerReport:
    """The outcome of one reasoner run.

    ``consistent`` is False when the ontology has no model at all (then
    ``unsatisfiable`` is empty: HermiT stops before classifying).
    ``unsatisfiable`` lists the IRIs of named classes equivalent to
    ``owl:Nothing``, sorted. ``seconds`` is the wall-clock time of load + reasoning.
    """

    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    seconds: float = 0.0
    reasoner: Literal["HermiT"] = "HermiT"

    @property
    def ok(self) -> bool:
        """Consistent and without unsatisfiable classes."""
        return self.consistent and not self.unsatisfiable


def check_reasoner(sources: list[Path] | None = None) -> ReasonerReport:
    """Run HermiT on the knowledge base and report consistency and unsatisfiable classes.

    ``sources`` are Turtle files (default: :func:`crampkg.kb.resources.ontology_sources`,
    the same files the release is built from); they are merged and rendered as
    RDF/XML in memory. A file ending in ``.owl``, ``.rdf`` or ``.xml`` (for example
    the release) is taken as RDF/XML as it is.

    Raises :class:`~crampkg.errors.KnowledgeBaseError` when Java cannot be found, a
    source cannot be read, or HermiT fails for another reason than inconsistency.
    """
    import owlready2

    java = shutil.which(owlready2.JAVA_EXE)
    if java is None:
        raise KnowledgeBaseError(
            f"the HermiT reasoner needs Java, but {owlready2.JAVA_EXE!r} was not found on PATH; "
            "install a Java runtime (11 or later) or set owlready2.JAVA_EXE"
        )

    rdfxml = _rdfxml(sources)
    tmp_before = _temp_files()
    started = time.perf_counter()
    world = owlready2.World()
    try:
        try:
            ontology = world.get_ontology("https://w3id.org/crampkg/crampkg.owl")
            ontology.load(fileobj=io.BytesIO(rdfxml), reload=True)
        except Exception as exc:  # owlready2's parsers raise assorted types
            raise KnowledgeBaseError(f"owlready2 could not load the ontology: {exc}") from exc
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            seconds = time.perf_counter() - started
            _remove_leaked_input(world, tmp_before)
            return ReasonerReport(False, [], seconds)
        except owlready2.OwlReadyJavaError as exc:
            raise KnowledgeBaseError(f"HermiT failed: {exc}") from exc
        except FileNotFoundError as exc:  # java vanished between which() and the call
            raise KnowledgeBaseError(f"cannot start Java for HermiT: {exc}") from exc
        unsatisfiable = sorted(
            str(cls.iri)
            for cls in world.inconsistent_classes()
            if str(cls.iri) != "http://www.w3.org/2002/07/owl#Nothing"
        )
        return ReasonerReport(True, unsatisfiable, time.perf_counter() - started)
    finally:
        world.close()


def _temp_files() -> set[str]:
    try:
        return set(os.listdir(tempfile.gettempdir()))
    except OSError:
        return set()


def _remove_leaked_input(world: object, before: set[str]) -> None:
    """Delete the N-Triples file owlready2 leaves behind when HermiT finds an inconsistency.

    owlready2 writes the world to a ``NamedTemporaryFile(delete=False)`` and only
    unlinks it after a successful run. Only a new file whose bytes are exactly
    that dump is removed, so a concurrent run's input is never touched.
    """
    import owlready2

    buffer = io.BytesIO()

    def keep(graph: object, s: object, p: object, o: object, d: object) -> bool:
        return bool(p != owlready2.owl_imports)

    try:
        world.save(buffer, format="ntriples", filter=keep)  # type: ignore[attr-defined]
    except Exception:  # best effort: never mask the reasoner's answer
        return
    expected = buffer.getvalue()
    folder = Path(tempfile.gettempdir())
    for name in _temp_files() - before:
        path = folder / name
        try:
            if path.is_file() and path.stat().st_size == len(expected) and path.read_bytes() == expected:
                path.unlink()
        except OSError:
            continue


def _rdfxml(sources: list[Path] | None) -> bytes:
    """The ontology as RDF/XML bytes: given as is, or rendered from Turtle."""
    from .release import load_sources, render_rdfxml

    if sources is not None and len(sources) == 1 and Path(sources[0]).suffix in {".owl", ".rdf", ".xml"}:
        try:
            return Path(sources[0]).read_bytes()
        except OSError as exc:
            raise KnowledgeBaseError(f"cannot read {sources[0]}: {exc}") from exc
    return render_rdfxml(load_sources(sources))
