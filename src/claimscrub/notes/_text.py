"""Text normalisation and segmentation (sentences, clauses, sections) with stable offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TRANSLATE = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2192": ">",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00a0": " ",
        "\t": " ",
        "\r": " ",
        "\u2022": "-",
        "\u00b7": "-",
        "\u2026": ".",
    }
)

_ABBREV = frozenset(
    "dr mr ms mrs st vs e.g i.e approx pt pts no wk wks mo yr hr hrs min mins sr jr inc dept "
    "etc al fig ca cf".split()
)
_SENT_END = re.compile(r"[.!?]+(?=\s+\S)")
_HEADER = re.compile(r"^\s*(?:[-*]\s*)?([A-Za-z][A-Za-z0-9 /&'()+-]{0,40}?)\s*:\s*(.*)$")
_PLAN_HEADERS = re.compile(
    r"^(?:p|plan|a/p|a&p|assessment(?: and | & |/)plan|impression(?: and | & |/)plan|"
    r"recommendations?|medication changes|med changes|orders|disposition|treatment plan|"
    r"medication plan|med plan|meds plan|recs?)$"
)


_COPIED = re.compile(r"^(?:prior|previous|last|old)\b.*\b(?:plan|note)\b|.*\bcopied\b")


def normalise(text: str) -> str:
    """Lower-case copy of ``text`` with unicode dashes/quotes folded, same length as ``text``."""
    out = text.translate(_TRANSLATE)
    low = out.lower()
    if len(low) != len(out):  # rare characters whose lower-case form is longer
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in out)
    return low


@dataclass(slots=True)
class Segment:
    """A sentence (or line fragment) of the note, with the section it sits in."""

    start: int
    end: int
    text: str  # normalised (lower-case) text of the segment
    line: int
    section: str | None  # FAMILY / ALLERGY / HISTORICAL / other header name / None
    plan: bool  # inside a Plan / Assessment-and-Plan section
    first_line: bool

    _clauses: list[tuple[int, int, str]] | None = None

    def clauses(self) -> list[tuple[int, int, str]]:
        """Sub-spans split at semicolons: (start, end, text) with note offsets."""
        if self._clauses is None:
            out: list[tuple[int, int, str]] = []
            pos = 0
            for part in self.text.split(";"):
                out.append((self.start + pos, self.start + pos + len(part), part))
                pos += len(part) + 1
            self._clauses = out
        return self._clauses


def _split_sentences(line: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(line):
        prev = line[max(start, m.start() - 12) : m.start()].rsplit(None, 1)
        word = prev[-1].strip("(\"'") if prev else ""
        if word in _ABBREV or (len(word) == 1 and word.isalpha()):
            continue
        spans.append((start, m.end()))
        start = m.end()
    if start < len(line):
        spans.append((start, len(line)))
    return spans


def segment(low: str, section_names: dict[str, str]) -> list[Segment]:
    """Split normalised text into sentence segments, tracking section headers.

    ``section_names`` maps a lower-case header (e.g. ``"allergies"``) to a context category.
    A header alone on its line applies to the following list lines until a blank line, a prose
    line or the next header; a header with text after it applies to its own line.
    """
    segs: list[Segment] = []
    offset = 0
    sticky: str | None = None
    plan = False
    first_done = False
    for line_no, line in enumerate(low.split("\n")):
        line_start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped:
            sticky = None
            continue
        section = sticky
        m = _HEADER.match(line)
        name = m.group(1).strip() if m else ""
        is_header = bool(m) and (
            name in section_names
            or bool(_PLAN_HEADERS.match(name))
            or (len(name.split()) <= 4 and not any(ch.isdigit() for ch in name))
        )
        if m and is_header:
            cat = section_names.get(name)
            plan = bool(_PLAN_HEADERS.match(name))
            section = cat
            sticky = cat if not m.group(2).strip() else None
        elif (
            sticky
            and not line[:1].isspace()
            and not stripped.startswith(("-", "*", "+"))
            and not stripped[0].isdigit()
            and len(stripped.split()) > 6
        ):
            sticky = None
            section = None
        if m and _COPIED.match(name):
            section = "HISTORICAL"  # "Prior plan (copied from 3/2): ..." is an earlier visit
        for k, (s, e) in enumerate(_split_sentences(line)):
            text = line[s:e]
            if not text.strip():
                continue
            sec = section
            inline = _HEADER.match(text) if k else None
            if inline and inline.group(1).strip() in section_names:
                sec = section_names[inline.group(1).strip()]  # "... at home. Allergies: X (rash)."
            segs.append(Segment(line_start + s, line_start + e, text, line_no, sec, plan, not first_done))
        first_done = True
    return segs
