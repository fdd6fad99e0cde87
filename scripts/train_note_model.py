#!/usr/bin/env python3
"""Train the reader's clause model and write it to src/claimscrub/data/note_clause_model.json.

    .venv/bin/python scripts/train_note_model.py [--sets dev,heldout,blind,w1,w2,w3]

Training folders are the labeled sets of ``scripts/score_notes.py`` (``SETS``). Note text never
leaves the process; the file holds feature names (words and word pairs), weights and
thresholds only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from score_notes import SETS, load  # noqa: E402

from claimscrub.notes import clause_model  # noqa: E402

OUT = ROOT / "src" / "claimscrub" / "data" / "note_clause_model.json"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated set names")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    rows = [r for name in args.sets.split(",") for r in load(SETS[name])]
    model = clause_model.train(rows)
    args.out.write_text(model.to_json() + "\n")
    print(f"{len(rows)} notes, {len(model.vocab)} features -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
