#!/usr/bin/env python3
"""Score the clinical-note reader on labeled folders (NNN.txt + labels.jsonl).

    .venv/bin/python scripts/score_notes.py [FOLDER ...] [--errors] [--doc docs/notes-accuracy.md]

Without folders it scores the development set (../shared/examples/notes), the held-out set
(tests/notes/heldout) and the blind set (tests/notes/blind). Prints per-element precision /
recall / F1 and the share of notes whose
therapy minutes are exact; with --doc writes those tables to a markdown file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from claimscrub.notes import ELEMENTS, extract_notes  # noqa: E402

DEFAULT = {
    "dev": ROOT.parent / "shared" / "examples" / "notes",
    "held-out": ROOT / "tests" / "notes" / "heldout",
    "blind": ROOT / "tests" / "notes" / "blind",
}


METHOD = """## How to read these numbers

- **dev** is the 40-note development set the rules were built on: its score is not evidence
  of generalisation.
- **blind** (`tests/notes/blind`, 40 notes in styles neither dev nor held-out covers: NP notes
  with bulleted med lists, resident narratives, telehealth, med tables, dictated run-on text,
  addiction medicine, child psychiatry, LAI / lithium / clozapine monitoring, several therapy-time
  formats) was labelled and committed (f4acf14) before the reader was run on it. Its first look
  is the last row of the table below. It was then used to find general gaps (see "What the blind
  set changed"), so the blind figures above are **no longer blind** either.
- **held-out** (`tests/notes/heldout`, 50 notes in SOAP, terse-abbreviation, templated-EHR,
  checkbox, telephone and narrative styles) was written in two batches, labelled by the README
  conventions *before* the reader was run on them. Both batches were then used to find and fix
  general gaps, so the held-out figures above are no longer blind either. The blind first
  looks were:

  | batch | medication | action | response | side_effects | adherence | rationale | not_perf. | min. |
  |---|---|---|---|---|---|---|---|---|
  | h01-h31, first run | 0.977 | 0.974 | 0.769 | 0.973 | 0.968 | 0.889 | 0.500 | 0.968 |
  | h32-h50, first run (batch 1 fixed) | 1.000 | 0.957 | 0.900 | 0.900 | 0.875 | 1.000 | 1.000 | 0.947 |
  | b01-b40, first run (held-out fixed) | 1.000 | 0.906 | 0.870 | 0.962 | 0.923 | 0.839 | 0.833 | 0.875 |

  Expect something like the second or third row on notes in a new clinician style: misses come
  from wording the vocabularies do not hold yet (a new idiom for response, a side effect not in
  the symptom list, a new time format). Precision was 1.000 on the first two blind looks but not
  on the third (action 0.960, response 0.909, side_effects 0.926, rationale 0.929): template
  fields left empty ("Efficacy: not assessed"), a visit reason read as rationale ("Reason: med
  refill"), "no refills due", teaching phrased "reviewed that X can recur", "better GI
  tolerability" read as response. Additions go in `src/claimscrub/data/note_lexicon.yaml` where
  they are vocabulary.

## What the blind set changed (all general rules, none keyed to a note)

- action: a dose administered at this visit ("156 mg IM given L deltoid today"; not when the
  clause says ED / last night / ago), a prescription with a dispense quantity ("#30"),
  "continues on"; "no refills due" is not a refill; "so" now ends a clause, so "she would rather
  stay ... so we will continue X" is a decision.
- response: drug-tied idioms ("keeps the voices away", "holding him", "best thing", "can
  actually finish"), purpose clauses ("so he can focus") are not judgements; "better
  tolerability" is not a response; `Efficacy: not assessed` is not an assessment.
- side effects / rationale: template fields left "not assessed/discussed" are ignored;
  "reviewed that X can recur" is teaching; "risks/benefits not discussed" is not rationale;
  "Reason: med refill" is the visit reason; "as anxiety remains high" and "add X for
  sialorrhea" (treating a side effect) are reasons.
- adherence: "takes it w/ breakfast every morning", "only on workdays", "doses observed".
- not performed: "Medication management: none this visit", "med review not completed", a drug
  class ("pt's antidepressant is managed by PCP").
- medications: "bup", "bup/nx".
- minutes: `53'`, "2:40p-3:12p", 24-hour start/stop without colon ("started 1405, ended
  1438"), "met with client for forty minutes", "total 60 min of which 20 min E/M; remainder
  psychotherapy".

## Still weak

- Rationale is the most judgement-laden element ("for sialorrhea" counts, "for depression" as a
  bare indication does not); expect it to be the first to drop on a new style.
- Response idioms are open-ended; each clinician has a few the vocabulary will not hold.
- Speed: the bench is at parity with the pre-change reader (900-1,300 notes/s on this shared
  host depending on load; the same run of the previous commit gives the same spread).
"""


def load(folder: Path) -> list[tuple[str, str, dict]]:
    labels = {}
    for line in (folder / "labels.jsonl").read_text().splitlines():
        if line.strip():
            d = json.loads(line)
            labels[d["id"]] = d
    return [(i, (folder / f"{i}.txt").read_text(encoding="utf-8"), labels[i]) for i in sorted(labels)]


def score(folder: Path) -> dict:
    rows = load(folder)
    facts = extract_notes([t for _, t, _ in rows])
    per: dict[str, dict[str, float]] = {}
    errors: list[str] = []
    for e in ELEMENTS:
        tp = fp = fn = 0
        for (i, _, lab), f in zip(rows, facts, strict=True):
            g, w = bool(getattr(f, e)), bool(lab[e])
            tp += g and w
            fp += g and not w
            fn += w and not g
            if g != w:
                errors.append(f"{i} {e}: want {w} got {g}")
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
        per[e] = {"precision": p, "recall": r, "f1": f1, "support": tp + fn}
    exact = 0
    for (i, _, lab), f in zip(rows, facts, strict=True):
        if f.therapy_minutes == lab["therapy_minutes"]:
            exact += 1
        else:
            errors.append(f"{i} therapy_minutes: want {lab['therapy_minutes']} got {f.therapy_minutes}")
    return {"n": len(rows), "elements": per, "minutes_exact": exact / len(rows), "errors": errors}


def table(name: str, folder: Path, res: dict) -> str:
    lines = [
        f"### {name} ({res['n']} notes, `{folder.name}`)",
        "",
        "| element | precision | recall | F1 | positives |",
        "|---|---|---|---|---|",
    ]
    for e, s in res["elements"].items():
        lines.append(f"| {e} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
    lines.append(f"| therapy_minutes exact | | | {res['minutes_exact']:.3f} | |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--errors", action="store_true", help="list every mismatch (ids only)")
    ap.add_argument("--doc", type=Path, help="write a markdown report here")
    args = ap.parse_args()
    sets = {f.name: f for f in args.folders} if args.folders else DEFAULT
    ok = True
    parts = []
    for name, folder in sets.items():
        res = score(folder)
        print(f"== {name}: {res['n']} notes")
        for e, s in res["elements"].items():
            print(f"  {e:14s} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}")
        print(f"  therapy_minutes exact {res['minutes_exact']:.3f}")
        if args.errors:
            for err in res["errors"]:
                print("   ", err)
        low = min(s["f1"] for s in res["elements"].values())
        ok = ok and low >= 0.95 and res["minutes_exact"] >= 0.95
        parts.append(table(name, folder, res))
    if args.doc:
        args.doc.parent.mkdir(parents=True, exist_ok=True)
        args.doc.write_text(
            "# Clinical-note reader: accuracy\n\n"
            "Generated by `scripts/score_notes.py --doc docs/notes-accuracy.md`. Bar: F1 >= 0.95 on "
            "every element and exact therapy minutes on >= 95% of notes.\n\n"
            + "\n\n".join(parts)
            + "\n\n"
            + METHOD
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
