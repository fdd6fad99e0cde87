"""A parsed note: normalised text, segments and drug mentions with their context."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from ._text import Segment
from .drugs import Mention
from .screen import Screen

_WORD = re.compile(r"[a-z0-9]+")
_BLANK = re.compile(
    r"[^:\n]{0,50}:\s*(?:(?:\*+|_{2,}|\[\s*\]|-+|\?+)?\s*$|"
    r"(?:n/a|not (?:assessed|documented|done|applicable))\b)"
)

# Section categories whose drug mentions and symptoms are not about current treatment.
EXCLUDED_SECTIONS = frozenset({"FAMILY", "ALLERGY", "HISTORICAL"})


@dataclass(slots=True)
class ParsedNote:
    """Everything the element detectors read."""

    text: str
    low: str
    segs: list[Segment]
    mentions: list[Mention]
    current: list[bool]
    starts: list[int] = field(default_factory=list)
    clause_list: list[tuple[int, int, str, Segment]] = field(default_factory=list)
    clause_starts: list[int] = field(default_factory=list)
    _masks: list[int] | None = None

    def __post_init__(self) -> None:
        self.starts = [m.start for m in self.mentions]
        for seg in self.segs:
            if seg.section in EXCLUDED_SECTIONS:
                continue
            for cs, ce, ct in seg.clauses():
                self.clause_list.append((cs, ce, ct, seg))
        self.clause_starts = [c[0] for c in self.clause_list]

    def screened(self, screen: Screen, name: str) -> list[tuple[int, int, str, Segment]]:
        """Usable clauses that may hold a match of detector ``name`` (word-prefix screen)."""
        if self._masks is None:
            self._masks = [screen.text_mask(c[2]) for c in self.clause_list]
        bit = 1 << screen.names.index(name)
        return [c for c, mk in zip(self.clause_list, self._masks, strict=True) if mk & bit]

    def clauses_with(self, pattern: re.Pattern[str]) -> list[tuple[int, int, str, Segment]]:
        """Usable clauses (not family/allergy/past sections) holding a match of ``pattern``."""
        out: list[tuple[int, int, str, Segment]] = []
        last = -1
        for m in pattern.finditer(self.low):
            i = bisect_right(self.clause_starts, m.start()) - 1
            if i > last and i >= 0 and m.start() < self.clause_list[i][1]:
                out.append(self.clause_list[i])
                last = i
        return out

    def drugs_in(self, start: int, end: int, current_only: bool = True) -> list[Mention]:
        """Drug mentions starting inside [start, end)."""
        i = bisect_left(self.starts, start)
        out = []
        while i < len(self.mentions) and self.mentions[i].start < end:
            if not current_only or self.current[i]:
                out.append(self.mentions[i])
            i += 1
        return out

    def any_drug_in(self, start: int, end: int, current_only: bool = True) -> bool:
        return bool(self.drugs_in(start, end, current_only))

    def blank_field(self, end: int) -> bool:
        """Is the word ending at ``end`` the label of a template field left empty ("Side
        effects: ***", "ADHERENCE:" with nothing after it)?"""
        line_end = self.low.find("\n", end)
        return bool(_BLANK.match(self.low, end, line_end if line_end >= 0 else len(self.low)))

    @property
    def has_current(self) -> bool:
        return any(self.current)
