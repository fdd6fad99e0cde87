"""Behaviour a coder relies on: negation, family history, allergies, past trials, deferrals."""

from __future__ import annotations

import pytest

from claimscrub.notes import NoteFacts, extract_note, extract_notes


def test_denied_side_effects_still_document_a_review():
    f = extract_note("Sertraline 100 mg daily. Denies side effects. Continue sertraline 100 mg.")
    assert f.side_effects and f.medication and f.action


def test_unrelated_negation_is_ignored():
    f = extract_note("Therapy session 45 min. Denies SI/HI. Worked on sleep hygiene.")
    assert not f.side_effects and not f.medication and not f.not_performed


@pytest.mark.parametrize(
    "text",
    [
        "Family history: mother takes lithium for bipolar disorder.",
        "Her mother has bipolar disorder and takes lithium.",
        "Allergies: Lamictal (rash).",
        "She is allergic to penicillin.",
        "Failed fluoxetine in 2019; currently not on any psychiatric medication.",
        "Client admits he took two of his father's Xanax before an exam.",
        "Pt gets 'an anxiety pill' from her PCP.",
        "Started an SSRI years ago.",
    ],
)
def test_non_current_mentions_are_not_medications(text):
    f = extract_note("Psychotherapy 45 min. " + text)
    assert not f.medication, f.evidence.get("medication")
    assert f.medications == []


def test_current_medication_next_to_family_and_allergy():
    f = extract_note(
        "Allergies: Lamictal. Family history: father on lithium.\n"
        "Mom gives him his Concerta 36 mg every morning; no missed doses.\n"
        "Plan: continue Concerta 36 mg."
    )
    assert f.medication and f.medications == ["methylphenidate"]
    assert f.adherence and f.action


def test_brand_names_map_to_generics():
    f = extract_note("Meds: Wellbutrin XL 300 mg, Abilify Maintena 400 mg, lithium carbonate 900 mg.")
    assert f.medications == ["bupropion", "aripiprazole", "lithium"]


@pytest.mark.parametrize(
    "text",
    [
        "Medications not addressed today; session focused on therapy.",
        "Med management deferred to PCP.",
        "Did not address meds, session focused on therapy only.",
        "Pt takes fluoxetine from her PCP. Medications were not reviewed today.",
    ],
)
def test_not_performed(text):
    f = extract_note("Individual psychotherapy 50 min. " + text)
    assert f.not_performed and not f.action


def test_one_drug_not_addressed_but_another_managed():
    f = extract_note(
        "Lithium managed by her nephrology clinic; not addressed today. "
        "Sertraline 100 mg: mood improved. Continue sertraline 100 mg."
    )
    assert not f.not_performed and f.action


def test_bare_no_changes_without_a_named_drug_is_not_an_action():
    assert not extract_note("Session 30 min psychotherapy. Meds: no changes.").action
    f = extract_note("Buspirone 15 mg BID helps. No changes to medication today.")
    assert f.action


def test_therapy_plans_are_not_medication_actions():
    f = extract_note("Sertraline per PCP. Plan: continue weekly therapy; start CBT-I.")
    assert not f.action


def test_patient_deferred_decision_is_not_an_action():
    f = extract_note(
        "Sertraline 50 mg daily, maybe helping. We discussed increasing to 100 mg; "
        "she will message me if she decides to increase."
    )
    assert not f.action and f.response


def test_response_needs_a_link_to_a_drug():
    assert not extract_note("Sertraline 50 mg. Mood 6/10, better than last month.").response
    assert extract_note("Mood better since starting sertraline 50 mg.").response
    assert extract_note("Escitalopram 10 mg: partial response.").response


def test_side_effect_teaching_is_rationale_not_review():
    f = extract_note(
        "Start sertraline 25 mg daily. Reviewed possible side effects including nausea "
        "and headache; call if worsening mood."
    )
    assert not f.side_effects and f.rationale and f.action


def test_rationale_needs_a_stated_reason():
    assert not extract_note("Doing well on sertraline. Continue sertraline 100 mg.").rationale
    f = extract_note("Increase sertraline to 100 mg due to persistent anhedonia.")
    assert f.rationale and f.action
    assert not extract_note("Continue Invega Sustenna 156 mg per standing order.").rationale


def test_adherence_not_assessed_is_false():
    f = extract_note("Meds: duloxetine 60 mg.\nAdherence: not assessed\nPlan: continue duloxetine.")
    assert not f.adherence


def test_evidence_points_at_the_words():
    text = "Increase sertraline to 100 mg due to persistent anhedonia. Denies nausea."
    f = extract_note(text)
    for name, spans in f.evidence.items():
        for s, e, t in spans:
            assert text[s:e] == t, name
    assert any(t == "due to" for _, _, t in f.evidence["rationale"])


def test_to_dict_matches_spec_object():
    d = extract_note("Psychotherapy 2:05-2:50 pm. No medications.").to_dict()
    assert set(d) == {
        "medication",
        "action",
        "response",
        "side_effects",
        "adherence",
        "rationale",
        "not_performed",
        "therapy_minutes",
        "medications",
    }
    assert d["therapy_minutes"] == 45
    assert "evidence" in extract_note("x").to_dict(evidence=True)


def test_batch_equals_single():
    texts = ["Continue lithium 900 mg; level 0.8.", "Therapy session, 40 minutes.", ""]
    assert [f.to_dict(True) for f in extract_notes(texts)] == [extract_note(t).to_dict(True) for t in texts]


def test_empty_note():
    assert extract_note("") == NoteFacts()


def test_judgement_right_after_a_medication_heading_is_a_response():
    note = "Medication management: sertraline 100 mg daily. Mood improved, sleep better, PHQ-9 down."
    assert extract_note(note).response
    assert not extract_note("Plan: sertraline 100 mg daily. Mood 6/10, better than last month.").response
