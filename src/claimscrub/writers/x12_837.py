"""Write a corrected 837P: apply safe service-line changes to the original bytes.

Every segment the changes do not touch is copied byte for byte (with the whitespace
and newlines that followed it).  The changes:

``Change(segment_index, "set_units", "2")``
    SV104 (quantity) of the service line becomes ``value`` (a positive number).
``Change(segment_index, "replace_code", "90834")``
    SV101-2 (procedure code) becomes ``value`` (5 letters/digits); the qualifier and the
    modifiers stay.
``Change(segment_index, "delete_line")``
    The service-line loop (LX up to the next LX, CLM, HL or SE) is removed; CLM02 (claim
    total) drops by the line's SV102, and the claim's remaining LX are renumbered 1..n.
    The only line of a claim cannot be deleted.

``segment_index`` is the 1-based segment number (from the first ISA of the file) of the
service line's LX or SV1 -- the ``_line`` value the reader gives that line.  Afterwards
SE01, GE01 and IEA01 are set to the real counts.  Invalid changes raise ``ValueError``;
a file the reader rejects raises :class:`~claimscrub.errors.InputError`.

Example::

    from claimscrub.writers.x12_837 import Change, apply_changes
    fixed = apply_changes(data, [Change(38, "delete_line"), Change(25, "replace_code", "90833")])
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from claimscrub.readers.x12_837 import (
    _WS,
    Separators,
    find_iea_end,
    parse_isa,
    read_837_bytes,
)
from claimscrub.writers.atomic import write_atomic

KINDS = ("set_units", "replace_code", "delete_line")
_CODE = re.compile(r"[A-Z0-9]{5}\Z")
_UNITS = re.compile(r"\d{1,8}(\.\d{1,3})?\Z")


@dataclass(frozen=True, slots=True)
class Change:
    """One safe change to a service line (see the module docstring)."""

    segment_index: int
    kind: str
    value: str | None = None


@dataclass(slots=True)
class _Seg:
    content: bytes
    tail: bytes  # terminator and the whitespace up to the next segment
    seps: Separators
    sid: bytes
    deleted: bool = False


def _segments(data: bytes, source: str) -> tuple[bytes, list[_Seg]]:
    """(bytes before the first segment, segments with their tails); the concatenation
    of head + content + tail of every segment is ``data``."""
    spans: list[tuple[int, int, Separators]] = []
    n = len(data)
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while start < n and data[start] in _WS:
            start += 1
        if start >= n:
            break
        seps, body = parse_isa(data, start, source, len(spans) + 1)
        end = find_iea_end(data, body, seps)
        off = start
        for piece in data[start:end].split(seps.segment):
            stripped = piece.strip(_WS)
            if stripped:
                lead = len(piece) - len(piece.lstrip(_WS))
                spans.append((off + lead, off + lead + len(stripped), seps))
            off += len(piece) + 1
        start = end
    segs: list[_Seg] = []
    for i, (s, e, seps) in enumerate(spans):
        nxt = spans[i + 1][0] if i + 1 < len(spans) else n
        content = data[s:e]
        k = content.find(seps.element)
        segs.append(_Seg(content, data[e:nxt], seps, content if k < 0 else content[:k]))
    head = data[: spans[0][0]] if spans else data
    return head, segs


def _comp_sep(el: bytes, c: bytes) -> bytes:
    if c in el:
        return c
    m = re.match(rb"[A-Z0-9]{1,3}([^A-Za-z0-9 .\-])", el)
    return m.group(1) if m else c


def _set_element(seg: _Seg, index: int, value: bytes) -> None:
    els = seg.content.split(seg.seps.element)
    while len(els) <= index:
        els.append(b"")
    els[index] = value
    seg.content = seg.seps.element.join(els)


def _element(seg: _Seg, index: int) -> bytes:
    els = seg.content.split(seg.seps.element)
    return els[index] if len(els) > index else b""


def _money(total: bytes, minus: bytes) -> bytes | None:
    try:
        t, m = Decimal(total.decode("ascii").strip()), Decimal(minus.decode("ascii").strip())
    except (InvalidOperation, UnicodeDecodeError):
        return None
    new = t - m
    text = total.decode("ascii").strip()
    if "." in text:
        places = len(text.split(".")[1])
        return f"{new:.{places}f}".encode()
    if new == new.to_integral_value():
        return str(int(new)).encode()
    return f"{new:.2f}".encode()


@dataclass(slots=True)
class _Loop:
    start: int  # index of LX (or SV1) in the segment list
    end: int  # exclusive
    sv1: int | None
    clm: int


def _structure(segs: list[_Seg]) -> tuple[dict[int, _Loop], dict[int, list[_Loop]]]:
    """Service-line loops by the 0-based index of their LX and SV1, and each claim's
    loops (by the index of its CLM)."""
    by_index: dict[int, _Loop] = {}
    claims: dict[int, list[_Loop]] = {}
    clm: int | None = None
    loop: _Loop | None = None

    def close(i: int) -> None:
        nonlocal loop
        if loop is not None:
            loop.end = i
            loop = None

    for i, s in enumerate(segs):
        sid = s.sid
        if sid in (b"CLM", b"HL", b"SE", b"ST"):
            close(i)
            clm = i if sid == b"CLM" else None
            if clm is not None:
                claims[clm] = []
        elif sid == b"LX" and clm is not None:
            close(i)
            loop = _Loop(i, i + 1, None, clm)
            claims[clm].append(loop)
            by_index[i] = loop
        elif sid == b"SV1" and clm is not None:
            if loop is None or loop.sv1 is not None:
                close(i)
                loop = _Loop(i, i + 1, None, clm)
                claims[clm].append(loop)
            loop.sv1 = i
            by_index[i] = loop
    close(len(segs))
    return by_index, claims


def apply_changes(data: bytes, changes: Iterable[Change], *, source: str = "<input>") -> bytes:
    """The corrected 837P bytes (see the module docstring)."""
    changes = list(changes)
    read_837_bytes(data, source, strict=False)  # structural validation (InputError)
    head, segs = _segments(data, source)
    by_index, claims = _structure(segs)
    deleted: set[int] = set()
    touched_claims: set[int] = set()
    for ch in changes:
        if ch.kind not in KINDS:
            raise ValueError(f"unknown change kind {ch.kind!r} (one of {', '.join(KINDS)})")
        loop = by_index.get(ch.segment_index - 1)
        if loop is None:
            raise ValueError(f"segment {ch.segment_index} is not the LX or SV1 of a service line")
        if loop.start in deleted:
            raise ValueError(f"segment {ch.segment_index}: the service line is already deleted")
        if loop.sv1 is None:
            raise ValueError(f"segment {ch.segment_index}: the service line has no SV1")
        sv1 = segs[loop.sv1]
        if ch.kind == "set_units":
            value = (ch.value or "").strip()
            if not _UNITS.match(value) or Decimal(value) <= 0:
                raise ValueError(f"segment {ch.segment_index}: units must be a positive number")
            _set_element(sv1, 4, value.encode())
        elif ch.kind == "replace_code":
            value = (ch.value or "").strip().upper()
            if not _CODE.match(value):
                raise ValueError(f"segment {ch.segment_index}: a procedure code has 5 letters or digits")
            el = _element(sv1, 1)
            sep = _comp_sep(el, sv1.seps.component)
            comp = el.split(sep)
            if len(comp) < 2:
                comp = [b"HC", value.encode()]
            else:
                comp[1] = value.encode()
            _set_element(sv1, 1, sep.join(comp))
        else:
            live = [lp for lp in claims[loop.clm] if lp.start not in deleted]
            if len(live) <= 1:
                raise ValueError(
                    f"segment {ch.segment_index}: the only service line of a claim cannot be deleted"
                )
            clm = segs[loop.clm]
            total = _money(_element(clm, 2), _element(sv1, 2))
            if total is not None:
                _set_element(clm, 2, total)
            for i in range(loop.start, loop.end):
                segs[i].deleted = True
            deleted.add(loop.start)
            touched_claims.add(loop.clm)
    for clm in touched_claims:  # renumber LX 1..n
        n = 0
        for lp in claims[clm]:
            if lp.start in deleted:
                continue
            n += 1
            lx = segs[lp.start]
            if lx.sid == b"LX" and _element(lx, 1).strip() != str(n).encode():
                _set_element(lx, 1, str(n).encode())
    _fix_counts(segs)
    out = [head]
    for s in segs:
        if not s.deleted:
            out.append(s.content)
            out.append(s.tail)
    return b"".join(out)


def _fix_counts(segs: list[_Seg]) -> None:
    st_count = groups = sets = 0
    for s in segs:
        if s.deleted:
            continue
        sid = s.sid
        st_count += 1
        if sid == b"ISA":
            groups = 0
        elif sid == b"GS":
            groups += 1
            sets = 0
        elif sid == b"ST":
            sets += 1
            st_count = 1
        elif sid == b"SE":
            _set_count(s, st_count)
        elif sid == b"GE":
            _set_count(s, sets)
        elif sid == b"IEA":
            _set_count(s, groups)


def _set_count(seg: _Seg, count: int) -> None:
    v = _element(seg, 1).strip()
    if not (v.isdigit() and int(v) == count):
        _set_element(seg, 1, str(count).encode())


def corrected_bytes(src: Path | str, changes: Iterable[Change]) -> bytes:
    """``src`` (``-`` = stdin) with ``changes`` applied."""
    from claimscrub.readers.source import read_bounded, source_name

    return apply_changes(read_bounded(src), changes, source=source_name(src))


def write_corrected(src: Path | str, dst: Path | str, changes: Iterable[Change]) -> None:
    """Read ``src``, apply ``changes`` and write the result to ``dst`` atomically."""
    write_atomic(Path(dst), corrected_bytes(src, changes))
