"""The one exception tree of crampkg.

Every error a user can cause derives from :class:`CrampkgError`; the CLI turns
it into a one-line message and exit code 2, the server into a 4xx response.
"""

from __future__ import annotations


class CrampkgError(Exception):
    """Base class of every error crampkg raises on purpose."""

    exit_code = 2
    http_status = 400


class UnknownTermError(CrampkgError, LookupError):
    """A name given by the user matches no id, IRI, label or synonym of a kind of term."""

    kind = "term"

    def __init__(self, given: str, suggestions: list[str]):
        self.given = given
        self.suggestions = list(suggestions)
        hint = f"; did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {self.kind} {given!r}{hint}")


class UnknownFindingError(UnknownTermError):
    """A finding given by the user matches no id, IRI, label or synonym."""

    kind = "finding"


class UnknownCauseError(UnknownTermError):
    """A cause given by the user matches no id, IRI, label or synonym."""

    kind = "cause"


class CaseFormatError(CrampkgError, ValueError):
    """A case file or request body cannot be parsed or does not conform to the case shapes."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        self.line = line
        self.column = column
        where = ""
        if line is not None:
            where = f" at line {line}" + (f", column {column}" if column is not None else "")
        super().__init__(f"{message}{where}")


class QueryError(CrampkgError, ValueError):
    """A SPARQL query is malformed, refused, or a named query or parameter is unknown."""


class QueryRefusedError(QueryError):
    """A query asks for something the read-only endpoint does not allow (update, SERVICE, LOAD, remote FROM)."""

    http_status = 403


class QueryTimeoutError(QueryError):
    """A query ran longer than its time limit and was stopped."""

    http_status = 503


class KnowledgeBaseError(CrampkgError):
    """The knowledge base could not be loaded (missing file, parse error, unreachable store)."""

    http_status = 500
