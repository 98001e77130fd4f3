"""CLI command ``explain``: rank the causes of a case (findings, a case file or free text)."""

from __future__ import annotations

from pathlib import Path

import click

from .main import echo_json, get_kb


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


@click.command(cls=_ExplainCommand)
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
        from ..io.cases import load_case

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
            echo_json(result.to_dict() | ({"reading": reading.to_dict()} if reading else {}))
        else:
            from .report import render_why_not

            click.echo(render_why_not(result, kb))
        return
    if as_json:
        echo_json(answer.to_dict() | ({"reading": reading.to_dict()} if reading else {}))
        return
    from .report import render_explanation

    click.echo(render_explanation(answer, kb, top=top))
