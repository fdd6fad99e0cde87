"""``claimscrub fix`` input and output: the changes applied to the file's own bytes.

A CSV file is rewritten cell by cell (:mod:`claimscrub.csv_bytes`): untouched cells,
quoting and line endings stay byte-identical. An 837P goes through the X12 writer, which
copies every untouched segment. Several CSV files are written as one new CSV.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from claimscrub.csv_bytes import field_text, rewrite, split_records
from claimscrub.fixer import (
    CHANGE_SCHEMA,
    DELETE,
    X12_FIELDS,
    FixPlan,
    apply_to_raw,
    apply_to_raw_rows,
    plan_fixes,
    x12_changes,
)
from claimscrub.readers.source import read_bounded, source_name
from claimscrub.service import CheckOptions, CheckResult


@dataclass
class CsvFile:
    """One CSV input, its records, and which record holds each raw row."""

    path: Path
    data: bytes
    records: list
    columns: dict[str, int]  # column name -> field index
    record_of_row: list[int]

    @classmethod
    def open(cls, path: Path, raw: pl.DataFrame, data: bytes | None = None) -> CsvFile | None:
        """None when the bytes (the file's, or ``data``: an earlier round's output) do not
        map one to one onto the rows read (then the fix is written as a new CSV instead)."""
        data = read_bounded(path) if data is None else data
        records = split_records(data)
        body = [i for i, r in enumerate(records) if not r.is_blank(data)]
        if not body:
            return None
        header = records[body[0]]
        names = [(field_text(data, f) or "").strip().lower() for f in header.fields]
        columns = {n: i for i, n in enumerate(names)}
        by_line = {records[i].line: i for i in body[1:]}
        try:
            record_of_row = [by_line[int(x)] for x in raw["_line"].to_list()]
        except (KeyError, TypeError):
            return None
        spec = [c for c in raw.columns if not c.startswith("_") and c in columns]
        for row, rec in zip(raw.select(spec).iter_rows(), record_of_row, strict=True):
            fields = records[rec].fields
            for c, v in zip(spec, row, strict=True):
                i = columns[c]
                got = field_text(data, fields[i]) if i < len(fields) else None
                if (got or None) != (v or None):
                    return None
        return cls(path, data, records, columns, record_of_row)

    def fields(self) -> frozenset[str]:
        return frozenset(self.columns) | {DELETE}

    def apply(self, changes: pl.DataFrame) -> bytes:
        edits: dict[int, dict[int, str]] = {}
        deleted: set[int] = set()
        for row, field, value in changes.select("_row", "field", "value").iter_rows():
            rec = self.record_of_row[int(row)]
            if field == DELETE:
                deleted.add(rec)
            else:
                edits.setdefault(rec, {})[self.columns[field]] = value
        return rewrite(self.data, self.records, edits, deleted)


def _kept(changes: pl.DataFrame, n: int) -> list[int]:
    gone = set(changes.filter(pl.col("field") == DELETE)["_row"].to_list())
    return [r for r in range(n) if r not in gone]


#: Rounds of plan-and-apply: a fix can become safe only once another one is applied (a
#: duplicate removed, then its kept copy's units capped).
MAX_FIX_ROUNDS = 6


def fix_files(
    paths: list[Path], fmt: str, result: CheckResult, options: CheckOptions
) -> tuple[FixPlan, bytes]:
    """The safe plan for ``paths`` and the corrected file's bytes, applied until the fixed
    file has no safe fix left (``fix`` of its output changes nothing; docs/fix.md).

    Each round plans on the previous round's re-check, so each is held to "no new finding,
    nothing lost" against a file that is itself no worse than the input. The returned plan
    holds every round's changes addressed by the original rows (one per line and field, its
    final value; edits of a line a later round removes are dropped) and the last re-check."""
    assert result.raw is not None
    composed: dict[tuple[int, str], tuple[str, str | None]] = {}
    origin = list(range(result.raw.height))  # current row -> original row
    current = result
    data: bytes | None = None  # the previous round's output
    plan = FixPlan(pl.DataFrame(schema=CHANGE_SCHEMA))
    after: CheckResult | None = None
    fixed = b""
    for _ in range(MAX_FIX_ROUNDS):
        plan, fixed = _fix_round(paths, fmt, current, options, data)
        if not plan.changes.height or plan.after is None:
            break
        for row, rule, field_, value in plan.changes.select("_row", "rule", "field", "value").iter_rows():
            o = origin[int(row)]
            if field_ == DELETE:
                composed = {k: v for k, v in composed.items() if k[0] != o}
            composed[(o, field_)] = (rule, value)
        gone = set(plan.changes.filter(pl.col("field") == DELETE)["_row"].to_list())
        origin = [o for i, o in enumerate(origin) if i not in gone]
        current, data, after = plan.after, fixed, plan.after
    changes = pl.DataFrame(
        [(r, rule, f, v) for (r, f), (rule, v) in composed.items()], schema=CHANGE_SCHEMA, orient="row"
    ).sort("_row", maintain_order=True)
    return FixPlan(changes, after, plan.dropped), fixed


def _fix_round(
    paths: list[Path], fmt: str, result: CheckResult, options: CheckOptions, data: bytes | None
) -> tuple[FixPlan, bytes]:
    """One round: the safe plan for ``result`` (read from ``data``, or the input files when
    None) and the bytes with it applied."""
    assert result.raw is not None
    n = result.raw.height
    if fmt == "x12":
        from claimscrub.readers.x12_837 import read_837_bytes
        from claimscrub.writers.x12_837 import apply_changes

        x12_data = read_bounded(paths[0]) if data is None else data

        def x12(changes: pl.DataFrame) -> tuple[pl.DataFrame, list[int]]:
            fixed = apply_changes(x12_data, x12_changes(result, changes))
            return read_837_bytes(fixed, source_name(paths[0]), report_envelope=True), _kept(changes, n)

        plan = plan_fixes(result, options, rewrite=x12, fields=X12_FIELDS, claim_values=False)
        return plan, apply_changes(
            x12_data, x12_changes(result, plan.changes)
        ) if plan.changes.height else x12_data
    csv = CsvFile.open(paths[0], result.raw, data) if len(paths) == 1 else None
    if csv is None:  # several files, or bytes we cannot map: one new CSV
        from claimscrub.writers.csv_report import neutralize_formulas

        plan = plan_fixes(result, options, rewrite=lambda c: apply_to_raw_rows(result.raw, c))
        table = neutralize_formulas(apply_to_raw(result.raw, plan.changes))
        return plan, table.write_csv().encode("utf-8")

    from claimscrub.readers.csv_reader import read_csv_bytes

    def rewrite_csv(changes: pl.DataFrame) -> tuple[pl.DataFrame, list[int]]:
        return read_csv_bytes(csv.apply(changes), source_name(paths[0])), _kept(changes, n)

    plan = plan_fixes(result, options, rewrite=rewrite_csv, fields=csv.fields())
    return plan, csv.apply(plan.changes) if plan.changes.height else csv.data
