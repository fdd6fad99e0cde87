"""Which drug mentions are current/planned medications: medspaCy ConText on a blank spaCy
English pipeline (no model download), plus section headers.

Fast path: a sentence whose text contains no context trigger (one precompiled regex) is not
sent to spaCy at all; sentences that are, are cached by text and processed with ``pipe``.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from .lexicon import context_config

NON_CURRENT = frozenset(
    {"FAMILY", "OTHER_PERSON", "ALLERGY", "HISTORICAL", "NEGATED_EXISTENCE", "HYPOTHETICAL"}
)
_CACHE_MAX = 20_000


def _expand(pattern: Any, family: list[str]) -> Any:
    if isinstance(pattern, list):
        return [_expand(p, family) for p in pattern]
    if isinstance(pattern, dict):
        return {k: _expand(v, family) for k, v in pattern.items()}
    if pattern == "{FAMILY}":
        return family
    return pattern


@cache
def _rules() -> list[dict[str, Any]]:
    cfg = context_config()
    family = [w.lower() for w in cfg["family_words"]]
    rules = []
    for r in cfg["rules"]:
        r = dict(r)
        if "pattern" in r:
            r["pattern"] = _expand(r["pattern"], family)
        rules.append(r)
    return rules


@cache
def section_names() -> dict[str, str]:
    """Lower-case header name -> context category."""
    out: dict[str, str] = {}
    for cat, names in context_config()["sections"].items():
        for n in names:
            out[n.lower()] = cat
    return out


@cache
def trigger_regexes() -> dict[str, re.Pattern[str]]:
    """Per direction, one regex that finds a non-terminating trigger (screening before spaCy).

    A FORWARD trigger matters only before a mention, a BACKWARD one only after it.
    """
    family = [re.escape(w.lower()) for w in context_config()["family_words"]]
    groups: dict[str, list[str]] = {"FORWARD": list(family), "BACKWARD": [], "BIDIRECTIONAL": []}
    for r in _rules():
        if r["category"] == "TERMINATE" or r.get("direction") in ("TERMINATE", "PSEUDO"):
            continue
        groups[r.get("direction", "BIDIRECTIONAL")].append(re.escape(r["literal"].lower()))
    return {
        d: re.compile(r"(?<![a-z0-9])(?:" + "|".join(lits) + r")(?![a-z0-9])")
        for d, lits in groups.items()
        if lits
    }


@cache
def _trigger_index() -> dict[str, tuple[tuple[str, str], ...]]:
    """First word of each non-terminating trigger -> ((phrase, direction), ...)."""
    index: dict[str, list[tuple[str, str]]] = {}
    for w in context_config()["family_words"]:
        index.setdefault(w.lower(), []).append((w.lower(), "FORWARD"))
    for r in _rules():
        if r["category"] == "TERMINATE" or r.get("direction") in ("TERMINATE", "PSEUDO"):
            continue
        phrase = r["literal"].lower()
        first = _WORD.match(phrase)
        if first is None:
            continue
        index.setdefault(first.group(), []).append((phrase, r.get("direction", "BIDIRECTIONAL")))
    return {k: tuple(v) for k, v in index.items()}


_WORD = re.compile(r"[a-z0-9]+")


@cache
def _trigger_words() -> re.Pattern[str]:
    """Whole words that begin a trigger (the keys of ``_trigger_index``), found in one C scan."""
    keys = sorted((k for k in _trigger_index() if _WORD.fullmatch(k)), key=lambda k: (-len(k), k))
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(keys) + r")(?![a-z0-9])")


def _may_modify(text: str, spans: tuple[tuple[int, int], ...]) -> bool:
    """Could any context trigger reach one of the mentions? (cheap, never misses a trigger)"""
    first_end = min(e for _, e in spans)
    last_start = max(s for s, _ in spans)
    index = _trigger_index()
    for m in _trigger_words().finditer(text):
        entries = index[m.group()]
        pos = m.start()
        for phrase, direction in entries:
            if not text.startswith(phrase, pos):
                continue
            if direction == "FORWARD" and pos >= last_start:
                continue
            if direction == "BACKWARD" and pos < first_end:
                continue
            return True
    return False


class _Engine:
    """Blank spaCy pipeline + medspaCy ConText, built on first use."""

    def __init__(self) -> None:
        import spacy
        from medspacy.context import ConText, ConTextRule

        self.nlp = spacy.blank("en")
        self.context = ConText(self.nlp, rules=None, span_attrs=None)
        rules = []
        for r in _rules():
            rules.append(
                ConTextRule(
                    r["literal"],
                    r["category"],
                    pattern=r.get("pattern"),
                    direction=r.get("direction", "BIDIRECTIONAL"),
                    max_scope=r.get("max_scope"),
                )
            )
        self.context.add(rules)
        self.cache: OrderedDict[tuple[str, tuple[tuple[int, int], ...]], tuple[frozenset[str], ...]]
        self.cache = OrderedDict()

    def classify(
        self, items: Sequence[tuple[str, tuple[tuple[int, int], ...]]]
    ) -> list[tuple[frozenset[str], ...]]:
        """For each (sentence text, mention spans) the context categories of each mention."""
        results: list[tuple[frozenset[str], ...] | None] = []
        todo: list[int] = []
        for i, item in enumerate(items):
            hit = self.cache.get(item)
            if hit is not None:
                self.cache.move_to_end(item)
            else:
                todo.append(i)
            results.append(hit)
        if todo:
            for i in todo:
                doc = self.context(self._doc(*items[i]))
                cats: dict[int, set[str]] = {j: set() for j in range(len(doc.ents))}
                index = {(e.start, e.end): j for j, e in enumerate(doc.ents)}
                for target, modifier in doc._.context_graph.edges:
                    j = index.get((target.start, target.end))
                    if j is not None:
                        cats[j].add(modifier.category)
                res = tuple(frozenset(cats[j]) for j in range(len(doc.ents)))
                if len(res) != len(items[i][1]):  # a span could not be aligned: no context
                    res = tuple(frozenset() for _ in items[i][1])
                results[i] = res
                self.cache[items[i]] = res
                if len(self.cache) > _CACHE_MAX:
                    self.cache.popitem(last=False)
        return [r if r is not None else () for r in results]

    def _doc(self, text: str, spans: tuple[tuple[int, int], ...]) -> Any:
        doc = self.nlp.make_doc(text)
        for k, tok in enumerate(doc):
            tok.is_sent_start = k == 0
        ents = []
        for s, e in spans:
            span = doc.char_span(s, e, label="DRUG", alignment_mode="expand")
            if span is not None:
                ents.append(span)
        try:
            doc.ents = ents
        except ValueError:  # overlapping spans: leave without context
            doc.ents = []
        return doc


@cache
def engine() -> _Engine:
    return _Engine()


def classify_mentions(
    items: Iterable[tuple[str, tuple[tuple[int, int], ...]]],
) -> list[tuple[frozenset[str], ...]]:
    """Context categories per mention for each (sentence text, spans); screened by regex."""
    items = list(items)
    out: list[tuple[frozenset[str], ...]] = [tuple(frozenset() for _ in spans) for _, spans in items]
    need = [i for i, (text, spans) in enumerate(items) if spans and _may_modify(text, spans)]
    if need:
        res = engine().classify([items[i] for i in need])
        for i, r in zip(need, res, strict=True):
            out[i] = r
    return out
