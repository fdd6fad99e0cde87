"""Small behavioral-health 837P (005010X222A1) files, built from segment lists.

``render(interchanges, ...)`` writes the same content with any separators, with or
without newlines, computing ISA padding and the SE/GE/IEA control counts.  The files
under ``tests/data/x12/`` are written by ``python -m tests.readers.x12_build`` and
validated with pyx12 (``tests/readers/test_x12_837.py``).

A segment is a list of elements; an element that is a tuple is a composite.
NPIs pass the check digit (Luhn with prefix 80840): 1234567893, 1543216786, 1678901236,
1987654328, 1325476988, 1452369873.
"""

from __future__ import annotations

from pathlib import Path

Segment = list[object]

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"

BILLING_NPI = "1234567893"
PSYCHIATRIST_NPI = "1543216786"  # 2084P0800X psychiatry
PSYCHOLOGIST_NPI = "1678901236"  # 103TP2701X psychologist
NP_NPI = "1987654328"  # 363LP0808X psychiatric NP
LCSW_NPI = "1325476988"  # 1041C0700X clinical social worker
GROUP2_NPI = "1452369873"


def _header(payer_name: str, payer_id: str) -> list[Segment]:
    return [
        ["BHT", "0019", "00", "BH0001", "20250115", "1200", "CH"],
        ["NM1", "41", "2", "CLEARVIEW BILLING", "", "", "", "", "46", "CVB123"],
        ["PER", "IC", "BILLING DESK", "TE", "2155550100"],
        ["NM1", "40", "2", payer_name, "", "", "", "", "46", payer_id],
    ]


def _billing(npi: str, state: str, taxonomy: str = "261QM0801X") -> list[Segment]:
    return [
        ["HL", "1", "", "20", "1"],
        ["PRV", "BI", "PXC", taxonomy],
        ["NM1", "85", "2", "CLEARVIEW BEHAVIORAL HEALTH", "", "", "", "", "XX", npi],
        ["N3", "100 MAIN ST"],
        ["N4", "PHILADELPHIA", state, "191030000"],
        ["REF", "EI", "231234567"],
    ]


def _subscriber(
    hl: str, child: bool, member: str, last: str, first: str, payer: tuple[str, str], sbr: Segment
) -> list[Segment]:
    return [
        ["HL", hl, "1", "22", "1" if child else "0"],
        sbr,
        ["NM1", "IL", "1", last, first, "", "", "", "MI", member],
        ["N3", "12 ELM ST"],
        ["N4", "PHILADELPHIA", "PA", "191040000"],
        ["DMG", "D8", "19600214", "F"],
        ["NM1", "PR", "2", payer[0], "", "", "", "", "PI", payer[1]],
    ]


def _line(
    n: int,
    code: str,
    charge: str,
    units: str,
    ptr: tuple[str, ...],
    date: str,
    mods: tuple[str, ...] = (),
    pos: str = "",
    basis: str = "UN",
) -> list[Segment]:
    return [
        ["LX", str(n)],
        ["SV1", ("HC", code, *mods), charge, basis, units, pos, "", ptr],
        ["DTP", "472", "D8", date],
    ]


def medicare_file() -> list[list[list[Segment]]]:
    """Medicare (MAC id 12502): E/M + 90836 by a psychiatrist (2310B), and 90834 + 90863
    by a psychologist named on the lines (2420A with PRV 103TP2701X)."""
    st: list[Segment] = _header("NOVITAS SOLUTIONS", "12502")
    st += _billing(BILLING_NPI, "PA")
    st += _subscriber(
        "2",
        False,
        "1EG4TE5MK73",
        "DOE",
        "JANE",
        ("MEDICARE PART B", "12502"),
        ["SBR", "P", "18", "", "", "", "", "", "", "MB"],
    )
    st += [
        ["CLM", "BH1001", "250", "", "", ("11", "B", "1"), "Y", "A", "Y", "Y"],
        ["HI", ("ABK", "F331"), ("ABF", "F411")],
        ["NM1", "82", "1", "SMITH", "ANNA", "", "", "", "XX", PSYCHIATRIST_NPI],
        ["PRV", "PE", "PXC", "2084P0800X"],
    ]
    st += _line(1, "99214", "150", "1", ("1", "2"), "20250110")
    st += _line(2, "90836", "100", "1", ("1",), "20250110")
    st += [
        ["CLM", "BH1002", "230", "", "", ("11", "B", "1"), "Y", "A", "Y", "Y"],
        ["HI", ("ABK", "F411")],
    ]
    st += _line(1, "90834", "160", "1", ("1",), "20250113")
    st += [
        ["NM1", "82", "1", "JONES", "PAT", "", "", "", "XX", PSYCHOLOGIST_NPI],
        ["PRV", "PE", "PXC", "103TP2701X"],
    ]
    st += _line(2, "90863", "70", "1", ("1",), "20250113")
    st += [
        ["NM1", "82", "1", "JONES", "PAT", "", "", "", "XX", PSYCHOLOGIST_NPI],
        ["PRV", "PE", "PXC", "103TP2701X"],
    ]
    return [[st]]


def commercial_dependent_file() -> list[list[list[Segment]]]:
    """A commercial payer; a dependent child (HL 23) seen by a psychiatric NP at a service
    facility in NJ (2310C); then the subscriber's own telehealth claim by an LCSW."""
    st: list[Segment] = _header("KEYSTONE HEALTH PLAN", "54771")
    st += _billing(BILLING_NPI, "PA")
    st += _subscriber(
        "2",
        True,
        "KHP7788990",
        "ROE",
        "MARY",
        ("KEYSTONE HEALTH PLAN", "54771"),
        ["SBR", "P", "", "GRP5500", "", "", "", "", "", "CI"],
    )
    st += [
        ["HL", "3", "2", "23", "0"],
        ["PAT", "19"],
        ["NM1", "QC", "1", "ROE", "TIMMY"],
        ["N3", "12 ELM ST"],
        ["N4", "PHILADELPHIA", "PA", "191040000"],
        ["DMG", "D8", "20120509", "M"],
        ["CLM", "BH2001", "320", "", "", ("11", "B", "1"), "Y", "A", "Y", "Y"],
        ["HI", ("ABK", "F902"), ("ABF", "F419"), ("ABF", "Z638")],
        ["NM1", "82", "1", "LEE", "KIM", "", "", "", "XX", NP_NPI],
        ["PRV", "PE", "PXC", "363LP0808X"],
        ["NM1", "77", "2", "CLEARVIEW CHERRY HILL", "", "", "", "", "XX", GROUP2_NPI],
        ["N3", "5 KINGS HWY"],
        ["N4", "CHERRY HILL", "NJ", "080340000"],
    ]
    st += _line(1, "99213", "120", "1", ("1", "2", "3"), "20250114")
    st += _line(2, "90838", "200", "1", ("1", "2"), "20250114")
    st += [
        ["HL", "4", "1", "22", "0"],
        ["SBR", "P", "18", "GRP5500", "", "", "", "", "", "CI"],
        ["NM1", "IL", "1", "ROE", "MARY", "", "", "", "MI", "KHP7788991"],
        ["N3", "12 ELM ST"],
        ["N4", "PHILADELPHIA", "PA", "191040000"],
        ["DMG", "D8", "19800101", "F"],
        ["NM1", "PR", "2", "KEYSTONE HEALTH PLAN", "", "", "", "", "PI", "54771"],
        ["CLM", "BH2002", "260", "", "", ("02", "B", "1"), "Y", "A", "Y", "Y"],
        ["HI", ("ABK", "F331")],
        ["NM1", "82", "1", "PARK", "SAM", "", "", "", "XX", LCSW_NPI],
        ["PRV", "PE", "PXC", "1041C0700X"],
    ]
    st += _line(1, "90837", "180", "1", ("1",), "20250116", mods=("95",), pos="10")
    st += _line(2, "90832", "80", "1", ("1",), "20250117", mods=("95", "GT"), pos="10")
    return [[st]]


def two_interchanges_file() -> list[list[list[Segment]]]:
    """Two interchanges: TRICARE East (99727) with a minutes (MJ) line and a date range,
    and a Medicaid claim still coded with ICD-9 qualifiers (BK/BF)."""
    a: list[Segment] = _header("TRICARE EAST", "99727")
    a += _billing(BILLING_NPI, "VA", "2084P0800X")
    a += _subscriber(
        "2",
        False,
        "TRI556677",
        "GRAY",
        "ALEX",
        ("HUMANA MILITARY", "99727"),
        ["SBR", "P", "18", "", "", "", "", "", "", "CH"],
    )
    a += [
        ["CLM", "BH3001", "420", "", "", ("11", "B", "1"), "Y", "A", "Y", "Y"],
        ["HI", ("ABK", "F4310"), ("ABF", "F331")],
        ["LX", "1"],
        ["SV1", ("HC", "90837"), "220", "MJ", "60", "", "", ("1", "2")],
        ["DTP", "472", "RD8", "20250120-20250120"],
        ["LX", "2"],
        ["SV1", ("HC", "90863"), "200", "UN", "1", "", "", ("1",)],
        ["DTP", "472", "D8", "20250120"],
    ]
    b: list[Segment] = _header("PA MEDICAID", "MCDPA")
    b += _billing(BILLING_NPI, "PA")
    b += _subscriber(
        "2",
        False,
        "MA00112233",
        "BLUE",
        "RIVER",
        ("PENNSYLVANIA MEDICAID", "MCDPA"),
        ["SBR", "P", "18", "", "", "", "", "", "", "MC"],
    )
    b += [
        ["CLM", "BH4001", "160", "", "", ("53", "B", "1"), "Y", "A", "Y", "Y"],
        ["HI", ("BK", "29620"), ("BF", "30000")],
        ["NM1", "82", "1", "SMITH", "ANNA", "", "", "", "XX", PSYCHIATRIST_NPI],
        ["PRV", "PE", "PXC", "2084P0800X"],
    ]
    b += _line(1, "90834", "160", "1", ("1", "2"), "20250121")
    return [[a], [b]]


FILES = {
    "bh_medicare.837": medicare_file,
    "bh_dependent.837": commercial_dependent_file,
    "bh_two_interchanges.837": two_interchanges_file,
}


def _el(value: object, c: str) -> str:
    if isinstance(value, tuple):
        return c.join(str(v) for v in value).rstrip(c)
    return str(value)


def render(
    interchanges: list[list[list[Segment]]],
    *,
    e: str = "*",
    c: str = ":",
    t: str = "~",
    r: str = "^",
    newline: str = "\n",
    version: str = "005010X222A1",
) -> bytes:
    """The 837P bytes: one ISA per item of ``interchanges``, one GS per interchange, one
    ST per transaction body (a list of segments without ST/SE)."""
    out: list[str] = []

    def seg(els: list[object]) -> None:
        s = e.join(_el(v, c) for v in els)
        while s.endswith(e):
            s = s[: -len(e)]
        out.append(s + t + newline)

    for i, transactions in enumerate(interchanges, 1):
        ctrl = f"{100 + i:09d}"
        isa = [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            "ZZ",
            "CLEARVIEW".ljust(15),
            "ZZ",
            "RECEIVER".ljust(15),
            "250115",
            "1200",
            r,
            "00501",
            ctrl,
            "0",
            "T",
            c,
        ]
        out.append(e.join(isa) + t + newline)
        seg(["GS", "HC", "CLEARVIEW", "RECEIVER", "20250115", "1200", str(i), "X", version])
        for j, body in enumerate(transactions, 1):
            st_ctrl = f"{j:04d}"
            seg(["ST", "837", st_ctrl, version])
            for s in body:
                seg(s)
            seg(["SE", str(len(body) + 2), st_ctrl])
        seg(["GE", str(len(transactions)), str(i)])
        seg(["IEA", "1", ctrl])
    return "".join(out).encode("utf-8")


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    for name, build in FILES.items():
        (DATA / name).write_bytes(render(build()))


if __name__ == "__main__":
    main()
