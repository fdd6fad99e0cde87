"""CSV claim lines (spec §1): every column read as text, then normalized."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from claimscrub.errors import InputError
from claimscrub.normalize import check_required_columns
from claimscrub.readers.source import read_bounded, source_name


def _physical_lines(data: bytes) -> list[int]:
    """1-based physical line of each record (quoted fields may span lines)."""
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    starts: list[int] = []
    header = next(reader, None)
    while header == []:  # Polars skips blank lines before the header
        header = next(reader, None)
    line = reader.line_num + 1
    for _ in reader:
        starts.append(line)
        line = reader.line_num + 1
    return starts


def _find_ragged(data: bytes, source: str) -> InputError:
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    start = reader.line_num + 1
    for rec in reader:
        if rec and len(rec) != len(header):
            return InputError(source, f"expected {len(header)} fields, found {len(rec)}", line=start)
        start = reader.line_num + 1
    return InputError(source, "malformed CSV")


def _column_names(columns: list[str], source: str) -> dict[str, str]:
    """Header names stripped and lower-cased; two that become the same name are an error."""
    names: dict[str, str] = {}
    seen: set[str] = set()
    for c in columns:
        name = c.strip().lower()
        if name in seen:
            raise InputError(source, f"column {name!r} appears more than once", line=1, field=name)
        seen.add(name)
        names[c] = name
    return names


def read_csv_bytes(data: bytes, source: str) -> pl.DataFrame:
    if not data.strip():
        raise InputError(source, "the file is empty", line=1)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(source, "not UTF-8 text", line=line) from None
    try:
        df = pl.read_csv(
            data,
            infer_schema=False,
            truncate_ragged_lines=False,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        err = _find_ragged(data, source)
        if err.line is None:
            raise InputError(source, f"malformed CSV ({type(exc).__name__})") from None
        raise err from None
    df = df.rename(_column_names(df.columns, source))
    check_required_columns(df.columns, source)
    if df.height + 1 == data.count(b"\n") + (0 if data.endswith(b"\n") else 1):
        lines = pl.int_range(2, df.height + 2, dtype=pl.Int64, eager=True)
    else:
        lines = pl.Series(_physical_lines(data), dtype=pl.Int64)
    df = df.with_columns(pl.lit(source).alias("_source"), lines.alias("_line"))
    cells = [c for c in df.columns if not c.startswith("_")]
    blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in cells)
    return df.filter(~blank)  # a blank line (or one of only commas) is not a service line


def read_csv_file(path: Path) -> pl.DataFrame:
    return read_csv_bytes(read_bounded(path), source_name(path))


def read_roster(path: Path) -> pl.DataFrame:
    """Provider roster: provider_npi plus any provider_* / locality columns."""
    data = read_bounded(path)
    try:
        df = pl.read_csv(data, infer_schema=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
        raise _find_ragged(data, str(path)) from None
    df = df.rename(_column_names(df.columns, str(path)))
    if "provider_npi" not in df.columns:
        raise InputError(str(path), "missing required column: provider_npi", line=1, field="provider_npi")
    return df
