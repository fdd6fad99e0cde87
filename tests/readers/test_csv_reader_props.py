"""Property tests for the CSV reader + normalization: any bytes either read or fail cleanly."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimscrub.errors import InputError
from claimscrub.readers.csv_reader import read_csv_bytes
from claimscrub.service import CheckOptions, check_raw

HEADER = "claim_id,patient_id,service_date,provider_npi,cpt,units,minutes,icd10,modifiers\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    try:
        raw = read_csv_bytes(HEADER.encode() + data, "fuzz.csv")
        check_raw(raw, CheckOptions(read_notes=False, price=False))
    except InputError as exc:
        assert "fuzz.csv" in str(exc)


cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(cell, min_size=9, max_size=9), min_size=1, max_size=6))
def test_arbitrary_cells_never_crash(rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER.strip().split(","))
    w.writerows(rows)
    try:
        raw = read_csv_bytes(buf.getvalue().encode(), "cells.csv")
        check_raw(raw, CheckOptions(read_notes=False, price=False))
    except InputError as exc:
        assert "cells.csv" in str(exc) and "line" in str(exc)


valid_row = st.fixed_dictionaries(
    {
        "claim_id": st.from_regex(r"[A-Z][0-9]{1,4}", fullmatch=True),
        "patient_id": st.from_regex(r"P[0-9]{1,3}", fullmatch=True),
        "service_date": st.dates().map(lambda d: d.isoformat()),
        "provider_npi": st.sampled_from(["1234567893", "1987654328", "123"]),
        "cpt": st.sampled_from(["90832", "90834", "90837", "90863", "99214", "90839"]),
        "units": st.integers(0, 5).map(str),
        "minutes": st.one_of(st.just(""), st.integers(0, 120).map(str)),
        "icd10": st.sampled_from(["F33.1", "f331", "F41", "", "F33.1; F41.1"]),
        "modifiers": st.sampled_from(["", "95", "GT:95", "95 gt"]),
    }
)


@settings(max_examples=100, deadline=None)
@given(st.lists(valid_row, min_size=1, max_size=15))
def test_valid_rows_round_trip(rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    result = check_raw(read_csv_bytes(buf.getvalue().encode(), "ok.csv"), CheckOptions(price=False))
    assert result.lines.height == len(rows)
    assert result.lines["claim_id"].to_list() == [r["claim_id"] for r in rows]
    assert result.lines["units"].to_list() == [int(r["units"]) for r in rows]
    assert result.lines["_line"].to_list() == list(range(2, len(rows) + 2))
    assert set(result.findings["claim_id"].to_list()) <= {r["claim_id"] for r in rows}
