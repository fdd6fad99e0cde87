"""Pricing: expected payment per claim line, revenue at risk, and the prescriber crosswalk.

Full guide: ``docs/pricing.md``.

API
---

``price_lines(lines, *, fee_sources=None) -> pl.DataFrame``
    ``lines`` is the canonical frame (``claimscrub.model.CANONICAL_SCHEMA``; uses ``_row``,
    ``cpt``, ``modifiers``, ``units``, ``pos``, ``provider_state``, ``locality``,
    ``provider_credential``, ``policy``, ``service_date``; missing columns are treated as
    null).  Returns one row per line, sorted by ``_row``:

    * ``expected_payment`` Decimal(14,2): unit price x units; **null when unknown**
    * ``unit_price`` Decimal(14,2)
    * ``price_status``: ``priced`` | ``not_payable`` ($0: Medicare status I/B/N/...) | ``unknown``
    * ``price_basis``: e.g. ``"medicare-pfs-2025 locality 01182-18 non-facility; NP 85%"``,
      ``"fee schedule commercial"``, ``"acme: 110% of medicare-pfs-2025 national non-facility"``,
      ``"medicare: status I not payable (medicare-pfs-2025)"``, ``"unknown: no rate"``.

    Each line's ``policy`` picks its fee source: ``fee_sources[policy]`` (a :class:`FeeSource`,
    a path to a YAML / schedule CSV, or a dict of the YAML keys) if given, else
    ``$CLAIMSCRUB_DATA_DIR/fees/<policy>.yaml``, else ``claimscrub/data/fees/<policy>.yaml``.
    Built in: ``medicare`` (PFS); ``commercial``, ``medicaid``, ``tricare`` have no rates.

``money_at_risk(lines, priced, findings) -> dict``
    Expected payment, payment at risk (lines with an error finding, plus add-on lines whose
    primaries in the encounter are all at risk), by rule, by provider NPI; unknown-priced
    lines are counted, not valued.  Money values are ``Decimal``; :func:`jsonable` turns the
    dict into JSON-ready values (money as strings, e.g. ``"123.45"``).

``crosswalk_whatif(lines, *, em_code="99214", fee_sources=None) -> pl.DataFrame``
    For prescribers' psychotherapy + 90863 encounters, expected payment as billed vs. E/M +
    90833/90836/90838 under the same payer.

``price_one(code, *, policy="medicare", service_date=None, locality=None, state=None,
pos="11", credential=None, modifiers="", units=1, fee_sources=None) -> (Decimal | None, str)``
    One line, for tools and tests.

Medicare PFS data
    ``load_pfs(dir) -> FeeSchedule`` reads CMS's files (``PPRRVU*.csv``, ``GPCI*.csv``,
    ``*LOCCO*.csv``) or an installed year; ``install_pfs(src_dir, year=None, *, dest=None,
    codes=None)`` converts CMS's files into ``data/pfs/<year>/`` (``$CLAIMSCRUB_DATA_DIR/pfs``
    when that variable is set) -- the lead exposes it as ``claimscrub data load-pfs DIR``;
    ``available_years()``, ``fee_schedule(year)``.

Fee sources
    ``load_fee_source(path)``, ``read_schedule(csv)``, :class:`FeeSource`; schema in
    ``claimscrub/data/fees/README.md``.

Payment formula (Medicare): ``round((wRVU*PW_GPCI + PE_RVU*PE_GPCI + MP_RVU*MP_GPCI) * CF, 2)``
with ``Decimal`` and ROUND_HALF_UP; then x practitioner percent (NP/CNS/PA 85, LCSW/LPC/LMFT
75) rounded to the cent; then x units.  No rate is ever invented: 90863 is $0 under Medicare
(status I) and unknown under every other payer unless the practice's own schedule lists it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from claimscrub.pricing.fees import (
    FeeSource,
    FeeSourceError,
    load_fee_source,
    read_schedule,
)
from claimscrub.pricing.pfs import (
    FeeSchedule,
    PfsError,
    available_years,
    fee_schedule,
    install_pfs,
    load_pfs,
)
from claimscrub.pricing.price import NOT_PAYABLE, PRICED, UNKNOWN, price_lines, price_one
from claimscrub.pricing.risk import addon_primaries, crosswalk_whatif, money_at_risk


def jsonable(obj: Any) -> Any:
    """Copy of ``obj`` with every ``Decimal`` as a string with two decimals."""
    if isinstance(obj, Decimal):
        return f"{obj:.2f}"
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    return obj


__all__ = [
    "NOT_PAYABLE",
    "PRICED",
    "UNKNOWN",
    "FeeSchedule",
    "FeeSource",
    "FeeSourceError",
    "PfsError",
    "addon_primaries",
    "available_years",
    "crosswalk_whatif",
    "fee_schedule",
    "install_pfs",
    "jsonable",
    "load_fee_source",
    "load_pfs",
    "money_at_risk",
    "price_lines",
    "price_one",
    "read_schedule",
]
