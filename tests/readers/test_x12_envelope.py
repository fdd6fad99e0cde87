"""IN002: an X12 envelope or count error is reported on the transaction's first line and the
claims in it are still checked; ``--strict`` stops at it (exit 2). IN002's firing cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from claimscrub.cli import main
from claimscrub.service import CheckOptions, check_paths
from tests.readers import x12_build as xb

GOOD = xb.render(xb.medicare_file())


def _segments(data: bytes) -> list[bytes]:
    return [s for s in data.split(b"\n") if s]


def _edit(data: bytes, index: int, new: bytes) -> bytes:
    segs = _segments(data)
    segs[index] = new
    return b"\n".join(segs) + b"\n"


def _envelope(segs: list[bytes], sid: bytes) -> int:
    return next(i for i, s in enumerate(segs) if s.startswith(sid + b"*"))


def _broken(kind: str) -> bytes:
    segs = _segments(GOOD)
    if kind == "SE01":
        i = _envelope(segs, b"SE")
        els = segs[i].split(b"*")
        return _edit(GOOD, i, b"*".join([els[0], str(int(els[1]) - 1).encode(), *els[2:]]))
    if kind == "GE01":
        return _edit(GOOD, _envelope(segs, b"GE"), b"GE*2*1~")
    if kind == "IEA01":
        return _edit(GOOD, _envelope(segs, b"IEA"), b"IEA*3*000000101~")
    if kind == "IEA02":
        return _edit(GOOD, _envelope(segs, b"IEA"), b"IEA*1*000000999~")
    raise AssertionError(kind)


def _findings(path: Path) -> list[dict]:
    result = check_paths([path])
    return result.findings.drop("_row").to_dicts()


@pytest.mark.parametrize("kind", ["SE01", "GE01", "IEA01", "IEA02"])
def test_envelope_error_is_in002_and_claims_still_checked(tmp_path: Path, kind: str) -> None:
    good, bad = tmp_path / "good.837", tmp_path / "bad.837"
    good.write_bytes(GOOD)
    bad.write_bytes(_broken(kind))
    before = _findings(good)
    after = _findings(bad)
    in002 = [f for f in after if f["rule"] == "IN002"]
    assert len(in002) == 1
    assert kind in in002[0]["message"]
    first = check_paths([bad]).lines.row(0, named=True)
    assert (in002[0]["claim_id"], in002[0]["line_no"]) == (first["claim_id"], first["line_no"])
    assert [f for f in after if f["rule"] != "IN002"] == before  # the claims are still checked


def test_strict_stops_at_the_envelope_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.837"
    bad.write_bytes(_broken("SE01"))
    out = CliRunner().invoke(main, ["check", "--strict", str(bad)])
    assert out.exit_code == 2
    assert "SE01" in out.output
    loose = CliRunner().invoke(main, ["check", "--format", "json", str(bad)])
    assert loose.exit_code == 1
    assert "IN002" in {f["rule"] for f in json.loads(loose.stdout)["findings"]}


def test_transaction_in_second_interchange_gets_its_own_first_line(tmp_path: Path) -> None:
    two = (Path(xb.DATA) / "bh_two_interchanges.837").read_bytes()
    segs = _segments(two)
    se = [i for i, s in enumerate(segs) if s.startswith(b"SE*")]
    last = se[-1]
    els = segs[last].split(b"*")
    bad = _edit(two, last, b"*".join([els[0], str(int(els[1]) + 5).encode(), *els[2:]]))
    path = tmp_path / "two.837"
    path.write_bytes(bad)
    result = check_paths([path], CheckOptions())
    in002 = result.findings.filter(result.findings["rule"] == "IN002")
    assert in002.height == 1
    row = int(in002["_row"][0])
    assert row > 0  # not the file's first line: the first line of the broken transaction
    assert result.lines["_line"][row] > result.lines["_line"][0]


def test_837_without_isa_is_an_837_problem(tmp_path: Path) -> None:
    segs = _segments(GOOD)
    path = tmp_path / "no_isa.837"
    path.write_bytes(b"\n".join(segs[1:]) + b"\n")
    out = CliRunner().invoke(main, ["check", str(path)])
    assert out.exit_code == 2
    assert "ISA" in out.output
    assert "column" not in out.output
