"""The ``crampkg`` command: a thin layer over the library.

Exit codes: 0 success; 1 ``check`` found problems or ``findings --search`` matched
nothing; 2 bad input or usage, including click's own usage errors, a busy port and
write errors (a one-line message on stderr, never a traceback); 3 an internal error.
``--kb`` and ``--store`` are accepted before the command and after it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ..errors import CrampkgError

if TYPE_CHECKING:
    from ..kb.knowledge_base import KnowledgeBase


def _usage_error_line(exc: click.ClickException) -> NoReturn:
    """Print a click usage error as crampkg's one line on stderr, then exit 2."""
    message = " ".join(exc.format_message().split())
    hint = ""
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None and "`crampkg" not in message:
        hint = f" (see `{ctx.command_path} --help`)"
    click.echo(f"crampkg: error: {message}{hint}", err=True)
    raise click.exceptions.Exit(2)


class _Group(click.Group):
    """Turns crampkg errors into one line on stderr and exit 2; anything else into exit 3.

    Click's own usage errors (three lines, exit 2) become one line on stderr, exit 2.
    """

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `crampkg` alone prints the help
        except click.ClickException as exc:
            _usage_error_line(exc)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CrampkgError as exc:
            click.echo(f"crampkg: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.ClickException as exc:
            _usage_error_line(exc)
        except (click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except BrokenPipeError:
            sys.exit(0)
        except OSError as exc:  # the environment, not a bug: a full disk, a folder that is not there
            where = f" {exc.filename}" if exc.filename else " the output"
            click.echo(f"crampkg: error: cannot write{where}: {exc.strerror or exc}", err=True)
            sys.exit(2)
        except Exception as exc:  # the one place a bug is turned into a message, not a traceback
            if os.environ.get("CRAMPKG_DEBUG"):
                raise
            click.echo(f"crampkg: internal error: {type(exc).__name__}: {exc} (set CRAMPKG_DEBUG=1 for details)",
                       err=True)
            sys.exit(3)


# --kb and --store: accepted before the command (`crampkg --store URL explain X`) and after it
# (`crampkg explain X --store URL`); both places fill the same two slots of the root context.
_SOURCE_OPTIONS = {"kb_path": "--kb", "store_url": "--store"}


def _remember_source(ctx: click.Context, param: click.Parameter, value: object) -> object:
    if value is None:
        return value
    root = ctx.find_root()
    if root.obj is None:
        root.obj = {"kb_path": None, "store_url": None, "kb": None}
    key = param.name
    previous = root.obj.get(key)
    if previous is not None and previous != value:
        raise click.BadParameter(f"given twice with different values ({previous} and {value})")
    root.obj[key] = value
    other = "store_url" if key == "kb_path" else "kb_path"
    if root.obj.get(other) is not None:
        raise click.UsageError("--kb and --store exclude each other: load files or connect to a store, not both")
    return value


def source_options() -> list[click.Option]:
    """Fresh --kb/--store options for one command (click options are not shared between commands)."""
    return [
        click.Option(["--kb", "kb_path"], type=click.Path(path_type=Path), default=None, metavar="PATH",
                     expose_value=False, callback=_remember_source,
                     help="Load the knowledge base from this Turtle file or folder instead of the packaged one."),
        click.Option(["--store", "store_url"], default=None, metavar="URL", expose_value=False,
                     callback=_remember_source,
                     help="Answer from this SPARQL 1.1 endpoint (holding `crampkg export --inferred`)."),
    ]


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import version

    from ..kb.knowledge_base import KnowledgeBase

    kb = KnowledgeBase.load()
    click.echo(f"crampkg {version('crampkg')}, knowledge base {kb.version_iri}")
    ctx.exit(0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the crampkg and knowledge base versions and exit.")
@click.pass_context
def main(ctx: click.Context) -> None:
    """crampkg: a knowledge graph about calf and leg cramps. It informs; it does not diagnose.

    --kb PATH and --store URL go before or after the command. Errors are one line on stderr with
    exit code 2. Shell completion: eval "$(_CRAMPKG_COMPLETE=bash_source crampkg)".
    """
    if ctx.obj is None:
        ctx.obj = {"kb_path": None, "store_url": None, "kb": None}


main.params.extend(source_options())


def get_kb(ctx: click.Context) -> KnowledgeBase:
    """The knowledge base the command should use (loaded once per process)."""
    from ..kb.knowledge_base import KnowledgeBase

    root = ctx.find_root()
    if root.obj.get("kb") is None:
        if root.obj.get("store_url"):
            root.obj["kb"] = KnowledgeBase.connect(root.obj["store_url"])
        else:
            root.obj["kb"] = KnowledgeBase.load(root.obj.get("kb_path"))
    kb: KnowledgeBase = root.obj["kb"]
    return kb


def echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))

