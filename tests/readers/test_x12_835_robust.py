"""835 remittances that are cut short or carry absurd amounts: one InputError naming the segment
and element, never a partial remittance stored as if it were whole, never ``1E308`` in the store."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimscrub.errors import InputError
from claimscrub.readers.x12_835 import parse_835

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "x12_835"
FILES = sorted(CORPUS.glob("*.835"))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CLP03 = re.compile(rb"(CLP\*[^*~]*\*[^*~]*\*)([^*~]*)")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_files_still_read(path: Path) -> None:
    assert parse_835(path.read_bytes(), path.name).rows


@SETTINGS
@given(st.sampled_from(FILES), st.data())
def test_a_cut_file_is_refused(path: Path, data: st.DataObject) -> None:
    """Cut anywhere before the last character of IEA02: an error, not fewer claims."""
    whole = path.read_bytes()
    body = whole.rstrip().rstrip(b"~")
    cut = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    with pytest.raises(InputError) as exc:
        parse_835(whole[:cut], "cut.835")
    assert exc.value.file == "cut.835"


def _with_clp03(value: bytes) -> bytes:
    whole = (CORPUS / "managed-care.835").read_bytes()
    return CLP03.sub(lambda m: m.group(1) + value, whole, count=1)


@pytest.mark.parametrize(
    "value",
    [
        b"1E308",
        b"1e3",
        b"9" * 5000,
        b"1" * 11,
        b"NaN",
        b"Infinity",
        b"-inf",
        b"1_000",
        b"+5",
        b"1,000.00",
        b"0x10",
    ],
)
def test_absurd_amounts_are_refused(value: bytes) -> None:
    with pytest.raises(InputError) as exc:
        parse_835(_with_clp03(value), "remit.835")
    assert exc.value.field == "CLP03" and exc.value.segment and "CLP" in exc.value.segment
    assert value.decode()[:12] not in str(exc.value)


@pytest.mark.parametrize("value", [b"99999999.99", b"-12.5", b".5", b"0", b"800."])
def test_ordinary_amounts_read(value: bytes) -> None:
    claim = parse_835(_with_clp03(value), "remit.835").rows[0]
    assert claim.charge == Decimal(value.decode())


@SETTINGS
@given(st.text(alphabet="0123456789.-+eE_,naifINF ", min_size=1, max_size=40))
def test_any_amount_is_a_bounded_decimal_or_refused(text: str) -> None:
    value = text.strip().encode()
    if not value or b"*" in value:
        return
    try:
        claim = parse_835(_with_clp03(value), "remit.835").rows[0]
    except InputError as exc:
        assert exc.field == "CLP03"
        return
    assert claim.charge is not None and claim.charge.is_finite()
    assert len(claim.charge.as_tuple().digits) <= 10 and abs(claim.charge) < Decimal("1e10")


def test_import_refuses_absurd_and_cut_remittances(tmp_path: Path) -> None:
    """End to end: `claimscrub import` stored both before (1E308 as a charge, half a file)."""
    db = f"sqlite:///{tmp_path / 'cs.db'}"
    absurd = tmp_path / "absurd.835"
    absurd.write_bytes(_with_clp03(b"1E308"))
    whole = (CORPUS / "managed-care.835").read_bytes()
    cut = tmp_path / "cut.835"
    cut.write_bytes(whole[: whole.index(b"SVC") + 20])
    for path, where in ((absurd, "field CLP03"), (cut, "truncated")):
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                "from claimscrub.cli import main; main()",
                "import",
                str(path),
                "--db",
                db,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert where in proc.stderr and "Traceback" not in proc.stderr
        assert "stored remittance" not in proc.stdout
