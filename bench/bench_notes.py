#!/usr/bin/env python3
"""Throughput of the clinical-note reader on one core.

    .venv/bin/python bench/bench_notes.py [--n 5000]

Builds N distinct notes by recombining lines of the labeled notes (dev, held-out, blind and the
three notes-more folders, so long EHR exports and terse notes are both in the mix) and varying
numbers and names (so the per-sentence context cache does not simply replay a few notes), then
times ``extract_notes`` in batches and ``extract_note`` one by one. Writes
``bench/results/notes.json`` and prints notes/second and MB of note text per second (the
issue-12 target is 1 MB/s on one core).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from claimscrub.notes import extract_note, extract_notes  # noqa: E402

SHARED = ROOT.parent / "shared" / "examples"
FOLDERS = [
    SHARED / "notes",
    ROOT / "tests" / "notes" / "heldout",
    ROOT / "tests" / "notes" / "blind",
    *(SHARED / "notes-more" / w for w in ("w1", "w2", "w3")),
]
DRUGS = [
    "sertraline",
    "Zoloft",
    "escitalopram",
    "Lexapro",
    "bupropion XL",
    "lithium",
    "quetiapine",
    "aripiprazole",
    "lamotrigine",
    "Concerta",
    "Adderall XR",
    "mirtazapine",
    "trazodone",
    "buspirone",
    "duloxetine",
    "venlafaxine",
    "clonazepam",
    "prazosin",
    "naltrexone",
]


def corpus(n: int, seed: int = 7) -> list[str]:
    notes = [p.read_text() for f in FOLDERS if f.exists() for p in sorted(f.glob("*.txt"))]
    rng = random.Random(seed)
    drug_rx = re.compile("|".join(re.escape(d) for d in DRUGS), re.I)
    out = []
    for i in range(n):
        base = notes[i % len(notes)].splitlines()
        other = rng.choice(notes).splitlines()
        lines = base + rng.sample(other, k=min(2, len(other)))
        rng.shuffle(lines[1:])
        text = "\n".join(lines)
        text = re.sub(r"\b(\d{2,3}) mg", lambda m: f"{int(m.group(1)) + rng.randint(0, 9) * 5} mg", text)
        text = drug_rx.sub(lambda m: rng.choice(DRUGS), text)
        out.append(f"Note {i}. " + text)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=500)
    args = ap.parse_args()
    texts = corpus(args.n)
    t0 = time.process_time()
    extract_note("warm-up: sertraline 50 mg daily, mother takes lithium. Psychotherapy 30 min.")
    warm = time.process_time() - t0

    t0 = time.process_time()
    for i in range(0, len(texts), args.batch):
        extract_notes(texts[i : i + args.batch])
    batch_s = time.process_time() - t0

    single = texts[: min(1000, len(texts))]
    single = [t + f" ref{j}" for j, t in enumerate(single)]
    t0 = time.process_time()
    for t in single:
        extract_note(t)
    single_s = time.process_time() - t0

    chars = sum(len(t) for t in texts)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    res = {
        "notes": len(texts),
        "mean_chars": round(chars / len(texts)),
        "batch_mb_per_s": round(mb / batch_s, 3),
        "batch_notes_per_s": round(len(texts) / batch_s, 1),
        "single_notes_per_s": round(len(single) / single_s, 1),
        "warm_up_s": round(warm, 3),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus_visible": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "timer": "process CPU time (one core)",
    }
    out = ROOT / "bench" / "results" / "notes.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))
    print(
        f"{res['batch_mb_per_s']:.2f} MB/s, {res['batch_notes_per_s']:.0f} notes/s (batched), "
        f"{res['single_notes_per_s']:.0f} notes/s (one by one)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
