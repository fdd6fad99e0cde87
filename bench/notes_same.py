#!/usr/bin/env python3
"""Check that a change to the note reader leaves its output unchanged.

    .venv/bin/python bench/notes_same.py save  [--out DIR]   # before the change
    .venv/bin/python bench/notes_same.py check [--out DIR]   # after: exit 1 on any difference

Reads every labeled set (the shared dev notes, notes-more/w1-w3, tests/notes/heldout and
blind) plus 600 recombined notes from ``bench_notes.corpus`` and compares every field of
``NoteFacts`` (elements, minutes, medications and evidence spans) with the saved snapshot.
Snapshots hold note text, so the default folder is outside the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_notes import FOLDERS, corpus  # noqa: E402

from claimscrub.notes import extract_notes  # noqa: E402


def outputs() -> dict[str, list]:
    sets: dict[str, list[str]] = {}
    for folder in FOLDERS:
        files = sorted(folder.glob("*.txt"))
        sets[str(folder.relative_to(folder.parents[1]))] = [p.read_text() for p in files]
    sets["recombined"] = corpus(600, seed=11)
    return {
        name: [json.loads(json.dumps(asdict(f), default=list)) for f in extract_notes(texts)]
        for name, texts in sets.items()
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("save", "check"))
    ap.add_argument("--out", type=Path, default=Path("/tmp/claimscrub-notes-snapshot.json"))
    args = ap.parse_args()
    now = outputs()
    if args.mode == "save":
        args.out.write_text(json.dumps(now))
        print(f"saved {sum(len(v) for v in now.values())} notes")
        return 0
    before = json.loads(args.out.read_text())
    bad = 0
    for name, facts in before.items():
        for i, (old, new) in enumerate(zip(facts, now[name], strict=True)):
            if old != new:
                bad += 1
                keys = sorted(k for k in old if old[k] != new.get(k))
                print(f"{name} #{i}: differs in {', '.join(keys)}")
    print(f"{sum(len(v) for v in before.values())} notes compared, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
