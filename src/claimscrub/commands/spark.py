"""``claimscrub spark-check INPUT... --findings-out DIR``: big batches on Apache Spark.

Findings are written as Parquet (``_row`` + the spec §5 columns, in input order); only
the summary comes back to the driver. See ``docs/spark.md``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def register(main: click.Group) -> None:
    @main.command("spark-check")
    @click.argument("inputs", nargs=-1, required=True)
    @click.option(
        "--findings-out", required=True, help="Folder (local, hdfs://, s3a://...) for the Parquet findings."
    )
    @click.option("--spark-master", help="Spark master URL (default: spark-submit's master, else local[*]).")
    @click.option(
        "--notes", "notes_dir", type=click.Path(path_type=Path), help="Folder of <claim_id>.txt notes."
    )
    @click.option("--providers", type=click.Path(path_type=Path), help="Provider roster CSV.")
    @click.option(
        "--policies", "policy_dir", type=click.Path(path_type=Path), help="Payer policy YAML folder."
    )
    @click.option(
        "--single-line-csv",
        is_flag=True,
        help="CSV records never span lines: lets Spark split big files (faster reads).",
    )
    @click.option(
        "--partitions",
        type=click.IntRange(min=1),
        help="Check tasks (default: sized from the input: one per core, 500k lines at most each).",
    )
    @click.option("--exit-zero", is_flag=True, help="Exit 0 even when error findings exist.")
    def spark_check(  # type: ignore[no-untyped-def]
        inputs, findings_out, spark_master, notes_dir, providers, policy_dir, single_line_csv, partitions,
        exit_zero,
    ):  # fmt: skip
        """Check claim lines on Spark; write findings as Parquet; print the summary (JSON)."""
        from claimscrub.engine.spark import run_spark_check
        from claimscrub.service import CheckOptions

        options = CheckOptions(notes_dir=notes_dir, providers=providers, policy_dir=policy_dir)
        summary = run_spark_check(
            list(inputs),
            findings_out,
            options,
            master=spark_master,
            multiline=not single_line_csv,
            partitions=partitions,
        )
        click.echo(json.dumps(summary.as_dict()))
        click.echo(f"wrote findings to {findings_out}", err=True)
        sys.exit(0 if exit_zero or not summary.errors else 1)

    @main.command("spark-entry")
    def spark_entry() -> None:
        """Print the .py file to give spark-submit (docs/spark.md)."""
        from claimscrub import spark_entry as entry

        click.echo(entry.__file__)
