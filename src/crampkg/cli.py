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
from typing import TYPE_CHECKING

import click

from .errors import CrampkgError

if TYPE_CHECKING:
    from .kb import KnowledgeBase


def _usage_error_line(exc: click.ClickException) -> None:
    """Print a click usage error as crampkg's one line on stderr, then exit 2."""
    message = " ".join(exc.format_message().split())
    hint = ""
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None and "`crampkg" not in message:
        hint = f" (see `{ctx.command_path} --help`)"
    click.echo(f"crampkg: error: {message}{hint}", err=True)
    raise click.exceptions.Exit(2)


class _OneLineErrors:
    """Click's own usage errors (three lines, exit 2) as one line on stderr, exit 2."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `crampkg` alone prints the help
        except click.ClickException as exc:
            _usage_error_line(exc)


class _Group(_OneLineErrors, click.Group):
    """Turns crampkg errors into one line on stderr and exit 2; anything else into exit 3."""

    def invoke(self, ctx: click.Context):
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


def _remember_source(ctx: click.Context, param: click.Parameter, value):
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


def _source_options() -> list[click.Option]:
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

    from .kb import KnowledgeBase

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


main.params.extend(_source_options())


def get_kb(ctx: click.Context) -> KnowledgeBase:
    """The knowledge base the command should use (loaded once per process)."""
    from .kb import KnowledgeBase

    root = ctx.find_root()
    if root.obj.get("kb") is None:
        if root.obj.get("store_url"):
            root.obj["kb"] = KnowledgeBase.connect(root.obj["store_url"])
        else:
            root.obj["kb"] = KnowledgeBase.load(root.obj.get("kb_path"))
    return root.obj["kb"]


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


# ---------------------------------------------------------------------- findings
@main.command()
@click.option("--search", default="", metavar="TEXT",
              help="Only findings with a name (id, label, German label, synonym) containing TEXT; "
                   "shows the names that matched; exit 1 when none does.")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: [{id, label, label_de, synonyms, names}] (names: every name explain accepts).")
@click.pass_context
def findings(ctx: click.Context, search: str, as_json: bool) -> None:
    """List the findings every other command accepts (by id, label, German label or synonym)."""
    from .resolution import normalise

    kb = get_kb(ctx)
    found = kb.search_findings(search)
    key = normalise(search)
    rows = []
    for t in found:
        names = kb.finding_names(t.id)
        row = {"id": t.id, "label": t.label, "label_de": t.label_de, "synonyms": list(t.synonyms), "names": names}
        if search:
            row["matched"] = [n for n in names if key in normalise(n)] or [t.id]
        rows.append(row)
    if as_json:
        _echo_json(rows)
    for row in rows if not as_json else ():
        if search:
            click.echo(f"{row['id']}  {row['label']}  matched: {'; '.join(row['matched'])}")
            continue
        others = ([f"de: {row['label_de']}"] if row["label_de"] else []) + row["synonyms"]
        click.echo(f"{row['id']}  {row['label']}" + (f"  ({'; '.join(others)})" if others else ""))
    if search and not rows:
        close = kb.finding_resolver.suggest(search)
        hint = f"did you mean: {', '.join(close)}?" if close else "try a shorter text, or `crampkg findings` for all"
        click.echo(f"crampkg: no finding name contains {search!r}; {hint}", err=True)
        ctx.exit(1)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def causes(ctx: click.Context, as_json: bool) -> None:
    """List the causes of leg cramps with their prior and must-not-miss flag."""
    kb = get_kb(ctx)
    rows = [{"id": c.id, "label": c.label, "prior": c.prior.label, "must_not_miss": c.must_not_miss,
             "synonyms": list(c.term.synonyms)} for c in kb.causes()]
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        flag = "  [must not miss]" if r["must_not_miss"] else ""
        click.echo(f"{r['id']}  {r['label']}  (prior: {r['prior']}){flag}")


# ---------------------------------------------------------------------- explain
def absent_values(args: list[str]) -> list[str]:
    """Let ``--absent`` take several values: ``--absent A B --json`` is ``--absent A --absent B --json``.

    Every argument after ``--absent`` up to the next option (or ``--``) is an absent finding, as
    with argparse's ``nargs="+"``: a finding written after ``--absent`` never silently becomes a
    present one. Present findings go before ``--absent`` (or after ``--``).
    """
    out: list[str] = []
    absent_run = False  # inside the values of an --absent
    expects_value = False  # the next token is the value of `--absent`
    for i, token in enumerate(args):
        if token == "--":
            out += args[i:]
            break
        if expects_value:
            out.append(token)
            expects_value = False
        elif token.startswith("-") and token != "-":
            out.append(token)
            absent_run = token == "--absent" or token.startswith("--absent=")
            expects_value = token == "--absent"
        elif absent_run:
            out += ["--absent", token]
        else:
            out.append(token)
    return out


class _ExplainCommand(click.Command):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, absent_values(list(args)))


@main.command(cls=_ExplainCommand)
@click.argument("finding", nargs=-1)
@click.option("--absent", "absent", multiple=True, metavar="FINDING...",
              help="Findings known to be absent: every value up to the next option (--absent A B, or "
                   "--absent A --absent B). Present findings go before it.")
@click.option("--case", "case_file", type=click.Path(path_type=Path), default=None,
              help="Read findings from a JSON or Turtle case file.")
@click.option("--why-not", "why_not", default=None, metavar="CAUSE", help="Explain what keeps CAUSE from ranking higher.")
@click.option("--json", "as_json", is_flag=True, help="Print the documented JSON answer.")
@click.option("--top", default=5, show_default=True, help="Hypotheses shown in the table.")
@click.option("--text", "text", default=None, metavar="TEXT",
              help="Describe the case in your own words (English or German); what was understood is shown first.")
@click.option("--lang", type=click.Choice(["en", "de"]), default=None, help="The language of --text (default: detected).")
@click.option("--robustness", is_flag=True,
              help="Also redraw the strength scale's numbers (seeded) and report how often the leading causes "
                   "stay in the top 3.")
@click.option("--draws", default=200, show_default=True, type=click.IntRange(1, 5000),
              help="Redraws for --robustness.")
@click.pass_context
def explain(ctx: click.Context, finding: tuple[str, ...], absent: tuple[str, ...], case_file: Path | None,
            why_not: str | None, as_json: bool, top: int, text: str | None = None, lang: str | None = None,
            robustness: bool = False, draws: int = 200) -> None:
    """Rank the causes that explain FINDING..., with next tests, what to do, and sources."""
    present, absent_list = list(finding), list(absent)
    reading = None
    if text is not None:  # free text: read it, merge what it says into the case, show what was understood
        reading = get_kb(ctx).read_text(text, lang)
        if reading.empty and not present and not absent_list and case_file is None:
            raise click.UsageError(f"no finding understood in --text ({reading.summary()})")
        present += [f for f in reading.present_ids if f not in present]
        absent_list += [f for f in reading.absent_ids if f not in absent_list]
        if not as_json:
            click.echo(reading.summary() + "\n")
    if case_file is not None:
        from .cases import load_case

        case = load_case(case_file)
        present += list(case.present)
        absent_list += list(case.absent)
    if not present and not absent_list:
        raise click.UsageError("give at least one FINDING (see `crampkg findings`) or --case FILE")
    if why_not is not None and not why_not.strip():
        raise click.BadParameter("empty; name a cause (see `crampkg causes`)", param_hint="--why-not")
    kb = get_kb(ctx)
    answer = kb.explain(present, absent_list, robustness=robustness, draws=draws)
    if why_not:
        result = kb.why_not(answer, why_not)
        if as_json:
            _echo_json(result.to_dict() | ({"reading": reading.to_dict()} if reading else {}))
        else:
            from .report import render_why_not

            click.echo(render_why_not(result, kb))
        return
    if as_json:
        _echo_json(answer.to_dict() | ({"reading": reading.to_dict()} if reading else {}))
        return
    from .report import render_explanation

    click.echo(render_explanation(answer, kb, top=top))


# ---------------------------------------------------------------------- check / export / release
@main.command()
@click.option("--no-reasoner", is_flag=True, help="Skip the HermiT run (needs Java).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def check(ctx: click.Context, no_reasoner: bool, as_json: bool) -> None:
    """Validate the knowledge base: shapes, QC queries, HermiT, verbatim quotes, claim coverage."""
    from .checks import run_checks

    report = run_checks(get_kb(ctx), reasoner=not no_reasoner)
    if as_json:
        _echo_json(report.to_dict())
    else:
        click.echo(report.render())
    ctx.exit(0 if report.ok else 1)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "xml", "bif", "xmlbif"]), default="ttl",
              show_default=True,
              help="ttl, nt, xml: the knowledge base's triples; bif, xmlbif: the compiled Bayesian network "
                   "(pyAgrum, pgmpy, GeNIe, SamIam).")
@click.option("--inferred", is_flag=True, help="Add the triples the class hierarchy entails.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help="Write to FILE (atomically).")
@click.pass_context
def export(ctx: click.Context, fmt: str, inferred: bool, output: Path | None) -> None:
    """Write the knowledge base for loading into any triple store, or its Bayesian network."""
    kb = get_kb(ctx)
    if fmt in ("bif", "xmlbif"):
        from .inference.bif import to_bif, to_xmlbif

        data = (to_bif if fmt == "bif" else to_xmlbif)(kb.engine.model).encode("utf-8")
    else:
        data = kb.export(fmt, inferred=inferred)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()  # a write error (a full disk) is reported here, not lost at exit
        return
    from .fileio import atomic_write_bytes

    try:
        atomic_write_bytes(output, data)
    except OSError as exc:
        raise CrampkgError(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {len(data)} bytes to {output}", err=True)


@main.command("build-release")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write here instead of ontology/crampkg.owl (required with --kb).")
@click.pass_context
def build_release_cmd(ctx: click.Context, output: Path | None) -> None:
    """Rebuild ontology/crampkg.owl (RDF/XML for Protégé) from the Turtle sources."""
    from .release import build_release

    obj = ctx.find_root().obj
    if obj.get("store_url"):
        raise click.UsageError("build-release builds from Turtle files and cannot read --store; "
                               "use `crampkg --store URL export --format xml` to dump a store as RDF/XML")
    sources = None
    if obj.get("kb_path") is not None:
        if output is None:
            raise click.UsageError("build-release --kb PATH needs -o FILE (the default target is the "
                                   "packaged ontology/crampkg.owl)")
        sources = list(get_kb(ctx).sources)
    path = build_release(output, sources=sources)
    click.echo(f"wrote {path}")


@main.command()
@click.pass_context
def strengths(ctx: click.Context) -> None:
    """Show the strength scale: the article's wording, each level's number, the role numbers, and
    what each link kind does with them."""
    kb = get_kb(ctx)
    facts = kb.engine.model.facts
    click.echo("level          number  article wording (links of that level)")
    for s in sorted(kb.index.strengths.values(), key=lambda s: -s.rank):
        click.echo(f"{s.rank} {s.label:<14}{s.frequency:.2f}    {', '.join(s.wording)}")
    click.echo("\nThe number of a level is P(finding | cause) on a manifestation link, P(cause activated | exposure)"
               "\non a risk link and P(downstream activated | upstream) on a causal link (noisy-OR weights);"
               "\na report link has no number: the finding present means its cause is present.")
    for role, n in sorted(facts.roles.items()):
        click.echo(f"role {role:<10} sensitivity {n.sensitivity:.2f}  specificity {n.specificity:.2f}")
    click.echo(f"prior scale {kb.engine.model.network.scale:.6f} (every prior times this factor makes "
               f"P(no modelled cause) = {kb.engine.model.network.target_no_cause:.2f})")


# sparql commands (their heavy imports happen inside each command)
from . import cli_sparql  # noqa: E402  (registers on the group defined above)

for _command in (cli_sparql.query, cli_sparql.sparql, cli_sparql.serve):
    main.add_command(_command)

# every command accepts --kb/--store after its name too (the group reports its usage errors in one line)
for _command in main.commands.values():
    _command.params.extend(_source_options())


if __name__ == "__main__":  # pragma: no cover
    main()
