"""The one reader of ``.rq`` file headers: named queries, rules and QC queries all open with one.

A header is the comment block at the top of the file, up to its first line that is not a comment::

    # id: causes_of_finding
    # purpose: the causes a finding is associated with,
    #   directly or through a subclass          <- continues "purpose"
    PREFIX : <https://w3id.org/crampkg/>

Each kind of file names the keys it reads (:data:`crampkg.kb.queries`: id, purpose, parameters,
example, returns; rules: id, name, infers, when, source; QC: id, what, why); a comment line that
does not start with one of them continues the key before it. A key's first line wins.
"""

from __future__ import annotations

import re
from collections.abc import Collection

_KEY_LINE = re.compile(r"^#\s*([A-Za-z_]\w*)\s*:\s*(.*?)\s*$")


def read_header(text: str, keys: Collection[str]) -> dict[str, str]:
    """The header fields of a ``.rq`` text: key -> value, for the keys in ``keys`` that it gives."""
    fields: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _KEY_LINE.match(line)
        if match and match.group(1) in keys:
            current = match.group(1)
            if current in fields:  # a repeated key: the first one counts, its continuation lines too
                current = None
            else:
                fields[current] = match.group(2)
            continue
        body = line[1:].strip()
        if current is not None and body:
            fields[current] += " " + body
    return fields


def strip_comments(text: str) -> str:
    """The query text without its comment lines (the header and any other whole-line comment)."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
