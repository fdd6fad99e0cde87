"""Every figure of payment_test_vectors.txt (CMS PFS 2025, RVU25D) to the cent."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from claimscrub.pricing import fee_schedule, price_lines, price_one

from .conftest import CMS_2025, make_lines

# column of the vectors file -> locality value a claim may carry
REGIONS = {
    "NATIONAL": "national",
    "AL-00": "10112-00",
    "CA-18 LA": "01182-18",
    "NY-01 Manhattan": "13202-01",
    "TX-31 Austin": "04412-31",
}
# the same localities written the other accepted ways (state-locality, MAC+locality digits)
ALT_FORMS = {"10112-00": "AL-00", "01182-18": "0118218", "13202-01": "NY-1", "04412-31": "TX-31"}


def _vectors() -> list[tuple[str, str, str, bool, Decimal]]:
    out = []
    lines = (CMS_2025 / "payment_test_vectors.txt").read_text().splitlines()
    header = next(line for line in lines if line.startswith("code|")).split("|")
    regions = [h.strip().removesuffix(" NF/F").strip() for h in header[7:]]
    for line in lines:
        parts = line.strip().split("|")
        if len(parts) < 8 or parts[0] == "code":
            continue
        code, status = parts[0], parts[1]
        for region, cell in zip(regions, parts[7:], strict=True):
            nf, f = cell.split("/")
            out.append((code, status, region, False, Decimal(nf)))
            out.append((code, status, region, True, Decimal(f)))
    return out


VECTORS = _vectors()


def test_vector_file_fully_read():
    assert len(VECTORS) == 16 * 5 * 2
    assert {v[2] for v in VECTORS} == set(REGIONS)


@pytest.mark.parametrize(
    ("code", "status", "region", "facility", "expected"),
    VECTORS,
    ids=[f"{c}-{r.split()[0]}-{'F' if f else 'NF'}" for c, _, r, f, _ in VECTORS],
)
def test_vector(code, status, region, facility, expected):
    fs = fee_schedule(2025)
    loc = REGIONS[region]
    gpci, note = fs.resolve_locality(loc, None)
    assert note == ""
    # the formula reproduces every figure, 90863 included (its RVUs are reference-only)
    assert fs.fee(fs.rvu(code), gpci, facility) == expected
    pos = "21" if facility else "11"
    got, basis = price_one(code, locality=loc, pos=pos, credential="MD")
    if status == "I":
        assert got == Decimal("0.00")
        assert basis.startswith("medicare: status I not payable")
    else:
        assert got == expected, basis
        assert ("facility" if facility else "non-facility") in basis


def test_vectors_in_one_batch_with_alternative_locality_forms():
    rows = []
    expected = []
    for code, status, region, facility, exp in VECTORS:
        if status == "I":
            continue
        loc = REGIONS[region]
        for form in {loc, ALT_FORMS.get(loc, loc)}:
            rows.append({"cpt": code, "locality": form, "pos": "22" if facility else "11"})
            expected.append(exp)
    out = price_lines(make_lines(*rows))
    assert out.height == len(rows)
    assert out.get_column("expected_payment").to_list() == expected
    assert out.get_column("expected_payment").dtype == pl.Decimal(14, 2)
    # batch sum equals the sum of the line prices
    assert out.get_column("expected_payment").sum() == sum(expected)
