"""X12 837P reader: shared real-world files, behavioral-health files, separators,
structural errors, payer mapping, and property tests (only InputError, never a hang)."""

from __future__ import annotations

import copy
import random
import time
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimscrub.errors import InputError
from claimscrub.readers.x12_837 import map_payer, read_837, read_837_bytes
from tests.readers import x12_build as xb

REPO = Path(__file__).resolve().parents[2]
X12 = REPO.parent / "shared" / "domain" / "data" / "x12"
DATA = REPO / "tests" / "data" / "x12"

# file -> (strict result, lenient result); a result is ("ok", lines, distinct claim ids)
# or ("error", "<n> <ID>", field).  The imsweb files carry SE01/GE01 counts that do not
# match their content: strict mode (the default) rejects them at that segment.
SHARED_EXPECTED: dict[str, tuple[tuple, tuple]] = {
    "837p_imsweb/x12_999_accepted.txt": (("error", "3 ST", "ST01"),) * 2,
    "837p_imsweb/x12_999_rejected.txt": (("error", "3 ST", "ST01"),) * 2,
    "837p_imsweb/x12_many_claims.997": (("error", "3 ST", "ST01"),) * 2,
    "837p_imsweb/x12_valid.997": (("error", "3 ST", "ST01"),) * 2,
    "837p_imsweb/x12_bad_segment_identifier.txt": (("error", "6 (empty)", None),) * 2,
    "837p_imsweb/x12_no_isa_line.txt": (("error", "1 GS", None),) * 2,
    "837p_imsweb/x12_bad_valid_code.txt": (("error", "36 SE", "SE01"), ("ok", 2, 2)),
    "837p_imsweb/x12_complex.txt": (("error", "149 SE", "SE01"), ("ok", 10, 3)),
    "837p_imsweb/x12_many_claims.txt": (("error", "11488 SE", "SE01"), ("ok", 820, 2)),
    "837p_imsweb/x12_missing_elements.txt": (("error", "36 SE", "SE01"), ("ok", 2, 2)),
    "837p_imsweb/x12_multiple_st.txt": (("error", "36 SE", "SE01"), ("ok", 4, 2)),
    "837p_imsweb/x12_segment_errors.txt": (("error", "25 SE", "SE01"), ("ok", 1, 1)),
    "837p_imsweb/x12_valid.txt": (("error", "36 SE", "SE01"), ("ok", 2, 2)),
    "837p_lfh/demo-file_demo.837": (("ok", 4, 1),) * 2,
    "837p_lfh/demo.cob.2ndary.example4.837": (("ok", 1, 1),) * 2,
    "837p_lfh/demo.cob.example3.A.837": (("ok", 3, 1),) * 2,
    "837p_lfh/demo.cob.example3.C.837": (("ok", 3, 1),) * 2,
    "837p_lfh/demo.cob.example4.837": (("ok", 1, 1),) * 2,
    "837p_lfh/demo.drug.example10.1.837": (("ok", 2, 1),) * 2,
    "837p_lfh/demo.drug.example10.3.837": (("ok", 6, 1),) * 2,
    "837p_lfh/demo.example1.837": (("ok", 4, 1),) * 2,
    "837p_lfh/demo.example11.837": (("ok", 2, 1),) * 2,
    "837p_lfh/demo.example12.837": (("ok", 1, 1),) * 2,
    "837p_lfh/demo.example2.837": (("ok", 4, 1),) * 2,
    "837p_lfh/demo.example6.837": (("ok", 1, 1),) * 2,
    "837p_lfh/demo.example7.837": (("ok", 2, 1),) * 2,
    "837p_lfh/demo.example9.837": (("ok", 1, 1),) * 2,
}


def _shared_files() -> list[str]:
    if not X12.is_dir():
        return sorted(SHARED_EXPECTED)
    return sorted(str(p.relative_to(X12)) for p in X12.glob("837p_*/*") if not p.name.startswith("LICENSE"))


def _check(path: Path, strict: bool, expected: tuple) -> None:
    if expected[0] == "error":
        with pytest.raises(InputError) as exc:
            read_837(path, strict=strict)
        assert exc.value.segment == expected[1]
        assert exc.value.field == expected[2]
        assert exc.value.file == str(path)
    else:
        df = read_837(path, strict=strict)
        assert df.height == expected[1]
        assert df["claim_id"].n_unique() == expected[2]
        assert df["_line"].dtype == pl.Int64 and df["_source"].to_list() == [str(path)] * df.height
        assert all(df[c].dtype == pl.String for c in df.columns if c != "_line")


@pytest.mark.parametrize("name", _shared_files())
@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_every_shared_837p_file(name: str, strict: bool) -> None:
    path = X12 / name
    if not path.is_file():
        pytest.skip("shared/domain/data/x12 is not next to the checkout")
    expected = SHARED_EXPECTED.get(name)
    if expected is None:  # a file added later: it reads, or fails with InputError only
        try:
            read_837(path, strict=strict)
        except InputError as exc:
            assert exc.segment
        return
    _check(path, strict, expected[0] if strict else expected[1])


def _shared(name: str, strict: bool = True) -> pl.DataFrame:
    path = X12 / name
    if not path.is_file():
        pytest.skip("shared/domain/data/x12 is not next to the checkout")
    return read_837(path, strict=strict)


def test_imsweb_valid_content_passes_through() -> None:
    df = _shared("837p_imsweb/x12_valid.txt", strict=False)
    rows = df.drop("_source").to_dicts()
    assert rows[0] == {
        "claim_id": "A37YH556",
        "line_no": "1",
        "patient_id": "123456",
        "service_date": "2005-03-14",  # RD8 -> start date
        "payer": "health insurance company",
        "provider_npi": "1234567890",  # fails the check digit: a rule flags it
        "provider_taxonomy": None,
        "provider_state": "MD",
        "cpt": "99211",
        "modifiers": "25",
        "units": "1",
        "minutes": None,
        "pos": "11",
        "icd10": "5559",  # HI*BK*8901*BF*87200*BF:5559: only BF:5559 is a code
        "charge": "12.25",
        "dx_qualifier_icd9": "yes",
        "_line": 24,
    }
    assert rows[1]["cpt"] == "478331"  # 6-digit code passes through
    assert rows[1]["line_no"] == "2" and rows[1]["_line"] == 33


def test_imsweb_missing_elements_reads() -> None:
    df = _shared("837p_imsweb/x12_missing_elements.txt", strict=False)
    assert df["pos"].to_list() == ["11", "11"]  # CLM05 empty: SV105 still gives it


def test_imsweb_segment_errors_reads_without_hi() -> None:
    df = _shared("837p_imsweb/x12_segment_errors.txt", strict=False)
    assert df["icd10"].to_list() == [None]
    assert df["dx_qualifier_icd9"].to_list() == [""]


def test_imsweb_complex_loops() -> None:
    df = _shared("837p_imsweb/x12_complex.txt", strict=False)
    first = df.row(0, named=True)
    # 2310B NM108 is "X" (not an NPI), 2330 NM1*82 belongs to the other payer: billing NPI
    assert first["provider_npi"] == "1234567890" and first["provider_taxonomy"] == "207Q"
    assert first["service_date"] == "2015-03-30"
    third = df.row(2, named=True)
    assert third["provider_npi"] == "303304" and third["provider_taxonomy"] == "2420A"  # 2420A
    assert third["provider_state"] == "11"  # 2310C N4 of that claim (its data is odd)
    assert df["_line"].to_list()[:3] == [53, 63, 105]


def test_lfh_values() -> None:
    ex9 = _shared("837p_lfh/demo.example9.837").row(0, named=True)
    # ISA16 is ':' but the file uses '>': composites still split
    assert (ex9["cpt"], ex9["modifiers"], ex9["minutes"], ex9["units"]) == (
        "00142",
        "QK:QS:P1",
        "61.00",
        None,
    )
    assert (ex9["pos"], ex9["icd10"], ex9["provider_npi"]) == ("22", "36616", "5678912345")
    ex12 = _shared("837p_lfh/demo.example12.837").row(0, named=True)
    # a dependent without an id: subscriber id + name, so a parent and child stay apart
    assert ex12["patient_id"].startswith("57976235C/")
    assert ex12["provider_npi"] == "1112223336"
    cob4 = _shared("837p_lfh/demo.cob.example4.837").row(0, named=True)
    assert cob4["payer"] == "medicare"  # 2010BB "MEDICARE"; 2330B COMMERCE is ignored
    assert (cob4["provider_npi"], cob4["provider_taxonomy"]) == ("9090909090", "207X00000X")
    assert cob4["modifiers"] == "25"
    c3 = _shared("837p_lfh/demo.cob.example3.C.837")
    assert set(c3["provider_npi"]) == {"1999996666"}  # 2330D "NM1*82*1~" does not override
    ex2 = _shared("837p_lfh/demo.example2.837")
    assert set(ex2["provider_state"]) == {"FL"}
    assert _shared("837p_lfh/demo.example6.837")["payer"].to_list() == ["medicare"]
    drug = _shared("837p_lfh/demo.drug.example10.3.837")
    assert drug["service_date"].to_list() == ["2004-02-01"] * 6
    assert drug["cpt"].to_list()[3] == "J3490" and drug["modifiers"].to_list()[3] is None


# ------------------------------------------------------------------ behavioral-health files

BH_EXPECTED = {
    "bh_medicare.837": [
        (
            "BH1001",
            "1",
            "1EG4TE5MK73",
            "2025-01-10",
            "medicare",
            "1543216786",
            "2084P0800X",
            "PA",
            "99214",
            None,
            "1",
            None,
            "11",
            "F331;F411",
            "150",
            "",
            25,
        ),
        (
            "BH1001",
            "2",
            "1EG4TE5MK73",
            "2025-01-10",
            "medicare",
            "1543216786",
            "2084P0800X",
            "PA",
            "90836",
            None,
            "1",
            None,
            "11",
            "F331",
            "100",
            "",
            28,
        ),
        (
            "BH1002",
            "1",
            "1EG4TE5MK73",
            "2025-01-13",
            "medicare",
            "1678901236",
            "103TP2701X",
            "PA",
            "90834",
            None,
            "1",
            None,
            "11",
            "F411",
            "160",
            "",
            33,
        ),
        (
            "BH1002",
            "2",
            "1EG4TE5MK73",
            "2025-01-13",
            "medicare",
            "1678901236",
            "103TP2701X",
            "PA",
            "90863",
            None,
            "1",
            None,
            "11",
            "F411",
            "70",
            "",
            38,
        ),
    ],
    "bh_dependent.837": [
        (
            "BH2001",
            "1",
            "KHP7788990/ROE/TIMMY",
            "2025-01-14",
            "keystone health plan",
            "1987654328",
            "363LP0808X",
            "NJ",
            "99213",
            None,
            "1",
            None,
            "11",
            "F902;F419;Z638",
            "120",
            "",
            34,
        ),
        (
            "BH2001",
            "2",
            "KHP7788990/ROE/TIMMY",
            "2025-01-14",
            "keystone health plan",
            "1987654328",
            "363LP0808X",
            "NJ",
            "90838",
            None,
            "1",
            None,
            "11",
            "F902;F419",
            "200",
            "",
            37,
        ),
        (
            "BH2002",
            "1",
            "KHP7788991",
            "2025-01-16",
            "keystone health plan",
            "1325476988",
            "1041C0700X",
            "PA",
            "90837",
            "95",
            "1",
            None,
            "10",
            "F331",
            "180",
            "",
            51,
        ),
        (
            "BH2002",
            "2",
            "KHP7788991",
            "2025-01-17",
            "keystone health plan",
            "1325476988",
            "1041C0700X",
            "PA",
            "90832",
            "95:GT",
            "1",
            None,
            "10",
            "F331",
            "80",
            "",
            54,
        ),
    ],
    "bh_two_interchanges.837": [
        (
            "BH3001",
            "1",
            "TRI556677",
            "2025-01-20",
            "tricare",
            "1234567893",
            "2084P0800X",
            "VA",
            "90837",
            None,
            None,
            "60",
            "11",
            "F4310;F331",
            "220",
            "",
            23,
        ),
        (
            "BH3001",
            "2",
            "TRI556677",
            "2025-01-20",
            "tricare",
            "1234567893",
            "2084P0800X",
            "VA",
            "90863",
            None,
            "1",
            None,
            "11",
            "F4310",
            "200",
            "",
            26,
        ),
        (
            "BH4001",
            "1",
            "MA00112233",
            "2025-01-21",
            "medicaid",
            "1543216786",
            "2084P0800X",
            "PA",
            "90834",
            None,
            "1",
            None,
            "53",
            "29620;30000",
            "160",
            "yes",
            56,
        ),
    ],
}
COLS = [
    "claim_id", "line_no", "patient_id", "service_date", "payer", "provider_npi", "provider_taxonomy",
    "provider_state", "cpt", "modifiers", "units", "minutes", "pos", "icd10", "charge",
    "dx_qualifier_icd9", "_line",
]  # fmt: skip


@pytest.mark.parametrize("name", sorted(BH_EXPECTED))
def test_bh_files_exact(name: str) -> None:
    df = read_837(DATA / name)
    assert df.select(COLS).rows() == BH_EXPECTED[name]


@pytest.mark.parametrize("name", sorted(xb.FILES))
def test_bh_files_are_generated(name: str) -> None:
    assert (DATA / name).read_bytes() == xb.render(xb.FILES[name]())


@pytest.mark.parametrize("name", sorted(xb.FILES))
def test_bh_files_valid_for_pyx12(name: str) -> None:
    _pyx12_valid(DATA / name)


def _pyx12_valid(path: Path) -> None:
    pytest.importorskip("pyx12")
    import pyx12.params
    import pyx12.x12n_document

    assert pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(), src_file=str(path), fd_997=None, fd_html=None
    ), f"pyx12 rejects {path}"


SEPARATORS = [
    dict(e="*", c=":", t="~", r="^", newline="\n"),
    dict(e="*", c=":", t="~", r="^", newline=""),
    dict(e="*", c=":", t="~", r="^", newline="\r\n"),
    dict(e="|", c=">", t="~", r="^", newline=""),
    dict(e="^", c="\\", t="'", r="!", newline="\n"),
    dict(e="*", c="^", t="\n", r="U", newline=""),
    dict(e="+", c=":", t="'", r="*", newline="\r\n"),
]


@pytest.mark.parametrize("name", sorted(xb.FILES))
@pytest.mark.parametrize("seps", SEPARATORS, ids=lambda s: repr(s["e"] + s["c"] + s["t"] + s["newline"]))
def test_separator_variants_same_frame(name: str, seps: dict[str, str]) -> None:
    base = read_837_bytes(xb.render(xb.FILES[name]()), "f")
    other = read_837_bytes(xb.render(xb.FILES[name](), **seps), "f")
    assert other.equals(base)


def test_mixed_separators_between_interchanges() -> None:
    a, b = xb.two_interchanges_file()
    data = xb.render([a]) + b"\r\n\r\n" + xb.render([b], e="|", c=">", t="'", newline="")
    df = read_837_bytes(data, "f")
    expected = read_837_bytes(xb.render([a, b]), "f")
    assert df.drop("_line").equals(expected.drop("_line"))
    assert df["_line"].to_list() == [23, 26, 56]


def test_bom_and_leading_whitespace() -> None:
    data = xb.render(xb.medicare_file())
    assert read_837_bytes(b"\xef\xbb\xbf\r\n  " + data, "f").equals(read_837_bytes(data, "f"))


def _with(segments_change) -> bytes:
    ic = copy.deepcopy(xb.commercial_dependent_file())
    segments_change(ic[0][0])
    return xb.render(ic)


def test_dependent_with_member_id() -> None:
    def add_id(body: list) -> None:
        i = next(i for i, s in enumerate(body) if s[:2] == ["NM1", "QC"])
        body[i] = ["NM1", "QC", "1", "ROE", "TIMMY", "", "", "", "MI", "DEP001"]

    df = read_837_bytes(_with(add_id), "f")
    assert df["patient_id"].to_list() == ["DEP001", "DEP001", "KHP7788991", "KHP7788991"]


def test_line_without_pointer_gets_all_claim_codes() -> None:
    def drop_ptr(body: list) -> None:
        i = next(i for i, s in enumerate(body) if s[0] == "SV1" and s[1][1] == "90838")
        body[i] = body[i][:6]

    df = read_837_bytes(_with(drop_ptr), "f")
    assert df["icd10"].to_list()[1] == "F902;F419;Z638"


def test_claim_level_date_and_no_lx() -> None:
    def edit(body: list) -> None:
        i = next(i for i, s in enumerate(body) if s[:2] == ["CLM", "BH2002"])
        body.insert(i + 1, ["DTP", "472", "D8", "20250201"])
        for j, s in enumerate(body):
            if s[0] == "DTP" and s[3] in ("20250116", "20250117"):
                body[j] = ["NTE", "ADD", "X"]
            if s[0] == "LX" and j > i:
                body[j] = ["NTE", "ADD", "Y"]

    df = read_837_bytes(_with(edit), "f")
    assert df["service_date"].to_list()[2:] == ["2025-02-01", "2025-02-01"]
    assert df["line_no"].to_list()[2:] == ["1", "2"]  # order in the claim


# ------------------------------------------------------------------ structural errors


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _edit(data: bytes, fn) -> bytes:
    segs = [s for s in data.split(b"\n") if s]
    fn(segs)
    return b"\n".join(segs) + b"\n"


BASE = xb.render(xb.medicare_file())


def _raises(data: bytes, segment: str, field: str | None = None, strict: bool = True) -> InputError:
    with pytest.raises(InputError) as exc:
        read_837_bytes(data, "claims.837", strict=strict)
    assert exc.value.segment == segment, str(exc.value)
    assert exc.value.field == field
    assert exc.value.file == "claims.837"
    return exc.value


def test_sv1_before_clm() -> None:
    data = _edit(BASE, lambda s: s.insert(20, b"SV1*HC:90834*100*UN*1***1~"))
    _raises(data, "21 SV1")


def test_lx_before_clm() -> None:
    _raises(_edit(BASE, lambda s: s.insert(20, b"LX*1~")), "21 LX")


def test_clm_before_st() -> None:
    data = _edit(BASE, lambda s: s.insert(2, b"CLM*X*1***11:B:1*Y*A*Y*Y~"))
    _raises(data, "3 CLM")


def test_clm_before_subscriber_hl() -> None:
    _raises(_edit(BASE, lambda s: s.insert(8, b"CLM*X*1***11:B:1*Y*A*Y*Y~")), "9 CLM")


def test_st_outside_gs_and_gs_twice() -> None:
    _raises(_edit(BASE, lambda s: s.insert(1, b"ST*837*0009*005010X222A1~")), "2 ST")
    _raises(_edit(BASE, lambda s: s.insert(2, b"GS*HC*A*B*20250101*1200*9*X*005010X222A1~")), "3 GS")


def test_bad_segment_identifiers() -> None:
    _raises(_edit(BASE, lambda s: s.__setitem__(10, s[10].replace(b"N3*", b"n3*"))), "11 n3")
    _raises(_edit(BASE, lambda s: s.__setitem__(10, s[10].replace(b"N3*", b"N333*"))), "11 N333")
    _raises(_edit(BASE, lambda s: s.__setitem__(10, b"*ABC~")), "11 (empty)")
    _raises(_edit(BASE, lambda s: s.__setitem__(10, "Ä3*X~".encode())), "11 (invalid)")


def test_control_counts() -> None:
    n = len([s for s in BASE.split(b"\n") if s])
    se = _edit(BASE, lambda s: s.__setitem__(n - 3, s[n - 3].replace(b"SE*41*", b"SE*40*")))
    _raises(se, f"{n - 2} SE", "SE01")
    assert read_837_bytes(se, "f", strict=False).height == 4
    se2 = _edit(BASE, lambda s: s.__setitem__(n - 3, s[n - 3].replace(b"*0001~", b"*0002~")))
    _raises(se2, f"{n - 2} SE", "SE02")
    ge = _edit(BASE, lambda s: s.__setitem__(n - 2, b"GE*2*1~"))
    _raises(ge, f"{n - 1} GE", "GE01")
    ge2 = _edit(BASE, lambda s: s.__setitem__(n - 2, b"GE*1*7~"))
    _raises(ge2, f"{n - 1} GE", "GE02")
    iea = _edit(BASE, lambda s: s.__setitem__(n - 1, b"IEA*3*000000101~"))
    _raises(iea, f"{n} IEA", "IEA01")
    iea2 = _edit(BASE, lambda s: s.__setitem__(n - 1, b"IEA*1*000000999~"))
    _raises(iea2, f"{n} IEA", "IEA02")
    for bad in (se, se2, ge, ge2, iea, iea2):
        assert read_837_bytes(bad, "f", strict=False).height == 4


def test_truncated_files() -> None:
    segs = [s for s in BASE.split(b"\n") if s]
    n = len(segs)
    _raises(b"\n".join(segs[:-1]), f"{n - 1} IEA")
    _raises(b"\n".join(segs[:-2]), f"{n - 2} GE")
    _raises(b"\n".join(segs[:-3]), f"{n - 3} SE")
    _raises(BASE[:50], "1 ISA", "ISA16")
    _raises(b"ISA", "1 ISA")


def test_no_isa_and_garbage_after_iea() -> None:
    _raises(b"claim_id,cpt\nA,90834\n", "1 cla")
    with pytest.raises(InputError):
        read_837_bytes(b"   \n", "f")
    _raises(BASE + b"GS*HC~", f"{len([s for s in BASE.split(b'~') if s.strip()]) + 1} GS")


def test_empty_input() -> None:
    with pytest.raises(InputError) as exc:
        read_837_bytes(b"", "empty.837")
    assert exc.value.file == "empty.837"


def test_not_an_837() -> None:
    data = BASE.replace(b"ST*837*", b"ST*835*", 1)
    _raises(data, "3 ST", "ST01")


def test_isa_separators_must_be_special() -> None:
    _raises(BASE.replace(b"*T*:~", b"*T*A~", 1), "1 ISA", "ISA16")
    bad_e = b"ISAA00" + BASE[4:]
    _raises(bad_e, "1 ISA")


def test_missing_file() -> None:
    with pytest.raises(InputError) as exc:
        read_837(REPO / "no-such-file.837")
    assert "cannot read" in str(exc.value)


# ------------------------------------------------------------------ payer mapping


@pytest.mark.parametrize(
    ("pid", "name", "expected"),
    [
        ("12502", "NOVITAS", "medicare"),
        ("04412", None, "medicare"),
        ("C12345", "MEDICARE PART B MARYLAND", "medicare"),
        ("X1", "Humana Medicare Advantage", "humana medicare advantage"),
        ("99727", "HUMANA MILITARY", "tricare"),
        ("trest", None, "tricare"),
        ("ZZZ", "TRICARE WEST", "tricare"),
        ("610442", "X", "medicaid"),
        ("9", "PENNSYLVANIA MEDICAID", "medicaid"),
        ("11122333", "HEALTH INSURANCE COMPANY", "health insurance company"),
        ("55555", None, "55555"),
        (None, None, None),
    ],
)
def test_map_payer(pid: str | None, name: str | None, expected: str | None) -> None:
    assert map_payer(pid, name) == expected


def test_custom_payer_table(tmp_path: Path) -> None:
    table = tmp_path / "payers.csv"
    table.write_text("payer_id,payer_name_pattern,policy\n54771,,Acme\n", encoding="utf-8")
    df = read_837(DATA / "bh_dependent.837", payer_table_path=str(table))
    assert set(df["payer"]) == {"acme"}


# ------------------------------------------------------------------ speed


def test_many_claims_fast() -> None:
    path = X12 / "837p_imsweb" / "x12_many_claims.txt"
    if not path.is_file():
        pytest.skip("shared data not present")
    t = time.perf_counter()
    df = read_837(path, strict=False)
    assert df.height == 820
    assert time.perf_counter() - t < 2.0  # ~0.05 s here; pyx12 needs ~2 s


# ------------------------------------------------------------------ property tests

SEEDS = [xb.render(build()) for build in xb.FILES.values()]


def _only_input_error(data: bytes) -> None:
    t = time.perf_counter()
    for strict in (True, False):
        try:
            df = read_837_bytes(data, "fuzz.837", strict=strict)
        except InputError as exc:
            assert exc.file == "fuzz.837"
        else:
            assert isinstance(df, pl.DataFrame)
    assert time.perf_counter() - t < 2.0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(range(len(SEEDS))),
    edits=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(["flip", "del", "ins", "dup"]),
                  st.binary(min_size=1, max_size=4)),
        min_size=1, max_size=8,
    ),
)  # fmt: skip
def test_random_byte_mutations(seed: int, edits: list[tuple[float, str, bytes]]) -> None:
    data = bytearray(SEEDS[seed])
    for where, op, payload in edits:
        i = int(where * len(data)) if data else 0
        if op == "flip" and data:
            data[i] = payload[0]
        elif op == "del":
            del data[i : i + len(payload)]
        elif op == "ins":
            data[i:i] = payload
        else:
            data[i:i] = data[i : i + 20]
    _only_input_error(bytes(data))


SEGMENT_POOL = [
    "ST*837*0001*005010X222A1", "SE*5*0001", "GS*HC*A*B*20250101*1200*1*X*005010X222A1", "GE*1*1",
    "IEA*1*000000101", "BHT*0019*00*1*20250101*1200*CH", "HL*1**20*1", "HL*2*1*22*0", "HL*3*2*23*0",
    "NM1*85*2*X*****XX*1234567893", "NM1*IL*1*A*B****MI*M1", "NM1*PR*2*MEDICARE*****PI*12502",
    "NM1*82*1*A*B****XX*1543216786", "NM1*77*2*F*****XX*1452369873", "NM1*QC*1*A*B", "PRV*PE*PXC*2084P0800X",
    "PRV*BI*PXC*261QM0801X", "N4*CITY*PA*19103", "SBR*P*18*******MB", "CLM*C1*100***11:B:1*Y*A*Y*Y",
    "CLM**", "HI*ABK:F331*ABF:F411", "HI*BK*1", "HI*::", "LX*1", "LX", "SV1*HC:90834*100*UN*1***1:2",
    "SV1", "SV1*:::::::*x*MJ*abc*****", "SV1*HC*1*UN*1***99:x:1.5", "DTP*472*D8*20250101",
    "DTP*472*RD8*2025", "DTP*472", "REF*EI*1", "PAT*19", "ZZZ*1", "ISA*00",
]  # fmt: skip
ISA = BASE[: BASE.index(b"~") + 1]


@settings(max_examples=300, deadline=None)
@given(
    soup=st.lists(st.sampled_from(SEGMENT_POOL), max_size=60),
    term=st.sampled_from(["~", "~\n", "~\r\n"]),
    start=st.booleans(),
)
def test_random_segment_soups(soup: list[str], term: str, start: bool) -> None:
    head = (
        ISA + b"\n" + b"GS*HC*A*B*20250101*1200*1*X*005010X222A1~ST*837*0001*005010X222A1~" if start else ISA
    )
    _only_input_error(head + term.join(soup).encode() + term.encode())


def test_random_soups_seeded_long() -> None:
    rng = random.Random(7)
    for _ in range(200):
        soup = [rng.choice(SEGMENT_POOL) for _ in range(rng.randint(0, 400))]
        _only_input_error(ISA + "~".join(soup).encode())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_after_isa(tail: bytes) -> None:
    _only_input_error(ISA + tail)
    _only_input_error(b"ISA" + tail)
