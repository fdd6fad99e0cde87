"""Format detection from content, not the file name."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimscrub.errors import InputError
from claimscrub.readers.detect import detect_format, detect_format_bytes

TESTS = Path(__file__).resolve().parents[1]
SHARED_X12 = TESTS.parent.parent / "shared" / "domain" / "data" / "x12"


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b"ISA*00*", "x12"),
        (b"\n\r\n  \tISA|00|", "x12"),
        (b"\xef\xbb\xbfISA*00", "x12"),
        (b'{"resourceType": "Claim"}', "fhir"),
        (b"  \n[{}]", "fhir"),
        (b"\xef\xbb\xbf{", "fhir"),
        (b"claim_id,cpt\nA,90834\n", "csv"),
        (b"", "csv"),
        (b"GS*HC*", "x12"),  # no ISA: still an 837 (its reader says the ISA is missing)
        (b"ST*837*0001", "x12"),
        (b"ST,claim_id", "csv"),
        (b"isa*00", "csv"),
    ],
)
def test_detect_bytes(head: bytes, fmt: str) -> None:
    assert detect_format_bytes(head) == fmt


def test_detect_ignores_file_name(tmp_path: Path) -> None:
    x12 = tmp_path / "claims.csv"
    x12.write_bytes((TESTS / "data" / "x12" / "bh_medicare.837").read_bytes())
    fhir = tmp_path / "claims.837"
    fhir.write_bytes((TESTS / "data" / "fhir" / "bundle_claims.json").read_bytes())
    csv = tmp_path / "claims.json"
    csv.write_text("claim_id,cpt\nA,90834\n", encoding="utf-8")
    assert (detect_format(x12), detect_format(fhir), detect_format(csv)) == ("x12", "fhir", "csv")


def test_detect_long_leading_whitespace(tmp_path: Path) -> None:
    p = tmp_path / "f"
    p.write_bytes(b" " * 10000 + b"ISA*00")
    assert detect_format(p) == "x12"


def test_detect_shared_files() -> None:
    if not SHARED_X12.is_dir():
        pytest.skip("shared data not present")
    for p in SHARED_X12.glob("837p_*/*"):
        if p.name.startswith("LICENSE"):
            continue
        assert detect_format(p) == "x12", p.name  # x12_no_isa_line.txt too: an 837 missing its ISA


def test_detect_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        detect_format(tmp_path / "none")
