"""A small grammar of time expressions in notes: clock ranges, start/stop pairs, durations.

Works on the normalised lower-case text (same offsets as the note). It finds *how long*; what
the time measures is decided by :mod:`claimscrub.notes.minutes` from the words around it.
Every pattern is compiled once at import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_MINUTES = 600

_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "a": 1, "an": 1,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
         "seventy": 70, "eighty": 80, "ninety": 90}  # fmt: skip
_ONES = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_WORDNUM = rf"(?:(?:{'|'.join(_TENS)})(?:[- ]?(?:{_ONES}))?|{_TEENS}|{_ONES})"
_NUM = rf"(?:\d{{1,3}}(?:\.\d+)?|\.\d+|{_WORDNUM})"
_MIN_UNIT = r"(?:minutes?|mins?\.?|minutos?)"
_MIN_AFTER_HOUR = r"(?:minutes?|mins?\.?|m(?=[\s.,;:)/]|$))"
_HOUR_UNIT = r"(?:hours?|hrs?\.?|h(?=[\s.,;:)/]|$))"

_DURATION = re.compile(
    r"(?<![\w:/.'-])(?:"
    # 1 hr 5 min, one hour and ten minutes, 1h 10m
    rf"(?P<h>(?:{_NUM}|an?)(?:\s+and\s+a\s+half)?|half an?|a half)\s*-?\s*{_HOUR_UNIT}"
    r"(?P<hhalf>\s+and\s+a\s+half)?"
    rf"(?:\s*(?:and\s+|&\s*|,\s*)?(?P<hm>{_NUM})\s*-?\s*{_MIN_AFTER_HOUR})?"
    # 1h05, 1h05m
    r"|(?P<hh>\d)h(?P<hhm>[0-5]\d)m?"
    # half an hour / a half hour / half-hour
    r"|(?P<half>half an? hour|a half[- ]hour|half[- ]hour)"
    # thirty-eight (38) minutes
    rf"|{_WORDNUM}\s*\((?P<pd>\d{{1,3}})\)\s*{_MIN_UNIT}"
    # 25 minutes, fifty-five minutes, 25-minute, 25min, 53+ minutes
    rf"|(?P<m>{_NUM})\+?\s*-?\s*{_MIN_UNIT}"
    # 53m (lower-case m only: "67M" is an age and sex)
    r"|(?P<lm>\d{1,3})m(?=[\s.,;:)]|$)"
    # 53' (a prime after a number is minutes)
    r"|(?P<q>\d{1,3})'(?![\w'])"
    r")(?![\w'])"
)
# "20 + 15 min", "30 + 20 minutes": split blocks written as a sum
_DURATION_SUM = re.compile(
    rf"(?<![\w:/.-])(?P<a>\d{{1,3}})\s*(?:{_MIN_UNIT})?\s*\+\s*(?P<b>\d{{1,3}})\s*-?\s*{_MIN_UNIT}(?!\w)"
)
# "20-30 min", "5 to 10 minutes": an estimate, never a documented session length
_DURATION_SPAN = re.compile(
    rf"(?<![\w:/.-])(?:\d{{1,3}}\s*(?:-|to|or)\s*\d{{1,3}}|{_WORDNUM}\s+(?:to|or)\s+{_WORDNUM})"
    rf"\s*-?\s*(?:{_MIN_UNIT}|{_HOUR_UNIT})(?!\w)"
)

# A clock time on one side of a range: 2:05, 2:05 pm, 2 pm, 2:00p, 14:05
_MERIDIEM = r"(?:\s*(?P<{n}s>[ap]\.?\s?m(?:\.(?=[\w,;)]))?|[ap])(?![a-z]))?"
_CLOCK = r"(?:(?P<{n}noon>noon)|(?P<{n}h>[01]?\d|2[0-3])(?:[:h](?P<{n}m>[0-5]\d))?" + _MERIDIEM + ")"
_CLOCK4 = r"(?P<{n}h>[01]\d|2[0-3])(?P<{n}m>[0-5]\d)"
_TO = r"\s*(?:-+|to|until|till|through|thru)\s*"
_HRS = r"(?:\s*(?:hrs?|h)\b)?"  # "14:00 hrs to 14:50 hrs", "1400h-1450h"
_RANGE = re.compile(
    r"(?<![\w/:.-])"
    + _CLOCK.format(n="a")
    + _HRS
    + _TO
    + _CLOCK.format(n="b")
    + r"(?![\w/]|[:.]\d|\s*(?:mg|%))"
)
_RANGE4 = re.compile(
    r"(?<![\w/:.-])" + _CLOCK4.format(n="a") + _HRS + _TO + _CLOCK4.format(n="b") + _HRS + r"(?![\w/:-]|\.\d)"
)

_PURPOSE_WORD = r"(?:(?:session|visit|appt|call|treatment|therapy|psychotherapy)\s+)?"
_START = r"start(?:ed|ing)?(?:\s+time)?|began|begin|time\s*in|in(?=\s*:)|arrived|connected|from"
_END = (
    r"end(?:ed|ing)?(?:\s+time)?|stop(?:ped)?(?:\s+time)?|finish(?:ed)?|time\s*out|out(?=\s*:)|"
    r"until|till|concluded|left(?:\s+with\s+[a-z ]{1,30}?)?|disconnected"
)
# A clock time named as the start or the end of something: "Time in: 1605", "ended at 10:55",
# "Session started late at 10:12". Starts and ends are paired in code, so text may sit between.
_LABELED_CLOCK = re.compile(
    r"\b" + _PURPOSE_WORD + rf"(?:(?P<start>{_START})|(?P<end>{_END}))"
    r"(?:\s+(?:late|early|promptly|on time))?\s*(?:at|:|-|=)?\s*"
    r"(?:" + _CLOCK4.format(n="x") + r"(?![\d:])|" + _CLOCK.format(n="a") + r")(?![\d:]|\s*-\s*\d)"
)
_PAIR_REACH = 250  # a stop time belongs to the start time before it within this many characters
# "Psychotherapy minutes: 75", "Time (min): 40": the unit is in the field name
_FIELD = re.compile(
    r"(?:minutes|mins?|min\.)(?:\s+(?:of\s+)?[a-z][a-z ]{0,25}?)?\)?\s*(?:[:=]|\s-)\s*(?P<n>\d{1,3})"
    r"(?![\d:.]|\s*(?:min|hr|h\b|%|mg|x\b|/))"
    # "Session length: 50", "Psychotherapy time: 38": a session field written without a unit
    r"|(?:session|therapy|psychotherapy)\s+(?:time|length|duration)\s*[:=]\s*(?P<n2>\d{2,3})"
    r"(?![\d:./-]|[ \t]*(?:[a-z%]|\d))"
)
# "Duration: 0:53", "Session length 1:05": hours and minutes of a length, not a clock time
_HMM = re.compile(
    r"\b(?:duration|length|time spent|total time|session time)\b[^\d\n]{0,12}?"
    r"(?P<h>\d{1,2}):(?P<m>[0-5]\d)(?![\d:]|\s*(?:[ap]\.?m\b|[ap]\b|-|to\b|until\b))"
)
# Cheap first pass: where a time expression can be. The full patterns then run only in windows
# around these anchors (notes are mostly doses, dates and prose).
_ANCHOR = re.compile(
    r"(?P<clock>\d(?::[0-5]\d|h[0-5]\d|\s*[ap]\.?\s?m\b|\s*[ap](?![a-z])|\d\d\d(?<![/.]\d{4})(?!\d))|noon)"
    r"|(?P<unit>\d(?:\s*(?:h\b|hrs?\b|hours?\b|m\b|min|'|\+)|h\d)|minut[eo]|mins?\b|hour|hrs?\b|half"
    r"|(?:time|length|duration)\s*[:=]\s*(?=\d))"
)
# how far around an anchor a clock expression (with its labels) or a duration can reach
_CLOCK_REACH, _UNIT_BEFORE, _UNIT_AFTER = 48, 40, 24


@dataclass(slots=True)
class TimeExpr:
    """One time expression: where it is, how many minutes it spans and its form."""

    start: int
    end: int
    minutes: int
    kind: str  # "range" (two clock times), "duration", "field" (unit in the field name)
    span: tuple[int, int] | None = None  # clock minutes of a range (end may pass midnight)
    estimate: bool = False  # "20-30 min": a range of lengths, never counted


def number(word: str | None) -> float:
    """Value of a number written in digits or words ("fifty-five" -> 55)."""
    if not word:
        return 0.0
    w = word.strip().lower()
    if w[:1].isdigit() or w[:1] == ".":
        try:
            return float(w)
        except ValueError:
            return 0.0
    if w.startswith("half") or w == "a half":
        return 0.5
    total = 0.0
    if w.endswith("and a half"):
        w, total = w[: -len("and a half")].strip(), 0.5
        if w[:1].isdigit():
            return total + number(w)
    for part in re.split(r"[- ]+", w):
        total += _TENS.get(part, 0) + _SMALL.get(part, 0)
    return total


def _clock(h: str, m: str | None, suf: str | None) -> tuple[int, bool]:
    hour, minute = int(h), int(m) if m else 0
    if suf:
        pm = suf.lstrip()[0] == "p"
        return (hour % 12 + (12 if pm else 0)) * 60 + minute, True
    return hour * 60 + minute, False


def clock_span(
    ah: str, am: str | None, as_: str | None, bh: str, bm: str | None, bs: str | None
) -> tuple[int, int] | None:
    """(start, end) clock minutes of a range; end > start (a range may cross noon or midnight).

    A side without am/pm takes the reading that gives the shortest positive span, so
    "11:40-12:20", "11:50 am-12:50 pm" and "1:00 pm to 2:00 pm" all read as an hour or less.
    """
    if int(ah) > 23 or int(bh) > 23:
        return None
    if not (am or as_) or not (bm or bs):
        if not (bs and (am or as_ or int(ah) <= 12)):
            return None  # "2-3" alone is not a time range; "2-3 pm" is
    b, b_fixed = _clock(bh, bm, bs)
    a, a_fixed = _clock(ah, am, as_)
    starts = [a] if a_fixed or int(ah) > 12 else [a, (a + 720) % 1440]
    ends = [b] if b_fixed or int(bh) > 12 else [b, (b + 720) % 1440]
    best: tuple[int, int] | None = None
    for x in starts:
        for y in ends:
            d = (y - x) % 1440
            if 0 < d and (best is None or d < best[1] - best[0]):
                best = (x, x + d)
    if best is None or best[1] - best[0] > MAX_MINUTES:
        return None
    return best


def range_minutes(
    ah: str, am: str | None, as_: str | None, bh: str, bm: str | None, bs: str | None
) -> int | None:
    """Minutes between two clock times (am/pm on one side, noon, 24-hour clocks)."""
    span = clock_span(ah, am, as_, bh, bm, bs)
    return None if span is None else span[1] - span[0]


def _side(g: dict[str, str | None], n: str) -> tuple[str, str | None, str | None] | None:
    if g.get(n + "noon"):
        return "12", "00", "pm"
    h = g.get(n + "h")
    return None if h is None else (h, g.get(n + "m"), g.get(n + "s"))


def _span_of(g: dict[str, str | None], a: str, b: str) -> tuple[int, int] | None:
    sa, sb = _side(g, a), _side(g, b)
    if sa is None or sb is None:
        return None
    return clock_span(*sa, *sb)


def _year_like(h: str, m: str) -> bool:
    return 1950 <= int(h + m) <= 2099


def _duration_minutes(g: dict[str, str | None]) -> int:
    if g["q"]:
        return int(g["q"])
    if g["hh"]:
        return int(g["hh"]) * 60 + int(g["hhm"] or 0)
    if g["half"]:
        return 30
    if g["lm"]:
        return int(g["lm"])
    if g["pd"]:
        return int(g["pd"])
    if g["h"]:
        return round(number(g["h"]) * 60 + (30 if g["hhalf"] else 0) + number(g["hm"]))
    return round(number(g["m"]))


def _overlaps(taken: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(a < e and s < b for a, b in taken)


def _widen(windows: list[list[int]], start: int, end: int) -> None:
    if windows and start <= windows[-1][1]:
        windows[-1][1] = max(windows[-1][1], end)
    else:
        windows.append([max(0, start), end])


def find(low: str, text: str | None = None) -> list[TimeExpr]:
    """Every time expression in ``low`` (normalised note text), in text order, not overlapping.

    ``text`` (the original note, same offsets) lets "53m" count while "67M" (age, sex) does not.
    """
    clock_win: list[list[int]] = []
    unit_win: list[list[int]] = []
    for a in _ANCHOR.finditer(low):
        if a.lastgroup == "clock":
            win, ws, we = clock_win, a.start() - _CLOCK_REACH, a.end() + _CLOCK_REACH
        else:
            win, ws, we = unit_win, a.start() - _UNIT_BEFORE, a.end() + _UNIT_AFTER
        _widen(win, ws, we)
        if "h" in a.group():  # "1h05" is a length, "14h05" a clock
            _widen(unit_win, a.start() - _UNIT_BEFORE, a.end() + _UNIT_AFTER)
    if not clock_win and not unit_win:
        return []
    out: list[TimeExpr] = []
    taken: list[tuple[int, int]] = []
    size = len(low)

    def add(expr: TimeExpr) -> None:
        out.append(expr)
        taken.append((expr.start, expr.end))

    def scan(pat: re.Pattern[str], windows: list[list[int]]) -> list[re.Match[str]]:
        found: list[re.Match[str]] = []
        for ws, we in windows:
            for m in pat.finditer(low, ws, min(we, size)):
                if not found or m.start() >= found[-1].end():
                    found.append(m)
        return found

    pending: tuple[re.Match[str], tuple[str, str | None, str | None]] | None = None
    for m in scan(_LABELED_CLOCK, clock_win):
        g = m.groupdict()
        side = (g["xh"], g["xm"], None) if g["xh"] is not None else _side(g, "a")
        if side is None or (not side[1] and not side[2]):
            continue  # "from 2" is not a clock time
        if g["start"]:
            pending = (m, side)
        elif pending is not None and m.start() - pending[0].end() <= _PAIR_REACH:
            span = clock_span(*pending[1], *side)
            if span is not None:
                add(TimeExpr(pending[0].start(), m.end(), span[1] - span[0], "range", span))
            pending = None
    for pat in (_RANGE, _RANGE4):
        for m in scan(pat, clock_win):
            if _overlaps(taken, m.start(), m.end()):
                continue
            g = m.groupdict()
            if pat is _RANGE4:
                if _year_like(g["ah"], g["am"]) and _year_like(g["bh"], g["bm"]):
                    continue
                span = clock_span(g["ah"], g["am"], None, g["bh"], g["bm"], None)
            else:
                span = _span_of(g, "a", "b")
            if span is not None:
                add(TimeExpr(m.start(), m.end(), span[1] - span[0], "range", span))
    for m in scan(_HMM, clock_win):
        mins = int(m.group("h")) * 60 + int(m.group("m"))
        if not _overlaps(taken, m.start("h"), m.end()) and int(m.group("h")) <= 9 and 0 < mins <= MAX_MINUTES:
            add(TimeExpr(m.start("h"), m.end(), mins, "duration"))
    for m in scan(_DURATION_SUM, unit_win):
        mins = int(m.group("a")) + int(m.group("b"))
        if not _overlaps(taken, m.start(), m.end()) and 0 < mins <= MAX_MINUTES:
            add(TimeExpr(m.start(), m.end(), mins, "duration"))
    for m in scan(_DURATION_SPAN, unit_win):
        if not _overlaps(taken, m.start(), m.end()):
            add(TimeExpr(m.start(), m.end(), 0, "duration", estimate=True))
    for m in scan(_FIELD, unit_win):
        s = m.start("n") if m.group("n") else m.start("n2")
        if not _overlaps(taken, s, m.end()):
            n = int(m.group("n") or m.group("n2"))
            if 0 < n <= MAX_MINUTES:
                add(TimeExpr(s, m.end(), n, "field"))
    for m in scan(_DURATION, unit_win):
        if _overlaps(taken, m.start(), m.end()):
            continue
        if m.group("lm") and (text is None or text[m.end("lm")] != "m"):
            continue
        mins = _duration_minutes(m.groupdict())
        if 0 < mins <= MAX_MINUTES:
            add(TimeExpr(m.start(), m.end(), mins, "duration"))
    out.sort(key=lambda e: e.start)
    return out
