"""Raw reader output -> the canonical, typed claim-line frame the rules read.

Validation is vectorized and done in one pass: each check is a "bad value" mask. A line
with a hit is *unreadable*: :func:`normalize_lines` reports it (``_row``, the columns and
why) so the check gives it IN001 and leaves its claim unchecked, while every other claim is
checked (docs/input.md); with ``strict=True`` the first bad row becomes an
:class:`InputError` naming the file, the line and the column. Neither repeats the bad
value (it could be patient data).
String clean-ups (modifiers, diagnoses, credentials) run on the distinct values only and
are mapped back, because a batch has millions of lines but few distinct values.
"""

from __future__ import annotations

import polars as pl

from claimscrub.errors import InputError
from claimscrub.knowledge import knowledge
from claimscrub.model import CANONICAL_SCHEMA, INPUT_COLUMNS, PROVIDER_COLUMNS, REQUIRED_COLUMNS
from claimscrub.policies import DEFAULT_POLICY

TRUE_WORDS = ["yes", "y", "true", "t", "1"]
FALSE_WORDS = ["no", "n", "false", "f", "0"]
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
US_DATE_PATTERN = r"^\d{1,2}/\d{1,2}/\d{4}$"  # MM/DD/YYYY or M/D/YYYY, the billing-export default
#: A CPT or HCPCS code: NNNNX (CPT categories I-III) or XNNNN (HCPCS Level II).
CODE_PATTERN = r"^(\d{4}[0-9A-Z]|[A-Z]\d{4})$"
POS_PATTERN = r"^\d{1,2}$"
#: Columns of the unreadable-lines frame (see :func:`normalize_lines`).
PROBLEM_SCHEMA = {"_row": pl.UInt32, "columns": pl.String, "reason": pl.String}


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


def via_distinct(df: pl.DataFrame, column: str, transform: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """``transform`` (an expression over ``column``) computed on the distinct values only."""
    distinct = df.select(pl.col(column).unique().drop_nulls())
    mapped = distinct.select(pl.col(column).alias("old"), transform.cast(dtype).alias("new"))
    return pl.col(column).replace_strict(mapped["old"], mapped["new"], default=None, return_dtype=dtype)


MAX_COUNT = 1_000_000  # units, minutes, line_no: keeps Int64 casts and unit x price from overflowing


def _failing(df: pl.DataFrame, checks: list[tuple[str, pl.Expr, str]]) -> list[tuple[str, pl.Expr, str]]:
    """The checks with at least one bad row (one pass over all checks)."""
    hits = df.select([bad.fill_null(False).any().alias(str(i)) for i, (_, bad, _) in enumerate(checks)]).row(
        0
    )
    return [checks[i] for i, hit in enumerate(hits) if hit]


def _raise_first(df: pl.DataFrame, failing: list[tuple[str, pl.Expr, str]]) -> None:
    """On failure, the earliest bad row of any check as an :class:`InputError`."""
    if not failing:
        return
    firsts = [
        (df.select(bad.fill_null(False).arg_true().first()).item(), col, why) for col, bad, why in failing
    ]
    row, col, why = min(firsts, key=lambda t: t[0])
    raise InputError(str(df["_source"][row]), why, line=int(df["_line"][row]), field=col)


def _problems(df: pl.DataFrame, failing: list[tuple[str, pl.Expr, str]]) -> pl.DataFrame:
    """One row per unreadable line: its ``_row``, the bad columns and why (never the values)."""
    if not failing:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    cols = pl.concat_list([pl.when(bad.fill_null(False)).then(pl.lit(col)) for col, bad, _ in failing])
    whys = pl.concat_list(
        [pl.when(bad.fill_null(False)).then(pl.lit(f"{col}: {why}")) for col, bad, why in failing]
    )
    return (
        df.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"),
            cols.list.drop_nulls().list.unique(maintain_order=True).list.join(", ").alias("columns"),
            whys.list.drop_nulls().list.unique(maintain_order=True).list.join("; ").alias("reason"),
        )
        .filter(pl.col("columns") != "")
        .select(list(PROBLEM_SCHEMA))
    )


def credential_key(col: str = "provider_credential") -> pl.Expr:
    """The credential as the alias table spells it: upper case, the suffix after ``-`` or
    ``,`` dropped (``PMHNP-BC`` -> ``PMHNP``), dots and spaces removed (``Psy.D.``)."""
    return pl.col(col).str.to_uppercase().str.replace(r"[-,].*$", "").str.replace_all(r"[.\s]", "")


def _blank_to_null(col: str) -> pl.Expr:
    s = pl.col(col).cast(pl.String).str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s).alias(col)


def normalize(
    raw: pl.DataFrame,
    *,
    payer_policies: dict[str, str],
    roster: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Validate and convert a raw frame, stopping at the first unreadable value
    (:class:`InputError`). ``payer_policies`` maps lower-cased payer ids to policy names
    (see :func:`claimscrub.policies.payer_table`)."""
    return normalize_lines(raw, payer_policies=payer_policies, roster=roster, strict=True)[0]


def normalize_lines(
    raw: pl.DataFrame,
    *,
    payer_policies: dict[str, str],
    roster: pl.DataFrame | None = None,
    strict: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The canonical frame of every line, and the unreadable lines (:data:`PROBLEM_SCHEMA`).

    An unreadable line's bad values are null in the canonical frame; ``strict=True`` raises
    :class:`InputError` at the first one instead."""
    kb = knowledge()
    if "_source" not in raw.columns:
        raw = raw.with_columns(pl.lit("<input>").alias("_source"))
    if "_line" not in raw.columns:
        raw = raw.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("_line"))
    check_required_columns(raw.columns, str(raw["_source"][0]) if raw.height else "<input>")
    df = apply_roster(raw, roster)
    missing = [c for c in INPUT_COLUMNS if c not in df.columns]
    df = df.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in missing])
    df = df.with_columns([_blank_to_null(c) for c in INPUT_COLUMNS if c not in missing and c != "note"])

    # Parse each column once, on its distinct values (dates, amounts, units: few distinct
    # values in millions of lines), into helper columns the checks and the result share.
    sd = pl.col("service_date")
    us = sd.str.replace(r"^(\d)/", "0$1/").str.replace(r"/(\d)/", "/0$1/")
    iso_date = (
        pl.when(sd.str.contains(DATE_PATTERN))
        .then(sd.str.strptime(pl.Date, "%Y-%m-%d", strict=False))
        .when(sd.str.contains(US_DATE_PATTERN))
        .then(us.str.strptime(pl.Date, "%m/%d/%Y", strict=False))
    )
    amount = pl.col("charge").str.replace_all(r"[$,]", "").cast(pl.Decimal(14, 2), strict=False)
    cred_key = credential_key()
    number = {c: pl.col(c).cast(pl.Float64, strict=False) for c in ("units", "minutes", "line_no")}
    df = df.with_columns(
        via_distinct(df, "service_date", iso_date, pl.Date()).alias("_date"),
        via_distinct(df, "charge", amount, pl.Decimal(14, 2)).alias("_charge"),
        via_distinct(
            df,
            "provider_credential",
            # an unknown credential stays as given (upper case, no dots): its class is unknown
            pl.when(cred_key != "").then(
                cred_key.replace_strict(kb.credential_aliases, default=cred_key, return_dtype=pl.String)
            ),
            pl.String(),
        ).alias("_cred"),
        *[via_distinct(df, c, expr, pl.Float64()).alias(f"_{c}") for c, expr in number.items()],
    )
    rx = pl.col("provider_rx_authority").str.to_lowercase()

    def bad_number(c: str, minimum: int) -> pl.Expr:
        n = pl.col(f"_{c}")
        out_of_range = n.is_null() | (n != n.floor()) | (n < minimum) | (n > MAX_COUNT)
        return pl.col(c).is_not_null() & out_of_range

    checks = [(c, pl.col(c).is_null(), "required value is empty") for c in REQUIRED_COLUMNS]
    checks += [
        ("service_date", pl.col("service_date").is_not_null() & pl.col("_date").is_null(),
         "expected a date YYYY-MM-DD or MM/DD/YYYY"),
        ("cpt", ~pl.col("cpt").str.to_uppercase().str.contains(CODE_PATTERN),
         "expected a 5-character CPT/HCPCS code (NNNNX or XNNNN)"),
        ("pos", pl.col("pos").is_not_null() & ~pl.col("pos").str.contains(POS_PATTERN),
         "expected a 2-digit place of service"),
        ("charge", pl.col("charge").is_not_null() & pl.col("_charge").is_null(),
         "expected an amount like 125.00"),
        ("provider_rx_authority", rx.is_not_null() & ~rx.is_in(TRUE_WORDS + FALSE_WORDS),
         "expected yes or no (y/n, true/false, 1/0)"),
        ("units", bad_number("units", 0), f"expected a whole number from 0 to {MAX_COUNT:,}"),
        ("minutes", bad_number("minutes", 0), f"expected a whole number from 0 to {MAX_COUNT:,}"),
        ("line_no", bad_number("line_no", 1), f"expected a whole number from 1 to {MAX_COUNT:,}"),
    ]  # fmt: skip
    failing = _failing(df, checks)
    if strict:
        _raise_first(df, failing)
    problems = _problems(df, failing)
    date = pl.col("_date")
    charge = pl.col("_charge")
    cred = pl.col("_cred")
    units, minutes, line_no = (
        pl.col(f"_{c}").cast(pl.Int64, strict=False) for c in ("units", "minutes", "line_no")
    )

    taxonomy = pl.col("provider_taxonomy").str.to_uppercase()
    # The taxonomy is only used when no credential is given (an unknown one stays unknown).
    credential = pl.coalesce(
        cred, taxonomy.replace_strict(kb.taxonomy_credential, default=None, return_dtype=pl.String)
    )
    payer = pl.col("payer").str.to_lowercase()
    modifiers = via_distinct(
        df,
        "modifiers",
        pl.col("modifiers")
        .str.to_uppercase()
        .str.replace_all(r"[:\s,;]+", ":")
        .str.strip_chars(":")
        .str.split(":")
        .list.unique()
        .list.sort()
        .list.join(":"),
        pl.String(),
    ).fill_null("")
    icd10 = via_distinct(
        df,
        "icd10",
        pl.col("icd10")
        .str.to_uppercase()
        .str.replace_all(r"[.\s]", "")
        .str.replace_all(r"[;,]+", ";")
        .str.strip_chars(";"),
        pl.String(),
    ).fill_null("")
    note = pl.col("note").cast(pl.String)
    out = df.with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"),
        pl.col("_line").cast(pl.Int64),
        date.alias("service_date"),
        charge.alias("charge"),
        pl.when(rx.is_null()).then(None).otherwise(rx.is_in(TRUE_WORDS)).alias("provider_rx_authority"),
        credential.alias("provider_credential"),
        taxonomy.alias("provider_taxonomy"),
        pl.col("provider_state").str.to_uppercase(),
        pl.col("cpt").str.to_uppercase(),
        modifiers.alias("modifiers"),
        units.fill_null(1).alias("units"),
        minutes.alias("minutes"),
        line_no.alias("line_no"),
        pl.col("pos").str.zfill(2),
        icd10.alias("icd10"),
        payer.alias("payer"),
        payer.replace_strict(payer_policies, default=DEFAULT_POLICY, return_dtype=pl.String)
        .fill_null(DEFAULT_POLICY)
        .alias("policy"),
        pl.when(note.str.strip_chars() == "").then(None).otherwise(note).alias("note"),
    )
    fills = [
        pl.col("provider_credential")
        .replace_strict(kb.credential_class, default=None, return_dtype=pl.String)
        .alias("provider_class")
    ]
    if out["line_no"].null_count():
        fills.append(
            pl.coalesce("line_no", pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("claim_id")).alias(
                "line_no"
            )
        )
    if out["note"].null_count() < out.height:  # a claim's note is its first non-empty one
        fills.append(pl.col("note").drop_nulls().first().over("claim_id").alias("note"))
    out = out.with_columns(fills)
    if "locality" not in out.columns:
        out = out.with_columns(pl.lit(None, dtype=pl.String).alias("locality"))
    lines = out.select([pl.col(c).cast(t, strict=False) for c, t in CANONICAL_SCHEMA.items()])
    return lines, problems
