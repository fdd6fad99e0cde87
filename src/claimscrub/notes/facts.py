"""The result of reading one note."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ELEMENTS = (
    "medication",
    "action",
    "response",
    "side_effects",
    "adherence",
    "rationale",
    "not_performed",
)

Evidence = dict[str, list[tuple[int, int, str]]]


@dataclass(slots=True)
class NoteFacts:
    """Documentation elements found in a clinical note (spec section 3).

    ``evidence`` maps an element name (and ``"therapy_minutes"``, ``"medications"``) to the
    character spans ``(start, end, text)`` of the words that gave it, for a coder to check.
    """

    medication: bool = False
    action: bool = False
    response: bool = False
    side_effects: bool = False
    adherence: bool = False
    rationale: bool = False
    not_performed: bool = False
    therapy_minutes: int | None = None
    medications: list[str] = field(default_factory=list)
    evidence: Evidence = field(default_factory=dict)

    def to_dict(self, evidence: bool = False) -> dict[str, Any]:
        """The spec section 3 JSON object; with ``evidence=True`` spans go under ``"evidence"``."""
        out: dict[str, Any] = {name: getattr(self, name) for name in ELEMENTS}
        out["therapy_minutes"] = self.therapy_minutes
        out["medications"] = list(self.medications)
        if evidence:  # only for elements that are true: the words that decided them
            out["evidence"] = {
                k: [[s, e, t] for s, e, t in v]
                for k, v in self.evidence.items()
                if v and (k not in out or (out[k] is not None and out[k] is not False))
            }
        return out
