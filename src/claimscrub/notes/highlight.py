"""Show a coder which words gave each element: evidence spans as terminal text or HTML marks."""

from __future__ import annotations

from html import escape

from .facts import ELEMENTS, NoteFacts

LABELS = {
    "medication": "medication",
    "action": "decision",
    "response": "response",
    "side_effects": "side effects",
    "adherence": "adherence",
    "rationale": "rationale",
    "not_performed": "not performed",
    "therapy_minutes": "psychotherapy time",
}


def text_summary(name: str, facts: NoteFacts) -> str:
    """One block per note: each element yes/no with the words that gave it."""
    out = [name]
    for el in (*ELEMENTS, "therapy_minutes"):
        value = getattr(facts, el)
        shown = ("yes" if value else "no") if isinstance(value, bool) else (value or "none")
        words = "; ".join(dict.fromkeys(t for _s, _e, t in facts.evidence.get(el, [])))
        out.append(f"  {LABELS[el]:<19} {shown!s:<5} {words}".rstrip())
    if facts.medications:
        out.append(f"  {'medications':<19} {', '.join(facts.medications)}")
    return "\n".join(out) + "\n"


def html_marked(text: str, facts: NoteFacts) -> str:
    """The note as escaped HTML with evidence spans wrapped in <mark> (non-overlapping)."""
    spans = sorted(
        {(s, e, el) for el, items in facts.evidence.items() if el in LABELS for s, e, _t in items},
        key=lambda t: (t[0], -t[1]),
    )
    out, pos = [], 0
    for s, e, el in spans:
        if s < pos or e > len(text):
            continue
        out.append(escape(text[pos:s]))
        out.append(f'<mark class="ev-{el}" title="{escape(LABELS[el])}">{escape(text[s:e])}</mark>')
        pos = e
    out.append(escape(text[pos:]))
    return "".join(out)
