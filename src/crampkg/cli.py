"""The ``crampkg`` command: a thin layer over the library.

Exit codes: 0 success; 1 ``check`` found problems; 2 bad input or usage (a
one-line message on stderr, never a traceback); 3 an internal error.
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


class _Group(click.Group):
    """Turns crampkg errors into one line on stderr and exit 2; anything else into exit 3."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CrampkgError as exc:
            click.echo(f"crampkg: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except BrokenPipeError:
            sys.exit(0)
        except Exception as exc:  # the one place a bug is turned into a message, not a traceback
            if os.environ.get("CRAMPKG_DEBUG"):
                raise
            click.echo(f"crampkg: internal error: {type(exc).__name__}: {exc} (set CRAMPKG_DEBUG=1 for details)",
                       err=True)
            sys.exit(3)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--kb", "kb_path", type=click.Path(path_type=Path), default=None,
              help="Load the knowledge base from this Turtle file or folder instead of the packaged one.")
@click.option("--store", "store_url", default=None, metavar="URL",
              help="Answer from this SPARQL 1.1 endpoint (holding `crampkg export --inferred`).")
@click.version_option(package_name="crampkg")
@click.pass_context
def main(ctx: click.Context, kb_path: Path | None, store_url: str | None) -> None:
    """crampkg: a knowledge graph about calf and leg cramps. It informs; it does not diagnose."""
    ctx.obj = {"kb_path": kb_path, "store_url": store_url, "kb": None}


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
@click.option("--search", default="", help="Only findings whose id, label or synonym contains TEXT.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: [{id, label, synonyms}].")
@click.pass_context
def findings(ctx: click.Context, search: str, as_json: bool) -> None:
    """List the findings every other command accepts (by id, label or synonym)."""
    kb = get_kb(ctx)
    found = kb.search_findings(search)
    if as_json:
        _echo_json([{"id": t.id, "label": t.label, "synonyms": list(t.synonyms)} for t in found])
        return
    for t in found:
        extra = f"  ({'; '.join(t.synonyms)})" if t.synonyms else ""
        click.echo(f"{t.id}  {t.label}{extra}")


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
@main.command()
@click.argument("finding", nargs=-1)
@click.option("--absent", "absent", multiple=True, metavar="FINDING", help="A finding known to be absent (repeatable).")
@click.option("--case", "case_file", type=click.Path(path_type=Path), default=None,
              help="Read findings from a JSON or Turtle case file.")
@click.option("--why-not", "why_not", default=None, metavar="CAUSE", help="Explain what keeps CAUSE from ranking higher.")
@click.option("--json", "as_json", is_flag=True, help="Print the documented JSON answer.")
@click.option("--top", default=5, show_default=True, help="Hypotheses shown in the table.")
@click.pass_context
def explain(ctx: click.Context, finding: tuple[str, ...], absent: tuple[str, ...], case_file: Path | None,
            why_not: str | None, as_json: bool, top: int) -> None:
    """Rank the causes that explain FINDING..., with next tests, what to do, and sources."""
    present, absent_list = list(finding), list(absent)
    if case_file is not None:
        from .cases import load_case

        case = load_case(case_file)
        present += list(case.present)
        absent_list += list(case.absent)
    if not present and not absent_list:
        raise click.UsageError("give at least one FINDING (see `crampkg findings`) or --case FILE")
    kb = get_kb(ctx)
    answer = kb.explain(present, absent_list)
    if why_not:
        result = answer.why_not(why_not)
        if as_json:
            _echo_json(result.to_dict())
        else:
            from .report import render_why_not

            click.echo(render_why_not(result, kb))
        return
    if as_json:
        _echo_json(answer.to_dict())
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
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "xml"]), default="ttl", show_default=True)
@click.option("--inferred", is_flag=True, help="Add the triples the class hierarchy entails.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help="Write to FILE (atomically).")
@click.pass_context
def export(ctx: click.Context, fmt: str, inferred: bool, output: Path | None) -> None:
    """Write the knowledge base for loading into any triple store."""
    data = get_kb(ctx).export(fmt, inferred=inferred)
    if output is None:
        sys.stdout.buffer.write(data)
        return
    from .fileio import atomic_write_bytes

    atomic_write_bytes(output, data)
    click.echo(f"wrote {len(data)} bytes to {output}", err=True)


@main.command("build-release")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None)
def build_release_cmd(output: Path | None) -> None:
    """Rebuild ontology/crampkg.owl (RDF/XML for Protégé) from the Turtle sources."""
    from .release import build_release

    path = build_release(output)
    click.echo(f"wrote {path}")


@main.command()
@click.pass_context
def strengths(ctx: click.Context) -> None:
    """Show the strength scale: article wording, frequency and likelihood ratios."""
    from .reasoning import strength_table

    for row in strength_table(get_kb(ctx).index.strengths.values()):
        click.echo(f"{row['rank']}  {row['label']:<14} P(finding|cause)={row['frequency']:.2f}  "
                   f"LR+={row['lr_present']:<6} LR-={row['lr_absent']:<6} wording: {', '.join(row['wording'])}")


# sparql commands (their heavy imports happen inside each command)
from . import cli_sparql  # noqa: E402  (registers on the group defined above)

for _command in (cli_sparql.query, cli_sparql.sparql, cli_sparql.serve):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
