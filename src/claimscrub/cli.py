"""Command line: ``claimscrub check | fix | rules | rule | payers | ...``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from claimscrub.errors import EngineError, InputError, PolicyError
from claimscrub.knowledge import DATA_DIR
from claimscrub.readers.source import (
    DEFAULT_MAX_INPUT_MB,
    MAX_INPUT_ENV,
    is_stdin,
    remember_streams,
    set_max_input_mb,
)
from claimscrub.writers import FORMATS, render
from claimscrub.writers.atomic import OutputError, is_stdout, write_atomic, write_outputs

SAMPLE = DATA_DIR / "sample" / "claims.csv"
EXIT_INPUT = 2


def fail(message: str) -> None:
    click.echo(f"claimscrub: error: {message}", err=True)
    sys.exit(EXIT_INPUT)


def emit(text: str, output: Path | None) -> None:
    """The report to stdout (no ``-o``, or ``-o -``) or to the file / device named."""
    if output is None or is_stdout(output):
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
        click.echo(f"wrote {output}", err=True)


class Guarded(click.Group):
    """Turns bad input and engine failures into one clear message and exit 2 (nothing
    written): exit 1 only ever means "error findings". ``CLAIMSCRUB_DEBUG=1`` shows the
    traceback of an unexpected failure instead."""

    def invoke(self, ctx: click.Context) -> object:
        set_max_input_mb(None)  # --max-input-mb applies to this run only
        remember_streams()
        try:
            return super().invoke(ctx)
        except (InputError, PolicyError, OutputError, EngineError) as exc:
            fail(str(exc))
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except MemoryError:
            fail("out of memory: use --engine streaming (docs/spark.md)")
        except Exception as exc:  # an engine or internal failure, not a finding
            if os.environ.get("CLAIMSCRUB_DEBUG"):
                raise
            # the type only: an exception's text may carry claim values
            fail(f"internal error ({type(exc).__name__}); CLAIMSCRUB_DEBUG=1 shows the traceback")


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
    if sum(is_stdin(p) for p in paths) > 1:
        raise click.UsageError("'-' (stdin) can be given once")
    return paths


def _not_an_input(paths: list[Path], *outputs: Path | None) -> None:
    """Refuse an output that is one of the inputs: the claims file would be lost."""
    for out in outputs:
        if out is None or is_stdout(out) or not out.is_file():
            continue
        for p in paths:
            if not is_stdin(p) and p.is_file() and os.path.samefile(out, p):
                raise click.UsageError(f"{out} is also an input; write the output to another file")


def _set_input_limit(ctx: click.Context, param: click.Parameter, value: int | None) -> None:
    set_max_input_mb(value)


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
    click.option(
        "--max-input-mb",
        type=click.IntRange(min=1),
        expose_value=False,
        is_eager=True,
        callback=_set_input_limit,
        help=f"Refuse an input larger than this (MiB; default ${MAX_INPUT_ENV} or {DEFAULT_MAX_INPUT_MB}).",
    ),
    click.option(
        "--strict",
        is_flag=True,
        help="Stop at the first unreadable value (exit 2) instead of reporting IN001 and going on.",
    ),
]


def with_check_options(fn):  # type: ignore[no-untyped-def]
    for opt in reversed(check_options):
        fn = opt(fn)
    return fn


def _options(notes_dir, providers, policy_dir, input_format, strict=False):  # type: ignore[no-untyped-def]
    from claimscrub.service import CheckOptions

    return CheckOptions(
        notes_dir=notes_dir,
        providers=providers,
        policy_dir=policy_dir,
        input_format=input_format,
        strict=strict,
    )


@main.command()
@with_check_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the report here (- = stdout).")
@click.option(
    "--engine",
    type=click.Choice(["auto", "embedded", "spark", "streaming"]),
    default="auto",
    show_default=True,
    help="auto: embedded, or streaming (out of core) above --streaming-above (docs/spark.md).",
)
@click.option(
    "--streaming-above",
    metavar="SIZE",
    help="--engine auto streams inputs bigger than this (e.g. 256M; $CLAIMSCRUB_STREAMING_ABOVE).",
)
@click.option(
    "--spark-master", help="Spark master URL for --engine spark (default: spark-submit's, else local[*])."
)
@click.option(
    "--partitions",
    type=click.IntRange(min=1),
    help="--engine spark: check tasks (default: sized from the input, docs/spark.md).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when error findings exist.")
@click.option("--store", is_flag=True, help="Also keep the batch in the claim history database.")
@click.option(
    "--db", metavar="URL", help="Database for --store (default: $CLAIMSCRUB_DB or ./claimscrub.db)."
)
def check(  # type: ignore[no-untyped-def]
    inputs, sample, notes_dir, providers, policy_dir, input_format, strict, fmt, output, engine,
    streaming_above, spark_master, partitions, exit_zero, store, db,
):  # fmt: skip
    """Check claim lines; exit 0 = no errors, 1 = errors found, 2 = input unreadable or the
    engine failed."""
    from claimscrub.engine.choose import choose_engine, streaming_threshold
    from claimscrub.progress import Progress
    from claimscrub.service import check_paths

    paths = _inputs(inputs, sample)
    _not_an_input(paths, output)
    try:
        threshold = streaming_threshold(streaming_above)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--streaming-above") from None
    engine = choose_engine(engine, paths, threshold=threshold, store=store)
    if engine != "embedded" and any(is_stdin(p) for p in paths):
        raise click.UsageError(f"'-' (stdin) is read by the embedded engine, not --engine {engine}")
    options = _options(notes_dir, providers, policy_dir, input_format, strict)
    with Progress("checking") as progress:
        if engine == "spark":
            from claimscrub.engine.spark import check_paths_spark

            result = check_paths_spark(
                paths, options, master=spark_master, partitions=partitions, all_lines=store
            )
        elif engine == "streaming":
            from claimscrub.engine.streaming import check_paths_streaming

            result = check_paths_streaming(paths, options, progress=progress.update)
        else:
            result = check_paths(paths, options)
        if store:
            progress.update("storing")
            stored = store_result(result, paths, options, db)
        progress.update(f"writing {fmt}")
        streamed = fmt == "json" and output is not None and not is_stdout(output)
        if streamed:  # written as made: no 100 MB string
            from claimscrub.writers.atomic import write_atomic_with
            from claimscrub.writers.json_report import write_json

            write_atomic_with(output, lambda fh: write_json(result, fh))
        else:
            to_terminal = (output is None or is_stdout(output)) and sys.stdout.isatty()
            text = render(result, fmt, color=to_terminal)
    warn_ignored(result)
    if streamed:
        click.echo(f"wrote {output}", err=True)
    else:
        emit(text, output)
    if store:
        click.echo(stored, err=True)
    sys.exit(0 if exit_zero else result.exit_code)


def warn_ignored(result) -> None:  # type: ignore[no-untyped-def]
    """A column the spec does not name is ignored: say so, so a typo (``minuts``) is seen."""
    ignored = getattr(result, "ignored_columns", None)  # the Spark engine does not list them
    if ignored:
        names = ", ".join(ignored)
        click.echo(f"claimscrub: warning: ignored column(s) not in the input spec: {names}", err=True)


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
    except StoreError as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        fail(f"{redact(url)}: cannot store the batch ({type(exc).__name__})")
    state = "stored as new batch" if report.batch_new else "already stored as batch"
    return f"{state} {report.batch_id} in {redact(url)}"


@main.command()
@with_check_options
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), required=True, help="Corrected file (- = stdout)."
)
@click.option(
    "--changes", type=click.Path(path_type=Path), help="Also write the change list (CSV; - = stdout)."
)
def fix(inputs, sample, notes_dir, providers, policy_dir, input_format, strict, output, changes):  # type: ignore[no-untyped-def]
    """Write a corrected claim file applying only safe fixes, and list each change.

    A fix is applied only when checking the fixed file shows no finding the original did
    not have and no claim loses its note or a diagnosis; untouched bytes stay as they were."""
    from claimscrub.fix_io import fix_files
    from claimscrub.fixer import describe_changes
    from claimscrub.service import check_paths, detect_format
    from claimscrub.writers.csv_report import neutralize_formulas

    paths = _inputs(inputs, sample)
    _not_an_input(paths, output, changes)
    if is_stdout(output) and is_stdout(changes):
        raise click.UsageError("--output and --changes cannot both be stdout")
    options = _options(notes_dir, providers, policy_dir, input_format, strict)
    fmt = input_format or detect_format(paths[0])
    if fmt == "x12" and len(paths) != 1:
        raise click.UsageError("fix writes one corrected 837P: give one X12 file")
    if fmt not in ("x12", "csv"):
        raise click.UsageError(f"fix writes CSV or X12 837P; {fmt} input is checked, not rewritten")
    result = check_paths(paths, options)
    warn_ignored(result)
    plan, fixed = fix_files(paths, fmt, result, options)
    listed = describe_changes(result, plan.changes)
    outputs: list[tuple[Path, str | bytes]] = [(output, fixed)]
    if changes is not None:
        outputs.append((changes, neutralize_formulas(listed).write_csv()))
    write_outputs(outputs)  # both or neither
    to_stderr = is_stdout(output) or is_stdout(changes)  # keep stdout for the file itself
    for row in listed.iter_rows(named=True):
        click.echo(
            f"claim {row['claim_id']} line {row['line_no']}: {row['rule']} {row['change']}", err=to_stderr
        )
    remaining = plan.after.findings.height if plan.after is not None else result.findings.height
    click.echo(
        f"{listed.height} change(s) written to {'stdout' if is_stdout(output) else output}; "
        f"{remaining} finding(s) left as suggestions (claimscrub check shows them)",
        err=to_stderr,
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
        click.echo(f"  aliases:     {', '.join(p.aliases) or '-'}")
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
