"""837P writer: safe service-line changes; everything else byte-identical; pyx12 accepts it."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimscrub.errors import InputError
from claimscrub.readers.x12_837 import read_837_bytes
from claimscrub.writers.x12_837 import Change, apply_changes, write_corrected
from tests.readers import x12_build as xb

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"
MEDICARE = (DATA / "bh_medicare.837").read_bytes()


def _segs(data: bytes) -> list[bytes]:
    return [s for s in data.split(b"~\n") if s]


def _pyx12_ok(data: bytes, tmp_path: Path) -> None:
    pytest.importorskip("pyx12")
    import pyx12.params
    import pyx12.x12n_document

    p = tmp_path / "out.837"
    p.write_bytes(data)
    assert pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(), src_file=str(p), fd_997=None, fd_html=None
    )


def test_no_changes_is_identity() -> None:
    for name in xb.FILES:
        data = (DATA / name).read_bytes()
        assert apply_changes(data, []) == data


def test_delete_line_renumbers_and_fixes_counts(tmp_path: Path) -> None:
    rows = read_837_bytes(MEDICARE, "f")
    line1 = rows.filter(cpt="99214")["_line"][0]  # BH1001 line 1 (E/M)
    out = apply_changes(MEDICARE, [Change(line1, "delete_line")])
    before, after = _segs(MEDICARE), _segs(out)
    assert len(after) == len(before) - 3
    assert b"CLM*BH1001*100***11:B:1*Y*A*Y*Y" in after  # 250 - 150
    assert after[24] == b"LX*1" and after[25].startswith(b"SV1*HC:90836")
    assert after[-3] == b"SE*38*0001"
    changed = {b"CLM*BH1001*250***11:B:1*Y*A*Y*Y", b"LX*1", b"LX*2", b"SE*41*0001"}
    removed = {b"SV1*HC:99214*150*UN*1***1:2", b"DTP*472*D8*20250110"}
    # every untouched segment still appears, in order, byte for byte
    it = iter(after)
    for s in before:
        if s in changed or s in removed:
            continue
        assert any(s == a for a in it), s
    df = read_837_bytes(out, "f")
    assert df.filter(claim_id="BH1001")["cpt"].to_list() == ["90836"]
    assert df.filter(claim_id="BH1001")["line_no"].to_list() == ["1"]
    _pyx12_ok(out, tmp_path)


def test_set_units_and_replace_code(tmp_path: Path) -> None:
    rows = read_837_bytes(MEDICARE, "f")
    l90834 = rows.filter(cpt="90834")["_line"][0]
    l90863 = rows.filter(cpt="90863")["_line"][0]
    out = apply_changes(
        MEDICARE, [Change(l90834, "replace_code", "90832"), Change(l90863 + 1, "set_units", "2")]
    )
    diff = [(a, b) for a, b in zip(_segs(MEDICARE), _segs(out), strict=True) if a != b]
    assert diff == [
        (b"SV1*HC:90834*160*UN*1***1", b"SV1*HC:90832*160*UN*1***1"),
        (b"SV1*HC:90863*70*UN*1***1", b"SV1*HC:90863*70*UN*2***1"),
    ]
    _pyx12_ok(out, tmp_path)


def test_replace_code_keeps_modifiers() -> None:
    data = (DATA / "bh_dependent.837").read_bytes()
    line = read_837_bytes(data, "f").filter(cpt="90832")["_line"][0]
    out = apply_changes(data, [Change(line, "replace_code", "90834")])
    assert b"SV1*HC:90834:95:GT*80*UN*1*10**1~" in out


@pytest.mark.parametrize(
    "seps",
    [dict(e="|", c=">", t="'", r="^", newline="\r\n"), dict(e="*", c=":", t="~", r="^", newline="")],
)
def test_other_separators_and_layout(seps: dict[str, str]) -> None:
    data = xb.render(xb.medicare_file(), **seps)
    rows = read_837_bytes(data, "f")
    out = apply_changes(data, [Change(rows["_line"][0], "delete_line")])
    expected = xb.render(xb.medicare_file(), **seps)
    assert out != expected
    # same result as deleting in the default layout, then re-rendering with these separators
    body = xb.medicare_file()[0][0]
    i = next(i for i, s in enumerate(body) if s[:2] == ["LX", "1"])
    del body[i : i + 3]
    body[i][1] = "1"
    clm = next(s for s in body if s[:2] == ["CLM", "BH1001"])
    clm[2] = "100"
    assert out == xb.render([[body]], **seps)


def test_two_interchanges_delete_in_second() -> None:
    data = (DATA / "bh_two_interchanges.837").read_bytes()
    rows = read_837_bytes(data, "f")
    first = rows.filter(claim_id="BH3001")["_line"][0]
    out = apply_changes(data, [Change(first, "delete_line")])
    df = read_837_bytes(out, "f")
    assert df["cpt"].to_list() == ["90863", "90834"]
    assert df["line_no"].to_list() == ["1", "1"]
    assert b"CLM*BH3001*200***" in out


def test_fixes_wrong_counts_in_input() -> None:
    bad = MEDICARE.replace(b"SE*41*0001", b"SE*40*0001")
    with pytest.raises(InputError):
        read_837_bytes(bad, "f")
    assert apply_changes(bad, []) == MEDICARE


def test_decimal_totals() -> None:
    data = MEDICARE.replace(b"CLM*BH1001*250*", b"CLM*BH1001*250.00*").replace(
        b"SV1*HC:99214*150*", b"SV1*HC:99214*149.5*"
    )
    line = read_837_bytes(data, "f")["_line"][0]
    assert b"CLM*BH1001*100.50*" in apply_changes(data, [Change(line, "delete_line")])


def test_invalid_changes() -> None:
    rows = read_837_bytes(MEDICARE, "f")
    first = rows["_line"][0]
    with pytest.raises(ValueError, match="not the LX or SV1"):
        apply_changes(MEDICARE, [Change(3, "set_units", "1")])
    with pytest.raises(ValueError, match="unknown change kind"):
        apply_changes(MEDICARE, [Change(first, "recode")])
    with pytest.raises(ValueError, match="positive"):
        apply_changes(MEDICARE, [Change(first, "set_units", "0")])
    with pytest.raises(ValueError, match="positive"):
        apply_changes(MEDICARE, [Change(first, "set_units", "two")])
    with pytest.raises(ValueError, match="5 letters"):
        apply_changes(MEDICARE, [Change(first, "replace_code", "908")])
    with pytest.raises(ValueError, match="already deleted"):
        apply_changes(MEDICARE, [Change(first, "delete_line"), Change(first, "set_units", "1")])
    with pytest.raises(ValueError, match="only service line"):
        apply_changes(MEDICARE, [Change(first, "delete_line"), Change(first + 3, "delete_line")])
    with pytest.raises(InputError):
        apply_changes(b"GS*HC~", [])


def test_write_corrected(tmp_path: Path) -> None:
    dst = tmp_path / "fixed.837"
    line = read_837_bytes(MEDICARE, "f")["_line"][1]
    write_corrected(DATA / "bh_medicare.837", dst, [Change(line, "set_units", "1")])
    assert dst.read_bytes() == MEDICARE
