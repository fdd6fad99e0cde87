"""Random claim batches (hypothesis) and helpers shared by the Spark and streaming tests."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
from hypothesis import strategies as st

from claimscrub.model import INPUT_COLUMNS

KEYS = ["_row", "rule", "severity", "claim_id", "line_no", "code", "message", "fix"]

NOTES = [
    "",
    "",
    "Psychotherapy 10:05-10:50 (45 minutes). Sertraline 100 mg: continue, tolerating well, no side effects.",
    "Medication management was not performed at this visit. CBT 30 minutes.",
    "Follow-up visit, mood stable.",
]

line_st = st.fixed_dictionaries(
    {
        "claim_id": st.sampled_from(["A", "B", "C", "D", "E", "F"]),
        "line_no": st.sampled_from(["", "", "1", "2", "3"]),
        "patient_id": st.sampled_from(["P1", "P2", "P3", " P1"]),
        "service_date": st.sampled_from(["2026-03-02", "2026-03-03"]),
        "payer": st.sampled_from(["commercial", "medicare", "tricare", "Medicaid", ""]),
        "provider_npi": st.sampled_from(["1234567893", "1987654328", "1234567890"]),
        "provider_credential": st.sampled_from(["PSYCHOLOGIST", "MD", "LCSW", "PMHNP", ""]),
        "provider_taxonomy": st.sampled_from(["", "", "103T00000X"]),
        "provider_state": st.sampled_from(["NM", "NY", ""]),
        "provider_rx_authority": st.sampled_from(["yes", "no", ""]),
        "cpt": st.sampled_from(
            [
                "90834",
                "90863",
                "90832",
                "90837",
                "90833",
                "90836",
                "99214",
                "90839",
                "90840",
                "90785",
                "90791",
            ]
        ),
        "modifiers": st.sampled_from(["", "", "59", "XU:59", "59 XU"]),
        "units": st.sampled_from(["", "1", "1", "2"]),
        "minutes": st.sampled_from(["", "10", "30", "45", "60"]),
        "pos": st.sampled_from(["11", "52"]),
        "icd10": st.sampled_from(["F33.1", "F41", "Z00.00", "F33.1;F41;F41.0", ""]),
        "charge": st.sampled_from(["100.00", ""]),
        "note": st.sampled_from(NOTES),
    }
)

#: (file index, line) pairs: lines of one claim or encounter scatter over up to 3 files.
batch_st = st.lists(st.tuples(st.integers(0, 2), line_st), min_size=1, max_size=40)


def write_csv(path: Path, lines: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(INPUT_COLUMNS))
        w.writeheader()
        for ln in lines:
            w.writerow({c: ln.get(c, "") for c in INPUT_COLUMNS})
    return path


def write_files(tmp: Path, pairs: list[tuple[int, dict[str, str]]]) -> list[Path]:
    files = []
    for i in sorted({f for f, _ in pairs}):
        files.append(write_csv(tmp / f"in{i}.csv", [ln for f, ln in pairs if f == i]))
    return files


def canon(findings: pl.DataFrame) -> pl.DataFrame:
    """Findings in the output order, with ties broken by message.

    The output order is ``(_row, rule)``. Two findings of one rule on one line (DX002
    with two bad codes) have no defined order: the embedded engine's final
    ``sort(["_row", "rule"])`` in ``engine/runner.py`` is not stable, so even the embedded
    engine orders them differently depending on the batch around them."""
    return findings.sort(["_row", "rule", "message", "fix"], maintain_order=True)


def rows(findings: pl.DataFrame) -> list[tuple]:
    assert findings["_row"].is_sorted(), "findings are not in input order"
    return [tuple(r) for r in canon(findings).select(KEYS).iter_rows()]
