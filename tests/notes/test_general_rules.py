"""General rules added after the blind set's first look (phrasings, not particular notes)."""

from __future__ import annotations

import pytest

from claimscrub.notes import extract_note


@pytest.mark.parametrize(
    ("text", "field", "want"),
    [
        # action: an injection administered today, a prescription written with a quantity
        ("Haloperidol decanoate 100 mg IM given R deltoid today.", "action", True),
        ("Lorazepam 1 mg given in the ED last night for agitation.", "action", False),
        ("Rx: methylphenidate ER 36 mg #30, 0 RF.", "action", True),
        ("Sertraline 50 mg daily. No refills due before the next visit.", "action", False),
        # template fields left empty are not assessments
        ("Lamotrigine 200 mg daily. Efficacy: not assessed. Refills sent.", "response", False),
        ("Lamotrigine 200 mg daily. Side effects: not assessed. Refills sent.", "side_effects", False),
        ("Side effects: not discussed. Continue lithium 300 mg.", "rationale", False),
        ("Reason: med refill. Refill lithium 300 mg BID.", "rationale", False),
        # rationale: a reason clause with a symptom as subject, treating a side effect
        ("Increase buspirone to 20 mg BID as anxiety remains high.", "rationale", True),
        ("Continue clozapine, add glycopyrrolate 1 mg qhs for sialorrhea.", "rationale", True),
        # teaching what may happen is not a side-effect assessment
        (
            "Increase sertraline to 100 mg. Reviewed that GI upset can recur after the increase.",
            "side_effects",
            False,
        ),
        # response: idioms tied to the drug, and purpose clauses that are not judgements
        ('Invega Sustenna 156 mg given today. Says "the shot keeps the voices away."', "response", True),
        ("Increase Adderall XR to 20 mg so he can focus in class.", "response", False),
        # adherence
        ("Atomoxetine 80 mg. Takes it w/ breakfast every morning.", "adherence", True),
        ("Clozapine 300 mg. Per staff, all doses observed and taken.", "adherence", True),
        # not performed
        ("Therapy 09:00-09:45. Medication management: none this visit.", "not_performed", True),
        ("Sertraline 50 mg on file. Med review not completed; pt left early.", "not_performed", True),
    ],
)
def test_phrasing(text, field, want):
    assert getattr(extract_note(text), field) is want


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("Psychotherapy note - 53'", 53),
        ("Height 5' 10\". Individual therapy session.", None),
        ("Total 60 min of which 20 min E/M; remainder psychotherapy.", 40),
        ("Psychotherapy started 1405, ended 1438.", 33),
        ("Counseling note. Met with client for forty minutes.", 40),
        ("Sertraline 50 mg. Psychotherapy 2:40p-3:12p: MI re smoking.", 32),
    ],
)
def test_minutes_formats(text, minutes):
    assert extract_note(text).therapy_minutes == minutes
