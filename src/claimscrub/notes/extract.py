"""extract_note / extract_notes: read documentation elements from clinical note text."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from . import clause_model, cues, elements, minutes, status
from ._doc import EXCLUDED_SECTIONS, ParsedNote
from ._text import normalise, segment
from .context import NON_CURRENT, classify_mentions, section_names
from .drugs import find_drugs
from .facts import NoteFacts

_MED_VISIT = re.compile(
    r"\b(?:medication management|med(?:ication)? (?:management|check|mgmt|f/?u|follow[- ]?up|visit)|"
    r"e/m|e&m|pharmacologic|psychiatric follow|psych f/u|psych med)\b"
)
_CHUNK = 64
_NO_CHANGE = re.compile(r"\b(?:no|without|unchanged|same)\b")
_THERAPY_WORD = re.compile(r"\b(?:psycho-?therapy|therapy|session|counsel(?:l)?ing|cbt|dbt|emdr|pcit)\b")


def _mentions_by_segment(segs: list, ments: list) -> Iterator[tuple[Any, list[int]]]:
    """Each segment with the indexes of the drug mentions that start inside it (both sorted)."""
    j = 0
    for seg in segs:
        idx = []
        while j < len(ments) and ments[j].start < seg.end:
            if ments[j].start >= seg.start:
                idx.append(j)
            j += 1
        yield seg, idx


def _refine_status(segs: list, ments: list, current: list[bool]) -> None:
    """Past trials, leftovers and class examples the ConText rules do not catch (see status)."""
    for seg, idx in _mentions_by_segment(segs, ments):
        for k in idx:
            if current[k] and status.not_current(ments[k], seg, len(idx) - 1):
                current[k] = False


def _parse_many(texts: Sequence[str]) -> list[ParsedNote]:
    names = section_names()
    staged = []
    items: list[tuple[str, tuple[tuple[int, int], ...]]] = []
    index: list[list[tuple[int, list[int]]]] = []
    for text in texts:
        low = normalise(text)
        segs = segment(low, names)
        ments = find_drugs(low)
        current = [True] * len(ments)
        per_note: list[tuple[int, list[int]]] = []
        for seg, idx in _mentions_by_segment(segs, ments):
            if not idx:
                continue
            if seg.section in EXCLUDED_SECTIONS:
                for k in idx:
                    current[k] = False
                continue
            spans = tuple((ments[k].start - seg.start, ments[k].end - seg.start) for k in idx)
            per_note.append((len(items), idx))
            items.append((seg.text, spans))
        staged.append((text, low, segs, ments, current))
        index.append(per_note)
    cats = classify_mentions(items)
    notes = []
    for (text, low, segs, ments, current), per_note in zip(staged, index, strict=True):
        for item_no, idx in per_note:
            for k, c in zip(idx, cats[item_no], strict=False):
                if c & NON_CURRENT:
                    current[k] = False
        _refine_status(segs, ments, current)
        notes.append(ParsedNote(text, low, segs, ments, current))
    return notes


RuleSpans = dict[str, list[tuple[int, int, str]]]


def rule_spans(doc: ParsedNote) -> RuleSpans:
    """Evidence spans of every rule detector (features of the clause model, and the fallback
    reader when no model ships)."""
    text = cues.masked(doc)
    np_spans = elements.not_performed(doc) + cues.not_performed(doc, text)
    act = elements.actions(doc, np_spans) + cues.action(doc, text)
    return {
        "not_performed": np_spans,
        "action": act,
        "response": elements.response(doc) + cues.response(doc, text),
        "side_effects": elements.side_effects(doc) + cues.side_effects(doc, text),
        "adherence": elements.adherence(doc) + cues.adherence(doc, text),
        "rationale": elements.rationale(doc, act) + cues.rationale(doc, text, act),
    }


def parse_and_rules(texts: Sequence[str]) -> list[tuple[ParsedNote, RuleSpans]]:
    """Parsed notes with their rule spans (the clause model trains on these)."""
    out = []
    for i in range(0, len(texts), _CHUNK):
        out.extend((doc, rule_spans(doc)) for doc in _parse_many(texts[i : i + _CHUNK]))
    return out


def _decide(doc: ParsedNote, spans: RuleSpans) -> dict[str, list[tuple[int, int, str]]]:
    """Evidence per element; an element is present when its list is non-empty.

    With the clause model: an element is present when its best clause scores above the
    element's threshold; its evidence is the rule spans inside the clauses above the threshold,
    or those whole clauses when no rule fired there. Without a model: the rule spans.
    """
    model = clause_model.current_model()
    if model is None or not doc.clause_list:
        return dict(spans)
    z = clause_model.clause_logits(model, clause_model.clause_features(doc, spans))
    out: dict[str, list[tuple[int, int, str]]] = {}
    for k, name in enumerate(clause_model.MODEL_ELEMENTS):
        hot = np.flatnonzero(z[:, k] > model.threshold[k])
        ev: list[tuple[int, int, str]] = []
        for i in hot:
            cs, ce, _t, _seg = doc.clause_list[i]
            inside = [sp for sp in spans[name] if cs <= sp[0] < ce]
            if inside:
                ev.extend(inside)
            else:
                a, b = _trim(doc.text, cs, ce)
                ev.append((a, b, doc.text[a:b]))
        out[name] = ev
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " -*:.,\t":
        start += 1
    while end > start and text[end - 1] in " .,;\t":
        end -= 1
    return start, end


def _read(doc: ParsedNote, spans: RuleSpans) -> NoteFacts:
    ev: dict[str, list[tuple[int, int, str]]] = {}
    found = _decide(doc, spans)
    # "No med changes" is a decision only when the medications were reviewed (label convention 5);
    # next to an explicit "not reviewed" statement it is not.
    decisions = [sp for sp in found["action"] if not _NO_CHANGE.search(sp[2].lower())]
    not_done = bool(found["not_performed"]) and not decisions
    facts = NoteFacts()
    current = [m for m, c in zip(doc.mentions, doc.current, strict=True) if c]
    facts.medication = bool(current)
    seen: list[str] = []
    for m in current:
        if m.generic not in seen:
            seen.append(m.generic)
    facts.medications = seen
    ev["medication"] = [(m.start, m.end, doc.text[m.start : m.end]) for m in current]
    if not_done:
        facts.not_performed = True
        ev["not_performed"] = found["not_performed"]
    else:
        for name in ("action", "response", "side_effects", "adherence", "rationale"):
            ev[name] = found[name]
        if not ev["action"]:
            ev["rationale"] = []
        for name in ("action", "response", "side_effects", "adherence", "rationale"):
            setattr(facts, name, bool(ev[name]))
    title = doc.segs[0].text if doc.segs else ""
    therapy_only = (bool(_THERAPY_WORD.search(title)) and not _MED_VISIT.search(title)) or (
        not facts.action and not facts.medication and bool(_THERAPY_WORD.search(doc.low))
    )
    mins, used = minutes.therapy_minutes(doc.segs, doc.text, therapy_only, doc.low)
    facts.therapy_minutes = mins
    ev["therapy_minutes"] = [(c.start, c.end, c.text) for c in used]
    facts.evidence = {k: sorted(set(v)) for k, v in ev.items() if v}
    return facts


def extract_notes(texts: Sequence[str]) -> list[NoteFacts]:
    """Read many notes at once (context classification is batched through spaCy)."""
    clean = [t if isinstance(t, str) else "" for t in texts]
    out = []
    for i in range(0, len(clean), _CHUNK):  # small chunks keep the working set in cache
        out.extend(_read(doc, rule_spans(doc)) for doc in _parse_many(clean[i : i + _CHUNK]))
    return out


def extract_note(text: str) -> NoteFacts:
    """Read one note; see :class:`NoteFacts` for the fields."""
    return extract_notes([text])[0]
