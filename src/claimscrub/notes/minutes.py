"""Psychotherapy minutes from a note (docs/notes-minutes.md).

Two steps. :mod:`.timegrammar` finds every time expression (clock ranges, start/stop pairs,
durations in digits or words, fields such as "Psychotherapy minutes: 75"). Then each expression
gets a *purpose* from the words around it: psychotherapy, a session of a kind the note decides,
medication management, the whole visit, a call, monitoring, an in-session activity or a future
duration. Only psychotherapy time counts; split blocks are added and a medication-review portion
of a session is subtracted when the rest is psychotherapy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from . import timegrammar
from ._text import Segment
from .timegrammar import MAX_MINUTES, TimeExpr, range_minutes

__all__ = ["MAX_MINUTES", "Candidate", "candidates", "range_minutes", "therapy_minutes"]

_FAMILIES = ("therapy", "session", "med", "visit", "call", "monitoring", "activity")
_COUNTED = ("therapy", "session", "generic")
_GENERIC = re.compile(r"\b(?:time|duration|length|start|stop|end|minutes|mins?|total time|actual)\b")
# E/M "counseling and coordination of care" is visit time, not psychotherapy
_EM_COUNSELING = re.compile(r"counsel(?:l)?ing\s*(?:and|/|&)\s*coordination(?:\s+of\s+care)?")
_GENERIC_FIELD = re.compile(r"^\s*(?:actual\s+)?(?:time|duration|length|minutes|mins?)\s*[:=-]?\s*$")
_BOUNDARY = re.compile(r"\.(?=\s)|[;!?|\n]|\s{3,}")
_PARTITIVE = re.compile(
    r"^\s*\)?\s*of (?:the |this |today's |a |an )?(?:\d+[- ]?min(?:ute)?s?\s+|[a-z-]+[- ]min(?:ute)?\s+)?"
    r"(?:visit|session|appointment|hour|time|encounter)\b"
)
_POINT = re.compile(r"\b(?:at|by|within|after|in|every|than|>|<)\s*(?:about|around|approx\.?|~)?\s*$")
_ADJECTIVE = re.compile(r"^\s*(?:long\s+)?([a-z][a-z/&-]*(?:\s+[a-z][a-z/&-]*)?)")
_JOIN = re.compile(r"^[\s,;:+&()/-]*(?:and|then|plus|\+|&)?[\s,;:()/-]*$")
# words right after a duration that say what it was: "22 minutes in psychotherapy",
# "30 minutes of the visit on CBT", "30 min psychotherapy"
_IMMEDIATE = re.compile(
    r"^\s*(?:(?:were|was)\s+(?:spent\s+)?(?:(?:in|on|of|doing)\s+)?|(?:spent\s+)?(?:in|on|of|doing)\s+)"
    r"((?:[a-z/&-]+\s*){1,3})"
)
# "(separate from E/M)", "separately identifiable from medication management": names what the
# time is NOT, so its words must not label the time
_NOT_THIS = re.compile(
    r"\b(?:separate(?:ly)?(?: identifiable)?|apart|distinct|excluding|exclusive of|not including|"
    r"in addition to|independent of)\s*(?:from\s+)?(?:the\s+)?[a-z/&-]+"
    r"(?:\s+(?:management|review|time|visit|portion))?"
    # "more than half in counseling/coordination": an E/M time statement, not psychotherapy time
    r"|\b(?:more than|over|greater than|>)\s*(?:half|50\s*%)[^.;]*"
)
_SESSION_NOUN = re.compile(r"[\s-]*(?:long\s+)?(?:(?:psycho)?therapy\s+)?sessions?\b")
_CHECKED = re.compile(r"[\[(]\s*[x\u2713\u2714]\s*[\])]\s*$")
_UNCHECKED = re.compile(r"\[\s*\]\s*$")  # an empty checkbox: "[ ] 53+ min"
_PLUS = re.compile(r"(?:\+|\bplus|\band then)\s*$")  # "25 min (alone) + 10 min (with spouse)"
_BLOCK = re.compile(r"\b(?:portions?|blocks?|parts?)\b")
_ADD = re.compile(r"\b(?:another|additional|second|2nd|further|again)\b")
_PAST = re.compile(r"\b(?:spent|was|were|lasted|met|provided|held|conducted|today)\b")
_EM_CODE = re.compile(r"\b99(?:20[1-5]|21[1-5])\b|\b9083[368]\b|\badd-?on\b")
_THERAPY_CODE = re.compile(r"\b(?:9083[247]|90839|9084[679]|90853)\b")


@dataclass(slots=True)
class Candidate:
    """A time expression and what it measures (``label``); ``start``/``end`` are note offsets."""

    start: int
    end: int
    text: str
    minutes: int
    kind: str  # "range", "duration" or "field"
    label: str  # therapy / session / med / visit / call / monitoring / activity / future / generic / none
    portion: bool = False  # "first 15 minutes ...": a part of a longer span
    add: bool = False  # a further block of the one before ("+ 10:32-10:45", "another 15 min")
    span: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class _Cues:
    family: dict[str, re.Pattern[str]]
    any_family: re.Pattern[str]
    future: re.Pattern[str]
    frequency_after: re.Pattern[str]
    moment_after: re.Pattern[str]
    portion: re.Pattern[str]
    remainder: re.Pattern[str]
    remainder_therapy: re.Pattern[str]
    med_title: re.Pattern[str]


def _words(items: list[str]) -> str:
    return r"(?<![a-z0-9])(?:" + "|".join(items) + r")(?![a-z0-9])"


@cache
def _cues() -> _Cues:
    raw: dict[str, Any] = yaml.safe_load(
        resources.files("claimscrub.data").joinpath("note_minutes.yaml").read_text(encoding="utf-8")
    )
    fam = {k: re.compile(_words(raw[k])) for k in _FAMILIES}
    named = "|".join(f"(?P<{k}>{_words(raw[k])})" for k in _FAMILIES)
    rem = _words(raw["remainder"])
    return _Cues(
        fam,
        re.compile(named),
        re.compile(_words(raw["future"])),
        re.compile(r"^\W{0,4}" + _words(raw["frequency_after"])),
        re.compile(r"^\W{0,4}" + _words(raw["moment_after"])),
        re.compile(_words(raw["portion"]) + r"\s*(?:~|about|approx\.?)?\s*$"),
        re.compile(rem),
        re.compile(rem + r"[^.\n]{0,40}?" + _words(raw["therapy"])),
        re.compile(_words(raw["med_title"])),
    )


def _nearest(C: _Cues, text: str, last: bool = True) -> str | None:
    """Family of the cue nearest the end (``last``) or the start of ``text``."""
    found = None
    for m in C.any_family.finditer(text):
        found = m.lastgroup
        if not last:
            return found
    return found


def _label_start(low: str, pos: int, floor: int) -> tuple[int, str]:
    """Start of the words that label the expression at ``pos`` and the boundary that ended them."""
    start, kind = max(floor, pos - 90), ""
    for m in _BOUNDARY.finditer(low, start, pos):
        start, kind = m.end(), m.group()
    return start, kind


def _previous_field(low: str, pos: int) -> str:
    """The field name of the segment before a column break ("Visit: ... | 2:00-3:00 PM")."""
    seg_start, _ = _label_start(low, pos, low.rfind("\n", 0, pos) + 1)
    seg = low[seg_start:pos]
    return seg.split(":", 1)[0] if ":" in seg else ""


def _purpose(C: _Cues, low: str, e: TimeExpr, prev: TimeExpr | None) -> tuple[str, bool, bool]:
    """(purpose, portion, add) of one expression from the words around it."""
    line_start = low.rfind("\n", 0, e.start) + 1
    floor = line_start
    if prev is not None and prev.end > floor:
        floor = prev.end
    lab_start, boundary = _label_start(low, e.start, floor)
    lab = _EM_COUNSELING.sub(" visit ", _NOT_THIS.sub(" ", low[lab_start : e.start]))
    point = _POINT.search(lab) is not None  # "at 40 min", "within 15 min": a moment, not a length
    head = low[e.start : e.end]
    if e.kind == "range" and not head[:1].isdigit():
        lab += " " + re.split(r"\d", head, maxsplit=1)[0]  # "call start", "session start"
    stop = len(low)
    b = _BOUNDARY.search(low, e.end)
    if b is not None:
        stop = b.start()
    after = _NOT_THIS.sub(" ", low[e.end : min(stop, e.end + 60)])

    between = low[prev.end : e.start] if prev is not None and prev.end >= line_start else None
    add = between is not None and bool(_JOIN.match(between) or _ADD.search(lab))
    portion = bool(C.portion.search(lab[-20:]))

    if e.estimate or _UNCHECKED.search(lab):
        return "activity", portion, add
    if _CHECKED.search(lab):  # "Duration: [ ] 30 min [x] 45 min": the field's purpose
        field = low[line_start : e.start].split(":", 1)[0] if ":" in low[line_start : e.start] else ""
        return (_nearest(C, field) or "generic"), portion, False
    hyphen = re.search(r"-\s*(?:minutes?|mins?|hours?|hrs?)\s*$", head)
    if hyphen:  # "a 30-min slot", "10-minute call": the noun says what it is
        m = _ADJECTIVE.match(after)
        noun_family = _nearest(C, m.group(1), last=False) if m else None
        if C.future.search(lab):
            return "future", portion, add
        if noun_family in ("therapy", "session", "med", "call", "visit", "monitoring"):
            return noun_family, portion, add
        return "activity", portion, add
    if e.kind != "range" and _SESSION_NOUN.match(after) and not C.future.search(lab):
        return "session", portion, add  # "a 50 min session"
    if C.frequency_after.search(after) or (e.kind != "range" and C.moment_after.search(after)):
        return "activity", portion, add
    if point and not portion:
        return "activity", portion, add
    if C.future.search(lab) and not _PAST.search(lab):
        return "future", portion, add
    if portion:  # "first 15 min medication review", "med review (first 15 min)"
        fam = _nearest(C, _PARTITIVE.sub("", after), last=False) or _nearest(C, lab)
        return ("med" if fam == "med" else "activity"), True, add

    adds = list(_ADD.finditer(lab))
    m_add = adds[-1] if adds else None
    if m_add is not None:  # "then after a break to call ..., another 15 minutes": a further block
        add = True
        lab = lab[m_add.end() :]
    rest = _PARTITIVE.sub("", after)
    near = _IMMEDIATE.match(rest)
    fam = _nearest(C, near.group(1), last=False) if near else None
    if fam is None and e.kind != "range" and C.family["therapy"].match(rest.lstrip()):
        fam = "therapy"  # "30 minutes psychotherapy"
    if fam is None:
        field, value = lab.rsplit(":", 1) if ":" in lab else ("", lab)
        fam = _nearest(C, value) or _nearest(C, field)
    bare = not lab.strip() or _GENERIC_FIELD.match(lab) is not None  # "... | Time: 25 min"
    if fam is None and boundary.strip() in ("|", "") and bare and m_add is None:
        fam = _nearest(C, _previous_field(low, lab_start - 1)) if lab_start > line_start else None
    if (
        fam is None
        and prev is not None
        and between is not None
        and (_JOIN.match(between) or m_add or _PLUS.search(between))
    ):
        return "inherit", portion, True
    if fam is None:
        fam = _nearest(C, rest, last=False)
    if fam is None:
        own_field = ":" in lab or _GENERIC.search(lab) is not None  # "| Actual: 2:10-2:50"
        if e.kind == "range" and prev is not None and prev.kind == "range" and prev.end >= line_start:
            if not own_field:
                return "inherit", portion, True
        generic = e.kind in ("range", "field") or _GENERIC.search(lab) is not None
        return ("generic" if generic else "none"), portion, add
    if fam == "session":
        if C.family["therapy"].search(lab):
            fam = "therapy"  # "EMDR session", "DBT individual session"
        if _BLOCK.search(lab):
            add = True  # "Block 2: ...", "caregiver portion: 20 min"
    return fam, portion, add


def candidates(segs: list[Segment], text: str, low: str | None = None) -> list[Candidate]:
    """Every time expression in the note with its purpose."""
    if low is None:
        from ._text import normalise

        low = normalise(text)
    C = _cues()
    out: list[Candidate] = []
    prev: TimeExpr | None = None
    for e in timegrammar.find(low, text):
        label, portion, add = _purpose(C, low, e, prev)
        if label == "inherit":
            label = out[-1].label if out else "none"
            if out and e.minutes == out[-1].minutes:
                add = False  # "09:10-11:10 (2 hours)" restates the range
        out.append(
            Candidate(e.start, e.end, text[e.start : e.end], e.minutes, e.kind, label, portion, add, e.span)
        )
        prev = e
    return out


def _therapy_note(low: str, given: bool) -> str | None:
    """Is this a psychotherapy-only note, whose session time is psychotherapy time?

    "titled" when its title or billing says so, "given" when only the caller thinks so (then a
    bare "total time" is not taken as the session), None when it is not.
    """
    C = _cues()
    line = re.split(r"[.;]\s", low.lstrip().split("\n", 1)[0][:160], maxsplit=1)[0]
    title = " ".join(line.split()[:5])  # a header names its kind first: "ERP session #6", "Couples therapy"
    if C.med_title.search(line) or _EM_CODE.search(low):
        return None
    if C.family["therapy"].search(title) or C.family["session"].search(title) or _THERAPY_CODE.search(low):
        return "titled"
    return "given" if given else None


def _union(spans: list[tuple[int, int]]) -> int:
    total, cur = 0, None
    for s, e in sorted(spans):
        if cur is None or s > cur[1]:
            if cur is not None:
                total += cur[1] - cur[0]
            cur = [s, e]
        else:
            cur[1] = max(cur[1], e)
    if cur is not None:
        total += cur[1] - cur[0]
    return total


def _combine(chosen: list[Candidate]) -> int | None:
    """Blocks added, restatements of one length counted once."""
    spans = [c.span for c in chosen if c.kind == "range" and c.span is not None]
    durs = [c for c in chosen if c.kind != "range"]
    if spans:
        total = _union(spans)
        return total + sum(d.minutes for d in durs if d.add and d.minutes != total)
    if not durs:
        return None
    values: list[int] = []
    for d in durs:
        if values and d.minutes == sum(values) and (len(values) > 1 or not d.add):
            continue  # "20 + 15 min ... 35 min in all", or the same length said twice
        if values and not d.add:
            continue  # a later length of the same thing without "another"/"block 2"
        values.append(d.minutes)
    return sum(values)


def _remainder_stated(C: _Cues, low: str) -> bool:
    return C.remainder_therapy.search(low) is not None


def therapy_minutes(
    segs: list[Segment], text: str, therapy_only: bool, low: str | None = None
) -> tuple[int | None, list[Candidate]]:
    """Psychotherapy minutes (or None) and the expressions that produced them.

    ``therapy_only`` is the caller's guess that this is a psychotherapy-only note; the note's own
    title and billing codes can overrule it.
    """
    if low is None:
        from ._text import normalise

        low = normalise(text)
    cands = candidates(segs, text, low)
    if not cands:
        return None, []
    C = _cues()
    counted = [c for c in cands if not c.portion or c.label != "med"]
    therapy = [c for c in counted if c.label == "therapy"]
    med_parts = [c for c in cands if c.label == "med" and c.portion]
    if therapy:
        total = _combine(therapy)
        span = [c for c in therapy if c.kind == "range"]
        if med_parts and total is not None and len(span) == len(therapy) == 1:
            return _subtract(span[0], med_parts)  # "Psychotherapy 1:00-1:50, first 15 min med review"
        return _result(total, therapy)
    kind = _therapy_note(low, therapy_only)
    if med_parts:
        labels = ["session"]
        if kind or _remainder_stated(C, low):
            labels += ["generic", "visit"]  # "total 45 min, first 10 med review, remainder psychotherapy"
        for c in counted:
            if c.label in labels and not c.portion:
                return _subtract(c, med_parts)
        return None, []
    if kind:  # the session's own length; a "total time" only when nothing else is given
        for labels in (_COUNTED, ("visit",)) if kind == "titled" else (_COUNTED,):
            chosen = [c for c in counted if c.label in labels and not c.portion]
            if chosen:
                return _result(_combine(chosen), chosen)
    return None, []


def _subtract(container: Candidate, parts: list[Candidate]) -> tuple[int | None, list[Candidate]]:
    minus = sum({c.minutes for c in parts})
    if container.minutes <= minus:
        return None, []
    return _result(container.minutes - minus, [container, *parts])


def _result(total: int | None, used: list[Candidate]) -> tuple[int | None, list[Candidate]]:
    if total is None or not 0 < total <= MAX_MINUTES:
        return None, []
    return total, used
