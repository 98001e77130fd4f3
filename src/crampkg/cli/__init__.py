"""The ``crampkg`` command line: the group (:mod:`.main`) and one module per command family.

``browse`` (findings, causes, strengths), ``explain``, ``maintain`` (check, export, build-release),
``sparql`` (query, sparql, serve); ``report`` renders an answer as text. ``crampkg = crampkg.cli:main``.
The command families import the group's helpers from :mod:`.main` and are registered here, so
:mod:`.main` imports none of them (no import cycle).
"""

from . import browse, explain, maintain
from . import sparql as cli_sparql
from .main import get_kb, main, source_options

# the command families register here (their heavy imports happen inside each command)
for _command in (browse.findings, browse.causes, browse.strengths, explain.explain, maintain.check, maintain.export,
                 maintain.build_release_cmd, cli_sparql.query, cli_sparql.sparql, cli_sparql.serve):
    main.add_command(_command)

# every command accepts --kb/--store after its name too (the group reports its usage errors in one line)
for _command in main.commands.values():
    _command.params.extend(source_options())

__all__ = ["get_kb", "main"]
