"""Clinical-note reader (spec section 3).

Stable API, used by ``claimscrub note`` and the DC000-DC004 rules::

    from claimscrub.notes import extract_note, extract_notes, NoteFacts, render_template

    facts = extract_note(text)          # NoteFacts
    facts.medication, facts.action, facts.response, facts.side_effects, facts.adherence,
    facts.rationale, facts.not_performed  # bool
    facts.therapy_minutes               # int | None (psychotherapy minutes only, 0..600)
    facts.medications                   # list[str]: generic names, current/planned only
    facts.evidence                      # {element: [(start, end, matched_text), ...]}
    facts.to_dict()                     # spec section 3 JSON object
    facts.to_dict(evidence=True)        # ... plus {"evidence": {...}}

    extract_notes(texts)                # list[NoteFacts], batched (faster for many notes)
    render_template("90863")            # documentation template text; ValueError if unknown

Element definitions: ``shared/examples/notes/README.md``. Reading order: sections and template
fields (``_text``, ``_doc``), drug mentions and their status (``drugs``, ``context`` - medspaCy
ConText - and ``status``), then per element the vocabulary detectors (``elements``) and the
compositional cue families (``cues``); ``clause_model`` is an optional trained clause scorer
(no model file ships; see docs/notes-accuracy.md). Vocabularies and context rules are data files
in ``claimscrub/data`` (``note_lexicon.yaml``, ``note_context.yaml``, ``psych_meds.csv``,
``note_drug_exclude.txt``). Note text is never logged or put in errors.
"""

from .extract import extract_note, extract_notes
from .facts import ELEMENTS, NoteFacts
from .templates import SUPPORTED_CODES, render_template

__all__ = [
    "ELEMENTS",
    "NoteFacts",
    "SUPPORTED_CODES",
    "extract_note",
    "extract_notes",
    "render_template",
]
