"""X12 837P (005010X222) professional claims -> raw claim-line frame.

A hand-written tokenizer over bytes: the separators come from each ISA segment
(element separator = the byte after ``ISA``, component separator = ISA16, segment
terminator = the byte after ISA16, repetition separator = ISA11 when it is not a
letter or digit).  Newlines / CR after terminators are ignored.  Several
interchanges (ISA..IEA), groups (GS..GE) and transaction sets (ST..SE) may follow
each other in one file, each interchange with its own separators.

One row per service line (2400 LX/SV1), every spec §1 column it can fill as a string,
plus ``dx_qualifier_icd9`` ("yes" when a diagnosis of the line came with an ICD-9
qualifier BK/BF, else ""), ``_source`` (file name) and ``_line`` (1-based number of the
segment where the service line starts, counted from the first ISA of the file).

Mapping (loop ids from the 005010X222 guide):

==================  ==============================================================
claim_id            CLM01
line_no             LX01 (order in the claim when absent)
patient_id          2010CA NM109 (dependent) if present, else 2010BA NM109 (subscriber)
service_date        2400 DTP*472 (D8, or the start of RD8), else a 2300 DTP*472
payer               2010BB NM109 / NM103 through ``data/payer_ids.csv``, else NM103
                    lower-cased
provider_npi        2420A NM1*82 NM109, else 2310B NM1*82, else 2010AA NM1*85
provider_taxonomy   PRV*PE of the loop that gave the NPI, else 2000A PRV*BI
provider_state      N4 of 2420C, else 2310C (service facility), else 2010AA (billing)
cpt / modifiers     SV101-2 / SV101-3..6 joined by ':'
units / minutes     SV104 (in ``minutes`` instead when SV103 is MJ)
charge / pos        SV102 / SV105, else CLM05-1
icd10               2300 HI codes (ABK/ABF, and ICD-9 BK/BF) picked by SV107 pointers,
                    all of them when the line has no pointer; ';'-joined
==================  ==============================================================

Structural problems raise :class:`~claimscrub.errors.InputError` with
``segment="<n> <ID>"``: no ISA, a bad segment identifier, segments out of order
(SV1 before CLM, CLM before ST, ST outside GS ...), a transaction set that is not an
837, and, with ``strict=True`` (the default), control counts and numbers that do not
match (SE01/SE02, GE01/GE02, IEA01/IEA02).  Content problems (bad NPI, ICD-9
qualifiers, odd procedure codes, empty CLM05, missing situational segments) pass
through as values so the rules can report them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import polars as pl

from claimscrub.errors import InputError

#: Columns of the raw frame, in order (spec §1 columns this reader fills + extras).
COLUMNS: tuple[str, ...] = (
    "claim_id",
    "line_no",
    "patient_id",
    "service_date",
    "payer",
    "provider_npi",
    "provider_taxonomy",
    "provider_state",
    "cpt",
    "modifiers",
    "units",
    "minutes",
    "pos",
    "icd10",
    "charge",
    "dx_qualifier_icd9",
)

_SEGMENT_ID = re.compile(rb"[A-Z][A-Z0-9]{1,2}\Z")
_WS = b" \t\r\n"
_ICD10_QUALIFIERS = {"ABK", "ABF"}
_ICD9_QUALIFIERS = {"BK", "BF"}
_SV101_QUALIFIERS = {b"", b"HC", b"WK", b"ER", b"IV"}


@dataclass(frozen=True, slots=True)
class Separators:
    element: bytes
    component: bytes
    segment: bytes
    repetition: bytes | None


# --------------------------------------------------------------------------- tokenizer


def parse_isa(data: bytes, start: int, source: str, segment_no: int) -> tuple[Separators, int]:
    """Separators of the ISA segment at ``data[start:]`` and the offset just after its
    terminator.  The ISA need not be padded to its fixed 106 bytes."""
    where = f"{segment_no} ISA"
    if data[start : start + 3] != b"ISA" or len(data) < start + 4:
        raise InputError(source, "expected an ISA segment (interchange header)", segment=where)
    e = data[start + 3 : start + 4]
    if e.isalnum() or e in _WS:
        raise InputError(source, "ISA element separator must be a special character", segment=where)
    pos = start + 3  # the 1st element separator; ISA16 follows the 16th
    for _ in range(15):
        pos = data.find(e, pos + 1)
        if pos < 0:
            raise InputError(source, "ISA segment is truncated", segment=where, field="ISA16")
    if len(data) < pos + 3:
        raise InputError(source, "ISA segment is truncated", segment=where, field="ISA16")
    c = data[pos + 1 : pos + 2]
    t = data[pos + 2 : pos + 3]
    if c.isalnum() or c == e or c in _WS:
        raise InputError(
            source, "ISA16 component separator must be a special character", segment=where, field="ISA16"
        )
    if t.isalnum() or t in (e, c, b" "):
        raise InputError(
            source, "the segment terminator after ISA16 must be a special character", segment=where
        )
    if t in data[start:pos]:
        raise InputError(source, "ISA segment is truncated", segment=where, field="ISA16")
    r = data[start:pos].split(e)[11]
    rep = r if len(r) == 1 and not r.isalnum() and r not in (e, c, t, b" ") else None
    return Separators(e, c, t, rep), pos + 3


def split_segments(data: bytes, source: str) -> list[tuple[bytes, Separators]]:
    """All segments of the file, whitespace around terminators removed, each with the
    separators of its interchange (several interchanges may follow each other, each
    with its own separators).  Raises InputError when the file does not start with an
    ISA or something other than an ISA follows an IEA."""
    out: list[tuple[bytes, Separators]] = []
    n = len(data)
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while start < n and data[start] in _WS:
            start += 1
        if start >= n:
            if not out:
                raise InputError(source, "the file is empty (no ISA segment)", segment="1 (none)")
            return out
        if data[start : start + 3] != b"ISA":
            sid = _peek_id(data, start)
            if not out:
                raise InputError(
                    source,
                    "the file does not start with an ISA segment (not an X12 interchange)",
                    segment=f"1 {sid}",
                )
            raise InputError(
                source, "data after the IEA segment is not a new interchange", segment=f"{len(out) + 1} {sid}"
            )
        seps, body = parse_isa(data, start, source, len(out) + 1)
        end = find_iea_end(data, body, seps)
        for raw in data[start:end].split(seps.segment):
            seg = raw.strip(_WS)
            if seg:
                out.append((seg, seps))
        start = end


def find_iea_end(data: bytes, body: int, seps: Separators) -> int:
    """Offset just after the IEA segment that closes the interchange whose body starts
    at ``body`` (the end of data when there is none)."""
    t = seps.segment
    marker = b"IEA" + seps.element
    pos = body
    while True:
        k = data.find(marker, pos)
        if k < 0:
            return len(data)
        j = k - 1  # IEA must start a segment: terminator, then optional whitespace
        while j >= body and data[j] in _WS:
            j -= 1
        if j < body or data[j : j + 1] == t:
            end = data.find(t, k)
            return len(data) if end < 0 else end + 1
        pos = k + 1


def _peek_id(data: bytes, start: int) -> str:
    m = re.match(rb"[A-Za-z0-9]{1,3}", data[start : start + 3])
    return m.group(0).decode("ascii") if m else "(none)"


# --------------------------------------------------------------------------- payer table


@lru_cache(maxsize=4)
def payer_table(path: str | None = None) -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    """``(by_id, by_name)`` from ``payer_ids.csv`` (columns payer_id, payer_name_pattern,
    policy): payer ids (upper-cased) to policy and name regexes to policy."""
    if path is None:
        text = resources.files("claimscrub").joinpath("data/payer_ids.csv").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    by_id: dict[str, str] = {}
    by_name: list[tuple[re.Pattern[str], str]] = []
    rows = csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    for row in rows:
        policy = (row.get("policy") or "").strip().lower()
        if not policy:
            continue
        pid = (row.get("payer_id") or "").strip().upper()
        pattern = (row.get("payer_name_pattern") or "").strip()
        if pid:
            by_id[pid] = policy
        if pattern:
            by_name.append((re.compile(pattern, re.IGNORECASE), policy))
    return by_id, by_name


def map_payer(payer_id: str | None, payer_name: str | None, table_path: str | None = None) -> str | None:
    """Payer value for the ``payer`` column: the policy of a known payer id or name
    pattern, else the payer name lower-cased (else the id lower-cased)."""
    by_id, by_name = payer_table(table_path)
    if payer_id:
        hit = by_id.get(payer_id.strip().upper())
        if hit:
            return hit
    if payer_name:
        for pattern, policy in by_name:
            if pattern.search(payer_name):
                return policy
        return payer_name.strip().lower() or None
    return payer_id.strip().lower() if payer_id else None


# --------------------------------------------------------------------------- reader


def _d(b: bytes) -> str:
    return b.decode("utf-8", "replace").strip()


def _el(els: list[bytes], i: int) -> bytes:
    return els[i] if len(els) > i else b""


_ALT_COMPONENT = re.compile(rb"[A-Z0-9]{1,3}([^A-Za-z0-9 .\-])")


def split_composite(el: bytes, c: bytes) -> list[bytes]:
    """Components of a composite element.  When the element lacks the declared
    component separator but reads like ``HC>99213`` / ``ABK>F331`` / ``11>B>1`` (files
    that declare ':' in ISA16 and use '>' anyway), the separator after the leading
    qualifier is used instead."""
    if c in el:
        return el.split(c)
    m = _ALT_COMPONENT.match(el)
    if m:
        return el.split(m.group(1))
    return [el]


def _count_is(value: bytes, expected: int) -> bool:
    v = value.strip()
    return v.isdigit() and int(v) == expected


def _date(qual: bytes, value: bytes) -> str | None:
    v = _d(value)
    if qual == b"RD8":
        v = v.split("-")[0]
    if len(v) == 8 and v.isdigit():
        return f"{v[:4]}-{v[4:6]}-{v[6:]}"
    return v or None


def _npi(els: list[bytes]) -> str | None:
    """NM109 when NM108 is XX (an NPI); any other id is not an NPI."""
    if _el(els, 8).strip() == b"XX":
        return _d(_el(els, 9)) or None
    return None


class _Claim:
    __slots__ = ("id", "pos", "dx", "patient", "payer", "billing", "npi", "tax", "state", "date", "nlines")

    def __init__(
        self,
        cid: str,
        pos: str | None,
        patient: str | None,
        payer: str | None,
        billing: tuple[str | None, str | None, str | None],
    ) -> None:
        self.id = cid
        self.pos = pos
        self.dx: list[tuple[str, bool]] = []
        self.patient = patient
        self.payer = payer
        self.billing = billing
        self.npi: str | None = None
        self.tax: str | None = None
        self.state: str | None = None
        self.date: str | None = None
        self.nlines = 0


class _Line:
    __slots__ = (
        "n",
        "lx",
        "sv1",
        "cpt",
        "mods",
        "charge",
        "units",
        "minutes",
        "pos",
        "ptr",
        "date",
        "npi",
        "tax",
        "state",
    )

    def __init__(self, n: int, lx: str | None) -> None:
        self.n = n
        self.lx = lx
        self.sv1 = False
        self.cpt = self.mods = self.charge = self.units = self.minutes = self.pos = None
        self.ptr: list[bytes] = []
        self.date: str | None = None
        self.npi: str | None = None
        self.tax: str | None = None
        self.state: str | None = None


class _Reader:
    """The 837P loop state machine (one instance per file)."""

    def __init__(
        self, source: str, strict: bool, payer_table_path: str | None, report_envelope: bool = False
    ) -> None:
        self.source = source
        self.strict = strict
        self.report_envelope = report_envelope
        self.envelope_errors: dict[int, list[str]] = {}  # row -> IN002 messages
        self.payer_table_path = payer_table_path
        self.cols: dict[str, list[str | None]] = {c: [] for c in COLUMNS}
        self.lines: list[int] = []
        self._payers: dict[tuple[str | None, str | None], str | None] = {}

    def err(self, n: int, sid: bytes | str, message: str, field: str | None = None) -> InputError:
        if isinstance(sid, bytes):
            sid = sid.decode("ascii", "replace")
        return InputError(self.source, message, segment=f"{n} {sid}", field=field)

    def envelope(self, n: int, sid: bytes, message: str, field: str, first_row: int) -> None:
        """A count or control-number error: raised, or (``report_envelope``) kept as IN002 on
        the first service line of the transaction, group or interchange it concerns."""
        if not self.report_envelope:
            raise self.err(n, sid, message, field)
        row = first_row if first_row < len(self.lines) else len(self.lines) - 1
        if row < 0:  # no service line to carry it: nothing would be checked anyway
            raise self.err(n, sid, message, field)
        where = f"segment {n} {sid.decode('ascii', 'replace')}"
        self.envelope_errors.setdefault(row, []).append(
            f"{where}: {message}; the receiver's 999 would reject it (IN002)"
        )

    def payer(self, pid: str | None, name: str | None) -> str | None:
        key = (pid, name)
        if key not in self._payers:
            self._payers[key] = map_payer(pid, name, self.payer_table_path)
        return self._payers[key]

    def read(self, data: bytes) -> pl.DataFrame:
        self._walk(split_segments(data, self.source))
        df = pl.DataFrame({c: pl.Series(c, v, dtype=pl.String) for c, v in self.cols.items()})
        if self.envelope_errors:
            errs = [
                "; ".join(self.envelope_errors[i]) if i in self.envelope_errors else None
                for i in range(df.height)
            ]
            df = df.with_columns(pl.Series("_in002", errs, dtype=pl.String))
        return df.with_columns(
            pl.lit(self.source, dtype=pl.String).alias("_source"),
            pl.Series("_line", self.lines, dtype=pl.Int64),
        )

    def _walk(self, segments: list[tuple[bytes, Separators]]) -> None:  # noqa: C901 - one state machine
        valid_ids: set[bytes] = set()
        in_isa = in_gs = in_st = False
        isa_ctrl = gs_ctrl = st_ctrl = b""
        groups = sets = st_start = 0
        isa_row = gs_row = st_row = 0  # first service-line row of the open envelopes
        hl_level = b""
        billing_npi = billing_tax = billing_state = None
        sub_id = pat_id = payer_name = payer_id = None
        context = b""  # loop opened by the last NM1: b"B85", b"C82", b"L77", ...
        after_sbr = False  # inside 2320/2330 (other subscriber) of a claim
        claim: _Claim | None = None
        line: _Line | None = None
        n = 0
        for n, (seg, seps) in enumerate(segments, 1):  # noqa: B007 - n is used after the loop
            e = seps.element
            k = seg.find(e)
            sid = seg if k < 0 else seg[:k]
            if sid not in valid_ids:
                if not _SEGMENT_ID.match(sid):
                    shown = "(empty)" if not sid else "(invalid)"
                    if sid.isascii() and sid.isalnum() and len(sid) <= 4:
                        shown = sid.decode("ascii")
                    raise self.err(n, shown, "bad segment identifier (2-3 upper-case letters or digits)")
                valid_ids.add(sid)

            # ---------------------------------------------------------- envelopes
            if sid == b"ISA":
                if in_isa:
                    raise self.err(n, sid, "ISA inside an open interchange (IEA missing)")
                in_isa, groups, isa_ctrl = True, 0, _el(seg.split(e), 13)
                isa_row = len(self.lines)
                continue
            if sid == b"GS":
                if not in_isa or in_gs:
                    raise self.err(n, sid, "GS out of order (must follow ISA or GE)")
                in_gs, sets, gs_ctrl = True, 0, _el(seg.split(e), 6)
                gs_row = len(self.lines)
                groups += 1
                continue
            if sid == b"ST":
                if not in_gs or in_st:
                    raise self.err(n, sid, "ST out of order (must follow GS or SE)")
                els = seg.split(e)
                if _el(els, 1).strip() != b"837":
                    raise self.err(n, sid, "the transaction set is not an 837 claim", "ST01")
                in_st, st_start, st_ctrl = True, n, _el(els, 2)
                st_row = len(self.lines)
                sets += 1
                hl_level = b""
                billing_npi = billing_tax = billing_state = None
                sub_id = pat_id = payer_name = payer_id = None
                context, after_sbr, claim, line = b"", False, None, None
                continue
            if sid == b"SE":
                if not in_st:
                    raise self.err(n, sid, "SE without ST")
                self._emit(line, claim)
                claim = line = None
                if self.strict:
                    els = seg.split(e)
                    count = n - st_start + 1
                    if not _count_is(_el(els, 1), count):
                        self.envelope(
                            n, sid, f"SE01 segment count is wrong (counted {count})", "SE01", st_row
                        )
                    if _el(els, 2) != st_ctrl:
                        self.envelope(n, sid, "SE02 does not match ST02", "SE02", st_row)
                in_st = False
                continue
            if sid == b"GE":
                if not in_gs or in_st:
                    raise self.err(n, sid, "GE out of order (SE missing, or no GS)")
                if self.strict:
                    els = seg.split(e)
                    if not _count_is(_el(els, 1), sets):
                        msg = f"GE01 transaction set count is wrong (counted {sets})"
                        self.envelope(n, sid, msg, "GE01", gs_row)
                    if _el(els, 2) != gs_ctrl:
                        self.envelope(n, sid, "GE02 does not match GS06", "GE02", gs_row)
                in_gs = False
                continue
            if sid == b"IEA":
                if not in_isa or in_gs:
                    raise self.err(n, sid, "IEA out of order (GE missing, or no ISA)")
                if self.strict:
                    els = seg.split(e)
                    if not _count_is(_el(els, 1), groups):
                        msg = f"IEA01 group count is wrong (counted {groups})"
                        self.envelope(n, sid, msg, "IEA01", isa_row)
                    if _el(els, 2) != isa_ctrl:
                        self.envelope(n, sid, "IEA02 does not match ISA13", "IEA02", isa_row)
                in_isa = False
                continue
            if not in_st:
                raise self.err(n, sid, "segment outside a transaction set (ST..SE)")

            # ---------------------------------------------------------- 837 body
            if sid == b"NM1":
                els = seg.split(e)
                q = _el(els, 1).strip()
                if line is not None:  # 2420x
                    context = b"L" + q
                    if q == b"82":
                        line.npi, line.tax = _npi(els), None
                elif claim is not None:
                    if after_sbr:  # 2330x: the other payer's entities
                        context = b"O"
                    else:  # 2310x
                        context = b"C" + q
                        if q == b"82":
                            claim.npi, claim.tax = _npi(els), None
                elif hl_level == b"20":
                    context = b"B" + q
                    if q == b"85":
                        billing_npi = _npi(els)
                elif hl_level == b"22":
                    context = b"S" + q
                    if q == b"IL":
                        sub_id = _d(_el(els, 9)) or None
                    elif q == b"PR":
                        payer_name = _d(_el(els, 3)) or None
                        payer_id = _d(_el(els, 9)) or None
                elif hl_level == b"23":
                    context = b"P" + q
                    if q == b"QC":
                        # 5010 dependents rarely carry their own member ID: tell a parent and a
                        # child apart (separate encounters) by the dependent's name.
                        pat_id = _d(_el(els, 9)) or "/".join(
                            [sub_id or "", _d(_el(els, 3)).upper(), _d(_el(els, 4)).upper()]
                        )
                else:
                    context = b"H" + q
                continue
            if sid == b"SV1":
                if claim is None:
                    raise self.err(n, sid, "SV1 (service line) before CLM")
                if line is None or line.sv1:
                    self._emit(line, claim)
                    line = _Line(n, None)
                self._sv1(line, seg.split(e), seps.component)
                continue
            if sid == b"DTP":
                els = seg.split(e)
                if _el(els, 1).strip() == b"472":
                    if line is not None:
                        line.date = _date(_el(els, 2).strip(), _el(els, 3))
                    elif claim is not None and not after_sbr:
                        claim.date = _date(_el(els, 2).strip(), _el(els, 3))
                continue
            if sid == b"LX":
                if claim is None:
                    raise self.err(n, sid, "LX (service line) before CLM")
                self._emit(line, claim)
                line = _Line(n, _d(_el(seg.split(e), 1)) or None)
                context = b""
                continue
            if sid == b"CLM":
                if hl_level not in (b"22", b"23"):
                    raise self.err(n, sid, "CLM before a subscriber or patient HL loop")
                self._emit(line, claim)
                line = None
                els = seg.split(e)
                pos = _d(split_composite(_el(els, 5), seps.component)[0]) or None
                patient = pat_id if hl_level == b"23" and pat_id else sub_id
                claim = _Claim(
                    _d(_el(els, 1)),
                    pos,
                    patient,
                    self.payer(payer_id, payer_name),
                    (billing_npi, billing_tax, billing_state),
                )
                after_sbr, context = False, b""
                continue
            if sid == b"PRV":
                els = seg.split(e)
                tax = _d(_el(els, 3)) or None
                if context == b"L82" and line is not None:
                    line.tax = tax
                elif context == b"C82" and claim is not None:
                    claim.tax = tax
                elif claim is None and hl_level == b"20" and _el(els, 1).strip() == b"BI":
                    billing_tax = tax
                continue
            if sid == b"N4":
                if context == b"L77" or context == b"C77" or context == b"B85":
                    state = _d(_el(seg.split(e), 2)) or None
                    if context == b"L77" and line is not None:
                        line.state = state
                    elif context == b"C77" and claim is not None:
                        claim.state = state
                    elif context == b"B85":
                        billing_state = state
                continue
            if sid == b"HI":
                if claim is not None and line is None and not after_sbr:
                    self._hi(claim, seg.split(e), seps.component)
                continue
            if sid == b"SBR":
                if claim is not None:
                    if line is not None:
                        raise self.err(n, sid, "SBR (other subscriber) inside a service line")
                    after_sbr, context = True, b"O"
                continue
            if sid == b"HL":
                self._emit(line, claim)
                claim = line = None
                after_sbr, context = False, b""
                hl_level = _el(seg.split(e), 3).strip()
                if hl_level == b"20":
                    billing_npi = billing_tax = billing_state = None
                elif hl_level == b"22":
                    sub_id = pat_id = payer_name = payer_id = None
                elif hl_level == b"23":
                    pat_id = None
                continue
            # any other segment carries nothing for the claim-line frame
        if in_st:
            raise self.err(n, "SE", "the file ends inside a transaction set (SE missing)")
        if in_gs:
            raise self.err(n, "GE", "the file ends inside a functional group (GE missing)")
        if in_isa:
            raise self.err(n, "IEA", "the file ends inside an interchange (IEA missing)")

    @staticmethod
    def _hi(claim: _Claim, els: list[bytes], c: bytes) -> None:
        for el in els[1:]:
            comp = split_composite(el, c)
            if len(comp) < 2:
                continue
            code = _d(comp[1])
            if not code:
                continue
            q = _d(comp[0])
            if q in _ICD10_QUALIFIERS:
                claim.dx.append((code, False))
            elif q in _ICD9_QUALIFIERS:
                claim.dx.append((code, True))

    @staticmethod
    def _sv1(line: _Line, els: list[bytes], c: bytes) -> None:
        line.sv1 = True
        comp = split_composite(_el(els, 1), c)
        if len(comp) > 1:
            line.cpt = _d(comp[1]) or None
        else:  # no qualifier: pass the lone value through (a rule flags a bad code)
            line.cpt = None if comp[0].strip() in _SV101_QUALIFIERS else _d(comp[0]) or None
        mods = [m for m in (_d(x) for x in comp[2:6]) if m]
        line.mods = ":".join(mods) if mods else None
        line.charge = _d(_el(els, 2)) or None
        qty = _d(_el(els, 4)) or None
        if _el(els, 3).strip() == b"MJ":
            line.minutes, line.units = qty, None
        else:
            line.minutes, line.units = None, qty
        line.pos = _d(_el(els, 5)) or None
        line.ptr = split_composite(_el(els, 7), c)

    def _emit(self, line: _Line | None, claim: _Claim | None) -> None:
        """Append the open service line (when it has an SV1) as a row."""
        if line is None or claim is None or not line.sv1:
            return
        claim.nlines += 1
        billing_npi, billing_tax, billing_state = claim.billing
        if line.npi:
            npi, tax = line.npi, line.tax
        elif claim.npi:
            npi, tax = claim.npi, claim.tax
        else:
            npi, tax = billing_npi, None
        picked = claim.dx
        if line.ptr and line.ptr != [b""]:
            chosen: list[tuple[str, bool]] = []
            for p in line.ptr:
                try:
                    i = int(float(p))
                except ValueError:
                    continue
                if 1 <= i <= len(claim.dx) and claim.dx[i - 1] not in chosen:
                    chosen.append(claim.dx[i - 1])
            picked = chosen or claim.dx
        cols = self.cols
        cols["claim_id"].append(claim.id or None)
        cols["line_no"].append(line.lx or str(claim.nlines))
        cols["patient_id"].append(claim.patient)
        cols["service_date"].append(line.date or claim.date)
        cols["payer"].append(claim.payer)
        cols["provider_npi"].append(npi)
        cols["provider_taxonomy"].append(tax or billing_tax)
        cols["provider_state"].append(line.state or claim.state or billing_state)
        cols["cpt"].append(line.cpt)
        cols["modifiers"].append(line.mods)
        cols["units"].append(line.units)
        cols["minutes"].append(line.minutes)
        cols["pos"].append(line.pos or claim.pos)
        cols["icd10"].append(";".join(code for code, _ in picked) if picked else None)
        cols["charge"].append(line.charge)
        cols["dx_qualifier_icd9"].append("yes" if any(i9 for _, i9 in picked) else "")
        self.lines.append(line.n)


def read_837_bytes(
    data: bytes,
    source: str,
    *,
    strict: bool = True,
    payer_table_path: str | None = None,
    report_envelope: bool = False,
) -> pl.DataFrame:
    """Raw claim-line frame of 837P ``data`` (see the module docstring).

    ``strict=False`` skips the control-count and control-number checks (SE01/SE02,
    GE01/GE02, IEA01/IEA02); every other structural check stays. ``report_envelope=True``
    keeps their errors in an ``_in002`` column (on the first service line of the
    transaction, group or interchange) instead of raising: the check reports IN002.
    """
    return _Reader(source, strict, payer_table_path, report_envelope).read(data)


def read_837(
    path: Path | str,
    *,
    strict: bool = True,
    payer_table_path: str | None = None,
    report_envelope: bool = False,
) -> pl.DataFrame:
    """Raw claim-line frame of an 837P file (see the module docstring)."""
    from claimscrub.readers.source import read_bounded, source_name

    return read_837_bytes(
        read_bounded(path),
        source_name(path),
        strict=strict,
        payer_table_path=payer_table_path,
        report_envelope=report_envelope,
    )
