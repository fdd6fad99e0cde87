"""Classes of wording the reader must read by structure, not by one stored phrase (issue 12).

Each note is invented; each case is one class from docs/notes-accuracy.md ("What the redesign
reads"), written in words that appear in no test set.
"""

from __future__ import annotations

import pytest

from claimscrub.notes import extract_note

CASES = [
    # medication management declined in words the old vocabulary lacked
    (
        "not_performed",
        True,
        "Session on grief. We set aside her medications today; she will see Dr. Ruiz for those.",
    ),
    ("not_performed", True, "CBT session, 50 min. I did not go over her sertraline at all this time."),
    ("not_performed", True, "Family session. No medication management took place in this session."),
    ("not_performed", True, "Crisis work only. Her medication follow-up is postponed to Friday."),
    # response told as a symptom change tied to a drug, without a "response" word
    ("response", True, "Mood has stayed steady on citalopram 20 mg. Continue citalopram 20 mg."),
    ("response", True, "PHQ-9 down from 18 to 9 on escitalopram 10 mg. Continue escitalopram."),
    (
        "response",
        True,
        "Says the panic is half what it was since he started the buspirone. Continue buspirone.",
    ),
    ("response", True, "The lithium is still doing its job per wife. Continue lithium 600 mg."),
    ("response", True, "Hydroxyzine 25 mg prn: says it gets her back to sleep within the hour. Continue."),
    ("response", True, "Bupropion XL 150 mg: says it might be 'starting to clear the fog'. Continue."),
    ("response", False, "Start bupropion XL 150 mg; explained it may take weeks for full effect."),
    # rationale with since / a reason sentence / risk weighed against benefit
    ("rationale", True, "Increase sertraline to 150 mg since she still wakes at 4 am most nights."),
    (
        "rationale",
        True,
        "Continue quetiapine 100 mg. We weighed the risk of more weight gain against the better sleep.",
    ),
    ("rationale", True, "Stay on the paliperidone injection, given 3 relapses after stopping oral meds."),
    # adherence told as behavior
    ("adherence", True, "Sertraline 50 mg daily; took it this morning before work. Continue sertraline."),
    ("adherence", True, "Fluoxetine 20 mg; hasn't skipped any per mom. Continue fluoxetine."),
    ("adherence", True, "Group home: all quetiapine doses given this month. Continue quetiapine 200 mg."),
    (
        "adherence",
        True,
        "She stopped her fluoxetine two weeks ago without telling anyone. Restart fluoxetine 10 mg.",
    ),
    # action in shorthand
    ("action", True, "Sleep poor. \u2191 mirtazapine 15 mg qhs."),
    ("action", True, "Administered naltrexone ER 380 mg IM today, L gluteal."),
    ("action", True, "Sertraline 50 mg -> 75 mg."),
    # side effect told as a feeling the drug causes
    (
        "side_effects",
        True,
        "Says the escitalopram makes her feel flat in the evenings. Continue escitalopram for now.",
    ),
    # template fields left blank are not assessments
    ("side_effects", False, "Sertraline 100 mg. Continue sertraline.\nSide effects: ***\nAdherence: ***"),
    ("adherence", False, "Sertraline 100 mg. Continue sertraline.\nSIDE EFFECTS:\nADHERENCE:\nLABS: N/A"),
    # a copied-forward plan is an earlier visit's decision
    (
        "action",
        False,
        "Interval: sleeping better.\nPrior plan (copied from 3/2): Increase bupropion XL to 300 mg.",
    ),
    # someone's leftover pills and drugs named as examples in teaching are not the patient's medication
    (
        "medication",
        False,
        "Her son found his late father's leftover lorazepam in a drawer; therapy on grief.",
    ),
    (
        "medication",
        False,
        "Psychoeducation on medications used for alcohol use (naltrexone, acamprosate, disulfiram).",
    ),
    # an unchecked checkbox is no decision
    ("action", False, "Progress: [ ] Regressed [ ] No change [x] Some progress\nSertraline 50 mg per PCP."),
    # not taking any medication is not adherence
    (
        "adherence",
        False,
        "She is not taking any medications while breastfeeding. Sertraline discussed as an option.",
    ),
]


@pytest.mark.parametrize(("element", "want", "text"), CASES)
def test_element_class(element: str, want: bool, text: str) -> None:
    facts = extract_note(text)
    assert getattr(facts, element) is want, facts.evidence.get(element)
    if want:
        for start, end, words in facts.evidence[element]:
            assert text[start:end] == words


@pytest.mark.parametrize(
    ("text", "generic"),
    [
        ("Continue sertaline 50 mg daily.", "sertraline"),
        ("Clonazapam 0.5 mg prn, refilled.", "clonazepam"),
        ("Lamotragine 100 mg bid, no rash. Continue.", "lamotrigine"),
    ],
)
def test_misspelt_psychiatric_drug_is_a_medication(text: str, generic: str) -> None:
    facts = extract_note(text)
    assert facts.medication and facts.medications == [generic]


def test_ordinary_long_words_are_not_drugs() -> None:
    text = "Appointment rescheduled; everything discussed, medication reviewed, tolerating well."
    assert extract_note(text).medications == []
