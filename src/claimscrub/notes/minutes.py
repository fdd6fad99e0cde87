"""Psychotherapy minutes from a note: start-stop times, durations in digits or words, split
blocks added, a medication-management portion of a session subtracted, visit/total/med-check
times and future or activity durations ignored (see the notes README conventions)."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

from ._text import Segment
from .lexicon import lexicon, words

MAX_MINUTES = 600

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "a": 1,
    "an": 1,
    "a half": 0.5,
    "half an": 0.5,
    "half a": 0.5,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_ONES = "one|two|three|four|five|six|seven|eight|nine"
_NUM = (
    r"(?:\d{1,3}(?:\.\d+)?|(?:" + "|".join(_TENS) + r")(?:[- ](?:" + _ONES + r"))?|"
    r"half an?|a half|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|"
    r"nineteen|ten|" + _ONES + r"|an?)"
)
_HOURS = r"(?:hours?|hrs?\.?|h)"
_MINS = r"(?:minutes?|mins?\.?|m)"
_DURATION = re.compile(
    rf"(?<![\w:/.-])(?:(?P<h>{_NUM})\s*(?:-\s*)?{_HOURS}(?:\s*(?:and\s+|&\s*)?(?P<hm>{_NUM})\s*{_MINS})?"
    rf"|(?P<hh>\d{{1,2}})h(?P<hhm>\d{{2}})m?"
    rf"|(?P<m>{_NUM})\s*(?:-\s*)?{_MINS}(?:ute)?"
    r"|(?P<q>\d{1,3})'(?!['\w]|\s*\d))(?![\w])"
)
_RANGE_DUR = re.compile(rf"\d{{1,3}}\s*(?:-|to)\s*{_NUM}\s*(?:-\s*)?(?:{_MINS}|{_HOURS})\b")
_CLOCK = r"(?P<{n}h>\d{{1,2}})(?:[:.](?P<{n}m>\d{{2}}))?\s*(?P<{n}s>[ap]\.?\s?m\.?|(?<=\d)[ap](?![a-z]))?"
_CLOCK24 = r"(?P<{n}h>[01]\d|2[0-3])(?P<{n}m>[0-5]\d)"
_RANGE = re.compile(
    r"(?<![\w:/.])(?:from\s+)?"
    + _CLOCK.format(n="a")
    + r"\s*(?:-+|to|until|till|through|thru)\s*"
    + _CLOCK.format(n="b")
    + r"(?![\w/]|:\d)"
)
_RANGE24 = re.compile(
    r"(?<![\w:/.])"
    + _CLOCK24.format(n="a")
    + r"\s*(?:-+|to)\s*"
    + _CLOCK24.format(n="b")
    + r"\s*(?:hrs?|h)?(?![\w:/])"
)
_START_STOP = re.compile(
    r"\b(?:start(?:ed)?|began|begin|time in|from)\s*(?:time)?\s*(?:at|:|-|=)?\s*"
    + _CLOCK.format(n="a")
    + r"[^0-9\n]{0,40}?\b(?:stop(?:ped)?|end(?:ed)?|finish(?:ed)?|time out|until|concluded|to)"
    + r"\s*(?:time)?\s*(?:at|:|-|=)?\s*"
    + _CLOCK.format(n="b")
)


_START_STOP24 = re.compile(
    r"\b(?:start(?:ed)?|began|begin|time in|from)\s*(?:time)?\s*(?:at|:|-|=)?\s*"
    + _CLOCK24.format(n="a")
    + r"\b[^0-9\n]{0,40}?\b(?:stop(?:ped)?|end(?:ed)?|finish(?:ed)?|time out|until|concluded|to)"
    + r"\s*(?:time)?\s*(?:at|:|-|=)?\s*"
    + _CLOCK24.format(n="b")
    + r"\b"
)
# "total 60 min of which 20 min E/M; remainder psychotherapy"
_REMAINDER = re.compile(
    r"[^.\n]{0,20}?\b(?:remainder|remaining(?: time)?|rest|balance)\b[^.\n]{0,25}?"
    r"\b(?:psycho-?therapy|therapy|counsel(?:l)?ing)"
)


_LABELED_PAIR = re.compile(
    r"\b(?:start(?:ed)?|began|begin|time in|session start|in)\s*(?:time)?\s*(?:at|:|-|=)\s*"
    + _CLOCK.format(n="a")
    + r"[^0-9]{0,60}?\b(?:stop(?:ped)?|end(?:ed)?|finish(?:ed)?|time out|session end|out)"
    + r"\s*(?:time)?\s*(?:at|:|-|=)\s*"
    + _CLOCK.format(n="b")
)


_MAYBE_TIME = re.compile(
    r"min|hour|hr|\d(?:\s*h\b|h\d|[:.]\d\d|\s*[ap]\.?\s?m\b|'|"
    r"\d{3}(?:\s*(?:-|to)\s*\d{4}|,?\s+(?:end|stop|finish|until|conclud)))"
)


_HAS_CLOCK = re.compile(r"\d[:.]\d\d|\d\s*[ap]\.?\s?m\b")
_HAS_24 = re.compile(r"\d{4}(?:\s*(?:-|to)\s*\d{4}|,?\s+(?:end|stop|finish|until|conclud))")
_PAIR_SCREEN = re.compile(r"\b(?:out|stop|end|ended|stopped|finish|finished)\b")


@dataclass(slots=True)
class Candidate:
    start: int
    end: int
    text: str
    minutes: int
    kind: str  # "range" or "duration"
    label: str  # therapy / session / med / total / generic / activity / none
    portion: bool = False  # "first 15 minutes ..." style part of a session
    add: bool = False  # preceded by an add cue ("another 15 min")


@dataclass(frozen=True, slots=True)
class _Rx:
    therapy: re.Pattern[str]
    session: re.Pattern[str]
    med: re.Pattern[str]
    total: re.Pattern[str]
    generic: re.Pattern[str]
    activity: re.Pattern[str]
    future: re.Pattern[str]
    add: re.Pattern[str]
    subtract: re.Pattern[str]


@cache
def _rx() -> _Rx:
    mx = lexicon()["minutes"]
    return _Rx(
        *(
            re.compile(words(mx[k]))
            for k in (
                "therapy_explicit",
                "session",
                "med",
                "total",
                "generic",
                "activity",
                "future",
                "add_cues",
                "subtract_cues",
            )
        )
    )


def _num(s: str | None) -> float:
    if not s:
        return 0.0
    s = s.strip().lower()
    if s[0].isdigit():
        return float(s)
    if s in _UNITS:
        return float(_UNITS[s])
    parts = re.split(r"[- ]", s)
    total = 0.0
    for p in parts:
        total += _TENS.get(p, 0) + _UNITS.get(p, 0)
    return total


def _clock(h: str, m: str | None, suf: str | None) -> tuple[int, bool]:
    hour = int(h)
    minute = int(m) if m else 0
    if suf:
        pm = suf.replace(".", "").replace(" ", "").startswith("p")
        hour = hour % 12 + (12 if pm else 0)
        return hour * 60 + minute, True
    return hour * 60 + minute, False


def range_minutes(
    ah: str, am: str | None, as_: str | None, bh: str, bm: str | None, bs: str | None
) -> int | None:
    """Minutes between two clock times; handles am/pm on one side, noon and 24-hour clocks."""
    if int(ah) > 23 or int(bh) > 23 or (am and int(am) > 59) or (bm and int(bm) > 59):
        return None
    if not am and not bm and not as_ and not bs:
        return None  # "2-3" is not a time range
    b, b_has = _clock(bh, bm, bs)
    a, a_has = _clock(ah, am, as_ or bs)
    if not as_ and bs:
        # start without am/pm: take the reading that gives a plausible duration
        alt_a, _ = _clock(ah, am, "am" if bs.startswith("p") else "pm")
        options = [(b - x) % 1440 for x in (a, alt_a)]
        diff = min(o for o in options if o > 0) if any(o > 0 for o in options) else 0
    else:
        diff = b - a
        if diff <= 0 and not (a_has and b_has):
            diff += 720
            if diff <= 0:
                diff += 720
        elif diff <= 0:
            diff += 1440
    return diff if 0 < diff <= MAX_MINUTES else None


def _nearest_label(R: _Rx, text: str, s: int, e: int) -> str:
    """Label from the nearest keyword before (within 60 chars) or after (within 35 chars).

    A bare "time"/"duration" word only labels a number when no specific keyword is near.
    """
    best: tuple[int, str] | None = None
    before = text[max(0, s - 60) : s]
    after = text[e : e + 35]
    for label, pat in (
        ("activity", R.activity),
        ("med", R.med),
        ("total", R.total),
        ("session", R.session),
        ("therapy", R.therapy),
    ):
        for m in pat.finditer(before):
            d = len(before) - m.end()
            if best is None or d < best[0] or (d == best[0] and label in ("therapy", "med")):
                best = (d, label)
        m2 = pat.search(after)
        if m2:
            d = m2.start() + 2  # a keyword after the number is slightly less binding
            if best is None or d < best[0]:
                best = (d, label)
    if best is not None:
        return best[1]
    return "generic" if R.generic.search(before) or R.generic.search(after) else "none"


def _adjectival_noun(text: str, e: int) -> str | None:
    m = re.match(r"\s*(?:long\s+)?([a-z][a-z/-]*)", text[e:])
    return m.group(1) if m else None


def candidates(segs: list[Segment], text: str, low: str | None = None) -> list[Candidate]:
    R = _rx()
    out: list[Candidate] = []
    hits = [m.start() for m in _MAYBE_TIME.finditer(low)] if low is not None else None
    for seg in segs:
        if hits is not None:
            k = bisect_left(hits, seg.start)
            if k == len(hits) or hits[k] >= seg.end:
                continue
        for cs, ce, ctext in seg.clauses():
            if hits is not None:
                k = bisect_left(hits, cs)
                if k == len(hits) or hits[k] >= ce:
                    continue
            elif not _MAYBE_TIME.search(ctext):
                continue
            taken: list[tuple[int, int]] = []
            clock = _HAS_CLOCK.search(ctext) is not None
            for pat in (_START_STOP, _RANGE, _START_STOP24, _RANGE24):
                is24 = pat is _RANGE24 or pat is _START_STOP24
                if not clock and not is24:
                    continue
                if is24 and not _HAS_24.search(ctext):
                    continue
                for m in pat.finditer(ctext):
                    if any(s < m.end() and m.start() < e for s, e in taken):
                        continue
                    g = m.groupdict()
                    mins = range_minutes(g["ah"], g.get("am"), g.get("as"), g["bh"], g.get("bm"), g.get("bs"))
                    if mins is None:
                        continue
                    if is24 and not (R.therapy.search(ctext) or R.session.search(ctext)):
                        continue
                    taken.append((m.start(), m.end()))
                    label = _nearest_label(R, ctext, m.start(), m.end())
                    line_text = seg.text
                    if label in ("none", "generic") and (
                        R.therapy.search(line_text) or R.session.search(line_text)
                    ):
                        label = "session"
                    if label == "activity" and (
                        R.therapy.search(ctext[: m.start()][-25:])
                        or R.session.search(ctext[: m.start()][-25:])
                    ):
                        label = "session"
                    out.append(
                        Candidate(
                            cs + m.start(),
                            cs + m.end(),
                            text[cs + m.start() : cs + m.end()],
                            mins,
                            "range",
                            label,
                        )
                    )
            for m in _RANGE_DUR.finditer(ctext):
                taken.append((m.start(), m.end()))
            for m in _DURATION.finditer(ctext):
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                g = m.groupdict()
                if g["q"]:
                    mins = int(g["q"])
                elif g["hh"]:
                    mins = int(g["hh"]) * 60 + int(g["hhm"])
                elif g["h"]:
                    if g["h"].strip() in ("m",):
                        continue
                    mins = round(_num(g["h"]) * 60 + _num(g["hm"]))
                else:
                    if m.group().strip().endswith("m") and not re.search(r"\d\s*m$", m.group().strip()):
                        pass
                    if re.fullmatch(rf"{_NUM}\s*m", m.group().strip()) and not m.group().strip()[0].isdigit():
                        continue
                    mins = round(_num(g["m"]))
                if not 0 < mins <= MAX_MINUTES:
                    continue
                raw = m.group()
                prefix = ctext[: m.start()]
                label = _nearest_label(R, ctext, m.start(), m.end())
                if "-" in raw.strip()[1:] or re.search(r"-\s*(?:minute|min|hour|hr)", raw):
                    noun = _adjectival_noun(ctext, m.end())
                    if noun and not (
                        R.therapy.match(noun)
                        or R.session.match(noun)
                        or noun.startswith(("psycho", "therap", "session", "individual"))
                    ):
                        label = "activity"
                local = prefix[_last_break(prefix) :]
                if (
                    R.future.search(local[-45:])
                    or re.search(r"\bin\s*$", prefix)
                    or re.search(
                        r"\b(?:for|within|after|every|per|each)\s+(?:the\s+)?(?:next|first\s+)?$",
                        prefix[-15:],
                    )
                    and label not in ("therapy", "session", "med")
                ):
                    if not re.search(
                        r"\b(?:spent|was|were|lasted|total|met|seen|saw|spoke|talked|ran|conducted|provided|held)\b",
                        local[-45:],
                    ):
                        label = "future"
                if re.match(
                    r"\s*(?:late|early|ago|prior|before|after|later|of (?:sleep|exercise|walking))\b",
                    ctext[m.end() :],
                ):
                    label = "activity"
                if re.match(
                    r"\W{0,3}(?:nightly|daily|each (?:day|night|morning|evening)|"
                    r"per (?:day|night|week)|a day|a night|weekly|twice|x/|\d+x)",
                    ctext[m.end() :],
                ):
                    label = "activity"
                portion = bool(R.subtract.search(prefix[-25:])) or bool(
                    re.match(r"\s*(?:of|were|was)\b", ctext[m.end() :]) and label == "med"
                )
                add = bool(R.add.search(prefix[-20:]))
                out.append(
                    Candidate(
                        cs + m.start(),
                        cs + m.end(),
                        text[cs + m.start() : cs + m.end()],
                        mins,
                        "duration",
                        label,
                        portion,
                        add,
                    )
                )
    return out


def _paired(low: str, text: str, cands: list[Candidate]) -> list[Candidate]:
    """Start and stop times given as separate labelled fields ("Time in: ... Time out: ...")."""
    R = _rx()
    out: list[Candidate] = []
    for m in _LABELED_PAIR.finditer(low):
        if any(c.kind == "range" and c.start < m.end() and m.start() < c.end for c in cands):
            continue
        g = m.groupdict()
        mins = range_minutes(g["ah"], g.get("am"), g.get("as"), g["bh"], g.get("bm"), g.get("bs"))
        if mins is None:
            continue
        line_start = low.rfind("\n", 0, m.start()) + 1
        ctx = low[max(0, line_start - 200) : m.end()]
        label = "session" if (R.therapy.search(ctx) or R.session.search(ctx)) else "generic"
        if R.med.search(low[line_start : m.start()]) or R.total.search(low[line_start : m.start()]):
            label = "total"
        out.append(Candidate(m.start(), m.end(), text[m.start() : m.end()], mins, "range", label))
    return out


def _inherit_add(cands: list[Candidate]) -> None:
    """'another 15 minutes' continues the kind of block that came just before it."""
    for prev, cur in zip(cands, cands[1:], strict=False):
        if cur.add and cur.kind == "duration" and prev.label in ("therapy", "session", "med"):
            if cur.label not in ("therapy", "session", "med") and cur.start - prev.end < 250:
                cur.label = prev.label


def _last_break(prefix: str) -> int:
    last = 0
    for m in re.finditer(r"[,:(]|\s-\s", prefix):
        last = m.end()
    return last


def therapy_minutes(
    segs: list[Segment], text: str, therapy_only: bool, low: str | None = None
) -> tuple[int | None, list[Candidate]]:
    """Psychotherapy minutes and the candidates that produced them."""
    if low is None:
        from ._text import normalise

        low = normalise(text)
    cands = candidates(segs, text, low)
    if _PAIR_SCREEN.search(low):
        cands += _paired(low, text, cands)
    _inherit_add(cands)
    therapy = [c for c in cands if c.label == "therapy"]
    session = [c for c in cands if c.label == "session"]
    meds = [c for c in cands if c.label == "med" and c.kind == "duration"]
    generic = [c for c in cands if c.label in ("generic", "none")]
    remainder = _remainder(low, cands)
    if remainder is not None and not therapy:
        return remainder
    if therapy:
        chosen = therapy
        subtract: list[Candidate] = []
    elif session:
        chosen = session
        subtract = [c for c in meds if c.portion or c.label == "med"]
    elif therapy_only and generic:
        chosen = generic
        subtract = [c for c in meds if c.portion]
    else:
        return None, []
    total = _combine(chosen)
    if total is None:
        return None, []
    used = list(chosen)
    if subtract and (any(c.kind == "range" for c in chosen) or len(chosen) == 1):
        minus = sum({c.minutes for c in subtract})
        if 0 < total - minus:
            total -= minus
            used += subtract
    if not 0 <= total <= MAX_MINUTES:
        return None, []
    return total, used


def _remainder(low: str, cands: list[Candidate]) -> tuple[int, list[Candidate]] | None:
    """A total with a medication portion taken out and the rest called psychotherapy."""
    for tot, part in zip(cands, cands[1:], strict=False):
        if tot.label not in ("total", "generic", "none") or part.label != "med" or not part.portion:
            continue
        if part.start - tot.end > 40 or not _REMAINDER.match(low, part.end):
            continue
        if 0 < tot.minutes - part.minutes:
            return tot.minutes - part.minutes, [tot, part]
    return None


def _combine(chosen: list[Candidate]) -> int | None:
    ranges = [c for c in chosen if c.kind == "range"]
    durs = [c for c in chosen if c.kind == "duration"]
    if ranges:
        seen: set[tuple[int, str]] = set()
        total = 0
        for c in ranges:
            key = (c.minutes, re.sub(r"\s+", "", c.text.lower()))
            if key in seen:
                continue
            seen.add(key)
            total += c.minutes
        extra = [d for d in durs if d.add and d.minutes not in {r.minutes for r in ranges}]
        return total + sum(d.minutes for d in extra)
    if not durs:
        return None
    first = durs[0].minutes
    total = first
    values = [first]
    for d in durs[1:]:
        if d.add and (d.minutes not in values or d.add):
            total += d.minutes
            values.append(d.minutes)
        elif d.minutes == total:
            continue
    if len(durs) > 1 and not any(d.add for d in durs[1:]):
        distinct = sorted({d.minutes for d in durs})
        if len(distinct) > 1 and max(distinct) == sum(distinct) - max(distinct):
            return max(distinct)  # "20 + 15 min ... 35 min total"
    return total
