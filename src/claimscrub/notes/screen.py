"""Cheap word-level screening: which clauses could hold a match of a detector's patterns.

Each detector's regex fragments are reduced to the literal word prefixes they can start with
(via the regex parser). A note's words are looked up once (results cached per distinct word),
so the full patterns only run on the few clauses that contain a candidate word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

try:  # Python >= 3.11
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_WORD = re.compile(r"[a-z0-9]+")
_CACHE_MAX = 200_000


def _prefixes(seq: _p.SubPattern | list) -> set[str] | None:
    """Literal prefixes a parsed pattern can start with; None when one branch has none."""
    out = {""}
    for op, av in seq:
        if op is _c.LITERAL:
            out = {p + chr(av) for p in out}
            continue
        if op is _c.IN and av and all(o is _c.LITERAL for o, _ in av) and len(av) <= 8:
            out = {p + chr(v) for p in out for _, v in av}
            continue
        if op is _c.AT:
            continue
        if op is _c.ASSERT_NOT or op is _c.ASSERT:
            continue
        sub: set[str] | None = None
        if op is _c.SUBPATTERN:
            sub = _prefixes(av[-1])
        elif op is _c.BRANCH:
            sub = set()
            for branch in av[1]:
                b = _prefixes(branch)
                if b is None:
                    return None
                sub |= b
        if sub is not None and all(out_p == "" for out_p in out):
            return sub if all(sub) else None
        if sub is not None:
            return {p + s for p in out for s in sub}
        break
    return out if all(out) else None


def literal_prefixes(pattern: str) -> set[str] | None:
    """The literal strings every match of ``pattern`` starts with (lookbehinds and ``\\b``
    skipped), or None when some branch opens with no literal."""
    return _prefixes(_p.parse(pattern))


def _word_prefix(p: str) -> str:
    m = _WORD.match(p)
    return m.group() if m else ""


class Screen:
    """Word prefixes for several named detectors, with a per-word bitmask cache."""

    def __init__(self, detectors: dict[str, Iterable[str]], exact: bool = False) -> None:
        """``exact``: the fragments are plain phrases; a word must equal a phrase's first word."""
        self.names = list(detectors)
        self.exact = exact
        self.word_sets: list[frozenset[str]] = []
        self.prefixes: list[tuple[str, ...]] = []
        self.fallback: list[re.Pattern[str] | None] = []
        for frags in detectors.values():
            prefs: set[str] = set()
            loose: list[str] = []
            for frag in frags:
                got = _prefixes(_p.parse(frag))
                words = {_word_prefix(p) for p in got} if got else set()
                if not got or any(len(w) < 3 for w in words):
                    loose.append(frag)
                else:
                    prefs |= words
            self.prefixes.append(tuple(sorted(prefs)))
            self.word_sets.append(frozenset(prefs))
            self.fallback.append(
                re.compile(r"(?<![a-z0-9])(?:" + "|".join(f"(?:{f})" for f in loose) + ")") if loose else None
            )
        self.cache: dict[str, int] = {}
        self.text_cache: dict[str, int] = {}

    def mask(self, word: str) -> int:
        m = self.cache.get(word)
        if m is None:
            m = 0
            for i, prefs in enumerate(self.prefixes):
                if (word in self.word_sets[i]) if self.exact else word.startswith(prefs):
                    m |= 1 << i
            if len(self.cache) > _CACHE_MAX:
                self.cache.clear()
            self.cache[word] = m
        return m

    def text_mask(self, text: str) -> int:
        """Detectors that may match in ``text``: the OR of its word masks, plus the bit of each
        detector whose loose fragments (no usable word prefix) match in it. Cached per text:
        clauses repeat across notes, so most clauses cost one dict lookup."""
        m = self.text_cache.get(text)
        if m is None:
            m = 0
            cache = self.cache
            for w in _WORD.findall(text):
                wm = cache.get(w)
                m |= self.mask(w) if wm is None else wm
            for k, fb in enumerate(self.fallback):
                if fb is not None and not m >> k & 1 and fb.search(text):
                    m |= 1 << k
            if len(self.text_cache) > _CACHE_MAX:
                self.text_cache.clear()
            self.text_cache[text] = m
        return m

    def bit(self, name: str) -> int:
        return 1 << self.names.index(name)


@cache
def word_regex() -> re.Pattern[str]:
    return _WORD


@cache
def _lead_search(pattern: str) -> re.Pattern[str] | None:
    lead = literal_prefixes(pattern)
    return re.compile("|".join(re.escape(w) for w in sorted(lead))) if lead else None


def may_occur(pattern: re.Pattern[str], text: str) -> bool:
    """False only when no match of ``pattern`` can start anywhere in ``text`` (none of the literal
    words it must begin with occurs): lets a detector skip its per-segment scans for a note."""
    lead = _lead_search(pattern.pattern)
    return lead is None or lead.search(text) is not None
