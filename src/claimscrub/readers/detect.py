"""Input format from the file's content (not its name): X12, FHIR JSON or CSV."""

from __future__ import annotations

import re
from pathlib import Path

from claimscrub.errors import InputError

_SNIFF = 4096
#: An X12 segment that could start a file whose ISA is missing (GS, ST, BHT), then a separator.
_X12_BODY = re.compile(rb"(GS|ST|BHT)[*|^~:!]")
_WS = b" \t\r\n\x0b\x0c"
_FIRST_NON_WS = re.compile(rb"[^ \t\r\n\x0b\x0c]")


def detect_format_bytes(head: bytes) -> str:
    """``"x12"`` when the first non-whitespace bytes are ``ISA``, ``"fhir"`` for ``{`` or
    ``[``, else ``"csv"``.  A UTF-8 byte-order mark is skipped."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    head = head.lstrip(_WS)
    if head.startswith(b"ISA") or _X12_BODY.match(head):
        return "x12"  # an 837 that lost its ISA is still an 837 (its reader says the ISA is missing)
    if head[:1] in (b"{", b"["):
        return "fhir"
    return "csv"


def detect_format_data(data: bytes) -> str:
    """Format of a whole input already read (leading whitespace of any length skipped)."""
    start = _FIRST_NON_WS.search(data, 3 if data.startswith(b"\xef\xbb\xbf") else 0)
    return detect_format_bytes(data[start.start() : start.start() + 8] if start else b"")


def detect_format(path: Path | str) -> str:
    """Format of the file at ``path``: ``"csv"``, ``"x12"`` or ``"fhir"``."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF)
            while head.lstrip(_WS) == b"" and len(head) >= _SNIFF:  # long leading whitespace
                more = fh.read(_SNIFF)
                if not more:
                    break
                head = more
    except OSError as exc:
        raise InputError(str(path), f"cannot read file ({exc.strerror})") from None
    return detect_format_bytes(head)
