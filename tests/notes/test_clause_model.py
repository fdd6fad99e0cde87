"""The optional trained clause model: trains, round-trips through its JSON file, and is used
by the reader only inside ``using`` (what scripts/score_notes.py --lofo relies on)."""

from __future__ import annotations

import numpy as np

from claimscrub.notes import clause_model, extract_note
from claimscrub.notes.extract import parse_and_rules

POS = "Sertraline 100 mg daily. Reports mild nausea. Continue sertraline 100 mg."
NEG = "Sertraline 100 mg daily. Continue sertraline 100 mg. Walked daily."
ROWS = [
    (f"n{i}", text, {"medication": True, "action": True, "side_effects": side, "evidence": ev})
    for i, (text, side, ev) in enumerate(
        [(POS, True, {"side_effects": ["Reports mild nausea"]}), (NEG, False, {})] * 4
    )
]


def test_trained_model_round_trips_and_is_used_only_inside_using() -> None:
    model = clause_model.train(ROWS, min_count=1)
    again = clause_model.ClauseModel.from_json(model.to_json())
    doc, spans = parse_and_rules([POS])[0]
    feats = clause_model.clause_features(doc, spans)
    assert np.allclose(
        clause_model.clause_logits(model, feats), clause_model.clause_logits(again, feats), atol=1e-3
    )
    assert clause_model.current_model() is None  # no model file ships
    with clause_model.using(model):
        assert clause_model.current_model() is model
        assert extract_note(POS).side_effects
        assert not extract_note(NEG).side_effects
    assert clause_model.current_model() is None
