"""Raw reader output -> the canonical, typed claim-line frame the rules read.

Validation is vectorized: each check builds a "bad value" mask; the first bad row
becomes an :class:`InputError` naming the file, the line and the column. The
message never repeats the bad value itself (it could be patient data), only what
was expected.
"""

from __future__ import annotations

import polars as pl

from claimscrub.errors import InputError
from claimscrub.knowledge import knowledge
from claimscrub.model import (
    CANONICAL_SCHEMA,
    INPUT_COLUMNS,
    PROVIDER_COLUMNS,
    REQUIRED_COLUMNS,
)
from claimscrub.policies import DEFAULT_POLICY

TRUE_WORDS = ["yes", "y", "true", "t", "1"]
FALSE_WORDS = ["no", "n", "false", "f", "0"]
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def _first_bad(df: pl.DataFrame, bad: pl.Expr, column: str, expected: str) -> None:
    hit = df.select(pl.col("_source"), pl.col("_line")).filter(df.select(bad).to_series())
    if hit.height:
        src, line = hit.row(0)
        raise InputError(src, expected, line=line, field=column)


def _ensure_columns(raw: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in INPUT_COLUMNS if c not in raw.columns]
    if missing:
        raw = raw.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in missing])
    return raw


def check_required_columns(columns: list[str], source: str) -> None:
    """A file must carry every required column (spec §1)."""
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError(
            source, f"missing required column(s): {', '.join(missing)}", line=1, field=missing[0]
        )


def apply_roster(raw: pl.DataFrame, roster: pl.DataFrame | None) -> pl.DataFrame:
    """Fill empty provider_* values from the roster (matched by provider_npi)."""
    if roster is None or roster.height == 0:
        return raw
    cols = [c for c in (*PROVIDER_COLUMNS, "locality") if c in roster.columns and c != "provider_npi"]
    r = roster.select(
        pl.col("provider_npi").str.strip_chars(),
        *[pl.col(c).cast(pl.String).alias(f"{c}__roster") for c in cols],
    ).unique("provider_npi", keep="first")
    for c in cols:
        if c not in raw.columns:
            raw = raw.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    out = raw.join(r, on="provider_npi", how="left", maintain_order="left")
    return out.with_columns(
        [
            pl.when(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == ""))
            .then(pl.col(f"{c}__roster"))
            .otherwise(pl.col(c))
            .alias(c)
            for c in cols
        ]
    ).drop([f"{c}__roster" for c in cols])


def _blank_to_null(col: str) -> pl.Expr:
    s = pl.col(col).cast(pl.String).str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s).alias(col)


def _int_column(df: pl.DataFrame, col: str, *, minimum: int) -> pl.Expr:
    """Parse an integer column; integral decimals like '1.0' are accepted."""
    num = pl.col(col).cast(pl.Float64, strict=False)
    bad = pl.col(col).is_not_null() & (num.is_null() | (num != num.floor()) | (num < minimum))
    _first_bad(df, bad, col, f"expected a whole number >= {minimum}")
    return num.cast(pl.Int64).alias(col)


def normalize(
    raw: pl.DataFrame,
    *,
    payer_policies: dict[str, str],
    roster: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Validate and convert a raw frame. ``payer_policies`` maps lower-cased payer ids to
    policy names (see :func:`claimscrub.policies.payer_table`)."""
    kb = knowledge()
    if "_source" not in raw.columns:
        raw = raw.with_columns(pl.lit("<input>").alias("_source"))
    if "_line" not in raw.columns:
        raw = raw.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("_line"))
    check_required_columns(raw.columns, str(raw["_source"][0]) if raw.height else "<input>")
    df = _ensure_columns(apply_roster(raw, roster))
    df = df.with_columns([_blank_to_null(c) for c in INPUT_COLUMNS if c != "note"])

    for col in REQUIRED_COLUMNS:
        _first_bad(df, pl.col(col).is_null(), col, "required value is empty")

    date = pl.col("service_date").str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    bad_date = ~pl.col("service_date").str.contains(DATE_PATTERN) | date.is_null()
    _first_bad(df, bad_date, "service_date", "expected an ISO date YYYY-MM-DD")

    charge = pl.col("charge").str.replace_all(r"[$,]", "").cast(pl.Decimal(14, 2), strict=False)
    _first_bad(
        df, pl.col("charge").is_not_null() & charge.is_null(), "charge", "expected an amount like 125.00"
    )

    rx = pl.col("provider_rx_authority").str.to_lowercase()
    _first_bad(
        df,
        rx.is_not_null() & ~rx.is_in(TRUE_WORDS + FALSE_WORDS),
        "provider_rx_authority",
        "expected yes or no",
    )

    cred_key = pl.col("provider_credential").str.to_uppercase().str.replace_all(r"[.\s-]", "")
    cred = cred_key.replace_strict(kb.credential_aliases, default=None, return_dtype=pl.String)
    _first_bad(
        df,
        cred_key.is_not_null() & cred.is_null(),
        "provider_credential",
        "expected one of " + " ".join(kb.credential_class) + " (or an alias such as NP's PMHNP)",
    )

    units = _int_column(df, "units", minimum=0)
    minutes = _int_column(df, "minutes", minimum=0)
    line_no = _int_column(df, "line_no", minimum=1)

    taxonomy = pl.col("provider_taxonomy").str.to_uppercase()
    credential = pl.coalesce(
        cred, taxonomy.replace_strict(kb.taxonomy_credential, default=None, return_dtype=pl.String)
    )
    payer = pl.col("payer").str.to_lowercase()
    modifiers = (
        pl.col("modifiers")
        .str.to_uppercase()
        .str.replace_all(r"[:\s,;]+", ":")
        .str.split(":")
        .list.eval(pl.element().filter(pl.element() != ""))
        .list.sort()
        .list.join(":")
        .fill_null("")
    )
    icd10 = (
        pl.col("icd10")
        .str.to_uppercase()
        .str.replace_all(".", "", literal=True)
        .str.split(";")
        .list.eval(pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != ""))
        .fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )
    note = pl.col("note").cast(pl.String)
    note = pl.when(note.str.strip_chars() == "").then(None).otherwise(note)

    out = df.with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"),
        pl.col("_line").cast(pl.Int64),
        date.alias("service_date"),
        charge.alias("charge"),
        rx.is_in(TRUE_WORDS).alias("provider_rx_authority"),
        credential.alias("provider_credential"),
        taxonomy.alias("provider_taxonomy"),
        pl.col("provider_state").str.to_uppercase(),
        pl.col("cpt").str.to_uppercase(),
        modifiers.alias("modifiers"),
        units.fill_null(1),
        minutes,
        line_no,
        pl.col("pos").str.zfill(2),
        icd10.alias("icd10"),
        payer.alias("payer"),
        payer.replace_strict(payer_policies, default=DEFAULT_POLICY, return_dtype=pl.String)
        .fill_null(DEFAULT_POLICY)
        .alias("policy"),
        note.alias("note"),
    )
    out = out.with_columns(
        pl.coalesce(pl.col("line_no"), pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("claim_id")).alias(
            "line_no"
        ),
        pl.col("note").drop_nulls().first().over("claim_id").alias("note"),
        pl.col("provider_credential")
        .replace_strict(kb.credential_class, default=None, return_dtype=pl.String)
        .alias("provider_class"),
        pl.when(pl.col("provider_rx_authority").is_null())
        .then(None)
        .otherwise(pl.col("provider_rx_authority"))
        .alias("provider_rx_authority"),
    )
    if "locality" not in out.columns:
        out = out.with_columns(pl.lit(None, dtype=pl.String).alias("locality"))
    return out.select([pl.col(c).cast(t) for c, t in CANONICAL_SCHEMA.items()])
