"""SPARQL that a user writes: the guard every query passes (:mod:`.guard`) and the result formats
(:mod:`.results`). Shared by the library (``kb.queries.run_sparql``), the CLI and the HTTP service,
so it sits below all three."""
