"""A CSV file as byte spans, so ``claimscrub fix`` can change a few cells and leave every
other byte (quoting, spacing, line endings, a missing last newline) as it was.

``split_records`` finds each record's fields (RFC 4180: ``"`` quotes, ``""`` escapes, a
record ends at LF or CRLF outside quotes); ``rewrite`` copies the file, replacing the
changed cells and dropping deleted records with their line ending.
"""

from __future__ import annotations

from dataclasses import dataclass

BOM = b"\xef\xbb\xbf"
_QUOTE, _COMMA, _LF, _CR = 0x22, 0x2C, 0x0A, 0x0D


@dataclass(frozen=True, slots=True)
class Record:
    line: int  # 1-based physical line where the record starts
    start: int  # byte offset of the record
    end: int  # byte offset just after its content (before the line ending)
    after: int  # byte offset just after its line ending
    fields: tuple[tuple[int, int], ...]  # byte span of each field, quotes included

    def is_blank(self, data: bytes) -> bool:
        return not data[self.start : self.end].strip(b", \t")


def split_records(data: bytes) -> list[Record]:
    """Every record of ``data`` (header first), blank lines included."""
    n = len(data)
    i = len(BOM) if data.startswith(BOM) else 0
    line = 1
    out: list[Record] = []
    while i < n:
        start, fstart, rec_line = i, i, line
        fields: list[tuple[int, int]] = []
        while True:
            if i >= n:
                fields.append((fstart, i))
                end = after = i
                break
            c = data[i]
            if c == _QUOTE and i == fstart:
                i += 1
                while True:
                    j = data.find(b'"', i)
                    if j < 0:  # unterminated quote: the rest of the file is the field
                        line += data.count(b"\n", i, n)
                        i = n
                        break
                    line += data.count(b"\n", i, j)
                    if j + 1 < n and data[j + 1] == _QUOTE:
                        i = j + 2
                        continue
                    i = j + 1
                    break
                continue
            if c == _COMMA:
                fields.append((fstart, i))
                i += 1
                fstart = i
                continue
            if c == _LF or c == _CR:
                fields.append((fstart, i))
                end = i
                i += 2 if c == _CR and i + 1 < n and data[i + 1] == _LF else 1
                after = i
                line += 1
                break
            i += 1
        out.append(Record(rec_line, start, end, after, tuple(fields)))
    return out


def field_text(data: bytes, span: tuple[int, int]) -> str | None:
    """A field's value as a CSV reader gives it (``None`` when empty)."""
    raw = data[span[0] : span[1]]
    if raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2:
        raw = raw[1:-1].replace(b'""', b'"')
    text = raw.decode("utf-8", errors="replace")
    return text or None


def encode_field(value: str) -> bytes:
    """A value as a CSV field, quoted only when it must be."""
    b = value.encode("utf-8")
    if any(ch in b for ch in b'",\r\n') or b != b.strip():
        return b'"' + b.replace(b'"', b'""') + b'"'
    return b


def rewrite(
    data: bytes,
    records: list[Record],
    edits: dict[int, dict[int, str]],
    deleted: set[int],
) -> bytes:
    """``data`` with ``edits`` (record index -> field index -> new value) applied and the
    records in ``deleted`` removed with their line ending; every other byte is copied."""
    parts: list[bytes] = []
    pos = 0
    for idx, rec in enumerate(records):
        if idx in deleted:
            parts.append(data[pos : rec.start])
            pos = rec.after
        elif changed := edits.get(idx):
            parts.append(data[pos : rec.start])
            cells = [data[a:b] for a, b in rec.fields]
            for f, value in changed.items():
                cells[f] = encode_field(value)
            parts.append(b",".join(cells))
            pos = rec.end
    parts.append(data[pos:])
    return b"".join(parts)
