"""X12 835 (005010X221) remittance advice -> payment and adjustment rows.

Maps, per claim payment (loop 2100) and service payment (loop 2110):

==============  ==================================================================
claim_id        CLP01 (the patient control number = CLM01 of the 837)
claim_status    CLP02 (1 primary, 2 secondary, 3 tertiary, 4 denied, 22 reversal ...)
charge / paid   CLP03 / CLP04 for the claim row; SVC02 / SVC03 for a service row
cpt, modifiers  SVC06 (procedure as submitted) when present, else SVC01 (as adjudicated)
units           SVC05 (1 when empty)
service_date    DTM*472 of the service, else DTM*150 (period start), else the claim's
                DTM*232 (statement from)
adjustments     CAS: group (CO PR OA PI CR) + up to six (CARC, amount, quantity) triples
rarc            LQ*HE (service), MOA03-07 / MIA05, MIA20-23 (claim), ';'-joined
==============  ==================================================================

Every CLP gives one ``level="claim"`` row (with the claim-level CAS), and every SVC one
``level="service"`` row.  Only code numbers are kept: no CARC/RARC description text.

A small tokenizer of its own: separators come from the ISA (element = 4th byte, component =
ISA16, terminator = the byte after it).  Some real files use a component separator other than
ISA16 inside SVC01 (``HC>55669`` with ISA16 ``:``); a composite that does not split on ISA16
is split on the first of ``: > ^ |`` it contains.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from claimscrub.errors import InputError
from claimscrub.readers.source import read_bounded, source_name

_WS = b" \t\r\n"
_COMPONENT_FALLBACK = (":", ">", "^", "|")


@dataclass
class RemitRow:
    seq: int
    level: str  # "claim" | "service"
    claim_id: str
    claim_status: str | None
    payer_claim_id: str | None
    cpt: str | None = None
    modifiers: str = ""
    service_date: dt.date | None = None
    charge: Decimal | None = None
    paid: Decimal | None = None
    units: Decimal | None = None
    rarc: list[str] = field(default_factory=list)
    segment: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "level": self.level,
            "claim_id": self.claim_id,
            "claim_status": self.claim_status,
            "payer_claim_id": self.payer_claim_id,
            "cpt": self.cpt,
            "modifiers": self.modifiers,
            "service_date": self.service_date,
            "charge": self.charge,
            "paid": self.paid,
            "units": self.units,
            "rarc": ";".join(self.rarc) or None,
            "segment": self.segment,
        }


@dataclass
class AdjustmentRow:
    seq: int  # the RemitRow it belongs to
    level: str
    group_code: str
    carc: str
    amount: Decimal | None
    quantity: Decimal | None

    def to_dict(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "level": self.level,
            "group_code": self.group_code,
            "carc": self.carc,
            "amount": self.amount,
            "quantity": self.quantity,
        }


@dataclass
class Remittance835:
    source: str
    rows: list[RemitRow]
    adjustments: list[AdjustmentRow]


def is_835(path: Path) -> bool:
    """True when the file is an X12 interchange whose first transaction set is an 835."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip(_WS)
    if not head.startswith(b"ISA") or len(head) < 4:
        return False
    e = re.escape(head[3:4])
    return re.search(rb"(?:^|[^A-Za-z0-9])\s*ST" + e + rb"835" + e, head) is not None


def segments(data: bytes, source: str) -> list[list[str]]:
    """Segments of every interchange as lists of element strings, with the component
    separator of its interchange appended as a last pseudo-element ``["\\x00", sep]``
    only on ISA segments (callers read it from there)."""
    out: list[list[str]] = []
    data = data.removeprefix(b"\xef\xbb\xbf")
    pos = 0
    n = len(data)
    while True:
        while pos < n and data[pos] in _WS:
            pos += 1
        if pos >= n:
            return out
        if data[pos : pos + 3] != b"ISA" or n < pos + 106:
            raise InputError(
                source, "expected an ISA segment (not an X12 interchange)", segment=f"{len(out) + 1}"
            )
        e = data[pos + 3 : pos + 4]
        # ISA16 follows the 16th element separator
        k = pos + 3
        for _ in range(15):
            k = data.find(e, k + 1)
            if k < 0:
                raise InputError(source, "ISA segment is truncated", segment=f"{len(out) + 1} ISA")
        comp = data[k + 1 : k + 2].decode("latin-1")
        term = data[k + 2 : k + 3]
        if not term or term.isalnum() or term == e:
            raise InputError(source, "no segment terminator after ISA16", segment=f"{len(out) + 1} ISA")
        end = data.find(b"IEA" + e, k)
        end = n if end < 0 else data.find(term, end)
        end = n if end < 0 else end + 1
        for raw in data[pos:end].split(term):
            seg = raw.strip(_WS)
            if not seg:
                continue
            els = seg.decode("latin-1").split(e.decode("latin-1"))
            if els[0] == "ISA":
                els.append(comp)
            out.append(els)
        pos = end


def _el(els: list[str], i: int) -> str:
    return els[i].strip() if len(els) > i else ""


@cache
def _number_limits() -> tuple[int, int, bool]:
    """(amount digits, quantity digits, exponent allowed) from ``data/x12_numbers.yaml``."""
    from claimscrub.knowledge import read_yaml

    cfg = read_yaml("x12_numbers.yaml")
    return (
        int(cfg["monetary_amount_max_digits"]),
        int(cfg["quantity_max_digits"]),
        bool(cfg["exponent_allowed"]),
    )


_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:E-?[0-9]{1,3})?\Z")


def _decimal(text: str, source: str, where: str, name: str, *, quantity: bool = False) -> Decimal | None:
    """An X12 decimal (R) element: plain digits with an optional sign and decimal point, no
    longer than the implementation guide allows (amount or quantity)."""
    if not text:
        return None
    amount_digits, quantity_digits, exponent_ok = _number_limits()
    mantissa = text.split("E", 1)[0] if exponent_ok else text
    if not _DECIMAL.match(text) or (not exponent_ok and "E" in text):
        raise InputError(source, f"{name} is not a decimal number", segment=where, field=name)
    limit = quantity_digits if quantity else amount_digits
    if sum(ch.isdigit() for ch in mantissa) > limit:
        kind = "quantity" if quantity else "amount"
        raise InputError(
            source, f"{name} has more than {limit} digits (X12 {kind})", segment=where, field=name
        )
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise InputError(source, f"{name} is not a decimal number", segment=where, field=name) from None


def _date(text: str) -> dt.date | None:
    if len(text) == 8 and text.isdigit():
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None
    return None


def _procedure(composite: str, comp: str) -> tuple[str | None, str]:
    parts = composite.split(comp) if comp in composite else None
    if parts is None:
        for c in _COMPONENT_FALLBACK:
            if c in composite:
                parts = composite.split(c)
                break
    if parts is None:
        return None, ""  # a qualifier without a code (seen in real files)
    code = parts[1].strip() if len(parts) > 1 else ""
    mods = sorted(m.strip() for m in parts[2:6] if m.strip())
    return (code or None), ":".join(mods)


class _Envelope:
    """ISA/IEA and ST/SE pairing and the SE01 count: a file cut short (or two glued together)
    is an error, not a remittance with its last claims silently missing."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.in_isa = False
        self.st_at: int | None = None
        self.control = {"ISA": "", "ST": ""}  # ISA13 / ST02, repeated by IEA02 / SE02

    def see(self, i: int, sid: str, els: list[str]) -> None:
        where = f"{i} {sid}"
        if sid == "ISA":
            if self.in_isa:
                raise InputError(self.source, "ISA before the IEA of the previous interchange", segment=where)
            self.in_isa = True
            self.control["ISA"] = _el(els, 13)
        elif sid == "ST":
            if self.st_at is not None:
                raise InputError(
                    self.source, "ST before the SE of the previous transaction set", segment=where
                )
            self.st_at = i
            self.control["ST"] = _el(els, 2)
        elif sid == "SE":
            if self.st_at is None:
                raise InputError(self.source, "SE without its ST", segment=where)
            count = i - self.st_at + 1
            if _el(els, 1) != str(count):
                raise InputError(
                    self.source,
                    f"SE01 does not match the {count} segments of the transaction set (truncated or edited?)",
                    segment=where,
                    field="SE01",
                )
            self._same_control(where, "SE02", _el(els, 2), "ST")
            self.st_at = None
        elif sid in ("GE", "IEA") and self.st_at is not None:
            raise InputError(self.source, "transaction set not closed by SE", segment=where)
        elif sid == "IEA":
            self._same_control(where, "IEA02", _el(els, 2), "ISA")
            self.in_isa = False

    def _same_control(self, where: str, name: str, value: str, opener: str) -> None:
        if value != self.control[opener]:
            opened = "ISA13" if opener == "ISA" else "ST02"
            raise InputError(
                self.source,
                f"{name} does not match {opened} (truncated or edited?)",
                segment=where,
                field=name,
            )

    def end(self, n: int) -> None:
        if self.st_at is not None or self.in_isa:
            closing = "SE" if self.st_at is not None else "IEA"
            raise InputError(
                self.source, f"the file ends before its {closing} segment (truncated?)", segment=f"{n}"
            )


def parse_835(data: bytes, source: str) -> Remittance835:
    segs = segments(data, source)
    envelope = _Envelope(source)
    rows: list[RemitRow] = []
    adjs: list[AdjustmentRow] = []
    comp = ":"
    in_835 = False
    seen_st = False
    claim: RemitRow | None = None
    claim_date: dt.date | None = None
    svc: RemitRow | None = None
    svc_claims: list[RemitRow] = []

    def close_claim() -> None:
        nonlocal claim, svc
        if claim is not None:
            for r in svc_claims:
                if r.service_date is None:
                    r.service_date = claim_date
            svc_claims.clear()
        claim = None
        svc = None

    for i, els in enumerate(segs, start=1):
        sid = els[0]
        where = f"{i} {sid}"
        envelope.see(i, sid, els)
        if sid == "ISA":
            comp = els[-1]
        elif sid == "ST":
            seen_st = True
            in_835 = _el(els, 1) == "835"
            if not in_835:
                raise InputError(source, f"transaction set {_el(els, 1)!r} is not an 835", segment=where)
        elif sid == "SE":
            close_claim()
            in_835 = False
        elif not in_835:
            continue
        elif sid == "CLP":
            close_claim()
            claim_id = _el(els, 1)
            if not claim_id:
                raise InputError(source, "CLP01 (claim id) is empty", segment=where, field="CLP01")
            claim = RemitRow(
                seq=len(rows) + 1,
                level="claim",
                claim_id=claim_id,
                claim_status=_el(els, 2) or None,
                payer_claim_id=_el(els, 7) or None,
                charge=_decimal(_el(els, 3), source, where, "CLP03"),
                paid=_decimal(_el(els, 4), source, where, "CLP04"),
                segment=i,
            )
            claim_date = None
            rows.append(claim)
        elif claim is None:
            continue  # header loops (BPR, TRN, N1 ...) and PLB
        elif sid == "SVC":
            code, mods = _procedure(_el(els, 1), comp)
            if _el(els, 6):  # procedure as submitted, when the payer changed it
                code, mods = _procedure(_el(els, 6), comp)
            units = _decimal(_el(els, 5), source, where, "SVC05", quantity=True)
            svc = RemitRow(
                seq=len(rows) + 1,
                level="service",
                claim_id=claim.claim_id,
                claim_status=claim.claim_status,
                payer_claim_id=claim.payer_claim_id,
                cpt=code,
                modifiers=mods,
                charge=_decimal(_el(els, 2), source, where, "SVC02"),
                paid=_decimal(_el(els, 3), source, where, "SVC03"),
                units=units if units is not None else Decimal(1),
                segment=i,
            )
            rows.append(svc)
            svc_claims.append(svc)
        elif sid == "DTM":
            qual, d = _el(els, 1), _date(_el(els, 2))
            if svc is None and qual == "232":
                claim_date = d
            elif svc is not None and qual == "472":
                svc.service_date = d
            elif svc is not None and qual == "150" and svc.service_date is None:
                svc.service_date = d
        elif sid == "CAS":
            target = svc or claim
            group = _el(els, 1)
            for k in range(2, 20, 3):
                carc = _el(els, k)
                if not carc:
                    continue
                adjs.append(
                    AdjustmentRow(
                        seq=target.seq,
                        level=target.level,
                        group_code=group,
                        carc=carc,
                        amount=_decimal(_el(els, k + 1), source, where, f"CAS{k + 1:02d}"),
                        quantity=_decimal(_el(els, k + 2), source, where, f"CAS{k + 2:02d}", quantity=True),
                    )
                )
        elif sid == "LQ" and svc is not None and _el(els, 1) == "HE" and _el(els, 2):
            svc.rarc.append(_el(els, 2))
        elif sid == "MOA":
            claim.rarc += [_el(els, k) for k in range(3, 8) if _el(els, k)]
        elif sid == "MIA":
            claim.rarc += [_el(els, k) for k in (5, 20, 21, 22, 23) if _el(els, k)]
    close_claim()
    if not seen_st:
        raise InputError(source, "no ST segment: not an 835 transaction set")
    envelope.end(len(segs))
    return Remittance835(source, rows, adjs)


def read_835(path: Path | str) -> Remittance835:
    return parse_835(read_bounded(path), source_name(path))
