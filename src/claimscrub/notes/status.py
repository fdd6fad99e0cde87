"""Status of a drug mention beyond ConText: past trials dated in the past, someone's leftover
pills, drugs named only as examples of a class in teaching. Read on the mention's sentence.

A mention is kept current when its sentence also carries a present cue ("now", "currently",
"continue", "today"), so "started 2019, continue 100 mg" stays current.
"""

from __future__ import annotations

import re

from ._text import Segment
from .drugs import Mention

_STOP_OR_TRIAL = re.compile(
    r"\b(?:stopped|discontinued|d/c'?d|came off|went off|tapered off|weaned off|failed|tried|trialed|"
    r"had (?:him|her|them) on|suggested|proposed|was on|were on)\b"
)
_PAST_ANCHOR = re.compile(
    r"\b(?:(?:19|20)\d\d|years ago|previous(?:ly)?|prior|in the past|last year|years? back|"
    r"as a (?:teen|child|teenager))\b"
)
_PRESENT = re.compile(
    r"\b(?:now|currently|today|continue\w*|cont|resum\w*|restart\w*|current|still|remains? on|"
    r"taking|takes|start(?:ing)?|increase|decrease|refill\w*|plan)\b"
)
_LEFTOVER = re.compile(r"\b(?:leftover|left-over|old|expired|unused)\s+(?:\w+\s+){0,2}$")
_EXAMPLES = re.compile(
    r"\b(?:such as|e\.g\.|including|like|options?(?: include| are)?|medications? (?:used )?for|"
    r"agents? for|drugs? for)\b[^.;]{0,60}$"
)
_TEACHING = re.compile(r"\b(?:psychoeducation|education|educat\w*|explained|reviewed|options?|handout)\b")


def not_current(m: Mention, seg: Segment, others_in_seg: int) -> bool:
    """Is this (ConText-current) mention a past trial, someone's leftover or a class example?"""
    text = seg.text
    pos = m.start - seg.start
    before = text[:pos]
    if _LEFTOVER.search(before[-30:]):
        return True
    if _STOP_OR_TRIAL.search(text) and _PAST_ANCHOR.search(text) and not _PRESENT.search(text):
        return True
    return others_in_seg >= 2 and bool(_EXAMPLES.search(before)) and bool(_TEACHING.search(text))
