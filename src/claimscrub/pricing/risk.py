"""Revenue at risk (:func:`money_at_risk`) and the prescriber crosswalk what-if
(:func:`crosswalk_whatif`)."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from claimscrub.pricing.fees import FeeSourceLike
from claimscrub.pricing.price import MONEY, price_lines

ENCOUNTER = ["patient_id", "service_date", "provider_npi"]
ZERO = Decimal("0.00")

#: Standalone psychotherapy code -> psychotherapy add-on code with E/M (same time band).
PSYCHOTHERAPY_CROSSWALK = {"90832": "90833", "90834": "90836", "90837": "90838"}
#: Credentials that may report E/M (spec PV003): the crosswalk applies to them.
EM_CREDENTIALS = ("MD", "DO", "NP", "CNS", "PA")


def _data_dir() -> Path:
    return Path(str(resources.files("claimscrub") / "data"))


def _expand(name: str, families: Mapping[str, Any], seen: frozenset[str] = frozenset()) -> set[str]:
    """Codes of a code or a family name of codes.yaml (codes / ranges / includes)."""
    name = str(name)
    fam = families.get(name)
    if fam is None:
        return {name}
    if name in seen:
        return set()
    out = {str(c) for c in fam.get("codes", [])}
    for lo, hi in fam.get("ranges", []):
        out |= {str(c) for c in range(int(lo), int(hi) + 1)}
    for inc in fam.get("includes", []):
        out |= _expand(inc, families, seen | {name})
    return out


@lru_cache(maxsize=1)
def addon_primaries() -> dict[str, frozenset[str]]:
    """Add-on code -> the primary codes it needs in the same encounter.

    Read from ``data/addons.yaml`` (families resolved through ``data/codes.yaml``) when present,
    else from ``data/pricing_addons.csv``.
    """
    d = _data_dir()
    ay = d / "addons.yaml"
    if ay.is_file():
        addons = yaml.safe_load(ay.read_text(encoding="utf-8")) or {}
        families: dict[str, Any] = {}
        cy = d / "codes.yaml"
        if cy.is_file():
            families = (yaml.safe_load(cy.read_text(encoding="utf-8")) or {}).get("families", {})
        out = {}
        for code, spec in addons.items():
            prim: set[str] = set()
            for p in (spec or {}).get("primaries", []):
                prim |= _expand(p, families)
            out[str(code)] = frozenset(prim)
        if out:
            return out
    out2: dict[str, set[str]] = {}
    with (d / "pricing_addons.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out2.setdefault(r["addon"], set()).add(r["primary"])
    return {k: frozenset(v) for k, v in out2.items()}


def _at_risk_rows(lines: pl.DataFrame, findings: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(direct, propagated): _row frames of lines at risk by an error finding, and add-on lines
    at risk because every allowed primary they have in the encounter is at risk."""
    errs = findings.filter(
        (pl.col("severity").cast(pl.String).str.to_lowercase() == "error") & pl.col("_row").is_not_null()
    ).select(pl.col("_row").cast(pl.UInt32), pl.col("rule").cast(pl.String))
    none = pl.DataFrame(schema={"_row": pl.UInt32})
    if errs.height == 0:  # nothing at risk directly, so no add-on's primaries all are
        return errs, none
    direct = errs.select("_row").unique()
    addons = addon_primaries()
    pairs = pl.DataFrame(
        [(a, p) for a, ps in addons.items() for p in ps],
        schema={"_addon": pl.String, "_primary": pl.String},
        orient="row",
    )
    enc = [c for c in ENCOUNTER if c in lines.columns]
    base = lines.select(pl.col("_row").cast(pl.UInt32), pl.col("cpt").cast(pl.String), *enc)
    # each add-on line with each allowed primary line of its encounter: pair the lines of an
    # encounter first (encounters are small), then keep the (add-on, primary) code pairs
    addon_lines = base.filter(pl.col("cpt").is_in(list(addons)))
    links = (
        addon_lines.join(
            base.select(pl.col("_row").alias("_prow"), pl.col("cpt").alias("_primary"), *enc),
            on=enc,
            how="inner",
            nulls_equal=False,
        )
        .filter(pl.col("_row") != pl.col("_prow"))
        .join(pairs, left_on=["cpt", "_primary"], right_on=["_addon", "_primary"], how="inner")
        .select("_row", "_prow")
    )
    at_risk = set(direct.get_column("_row").to_list())
    propagated: set[int] = set()
    # fixed point: 90785 on 90833 on an at-risk E/M becomes at risk in two rounds
    while True:
        flagged = links.with_columns(pl.col("_prow").is_in(list(at_risk)).alias("_r"))
        new = (
            flagged.group_by("_row")
            .agg(pl.col("_r").all().alias("_all"))
            .filter(pl.col("_all"))
            .get_column("_row")
            .to_list()
        )
        fresh = set(new) - at_risk
        if not fresh:
            break
        at_risk |= fresh
        propagated |= fresh
    return errs, pl.DataFrame({"_row": sorted(propagated)}, schema={"_row": pl.UInt32})


def money_at_risk(lines: pl.DataFrame, priced: pl.DataFrame, findings: pl.DataFrame) -> dict:
    """Totals of expected payment and of the payment at risk.

    ``lines``: canonical frame (``_row``, ``cpt``, ``patient_id``, ``service_date``,
    ``provider_npi``); ``priced``: :func:`price_lines` output; ``findings``: frame with ``_row``,
    ``rule``, ``severity``.  A line is at risk when it carries an error finding, or when it is an
    add-on whose allowed primaries in the encounter are all at risk (propagated, transitively).

    Returns (money as ``Decimal``; unknown-priced lines are counted, never given a value)::

        {"expected_payment", "at_risk", "lines", "priced_lines", "unknown_lines",
         "at_risk_lines", "at_risk_unknown_lines",
         "propagated": {"amount", "lines", "unknown_lines"},
         "by_rule": {rule: {"amount", "lines", "unknown_lines"}},
         "by_provider": {npi: {"expected_payment", "at_risk", "lines", "unknown_lines",
                               "at_risk_lines", "at_risk_unknown_lines"}}}

    ``by_rule`` counts a line under each error rule it carries (so it can add up to more than
    ``at_risk``); propagated add-on lines are under ``propagated``, not ``by_rule``.
    """
    errs, propagated = _at_risk_rows(lines, findings)
    enc = lines.select(
        pl.col("_row").cast(pl.UInt32),
        (
            pl.col("provider_npi").cast(pl.String)
            if "provider_npi" in lines.columns
            else pl.lit(None, dtype=pl.String)
        ).alias("provider_npi"),
    )
    p = enc.join(
        priced.select(pl.col("_row").cast(pl.UInt32), pl.col("expected_payment").cast(MONEY)),
        on="_row",
        how="left",
    )
    direct_rows = errs.select("_row").unique()
    p = p.with_columns(
        pl.col("_row").is_in(direct_rows.get_column("_row").implode()).alias("_direct"),
        pl.col("_row").is_in(propagated.get_column("_row").implode()).alias("_prop"),
        pl.col("expected_payment").is_null().alias("_unknown"),
    ).with_columns((pl.col("_direct") | pl.col("_prop")).alias("_risk"))

    def total(frame: pl.DataFrame) -> Decimal:
        v = frame.get_column("expected_payment").sum() if frame.height else None
        return ZERO if v is None else Decimal(v).quantize(ZERO)

    def count_unknown(frame: pl.DataFrame) -> int:
        return int(frame.get_column("_unknown").sum()) if frame.height else 0

    risk = p.filter(pl.col("_risk"))
    prop = p.filter(pl.col("_prop"))
    out: dict[str, Any] = {
        "expected_payment": total(p),
        "at_risk": total(risk),
        "lines": p.height,
        "priced_lines": p.height - count_unknown(p),
        "unknown_lines": count_unknown(p),
        "at_risk_lines": risk.height,
        "at_risk_unknown_lines": count_unknown(risk),
        "propagated": {"amount": total(prop), "lines": prop.height, "unknown_lines": count_unknown(prop)},
    }
    by_rule: dict[str, dict[str, Any]] = {}
    rr = errs.unique().join(p, on="_row", how="left")
    for (rule,), g in sorted(rr.group_by(["rule"]), key=lambda kv: str(kv[0][0])):
        by_rule[str(rule)] = {"amount": total(g), "lines": g.height, "unknown_lines": count_unknown(g)}
    out["by_rule"] = by_rule
    by_provider: dict[str, dict[str, Any]] = {}
    for (npi,), g in sorted(p.group_by(["provider_npi"]), key=lambda kv: str(kv[0][0])):
        gr = g.filter(pl.col("_risk"))
        by_provider[str(npi) if npi is not None else ""] = {
            "expected_payment": total(g),
            "at_risk": total(gr),
            "lines": g.height,
            "unknown_lines": count_unknown(g),
            "at_risk_lines": gr.height,
            "at_risk_unknown_lines": count_unknown(gr),
        }
    out["by_provider"] = by_provider
    return out


def crosswalk_whatif(
    lines: pl.DataFrame,
    *,
    em_code: str = "99214",
    fee_sources: Mapping[str, FeeSourceLike] | None = None,
) -> pl.DataFrame:
    """For each encounter where a prescriber who may report E/M (MD DO NP CNS PA) billed a
    standalone psychotherapy code (90832/90834/90837) with 90863, price both options under the
    claim's payer: as billed (psychotherapy + 90863) and as CPT directs (``em_code`` + the
    matching add-on 90833/90836/90838), same date, place, locality, credential, units.

    ``em_code`` is the E/M level assumed for the medication management (default 99214): the real
    level comes from the note's medical decision making or time, which this function does not
    see.  Prescription drug management is a moderate-risk element of MDM, so 99214 is the
    usual level when it is documented with a moderate problem; pass ``"99213"`` for low.

    Returns one row per encounter: ``claim_id``, ``patient_id``, ``service_date``,
    ``provider_npi``, ``policy``, ``billed_codes``, ``billed_payment``, ``crosswalk_codes``,
    ``crosswalk_payment``, ``difference`` (crosswalk - billed), ``billed_basis``,
    ``crosswalk_basis``.  A payment is null when any line of that option is unknown.
    """
    if em_code not in {"99202", "99203", "99204", "99205", "99211", "99212", "99213", "99214", "99215"}:
        raise ValueError(f"em_code must be an office/outpatient E/M code, not {em_code!r}")
    enc = [c for c in ENCOUNTER if c in lines.columns]
    cols = {c: lines.schema[c] for c in lines.columns}
    df = lines.with_columns(pl.col("cpt").cast(pl.String))
    cred = pl.col("provider_credential").cast(pl.String).str.to_uppercase()
    psy = list(PSYCHOTHERAPY_CROSSWALK)
    pres = df.filter(cred.is_in(list(EM_CREDENTIALS)))
    has = (
        pres.group_by(enc)
        .agg(
            pl.col("cpt").is_in(["90863"]).any().alias("_pm"),
            pl.col("cpt").is_in(psy).any().alias("_psy"),
        )
        .filter(pl.col("_pm") & pl.col("_psy"))
        .select(enc)
    )
    billed = pres.join(has, on=enc, how="inner", nulls_equal=False).filter(
        pl.col("cpt").is_in([*psy, "90863"])
    )
    empty = pl.DataFrame(
        schema={
            "claim_id": pl.String,
            **{c: cols[c] for c in enc},
            "policy": pl.String,
            "billed_codes": pl.String,
            "billed_payment": MONEY,
            "crosswalk_codes": pl.String,
            "crosswalk_payment": MONEY,
            "difference": MONEY,
            "billed_basis": pl.String,
            "crosswalk_basis": pl.String,
        }
    )
    if billed.height == 0:
        return empty
    # the alternative: 90863 -> em_code (1 unit), psychotherapy -> its add-on
    alt = billed.with_columns(
        pl.when(pl.col("cpt") == "90863")
        .then(pl.lit(em_code))
        .otherwise(pl.col("cpt").replace(PSYCHOTHERAPY_CROSSWALK))
        .alias("cpt"),
        pl.when(pl.col("cpt") == "90863")
        .then(pl.lit(1, dtype=pl.Int64))
        .otherwise(pl.col("units") if "units" in df.columns else pl.lit(1, dtype=pl.Int64))
        .alias("units"),
    )
    pb = billed.select("_row", "cpt", *enc, *[c for c in ("claim_id", "policy") if c in billed.columns]).join(
        price_lines(billed, fee_sources=fee_sources), on="_row"
    )
    pa = alt.select("_row", "cpt", *enc).join(price_lines(alt, fee_sources=fee_sources), on="_row")

    def agg(frame: pl.DataFrame, prefix: str) -> pl.DataFrame:
        return (
            frame.sort("cpt")
            .group_by(enc)
            .agg(
                pl.col("cpt").str.join("+").alias(f"{prefix}_codes"),
                pl.when(pl.col("expected_payment").is_null().any())
                .then(None)
                .otherwise(pl.col("expected_payment").sum())
                .cast(MONEY)
                .alias(f"{prefix}_payment"),
                pl.col("price_basis").str.join(" | ").alias(f"{prefix}_basis"),
            )
        )

    head = pb.group_by(enc).agg(
        pl.col("claim_id").first().cast(pl.String).alias("claim_id")
        if "claim_id" in pb.columns
        else pl.lit(None, dtype=pl.String).alias("claim_id"),
        pl.col("policy").first().cast(pl.String).alias("policy")
        if "policy" in pb.columns
        else pl.lit(None, dtype=pl.String).alias("policy"),
    )
    res = head.join(agg(pb, "billed"), on=enc).join(agg(pa, "crosswalk"), on=enc)
    res = res.with_columns(
        (pl.col("crosswalk_payment") - pl.col("billed_payment")).cast(MONEY).alias("difference")
    )
    return res.select(empty.columns).sort(
        ["service_date", "provider_npi", "patient_id"] if len(enc) == 3 else enc
    )
