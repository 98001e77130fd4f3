"""Deterministic synthetic knowledge bases shaped like the real one, at x1, x10, x100, x550 and x1000.

How a synthetic knowledge base is made (seeded, so every run writes the same bytes):

* The real knowledge base is read with ``crampkg.KnowledgeBase.load()``; its content (every
  subject of ``ontology/content/*.ttl``) is the *unit*, in the knowledge model of docs/model.md
  (0.2.0). The schema (``ontology/crampkg.ttl``: top classes, properties, the strength scale, the
  finding kind individuals ``CRAMPKG_0000084``-``0087``, the roles with their sensitivity
  ``CRAMPKG_0000054`` and specificity ``CRAMPKG_0000055``) is copied once, unchanged, so every
  replica points at the same levels, kinds and roles.
* Each unit keeps what the network compiler and the answer read, per entity: types,
  ``rdfs:subClassOf`` (the finding, cause and state hierarchies, so the same depth), the English
  label, the definition, ``owl:deprecated`` and ``IAO:0100001`` (deprecated links stay out of the
  network, as in the real one), and every crampkg property: finding kind ``CRAMPKG_0000067`` on
  every finding, background strength ``CRAMPKG_0000069``, prior strength ``CRAMPKG_0000064``,
  requires finding ``CRAMPKG_0000066``, the link classes (report ``CRAMPKG_0000028``, risk
  ``CRAMPKG_0000029``, manifestation ``CRAMPKG_0000094``, causal ``CRAMPKG_0000016``, indication
  ``CRAMPKG_0000017``, interpretation ``CRAMPKG_0000095``) with their ends, level
  ``CRAMPKG_0000032``, article wording ``CRAMPKG_0000065``, source quotes ``CRAMPKG_0000060`` and
  primary quote ``CRAMPKG_0000062``, diagnostics with their cost tier, interventions,
  recommendations, statements. It drops synonyms, cross-references, German labels and
  ``owl:NamedIndividual`` typings. So a replica has exactly the real proportions: per replica 49
  finding classes (18 exposures, 21 manifestations, 8 test results, 2 courses), 17 causes and 7
  states (idiopathic is one cause for the whole knowledge base, see below), 7 report, 9 risk, 12
  manifestation and 12 causal links, 6 indications, the same hierarchy depth (5 for findings, 3
  for causes), and ``manifest.json`` records the counts it wrote (``shape``).
* Replica 0 keeps the real ids, labels and quotes (so the article's cases work at every size).
  Replica ``r >= 1`` renames every content IRI ``CRAMPKG_0000123`` to ``CRAMPKG_<r>0000123`` and
  suffixes labels with `` #r`` (names stay unique); definitions, wordings and quotes are kept
  verbatim (a wording stays a substring of its primary quote). Idiopathic leg cramps
  (``CRAMPKG_0000318``) is not replicated: it is "no modelled cause", one per knowledge base, and
  the replicas' references point at the real one.
* Rules stay those of ``rules/`` (the rule set is not per knowledge base): they name replica 0's
  findings, so every size has the real 2 rule nodes, and replicas have none.
* Replicas are wired together: in every replica ``r >= 1``, ``REWIRE`` (20 %) of the risk,
  manifestation and causal links get one end drawn uniformly from the causes and states of the
  whole knowledge base (a risk link its cause, a manifestation link its cause, a causal link its
  upstream), so every node's expected degree stays constant as the knowledge base grows (the
  shape of a larger annotation set, not 1,000 disconnected copies). Report links and indications
  are not rewired (a report *is* its cause; a test belongs to its diagnostic), nor is a risk link
  rewired onto a reported cause (a reported cause has no other parents). The draw keeps the
  network acyclic: the new end is drawn only among nodes that come before (an upstream, a
  manifesting cause) or after (a risk link's cause) the other end in the real network's
  topological order, so every edge of the synthetic network follows one global order.

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
sys.path.insert(0, str(HERE))
TMP = HERE / "results" / "tmp"
SCALES = (1, 10, 100, 550, 1000)
SEED = 20240611
GENERATOR_VERSION = "4"
REWIRE = 0.20

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
OWL_NAMED_INDIVIDUAL = "http://www.w3.org/2002/07/owl#NamedIndividual"
IAO_DEFINITION = "http://purl.obolibrary.org/obo/IAO_0000115"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
OWL_DEPRECATED = "http://www.w3.org/2002/07/owl#deprecated"
IAO_REPLACED_BY = "http://purl.obolibrary.org/obo/IAO_0100001"


def _write(path: Path, data: bytes) -> None:
    from bn_bench import atomic_write_bytes  # benchmarks/ is on sys.path (HERE)

    atomic_write_bytes(path, data)


def _nt_escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r"))


def read_unit():
    """The real knowledge base's content as the replication unit: (schema path, triples, facts)."""
    import pyoxigraph as ox

    from crampkg import KnowledgeBase
    from crampkg.kb import vocab as V

    kb = KnowledgeBase.load()
    sources = list(kb.sources)
    schema_path = sources[0]
    schema = ox.Store()
    schema.bulk_load(path=str(schema_path), format=ox.RdfFormat.TURTLE)
    schema_subjects = {q.subject.value for q in schema.quads_for_pattern(None, None, None)
                       if isinstance(q.subject, ox.NamedNode)}
    keep_predicates = {RDF_TYPE, RDFS_LABEL, RDFS_SUBCLASS_OF, IAO_DEFINITION, OWL_DEPRECATED, IAO_REPLACED_BY}
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
    ns = V.NS
    model = kb.engine.model  # the real network: its topological order and which links it uses
    nodes = model.structure.nodes
    order = {ns + n.id: i for i, n in enumerate(nodes)}
    latent = sorted((ns + n.id for n in nodes if n.role in ("cause", "state")), key=order.__getitem__)
    reported = {ns + c for c in model.structure.reports}
    rewirable: dict[str, tuple[str, str, bool]] = {}  # link IRI -> (predicate to redraw, other end, draw before it)
    for link in model.facts.links:
        if link.id in model.facts.deprecated:
            continue
        if link.kind == "risk":  # finding -> cause: redraw the cause, after the finding
            rewirable[ns + link.id] = (V.HAS_CAUSE, ns + link.source, False)
        elif link.kind == "manifestation":  # cause -> finding: redraw the cause, before the finding
            rewirable[ns + link.id] = (V.HAS_CAUSE, ns + link.target, True)
        elif link.kind == "causal":  # upstream -> downstream: redraw the upstream, before the downstream
            rewirable[ns + link.id] = (V.HAS_UPSTREAM, ns + link.target, True)
    kinds = {ns + k: k for k in ("CRAMPKG_0000028", "CRAMPKG_0000029", "CRAMPKG_0000094", "CRAMPKG_0000016",
                                 "CRAMPKG_0000017", "CRAMPKG_0000095")}
    digest = hashlib.sha256(repr(unit).encode() + schema_path.read_bytes()).hexdigest()[:16]
    return schema_path, unit, {
        "content_ids": content_ids, "latent": latent, "order": order, "reported": reported,
        "rewirable": rewirable, "link_kinds": kinds, "digest": digest, "ns": ns,
        "shared": {ns + V.IDIOPATHIC}, "finding_kind": ns + "CRAMPKG_0000067",
        "real_triples": len(kb.store.store), "causes": len(model.cause_nodes),
    }


def _rename(iri: str, replica: int, ns: str, content_ids: set[str], shared: set[str] = frozenset()) -> str:
    if replica == 0 or iri not in content_ids or iri in shared:
        return iri
    return f"{ns}CRAMPKG_{replica}{iri[len(ns) + 8:]}"


def generate(scale: int, out_root: Path = TMP, force: bool = False, rewire: float = REWIRE) -> dict:
    """Write the x``scale`` knowledge base to ``out_root/x<scale>/``; return its manifest."""
    schema_path, unit, facts = read_unit()
    folder = out_root / (f"x{scale}" if rewire == REWIRE else f"x{scale}-rewire{rewire:g}")
    manifest_path = folder / "manifest.json"
    key = {"generator": GENERATOR_VERSION, "seed": SEED, "scale": scale, "unit": facts["digest"], "rewire": rewire}
    if not force and manifest_path.is_file():
        old = json.loads(manifest_path.read_text())
        if old.get("key") == key and (folder / "content.ttl").is_file():
            return old
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rng = random.Random(SEED * 1009 + scale)
    ns, ids, shared = facts["ns"], facts["content_ids"], facts["shared"]
    order = facts["order"]
    # every cause and state of the whole knowledge base, by the real network's topological order
    latent = facts["latent"]
    pool = [[_rename(x, r, ns, ids, shared) for r in range(scale)] for x in latent]
    positions = [order[x] for x in latent]
    risk_pool = [[_rename(x, r, ns, ids, shared) for r in range(scale)] for x in latent if x not in facts["reported"]]
    risk_positions = [order[x] for x in latent if x not in facts["reported"]]

    def draw(before: bool, other: str) -> str | None:
        """A cause or state drawn uniformly among those before (or after) ``other`` in the order."""
        import bisect

        if before:
            k = bisect.bisect_left(positions, order[other])
            groups = pool[:k]
        else:
            k = bisect.bisect_right(risk_positions, order[other])
            groups = risk_pool[k:]
        if not groups:
            return None
        n = len(groups) * scale
        i = rng.randrange(n)
        return groups[i // scale][i % scale]

    rewirable = facts["rewirable"]
    lines: list[str] = []
    append = lines.append
    shape: dict[str, int] = {}
    kinds = facts["link_kinds"]
    finding_kind = facts["finding_kind"]
    rewired_count = 0
    for r in range(scale):
        suffix = f" #{r}" if r else ""
        redraw: dict[str, str] = {}
        if r:
            for link in sorted(rewirable):
                if rng.random() < rewire:
                    _predicate, other, before = rewirable[link]
                    new = draw(before, other)
                    if new is not None:
                        redraw[link] = new
            rewired_count += len(redraw)
        for s, p, o, lang in unit:
            if r and s in shared:
                continue
            subject = _rename(s, r, ns, ids, shared)
            if lang is None:
                obj = redraw[s] if s in redraw and p == rewirable[s][0] else _rename(o, r, ns, ids, shared)
                if p == RDF_TYPE and o in kinds:
                    shape[kinds[o]] = shape.get(kinds[o], 0) + 1
                elif p == finding_kind:
                    shape[o[len(ns):]] = shape.get(o[len(ns):], 0) + 1
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
    names = {"CRAMPKG_0000028": "report links", "CRAMPKG_0000029": "risk links",
             "CRAMPKG_0000094": "manifestation links", "CRAMPKG_0000016": "causal links",
             "CRAMPKG_0000017": "indications", "CRAMPKG_0000095": "interpretations",
             "CRAMPKG_0000084": "exposure findings", "CRAMPKG_0000085": "manifestation findings",
             "CRAMPKG_0000086": "test-result findings", "CRAMPKG_0000087": "course findings"}
    manifest = {
        "key": key, "scale": scale, "folder": str(folder),
        "content_triples": len(lines), "schema_triples": schema_triples,
        "triples": len(lines) + schema_triples, "bytes": len(data),
        "causes": facts["causes"] * scale,
        "shape": {names.get(k, k): v for k, v in sorted(shape.items())},
        "rewired_links": rewired_count, "rewire": rewire, "real_kb_triples": facts["real_triples"],
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
