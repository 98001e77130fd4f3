"""CLI commands ``check``, ``export`` and ``build-release``: the knowledge base's quality and files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import CrampkgError
from .main import echo_json, get_kb


@click.command()
@click.option("--no-reasoner", is_flag=True, help="Skip the HermiT run (needs Java).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def check(ctx: click.Context, no_reasoner: bool, as_json: bool) -> None:
    """Validate the knowledge base: shapes, QC queries, HermiT, verbatim quotes, claim coverage."""
    from ..quality.checks import run_checks

    report = run_checks(get_kb(ctx), reasoner=not no_reasoner)
    if as_json:
        echo_json(report.to_dict())
    else:
        click.echo(report.render())
    ctx.exit(0 if report.ok else 1)


@click.command()
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
        from ..inference.bif import to_bif, to_xmlbif

        data = (to_bif if fmt == "bif" else to_xmlbif)(kb.engine.model).encode("utf-8")
    else:
        data = kb.export(fmt, inferred=inferred)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()  # a write error (a full disk) is reported here, not lost at exit
        return
    from ..io.files import atomic_write_bytes

    try:
        atomic_write_bytes(output, data)
    except OSError as exc:
        raise CrampkgError(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {len(data)} bytes to {output}", err=True)


@click.command("build-release")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write here instead of ontology/crampkg.owl (required with --kb).")
@click.pass_context
def build_release_cmd(ctx: click.Context, output: Path | None) -> None:
    """Rebuild ontology/crampkg.owl (RDF/XML for Protégé) from the Turtle sources."""
    from ..quality.release import build_release

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
