"""CLI commands ``findings``, ``causes`` and ``strengths``: what the knowledge base holds."""

from __future__ import annotations

from typing import NotRequired, TypedDict

import click

from .main import echo_json, get_kb


class _FindingRow(TypedDict):
    """One row of ``findings --json``."""

    id: str
    label: str
    label_de: str | None
    synonyms: list[str]
    names: list[str]
    matched: NotRequired[list[str]]


@click.command()
@click.option("--search", default="", metavar="TEXT",
              help="Only findings with a name (id, label, German label, synonym) containing TEXT; "
                   "shows the names that matched; exit 1 when none does.")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: [{id, label, label_de, synonyms, names}] (names: every name explain accepts).")
@click.pass_context
def findings(ctx: click.Context, search: str, as_json: bool) -> None:
    """List the findings every other command accepts (by id, label, German label or synonym)."""
    from ..kb.resolution import normalise

    kb = get_kb(ctx)
    found = kb.search_findings(search)
    key = normalise(search)
    rows: list[_FindingRow] = []
    for t in found:
        names = kb.finding_names(t.id)
        row: _FindingRow = {"id": t.id, "label": t.label, "label_de": t.label_de, "synonyms": list(t.synonyms), "names": names}
        if search:
            row["matched"] = [n for n in names if key in normalise(n)] or [t.id]
        rows.append(row)
    if as_json:
        echo_json(rows)
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


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def causes(ctx: click.Context, as_json: bool) -> None:
    """List the causes of leg cramps with their prior and must-not-miss flag."""
    kb = get_kb(ctx)
    rows = [{"id": c.id, "label": c.label, "prior": c.prior.label, "must_not_miss": c.must_not_miss,
             "synonyms": list(c.term.synonyms)} for c in kb.causes()]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        flag = "  [must not miss]" if r["must_not_miss"] else ""
        click.echo(f"{r['id']}  {r['label']}  (prior: {r['prior']}){flag}")



@click.command()
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
    network = kb.engine.model.network
    if network is not None:  # an exact network (a knowledge base answered by sampling has none)
        click.echo(f"prior scale {network.scale:.6f} (every prior times this factor makes "
                   f"P(no modelled cause) = {network.target_no_cause:.2f})")
