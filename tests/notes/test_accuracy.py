"""The reader meets the accuracy bar on the development set and on the held-out notes."""

from __future__ import annotations

from claimscrub.notes import ELEMENTS, extract_notes


def _scores(rows):
    facts = extract_notes([t for _, t, _ in rows])
    f1 = {}
    for e in ELEMENTS:
        tp = fp = fn = 0
        for (_, _, lab), f in zip(rows, facts, strict=True):
            g, w = bool(getattr(f, e)), bool(lab[e])
            tp += g and w
            fp += g and not w
            fn += w and not g
        f1[e] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    exact = sum(
        f.therapy_minutes == lab["therapy_minutes"] for (_, _, lab), f in zip(rows, facts, strict=True)
    ) / len(rows)
    return f1, exact


def test_dev_set_meets_bar(dev_rows):
    f1, exact = _scores(dev_rows)
    assert min(f1.values()) >= 0.95, f1
    assert exact >= 0.95


def test_heldout_set_meets_bar(heldout_rows):
    assert len(heldout_rows) >= 20
    f1, exact = _scores(heldout_rows)
    assert min(f1.values()) >= 0.95, f1
    assert exact >= 0.95


def test_blind_set_meets_bar(blind_rows):
    # written and committed before the reader was run on it (see docs/notes-accuracy.md)
    assert len(blind_rows) >= 40
    f1, exact = _scores(blind_rows)
    assert min(f1.values()) >= 0.95, f1
    assert exact >= 0.95
