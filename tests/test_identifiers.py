"""IRIs are stable: every published id still exists, with the same kind; new ids are registered."""

from __future__ import annotations

import csv
from pathlib import Path

from crampkg import vocab as V

REGISTRY = Path(__file__).parent / "data" / "id-registry.tsv"


def registry() -> dict[str, str]:
    with REGISTRY.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return {row["id"]: row["kind"] for row in csv.DictReader(lines, delimiter="\t")}


def current_ids(kb) -> dict[str, str]:
    index = kb.index
    ids = {t.id: t.kind for t in index.terms.values()}
    for kind, group in (("association", index.associations), ("causal link", index.causal_links),
                        ("indication", index.indications), ("recommendation", index.recommendations)):
        ids.update({a.id: kind for a in group})
    ids.update({s.id: s.kind for s in index.statements})
    ids.update({s.id: "strength" for s in index.strengths.values()})
    ids.update({V.local_id(p): "phase" for p in V.PHASE_NAMES})
    ids.update({V.local_id(r): "role" for r in V.ROLE_NAMES})
    for term in V.SCHEMA_TERMS:
        ids.setdefault(term, "schema property")
    return ids


def test_no_published_id_disappears_or_changes_kind(kb):
    now = current_ids(kb)
    for term_id, kind in registry().items():
        assert term_id in now, f"{term_id} ({kind}) was published and is gone: IRIs are stable"
        assert now[term_id] == kind, f"{term_id} was a {kind}, now a {now[term_id]}: ids are never reused"


def test_every_id_is_registered(kb):
    unregistered = sorted(set(current_ids(kb)) - set(registry()))
    assert not unregistered, f"append these ids to {REGISTRY.name}: {unregistered[:10]}"


def test_ids_are_opaque_numbers():
    for term_id in registry():
        assert term_id.startswith("CRAMPKG_") and term_id[8:].isdigit() and len(term_id) == 15, term_id
