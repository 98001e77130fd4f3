"""The compiled network as BIF and XMLBIF, for pyAgrum, pgmpy, GeNIe and SamIam.

Every node is named by its ontology id (rule nodes by the rule id), binary with the states
``false``, ``true`` in that order, and described by its label; every finding is a node (a report is
a deterministic copy of its cause), the rules are deterministic AND nodes, so evidence maps one to
one (finding id = ``true`` / ``false``) and the file alone reproduces the scores of ``explain``:
a cause's score is the posterior of its node being ``true``. Idiopathic is P(no modelled cause): the
export adds a chain of deterministic ORs over the cause nodes (``ANY_CAUSE_1`` ... ending in
``ANY_MODELLED_CAUSE``), so it is ``1 - P(ANY_MODELLED_CAUSE = true)``.
The tables are those of the fitted prior scale (the network's own numbers).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import numpy as np

from .model import Model
from .network import make_tables

ANY_CAUSE = "ANY_MODELLED_CAUSE"


def _variables(model: Model) -> tuple[list[str], list[str], list[tuple[str, ...]], list[np.ndarray]]:
    """Names, descriptions, parents (names) and tables, with the any-cause OR chain appended."""
    nodes = model.structure.nodes
    if model.network is not None:
        tables = make_tables(model.structure, model.network.numbers, model.network.scale)
    else:  # too wide for exact inference here; the file still holds the same network
        assert model.sampler is not None
        tables = make_tables(model.structure, model.numbers, model.sampler.scale)
    names = [n.id for n in nodes]
    descriptions = [f"{n.label} ({n.role}{', ' + n.kind if n.kind else ''})" for n in nodes]
    parents = [tuple(names[p.node] for p in n.parents) for n in nodes]
    or_table = np.zeros((2, 2, 2))
    or_table[0, 0] = (1.0, 0.0)
    or_table[0, 1] = or_table[1, 0] = or_table[1, 1] = (0.0, 1.0)
    causes = [names[i] for i in model.cause_nodes]
    previous = None
    for k, cause in enumerate(causes):
        last = k == len(causes) - 1
        name = ANY_CAUSE if last else f"ANY_CAUSE_{k + 1}"
        if previous is None:
            table = np.array([[1.0, 0.0], [0.0, 1.0]])
            ps: tuple[str, ...] = (cause,)
        else:
            table = or_table
            ps = (previous, cause)
        names.append(name)
        descriptions.append("some modelled cause of leg cramps is present" if last
                            else f"one of the first {k + 1} causes is present")
        parents.append(ps)
        tables.append(table)
        previous = name
    return names, descriptions, parents, tables


def _fmt(p: float) -> str:
    return repr(float(p))


def to_bif(model: Model) -> str:
    """The network in the BIF format (Bayesian Interchange Format, as read by pyAgrum and pgmpy)."""
    names, descriptions, parents, tables = _variables(model)
    out = [f"// crampkg network, knowledge base {model.version_iri}", 'network "crampkg" {\n}']
    for name, description in zip(names, descriptions, strict=True):
        text = description.replace('"', "'")
        out.append(f'variable {name} {{\n  type discrete [ 2 ] {{ false, true }};\n'
                   f'  property label = "{text}" ;\n}}')
    for name, ps, table in zip(names, parents, tables, strict=True):
        if not ps:
            out.append(f"probability ( {name} ) {{\n  table {_fmt(table[0])}, {_fmt(table[1])};\n}}")
            continue
        rows = []
        for index in np.ndindex(*table.shape[:-1]):
            states = ", ".join("true" if v else "false" for v in index)
            rows.append(f"  ({states}) {_fmt(table[index][0])}, {_fmt(table[index][1])};")
        out.append(f"probability ( {name} | {', '.join(ps)} ) {{\n" + "\n".join(rows) + "\n}")
    return "\n".join(out) + "\n"


def to_xmlbif(model: Model) -> str:
    """The network in XMLBIF 0.3 (GeNIe, SamIam, pgmpy, pyAgrum)."""
    names, descriptions, parents, tables = _variables(model)
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<BIF VERSION="0.3">', "<NETWORK>", "<NAME>crampkg</NAME>",
           f"<PROPERTY>kb_version = {escape(model.version_iri)}</PROPERTY>"]
    for name, description in zip(names, descriptions, strict=True):
        out.append(f'<VARIABLE TYPE="nature">\n  <NAME>{name}</NAME>\n  <OUTCOME>false</OUTCOME>\n'
                   f"  <OUTCOME>true</OUTCOME>\n  <PROPERTY>label = {escape(description)}</PROPERTY>\n</VARIABLE>")
    for name, ps, table in zip(names, parents, tables, strict=True):
        given = "".join(f"\n  <GIVEN>{p}</GIVEN>" for p in ps)
        values = " ".join(_fmt(v) for v in table.reshape(-1))
        out.append(f"<DEFINITION>\n  <FOR>{name}</FOR>{given}\n  <TABLE>{values}</TABLE>\n</DEFINITION>")
    out += ["</NETWORK>", "</BIF>"]
    return "\n".join(out) + "\n"
