"""Generates a realistic synthetic claim batch (spec §1 CSV) of N lines, fast (NumPy).

    python bench/gen_batch.py 1000000 /tmp/batch_1m.csv [--seed 7]

Encounters of 1-3 lines: prescribing psychologists (90834 + 90863), psychiatrists and NPs
(99214 + 90836, some 90834 + 90863), therapists (90837), with a few percent of typical
errors: minutes that do not fit, two units, duplicate lines, a category-only ICD-10 code.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import polars as pl


def luhn_npi(base: np.ndarray) -> np.ndarray:
    """Valid NPIs from 9-digit bases (Luhn with the 80840 prefix)."""
    digits = np.stack([(base // 10 ** (8 - i)) % 10 for i in range(9)], axis=1)
    doubled = digits[:, ::2] * 2
    total = 24 + (doubled // 10 + doubled % 10).sum(axis=1) + digits[:, 1::2].sum(axis=1)
    check = (10 - total % 10) % 10
    return base * 10 + check


# (credential, state, rx, codes of the encounter, minutes of the psychotherapy line)
TEMPLATES = [
    ("PSYCHOLOGIST", "NM", "yes", ["90834", "90863"], 45),
    ("PSYCHOLOGIST", "LA", "yes", ["90837", "90863"], 55),
    ("MD", "NY", "yes", ["99214", "90836"], 40),
    ("NP", "CA", "yes", ["99213", "90833"], 25),
    ("MD", "TX", "yes", ["90834", "90863"], 45),
    ("LCSW", "NY", "", ["90837"], 58),
    ("LPC", "TX", "", ["90834"], 50),
    ("PSYCHOLOGIST", "IL", "no", ["90832"], 30),
]
WEIGHTS = np.array([0.12, 0.06, 0.2, 0.1, 0.05, 0.25, 0.15, 0.07])


def generate(n_lines: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n_enc = int(n_lines / 1.4) + 10
    tpl = rng.choice(len(TEMPLATES), size=n_enc, p=WEIGHTS / WEIGHTS.sum())
    sizes = np.array([len(TEMPLATES[t][3]) for t in tpl])
    enc = np.repeat(np.arange(n_enc), sizes)[:n_lines]
    pos_in_enc = np.concatenate([np.arange(s) for s in sizes])[:n_lines]
    t_line = tpl[enc]
    providers = luhn_npi(rng.integers(100_000_000, 199_999_999, size=2000))
    prov = providers[rng.integers(0, len(providers), size=n_enc)][enc]
    patient = rng.integers(1, max(n_enc // 3, 2), size=n_enc)[enc]
    day = rng.integers(1, 29, size=n_enc)[enc]
    code = np.array(
        [TEMPLATES[t][3][min(p, len(TEMPLATES[t][3]) - 1)] for t, p in zip(t_line, pos_in_enc, strict=True)]
    )
    minutes = np.array([TEMPLATES[t][4] for t in t_line])[:n_lines]
    timed = np.isin(code, ["90832", "90833", "90834", "90836", "90837", "90838"])
    noise = rng.random(n_lines)
    minutes = np.where(noise < 0.03, minutes + 12, minutes)  # PT002
    units = np.where((noise > 0.03) & (noise < 0.045), 2, 1)  # UN001
    icd = np.where(rng.random(n_lines) < 0.02, "F33.1;F41", "F33.1;F41.1")  # DX002
    cred = np.array([TEMPLATES[t][0] for t in t_line])
    df = pl.DataFrame(
        {
            "claim_id": pl.Series(enc).cast(pl.String).str.zfill(9),
            "line_no": pos_in_enc + 1,
            "patient_id": pl.Series(patient).cast(pl.String),
            "service_date": np.char.add("2026-03-", np.char.zfill(day.astype(str), 2)),
            "payer": np.where(rng.random(n_enc) < 0.2, "medicare", "commercial")[enc],
            "provider_npi": pl.Series(prov).cast(pl.String),
            "provider_credential": cred,
            "provider_state": np.array([TEMPLATES[t][1] for t in t_line]),
            "provider_rx_authority": np.array([TEMPLATES[t][2] for t in t_line]),
            "cpt": code,
            "modifiers": "",
            "units": units,
            "minutes": pl.Series(np.where(timed, minutes, -1)).cast(pl.String).replace("-1", ""),
            "pos": "11",
            "icd10": icd,
            "charge": "150.00",
        }
    )
    dup = rng.random(n_lines) < 0.01  # DU001: copy some lines
    return pl.concat([df, df.filter(pl.Series(dup))]).head(n_lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("lines", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    generate(a.lines, a.seed).write_csv(a.out)
    print(f"wrote {a.lines:,} lines to {a.out}")


if __name__ == "__main__":
    main()
