"""Command line: ``claimscrub check | fix | rules | rule | payers | ...``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import polars as pl

from claimscrub.errors import InputError, PolicyError
from claimscrub.knowledge import DATA_DIR
from claimscrub.writers import FORMATS, render
from claimscrub.writers.atomic import OutputError, write_atomic

SAMPLE = DATA_DIR / "sample" / "claims.csv"
EXIT_INPUT = 2


def fail(message: str) -> None:
    click.echo(f"claimscrub: error: {message}", err=True)
    sys.exit(EXIT_INPUT)


def emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
        click.echo(f"wrote {output}", err=True)


class Guarded(click.Group):
    """Turns bad input into one clear message and exit 2 (nothing written)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (InputError, PolicyError, OutputError) as exc:
            fail(str(exc))


@click.group(cls=Guarded)
@click.version_option(package_name="claimscrub")
def main() -> None:
    """Check behavioral-health claims (CPT 90863, psychotherapy) before they go to a payer."""


def _inputs(inputs: tuple[Path, ...], sample: bool) -> list[Path]:
    paths = list(inputs)
    if sample:
        paths.append(SAMPLE)
    if not paths:
        raise click.UsageError("give one or more input files, or --sample")
    return paths


check_options = [
    click.argument("inputs", nargs=-1, type=click.Path(path_type=Path)),
    click.option("--sample", is_flag=True, help="Check the bundled sample batch."),
    click.option(
        "--notes", "notes_dir", type=click.Path(path_type=Path), help="Folder of <claim_id>.txt notes."
    ),
    click.option("--providers", type=click.Path(path_type=Path), help="Provider roster CSV."),
    click.option(
        "--policies", "policy_dir", type=click.Path(path_type=Path), help="Folder of payer policy YAML files."
    ),
    click.option(
        "--input-format", type=click.Choice(["csv", "x12", "fhir"]), help="Override format detection."
    ),
]


def with_check_options(fn):  # type: ignore[no-untyped-def]
    for opt in reversed(check_options):
        fn = opt(fn)
    return fn


def _options(notes_dir, providers, policy_dir, input_format):  # type: ignore[no-untyped-def]
    from claimscrub.service import CheckOptions

    return CheckOptions(
        notes_dir=notes_dir, providers=providers, policy_dir=policy_dir, input_format=input_format
    )


@main.command()
@with_check_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the report here.")
@click.option(
    "--engine",
    type=click.Choice(["embedded", "spark", "streaming"]),
    default="embedded",
    show_default=True,
    help="streaming: out-of-core, for inputs larger than memory (docs/spark.md).",
)
@click.option("--spark-master", help="Spark master URL for --engine spark (default local[*]).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when error findings exist.")
@click.option("--store", is_flag=True, help="Also keep the batch in the claim history database.")
@click.option(
    "--db", metavar="URL", help="Database for --store (default: $CLAIMSCRUB_DB or ./claimscrub.db)."
)
def check(  # type: ignore[no-untyped-def]
    inputs, sample, notes_dir, providers, policy_dir, input_format, fmt, output, engine, spark_master,
    exit_zero, store, db,
):  # fmt: skip
    """Check claim lines; exit 0 = no errors, 1 = errors found, 2 = input unreadable."""
    from claimscrub.progress import Progress
    from claimscrub.service import check_paths

    paths = _inputs(inputs, sample)
    options = _options(notes_dir, providers, policy_dir, input_format)
    with Progress("checking") as progress:
        if engine == "spark":
            from claimscrub.engine.spark import check_paths_spark

            result = check_paths_spark(paths, options, master=spark_master)
        elif engine == "streaming":
            from claimscrub.engine.streaming import check_paths_streaming

            result = check_paths_streaming(paths, options, progress=progress.update)
        else:
            result = check_paths(paths, options)
        if store:
            progress.update("storing")
            stored = store_result(result, paths, options, db)
        progress.update(f"writing {fmt}")
        streamed = fmt == "json" and output is not None  # written as made: no 100 MB string
        if streamed:
            from claimscrub.writers.atomic import write_atomic_with
            from claimscrub.writers.json_report import write_json

            write_atomic_with(output, lambda fh: write_json(result, fh))
        else:
            text = render(result, fmt, color=output is None and sys.stdout.isatty())
    if streamed:
        click.echo(f"wrote {output}", err=True)
    else:
        emit(text, output)
    if store:
        click.echo(stored, err=True)
    sys.exit(0 if exit_zero else result.exit_code)


def store_result(result, paths, options, db):  # type: ignore[no-untyped-def]
    """Keep a checked batch in the history database; returns what happened, in words."""
    from sqlalchemy.exc import SQLAlchemyError

    from claimscrub.store import StoreError, open_store, redact, resolve_url
    from claimscrub.store.importer import import_paths

    url = resolve_url(db)
    try:
        engine = open_store(url)
        try:
            report = import_paths(engine, paths, options, result=result)
        finally:
            engine.dispose()
    except (StoreError, SQLAlchemyError) as exc:
        fail(f"{redact(url)}: cannot store the batch ({type(exc).__name__})")
    state = "stored as new batch" if report.batch_new else "already stored as batch"
    return f"{state} {report.batch_id} in {redact(url)}"


@main.command()
@with_check_options
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True, help="Corrected file.")
@click.option("--changes", type=click.Path(path_type=Path), help="Also write the change list (CSV).")
def fix(inputs, sample, notes_dir, providers, policy_dir, input_format, output, changes):  # type: ignore[no-untyped-def]
    """Write a corrected claim file applying only safe fixes, and list each change."""
    from claimscrub.fixer import apply_to_raw, describe_changes, plan_fixes
    from claimscrub.service import check_paths, detect_format
    from claimscrub.writers.csv_report import neutralize_formulas

    paths = _inputs(inputs, sample)
    result = check_paths(paths, _options(notes_dir, providers, policy_dir, input_format))
    plan = plan_fixes(result)
    fmt = input_format or detect_format(paths[0])
    if fmt == "x12":
        if len(paths) != 1:
            raise click.UsageError("fix writes one corrected 837P: give one X12 file")
        from claimscrub.fixer import x12_changes
        from claimscrub.writers.x12_837 import write_corrected

        edits = x12_changes(result, plan)
        plan = plan.join(
            result.lines.select("_row", "_line").filter(
                pl.col("_line").is_in([c.segment_index for c in edits])
            ),
            on="_row",
            how="semi",
        )
        write_corrected(paths[0], output, edits)
    elif fmt == "csv":
        write_atomic(output, neutralize_formulas(apply_to_raw(result.raw, plan)).write_csv())
    else:
        raise click.UsageError(f"fix writes CSV or X12 837P; {fmt} input is checked, not rewritten")
    listed = describe_changes(result, plan)
    if changes is not None:
        write_atomic(changes, neutralize_formulas(listed).write_csv())
    for row in listed.iter_rows(named=True):
        click.echo(f"claim {row['claim_id']} line {row['line_no']}: {row['rule']} {row['change']}")
    remaining = result.findings.join(plan.select("_row", "rule"), on=["_row", "rule"], how="anti")
    click.echo(
        f"{listed.height} change(s) written to {output}; "
        f"{remaining.height} finding(s) left as suggestions (claimscrub check shows them)"
    )


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules_cmd(fmt: str) -> None:
    """List every rule: ID, severity, when it fires."""
    from claimscrub.engine.rule import all_rules

    rules = [r.describe() for r in all_rules()]
    if fmt == "json":
        click.echo(json.dumps(rules, indent=1))
        return
    for r in rules:
        click.echo(f"{r['id']}  {r['severity']:<7}  {r['summary']}")


@main.command("rule")
@click.argument("rule_id")
def rule_cmd(rule_id: str) -> None:
    """Print one rule's documentation page."""
    from claimscrub.engine.rule import get_rule

    rule = get_rule(rule_id)
    if rule is None:
        fail(f"unknown rule ID {rule_id!r}; `claimscrub rules` lists them")
    click.echo(f"{rule.id} ({rule.name}) - {rule.severity}\n")
    click.echo(rule.doc())


@main.command()
@click.option("--policies", "policy_dir", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.argument("names", nargs=-1)
def payers(policy_dir: Path | None, fmt: str, names: tuple[str, ...]) -> None:
    """Show the effective payer policies (built in, plus --policies DIR)."""
    from claimscrub.engine.rule import rule_ids
    from claimscrub.policies import load_policies

    pols = load_policies(policy_dir, rule_ids())
    chosen = [p for n, p in sorted(pols.items()) if not names or n in {x.lower() for x in names}]
    if fmt == "json":
        click.echo(json.dumps([p.to_dict() for p in chosen], indent=1))
        return
    for p in chosen:
        d = p.to_dict()
        click.echo(f"{p.name}: {p.description}")
        click.echo(f"  file:        {d['file']}")
        click.echo(f"  matches:     {', '.join(p.match)}")
        click.echo(f"  not covered: {', '.join(d['not_covered']) or '-'}")
        sev = ", ".join(f"{k} -> {v}" for k, v in d["severity"].items())
        click.echo(f"  severity:    {sev or '-'}")
        click.echo(f"  disabled:    {', '.join(d['disabled']) or '-'}")
        click.echo(f"  fees:        {_fee_basis(p.name)}")
        click.echo(f"  source:      {p.source}")


def _fee_basis(policy: str) -> str:
    """How the pricing prices this payer's lines, in words."""
    from claimscrub.pricing.fees import default_fee_source

    fs = default_fee_source(policy)
    if fs is None:
        return "no fee schedule: lines are priced 'unknown'"
    parts = []
    if fs.medicare_pfs:
        parts.append("Medicare Physician Fee Schedule")
    if fs.percent_of_medicare is not None:
        parts.append(f"{fs.percent_of_medicare}% of the Medicare fee schedule")
    if fs.schedule is not None and fs.schedule.height:
        parts.append(f"{fs.schedule.height} contract rates")
    return "; ".join(parts) or "no rates: lines are priced 'unknown'"


def _register_commands() -> None:
    from claimscrub.commands import register_all

    register_all(main)


_register_commands()
