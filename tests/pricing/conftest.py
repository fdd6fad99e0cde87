from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from claimscrub.pricing import pfs

DATA = Path(__file__).parent / "data"
CMS_2025 = DATA / "cms_pfs_2025"

SCHEMA = {
    "_row": pl.UInt32,
    "claim_id": pl.String,
    "patient_id": pl.String,
    "service_date": pl.Date,
    "provider_npi": pl.String,
    "provider_credential": pl.String,
    "provider_state": pl.String,
    "locality": pl.String,
    "policy": pl.String,
    "cpt": pl.String,
    "modifiers": pl.String,
    "units": pl.Int64,
    "pos": pl.String,
}
DEFAULTS = {
    "claim_id": "C1",
    "patient_id": "P1",
    "service_date": date(2025, 6, 2),
    "provider_npi": "1234567893",
    "provider_credential": "MD",
    "provider_state": None,
    "locality": None,
    "policy": "medicare",
    "modifiers": "",
    "units": 1,
    "pos": "11",
}


def make_lines(*rows: dict) -> pl.DataFrame:
    """Canonical-shaped lines; each row overrides DEFAULTS; _row = position."""
    recs = [{**DEFAULTS, "_row": i, **r} for i, r in enumerate(rows)]
    return pl.DataFrame(recs, schema=SCHEMA)


def D(x: str) -> Decimal:
    return Decimal(x)


@pytest.fixture(autouse=True)
def _isolated_data_dir(monkeypatch, tmp_path_factory):
    """No test sees a developer's $CLAIMSCRUB_DATA_DIR; caches start clean."""
    monkeypatch.delenv("CLAIMSCRUB_DATA_DIR", raising=False)
    pfs.available_years.cache_clear()
    pfs.fee_schedule.cache_clear()
    yield
    pfs.available_years.cache_clear()
    pfs.fee_schedule.cache_clear()
