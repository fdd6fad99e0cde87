"""Vectorized line pricing: :func:`price_lines`.

Python loops here run over *unique* combinations (policy; year/code/modifiers/locality/state/POS;
credential/date; base/percent triples), never over lines; per-line work is polars joins.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import polars as pl

from claimscrub.pricing.fees import FeeSource, FeeSourceLike, resolve_fee_sources
from claimscrub.pricing.pfs import CENT, package_pfs_dir, schedule_for_service_year

MONEY = pl.Decimal(14, 2)
HUNDRED = Decimal(100)

#: Output columns of :func:`price_lines`.
PRICE_COLUMNS = ("_row", "expected_payment", "unit_price", "price_status", "price_basis")

# price_status values
PRICED = "priced"
NOT_PAYABLE = "not_payable"  # the payer pays $0 for it (Medicare status I/B/N/...)
UNKNOWN = "unknown"

_NEEDED = {
    "_row": pl.UInt32,
    "cpt": pl.String,
    "modifiers": pl.String,
    "units": pl.Int64,
    "pos": pl.String,
    "provider_state": pl.String,
    "locality": pl.String,
    "provider_credential": pl.String,
    "policy": pl.String,
    "service_date": pl.Date,
}


@lru_cache(maxsize=1)
def pos_settings() -> dict[str, str]:
    """POS code -> 'facility' / 'non-facility' (``data/pfs/pos_setting.csv``)."""
    with (package_pfs_dir() / "pos_setting.csv").open(newline="", encoding="utf-8") as fh:
        return {r["pos"].zfill(2): r["setting"] for r in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def status_kinds() -> dict[str, tuple[str, str]]:
    """PFS status code -> (priced|zero|unknown, meaning) (``data/pfs/status.csv``)."""
    with (package_pfs_dir() / "status.csv").open(newline="", encoding="utf-8") as fh:
        return {r["status"]: (r["medicare"], r["meaning"]) for r in csv.DictReader(fh)}


def setting_for_pos(pos: str | None) -> tuple[bool, str]:
    """(facility?, note).  Unlisted POS codes are non-facility (Pub. 100-04 ch. 12 §20.4.2:
    the facility rate applies only in the listed facility settings); missing POS: non-facility
    assumed, with a note."""
    p = (pos or "").strip()
    if not p:
        return False, "pos unknown: non-facility assumed"
    p = p.zfill(2)
    s = pos_settings().get(p)
    if s is None:
        return False, ""
    return s == "facility", ""


def _prep(lines: pl.DataFrame) -> pl.DataFrame:
    cols = []
    for c, t in _NEEDED.items():
        if c in lines.columns:
            cols.append(pl.col(c).cast(t, strict=False))
        elif c == "_row":
            cols.append(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"))
        else:
            cols.append(pl.lit(None, dtype=t).alias(c))
    df = lines.select(cols)
    return df.with_columns(
        pl.col("cpt").str.strip_chars().str.to_uppercase(),
        pl.col("modifiers").fill_null("").str.to_uppercase(),
        pl.col("units").fill_null(1),
        pl.col("policy").fill_null("").str.to_lowercase(),
        pl.col("provider_credential").str.to_uppercase(),
    )


def _medicare_base(df: pl.DataFrame) -> pl.DataFrame:
    """Medicare PFS amount per unit for each line: columns _row, m_fee, m_kind, m_basis."""
    keys = ["_year", "cpt", "modifiers", "locality", "provider_state", "pos"]
    d = df.with_columns(pl.col("service_date").dt.year().alias("_year"))
    uniq = d.select(keys).unique()
    recs = []
    for k in uniq.iter_rows(named=True):
        fee, kind, basis = _medicare_fee(
            k["_year"], k["cpt"], k["modifiers"], k["locality"], k["provider_state"], k["pos"]
        )
        recs.append({**k, "m_fee": fee, "m_kind": kind, "m_basis": basis})
    schema = {**{c: uniq.schema[c] for c in keys}, "m_fee": MONEY, "m_kind": pl.String, "m_basis": pl.String}
    table = pl.DataFrame(recs, schema=schema)
    return d.join(table, on=keys, how="left", nulls_equal=True).select("_row", "m_fee", "m_kind", "m_basis")


def _medicare_fee(
    year: int | None,
    code: str | None,
    modifiers: str,
    locality: str | None,
    state: str | None,
    pos: str | None,
) -> tuple[Decimal | None, str, str]:
    """(fee per unit, kind, basis) for one combination.  kind: priced / zero / unknown."""
    if not code:
        return None, UNKNOWN, "unknown: no code"
    if year is None:
        return None, UNKNOWN, "unknown: no service date"
    fs, year_note = schedule_for_service_year(year)
    if fs is None:
        return None, UNKNOWN, f"unknown: {year_note}"
    mods = [m for m in modifiers.split(":") if m]
    known = fs.modifiers_for(code)
    pmod = next((m for m in mods if m in known), "")
    rvu = fs.rvu(code, pmod)
    if rvu is None:
        return None, UNKNOWN, f"unknown: {code} not in {fs.name}"
    kind, meaning = status_kinds().get(rvu.status, (UNKNOWN, "unlisted status"))
    if kind == "zero":
        return Decimal("0.00"), NOT_PAYABLE, f"medicare: status {rvu.status} not payable ({fs.name})"
    if kind != "priced":
        return None, UNKNOWN, f"unknown: medicare status {rvu.status} ({meaning}) ({fs.name})"
    gpci, loc_note = fs.resolve_locality(locality, state)
    facility, pos_note = setting_for_pos(pos)
    fee = fs.fee(rvu, gpci, facility)
    where = "national" if gpci.key == "national" else f"locality {gpci.key}"
    basis = f"{fs.name} {where} {'facility' if facility else 'non-facility'}"
    if pmod:
        basis += f" modifier {pmod}"
    notes = [n for n in (year_note, loc_note, pos_note) if n]
    if rvu.status != "A":
        notes.append(f"status {rvu.status}: {meaning}")
    if notes:
        basis += "; " + "; ".join(notes)
    return fee, PRICED, basis


def _schedule_base(df: pl.DataFrame, src: FeeSource) -> pl.DataFrame:
    """Schedule rate per unit: columns _row, s_fee.  A row with a modifier matches a line that
    carries that modifier (all of them, when several) and beats a modifier-less row; the latest
    effective_from wins among rows in effect on the service date."""
    assert src.schedule is not None
    sch = src.schedule.with_columns(
        pl.col("modifier").str.split(":").list.eval(pl.element().filter(pl.element() != "")).alias("_smods"),
        pl.col("modifier").str.len_chars().alias("_spec"),
    )
    lines = df.select("_row", "cpt", "modifiers", "service_date").with_columns(
        pl.col("modifiers").str.split(":").alias("_lmods")
    )
    j = lines.join(sch, left_on="cpt", right_on="code", how="inner")
    j = j.filter(
        (pl.col("_smods").list.set_difference(pl.col("_lmods")).list.len() == 0)
        & (pl.col("effective_from").is_null() | (pl.col("service_date") >= pl.col("effective_from")))
        & (pl.col("effective_to").is_null() | (pl.col("service_date") <= pl.col("effective_to")))
        & (
            pl.col("service_date").is_not_null()
            | (pl.col("effective_from").is_null() & pl.col("effective_to").is_null())
        )
    )
    best = (
        j.sort(["_row", "_spec", "effective_from"], descending=[False, True, True], nulls_last=True)
        .group_by("_row", maintain_order=True)
        .first()
        .select("_row", pl.col("rate").alias("s_fee"))
    )
    return df.select("_row").join(best, on="_row", how="left")


def _credential_pct(df: pl.DataFrame, src: FeeSource) -> pl.DataFrame:
    """Columns _row, c_pct (Decimal percent or null = not payable for that credential), c_note."""
    uniq = df.select("provider_credential", "service_date").unique()
    recs = []
    for k in uniq.iter_rows(named=True):
        pct, note = src.credential_factor(k["provider_credential"], k["service_date"])
        recs.append({**k, "c_pct": None if pct is None else str(pct), "c_note": note})
    table = pl.DataFrame(
        recs,
        schema={
            "provider_credential": pl.String,
            "service_date": pl.Date,
            "c_pct": pl.String,
            "c_note": pl.String,
        },
    )
    return df.join(table, on=["provider_credential", "service_date"], how="left", nulls_equal=True).select(
        "_row", "c_pct", "c_note"
    )


def _fmt_pct(p: Decimal) -> str:
    return f"{p.normalize():f}%"


def _apply_percents(base: Decimal, cred: Decimal, contract: Decimal | None) -> Decimal:
    """round(base x cred%, 2), then round(that x contract%, 2): each allowed amount is rounded to
    the cent the way the payer states it (Medicare NPP amount, then the contract's percent)."""
    amt = base
    if cred != HUNDRED:
        amt = (amt * cred / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    if contract is not None and contract != HUNDRED:
        amt = (amt * contract / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    return amt


def _price_policy(df: pl.DataFrame, policy: str, src: FeeSource | None) -> pl.DataFrame:
    """Price the lines of one policy: columns _row, unit_price, price_status, price_basis."""
    if src is None or not src.has_rates:
        reason = (
            f"unknown: no fee source for policy {policy or '(none)'}" if src is None else "unknown: no rate"
        )
        return df.select(
            "_row",
            pl.lit(None, dtype=MONEY).alias("unit_price"),
            pl.lit(UNKNOWN).alias("price_status"),
            pl.lit(reason).alias("price_basis"),
        )
    out = df.select("_row", "cpt", "provider_credential")
    if src.schedule is not None:
        out = out.join(_schedule_base(df, src), on="_row", how="left")
    else:
        out = out.with_columns(pl.lit(None, dtype=MONEY).alias("s_fee"))
    if src.uses_medicare:
        out = out.join(_medicare_base(df), on="_row", how="left")
    else:
        out = out.with_columns(
            pl.lit(None, dtype=MONEY).alias("m_fee"),
            pl.lit(UNKNOWN).alias("m_kind"),
            pl.lit("unknown: no rate").alias("m_basis"),
        )
    out = out.join(_credential_pct(df, src), on="_row", how="left")

    # per unique (source of base, base, kind, basis, credential %, note): final unit price
    keys = ["s_fee", "m_fee", "m_kind", "m_basis", "c_pct", "c_note", "provider_credential"]
    uniq = out.select(keys).unique()
    recs = []
    contract = src.percent_of_medicare
    for k in uniq.iter_rows(named=True):
        recs.append({**k, **_final(k, src, contract)})
    table = pl.DataFrame(
        recs,
        schema={
            **{c: out.schema[c] for c in keys},
            "unit_price": MONEY,
            "price_status": pl.String,
            "price_basis": pl.String,
        },
    )
    return out.join(table, on=keys, how="left", nulls_equal=True).select(
        "_row", "unit_price", "price_status", "price_basis"
    )


def _final(k: dict, src: FeeSource, contract: Decimal | None) -> dict:
    cred = k["provider_credential"]
    pct = Decimal(k["c_pct"]) if k["c_pct"] is not None else None
    cred_txt = ""
    if pct is not None and pct != HUNDRED:
        cred_txt = f"; {cred} {_fmt_pct(pct)}"
    if k["c_note"]:
        cred_txt += f"; {k['c_note']}"

    def res(price, status, basis):
        return {"unit_price": price, "price_status": status, "price_basis": basis}

    if k["s_fee"] is not None:
        if pct is None:
            return res(None, UNKNOWN, f"unknown: {k['c_note']}")
        return res(_apply_percents(k["s_fee"], pct, None), PRICED, f"fee schedule {src.name}{cred_txt}")
    if not src.uses_medicare:
        return res(None, UNKNOWN, "unknown: no rate")
    kind, basis, fee = k["m_kind"], k["m_basis"], k["m_fee"]
    if kind == UNKNOWN or fee is None:
        return res(None, UNKNOWN, basis)
    if kind == NOT_PAYABLE:
        if src.medicare_pfs and contract is None:
            return res(Decimal("0.00"), NOT_PAYABLE, basis)
        # a contract priced off Medicare has no Medicare amount to take a percent of
        return res(
            None,
            UNKNOWN,
            f"unknown: no Medicare amount to apply {src.name}'s percent to "
            f"({basis.removeprefix('medicare: ')})",
        )
    if pct is None:
        return res(None, UNKNOWN, f"unknown: {k['c_note']}")
    price = _apply_percents(fee, pct, contract)
    if contract is not None:
        return res(price, PRICED, f"{src.name}: {_fmt_pct(contract)} of {basis}{cred_txt}")
    return res(price, PRICED, f"{basis}{cred_txt}")


def price_lines(
    lines: pl.DataFrame, *, fee_sources: Mapping[str, FeeSourceLike] | None = None
) -> pl.DataFrame:
    """Expected payment per line (see :mod:`claimscrub.pricing`).

    Returns one row per input line, in ``_row`` order: ``_row``, ``expected_payment``
    (Decimal(14,2), unit price x units; null when unknown), ``unit_price``, ``price_status``
    (``priced`` / ``not_payable`` / ``unknown``) and ``price_basis`` (how it was priced, or why
    it is unknown).
    """
    df = _prep(lines)
    policies = df.get_column("policy").unique().sort().to_list()
    sources = resolve_fee_sources(policies, fee_sources)
    parts = [_price_policy(df.filter(pl.col("policy") == pol), pol, sources.get(pol)) for pol in policies]
    if parts:
        priced = pl.concat(parts, how="vertical")
    else:
        priced = pl.DataFrame(
            schema={
                "_row": pl.UInt32,
                "unit_price": MONEY,
                "price_status": pl.String,
                "price_basis": pl.String,
            }
        )
    res = df.select("_row", "units").join(priced, on="_row", how="left")
    return res.select(
        "_row",
        (pl.col("unit_price") * pl.col("units")).cast(MONEY).alias("expected_payment"),
        "unit_price",
        "price_status",
        "price_basis",
    ).sort("_row")


def price_one(
    code: str,
    *,
    policy: str = "medicare",
    service_date: date | None = None,
    locality: str | None = None,
    state: str | None = None,
    pos: str | None = "11",
    credential: str | None = None,
    modifiers: str = "",
    units: int = 1,
    fee_sources: Mapping[str, FeeSourceLike] | None = None,
) -> tuple[Decimal | None, str]:
    """Convenience: price one line; returns (expected payment or None, basis)."""
    frame = pl.DataFrame(
        {
            "_row": [0],
            "cpt": [code],
            "modifiers": [modifiers],
            "units": [units],
            "pos": [pos],
            "provider_state": [state],
            "locality": [locality],
            "provider_credential": [credential],
            "policy": [policy],
            "service_date": [service_date or date.today()],
        },
        schema={**_NEEDED},
    )
    r = price_lines(frame, fee_sources=fee_sources).row(0, named=True)
    return r["expected_payment"], r["price_basis"]
