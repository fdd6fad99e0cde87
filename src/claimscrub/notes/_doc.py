"""A parsed note: normalised text, segments and drug mentions with their context."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from ._text import Segment
from .drugs import Mention

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

    def __post_init__(self) -> None:
        self.starts = [m.start for m in self.mentions]

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

    @property
    def has_current(self) -> bool:
        return any(self.current)
