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


class RequestTooLargeError(CrampkgError):
    """The request body is larger than the configured cap."""

    http_status = 413


class UnsupportedMediaTypeError(CrampkgError):
    """The request body has a media type this route does not read."""

    http_status = 415


class ReadOnlyError(QueryRefusedError):
    """A write (SPARQL Update, Graph Store Protocol) was sent to the read-only service."""

    http_status = 405


class QueryTooLongError(QueryError):
    """The query text is longer than the configured cap."""

    http_status = 413


class QuerySyntaxError(QueryError):
    """The query text is not SPARQL 1.1 (or is nested too deeply to be checked safely)."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        self.line = line
        self.column = column
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"malformed SPARQL: {message}{where}")


class NotAcceptableError(CrampkgError):
    """No result format the client accepts fits the query form."""

    http_status = 406


class UnknownFormatError(QueryError):
    """A ``format`` / ``output`` / ``results`` parameter names no result format at all (``format=bogus``)."""

    http_status = 400


class WorkerCrashedError(QueryError):
    """The worker process running the query died (crash, memory or CPU limit); it was replaced."""

    http_status = 503


class ServiceBusyError(QueryError):
    """No query worker became free in time."""

    http_status = 503


class ResultTooLargeError(QueryError):
    """The result has more rows (or triples) than the configured cap."""

    http_status = 413


class FindingNotCauseError(UnknownCauseError):
    """A name given where a cause is expected names a finding (``--why-not "calf cramp"``)."""

    def __init__(self, given: str, finding_label: str):
        named = "" if given.strip().casefold() == finding_label.casefold() else f" ({finding_label})"
        CrampkgError.__init__(
            self, f"{given!r} is a finding{named}, not a cause; name a cause (see `crampkg causes`)")
        self.given = given
        self.suggestions = []
