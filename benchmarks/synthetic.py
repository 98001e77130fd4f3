"""Deterministic synthetic knowledge bases shaped like the real one, at x1, x10, x100, x550 and x1000.

How a synthetic knowledge base is made (seeded, so every run writes the same bytes):

* The real knowledge base is read with ``crampkg.KnowledgeBase.load()``; its content (every
  subject of ``ontology/content/*.ttl``: findings, causes, states, diagnostics, interventions,
  associations with strength levels, causal links, indications, recommendations, statements) is the
  *unit*. The schema (``ontology/crampkg.ttl``: top classes, properties, strength scale, phases)
  is copied once, unchanged.
* Each unit keeps the triples the reasoning and the SPARQL queries read, one of each kind per
  entity: types, ``rdfs:subClassOf``, the English label, the definition, the source quote(s),
  and every crampkg property (finding, cause, strength, prior, must-not-miss, upstream,
  downstream, diagnostic, role, intervention, phase, instructions, triggers, addresses). It drops
  synonyms, cross-references, German labels and ``owl:NamedIndividual`` typings: a replica has
  about 1,800 triples (the real knowledge base: about 3,200 with its synonyms and xrefs), so x1
  is about 2.2k triples with the schema, x550 about 1.0M (the issue's "about 1M") and x1000 1.8M.
* Replica 0 keeps the real ids, labels and quotes (so the article's cases and the rules work at
  every size). Replica ``r >= 1`` renames every content IRI ``CRAMPKG_0000123`` to
  ``CRAMPKG_<r>0000123`` and suffixes labels with `` #r`` (so names stay unique); definitions and
  quotes are kept verbatim.
* Replicas are wired together: in every replica ``r >= 1``, 20 % of the finding-cause
  associations point to a cause drawn uniformly from the whole knowledge base, and 20 % of the
  causal links start from a cause or state drawn the same way. Uniform draws keep every node's
  expected degree constant as the knowledge base grows (the shape of a larger annotation set, not
  1,000 disconnected copies).

Run ``python benchmarks/synthetic.py`` to write ``benchmarks/results/tmp/x{1,10,100,550,1000}/``
(each: ``crampkg.ttl`` + ``content.ttl``, N-Triples syntax, which is Turtle), or import :func:`generate`.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TMP = HERE / "results" / "tmp"
SCALES = (1, 10, 100, 550, 1000)
SEED = 20240611
GENERATOR_VERSION = "3"
REWIRE = 0.20

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
OWL_NAMED_INDIVIDUAL = "http://www.w3.org/2002/07/owl#NamedIndividual"
IAO_DEFINITION = "http://purl.obolibrary.org/obo/IAO_0000115"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _write(path: Path, data: bytes) -> None:
    try:
        from crampkg.fileio import atomic_write_bytes
    except ImportError:  # pragma: no cover
        path.write_bytes(data)
    else:
        atomic_write_bytes(path, data)


def _nt_escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r"))


def read_unit():
    """The real knowledge base's content as the replication unit: (schema path, triples, facts)."""
    import pyoxigraph as ox

    from crampkg import KnowledgeBase
    from crampkg import vocab as V

    kb = KnowledgeBase.load()
    sources = list(kb.sources)
    schema_path = sources[0]
    schema = ox.Store()
    schema.bulk_load(path=str(schema_path), format=ox.RdfFormat.TURTLE)
    schema_subjects = {q.subject.value for q in schema.quads_for_pattern(None, None, None)
                       if isinstance(q.subject, ox.NamedNode)}
    keep_predicates = {RDF_TYPE, RDFS_LABEL, RDFS_SUBCLASS_OF, IAO_DEFINITION}
    unit: list[tuple[str, str, str, str | None]] = []  # (s, p, o, lang or None for an IRI object)
    for quad in kb.store.store.quads_for_pattern(None, None, None):
        s, p, o = quad.subject, quad.predicate.value, quad.object
        if not isinstance(s, ox.NamedNode) or not s.value.startswith(V.NS) or s.value in schema_subjects:
            continue
        if isinstance(o, ox.BlankNode):
            continue
        if not (p in keep_predicates or p.startswith(V.NS)):
            continue
        if p == RDF_TYPE and o.value == OWL_NAMED_INDIVIDUAL:
            continue
        if isinstance(o, ox.Literal):
            lang = o.language or ""
            if p == RDFS_LABEL and lang not in ("", "en"):
                continue
            dt = "" if lang or o.datatype is None or o.datatype.value == XSD_STRING else o.datatype.value
            unit.append((s.value, p, o.value, lang + ("^^" + dt if dt else "")))
        else:
            unit.append((s.value, p, o.value, None))
    unit.sort()
    content_ids = {s for s, *_ in unit}
    causes = sorted(V.iri(c) for c in kb.index.causes)
    states = sorted(t.iri for t in kb.states())
    associations = sorted(V.NS + a.id for a in kb.index.associations)
    links = sorted(V.NS + link.id for link in kb.index.causal_links)
    digest = hashlib.sha256(repr(unit).encode() + schema_path.read_bytes()).hexdigest()[:16]
    return schema_path, unit, {
        "content_ids": content_ids, "causes": causes, "states": states,
        "associations": set(associations), "links": set(links), "digest": digest,
        "has_cause": V.HAS_CAUSE, "has_upstream": V.HAS_UPSTREAM, "ns": V.NS,
        "real_triples": len(kb.store.store),
    }


def _rename(iri: str, replica: int, ns: str, content_ids: set[str]) -> str:
    if replica == 0 or iri not in content_ids:
        return iri
    return f"{ns}CRAMPKG_{replica}{iri[len(ns) + 8:]}"


def generate(scale: int, out_root: Path = TMP, force: bool = False) -> dict:
    """Write the x``scale`` knowledge base to ``out_root/x<scale>/``; return its manifest."""
    schema_path, unit, facts = read_unit()
    folder = out_root / f"x{scale}"
    manifest_path = folder / "manifest.json"
    key = {"generator": GENERATOR_VERSION, "seed": SEED, "scale": scale, "unit": facts["digest"]}
    if not force and manifest_path.is_file():
        old = json.loads(manifest_path.read_text())
        if old.get("key") == key and (folder / "content.ttl").is_file():
            return old
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rng = random.Random(SEED * 1009 + scale)
    ns, ids = facts["ns"], facts["content_ids"]
    all_causes = [_rename(c, r, ns, ids) for r in range(scale) for c in facts["causes"]]
    upstreams = all_causes + [_rename(s, r, ns, ids) for r in range(scale) for s in facts["states"]]
    has_cause, has_upstream = facts["has_cause"], facts["has_upstream"]
    lines: list[str] = []
    append = lines.append
    for r in range(scale):
        suffix = f" #{r}" if r else ""
        rewired: set[str] = set()
        if r:
            rewired = {a for a in sorted(facts["associations"] | facts["links"]) if rng.random() < REWIRE}
        for s, p, o, lang in unit:
            subject = _rename(s, r, ns, ids)
            if lang is None:
                if s in rewired and p == has_cause and s in facts["associations"]:
                    obj = all_causes[rng.randrange(len(all_causes))]
                elif s in rewired and p == has_upstream and s in facts["links"]:
                    obj = upstreams[rng.randrange(len(upstreams))]
                else:
                    obj = _rename(o, r, ns, ids)
                append(f"<{subject}> <{p}> <{obj}> .\n")
            else:
                text = o + suffix if p == RDFS_LABEL else o
                if "^^" in lang:
                    tag, dt = lang.split("^^", 1)
                    append(f'<{subject}> <{p}> "{_nt_escape(text)}"^^<{dt}> .\n')
                elif lang:
                    append(f'<{subject}> <{p}> "{_nt_escape(text)}"@{lang} .\n')
                else:
                    append(f'<{subject}> <{p}> "{_nt_escape(text)}" .\n')
    data = "".join(lines).encode("utf-8")
    _write(folder / "content.ttl", data)
    _write(folder / "crampkg.ttl", schema_path.read_bytes())
    import pyoxigraph as ox

    schema_triples = len(list(ox.parse(path=str(schema_path), format=ox.RdfFormat.TURTLE)))
    manifest = {
        "key": key, "scale": scale, "folder": str(folder),
        "content_triples": len(lines), "schema_triples": schema_triples,
        "triples": len(lines) + schema_triples, "bytes": len(data),
        "causes": len(all_causes), "real_kb_triples": facts["real_triples"],
        "seconds": round(time.perf_counter() - started, 2),
    }
    _write(manifest_path, json.dumps(manifest, indent=2).encode())
    return manifest


def main(argv: list[str]) -> int:
    scales = [int(a.lstrip("x")) for a in argv] or list(SCALES)
    for scale in scales:
        m = generate(scale)
        print(f"x{scale}: {m['triples']:,} triples, {m['bytes'] / 1e6:.1f} MB, {m['causes']:,} causes "
              f"-> {m['folder']} ({m['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
