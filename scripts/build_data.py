"""Rebuild the package data files derived from public source files in ../shared/domain/data.

    python scripts/build_data.py [--shared ../shared]

Writes src/claimscrub/data/taxonomy_credentials.csv (NUCC taxonomy -> credential) and
src/claimscrub/data/medicare_status.csv (CMS PFS status indicator per HCPCS code).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "claimscrub" / "data"

# NUCC classification -> canonical credential (spec §1). Facilities map to nothing.
CLASSIFICATION_CREDENTIAL = {
    "Psychologist": "PSYCHOLOGIST",
    "Clinical Neuropsychologist": "PSYCHOLOGIST",
    "Nurse Practitioner": "NP",
    "Clinical Nurse Specialist": "CNS",
    "Physician Assistant": "PA",
    "Social Worker": "LCSW",
    "Counselor": "LPC",
    "Marriage & Family Therapist": "LMFT",
}
GROUPING_CREDENTIAL = {
    "Allopathic & Osteopathic Physicians": "MD",
    "Behavioral Health & Social Service Providers": "OTHER",
    "Nursing Service Providers": "OTHER",
    "Pharmacy Service Providers": "OTHER",
}


def build_taxonomy(shared: Path) -> int:
    src = shared / "domain/data/nucc/nucc_taxonomy_251_behavioral_subset.csv"
    rows = []
    with src.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            cred = CLASSIFICATION_CREDENTIAL.get(rec["Classification"]) or GROUPING_CREDENTIAL.get(
                rec["Grouping"]
            )
            if cred:
                rows.append((rec["Code"], cred, rec["Display Name"]))
    out = DATA / "taxonomy_credentials.csv"
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["taxonomy", "credential", "display_name"])
        w.writerows(sorted(rows))
    return len(rows)


def build_medicare_status(shared: Path) -> int:
    src = shared / "domain/data/cms_pfs_2025/pprrvu2025_oct_behavioral.csv"
    seen: dict[str, str] = {}
    with src.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            if not rec["mod"]:
                seen.setdefault(rec["hcpcs"], rec["status"])
    out = DATA / "medicare_status.csv"
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code", "status"])
        w.writerows(sorted(seen.items()))
    return len(seen)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    args = ap.parse_args()
    print("taxonomy rows:", build_taxonomy(args.shared))
    print("medicare status rows:", build_medicare_status(args.shared))


if __name__ == "__main__":
    main()
