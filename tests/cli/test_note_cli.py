"""`claimscrub note` and `claimscrub template` as a coder runs them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from claimscrub.cli import main
from claimscrub.notes import extract_note
from claimscrub.notes.highlight import html_marked

NOTE = (
    "Psychotherapy 2:05-2:50 pm, CBT. Sertraline 100 mg daily: mood improved. Denies side effects. "
    "Mother takes lithium. Continue sertraline because of good response."
)


def test_note_json_one_object_per_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(NOTE)
    b.write_text("Therapy 40 minutes. Medications not addressed today.")
    res = CliRunner().invoke(main, ["note", str(a), str(b), "--format", "json"])
    assert res.exit_code == 0, res.output
    first, second = (json.loads(x) for x in res.output.splitlines())
    assert first["file"] == str(a) and first["therapy_minutes"] == 45
    assert first["side_effects"] and first["medications"] == ["sertraline"]  # not lithium
    assert second["not_performed"] and not second["action"] and second["therapy_minutes"] == 40


def test_note_json_carries_evidence_for_true_elements(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text(NOTE)
    res = CliRunner().invoke(main, ["note", str(a), "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    ev = out["evidence"]
    true_elements = {k for k in ("medication", "action", "response", "side_effects", "rationale") if out[k]}
    assert true_elements <= set(ev)
    assert not out["adherence"] and "adherence" not in ev and "not_performed" not in ev
    for spans in ev.values():
        for start, end, words in spans:
            assert NOTE[start:end] == words


def test_note_text_shows_the_words(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text(NOTE)
    out = CliRunner().invoke(main, ["note", str(a)]).output
    assert "side effects" in out and "2:05-2:50 pm" in out and "because of" in out


def test_unreadable_note_exits_two_without_text(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["note", str(tmp_path / "missing.txt")])
    assert res.exit_code == 2 and "missing.txt" in res.output


def test_evidence_html_is_escaped() -> None:
    text = "<script>alert(1)</script> Sertraline 50 mg, continue. Denies side effects."
    html = html_marked(text, extract_note(text))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<mark" in html


def test_templates() -> None:
    for code in ("90863", "90834", "90836"):
        res = CliRunner().invoke(main, ["template", code])
        assert res.exit_code == 0 and "minutes" in res.output.lower()
    assert "Side effects" in CliRunner().invoke(main, ["template", "90863"]).output
    bad = CliRunner().invoke(main, ["template", "99999"])
    assert bad.exit_code == 1 and "90863" in bad.output
