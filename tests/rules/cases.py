"""Loads tests/rules/cases/<RULE>.yaml: per-rule cases of claim lines and expected findings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

CASES_DIR = Path(__file__).parent / "cases"

DEFAULT_LINE = {
    "claim_id": "C1",
    "patient_id": "P1",
    "service_date": "2026-03-02",
    "payer": "commercial",
    "provider_npi": "1234567893",
    "provider_credential": "PSYCHOLOGIST",
    "provider_state": "NM",
    "provider_rx_authority": "yes",
    "units": "1",
    "pos": "11",
    "icd10": "F33.1",
}


@dataclass
class Case:
    rule: str
    name: str
    lines: list[dict[str, str]]
    expect: list[dict[str, str]]  # {"at": "C1:2", optional severity/message/fix substrings}
    policies: str | None = None

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.name}"


def _line(raw: dict, defaults: dict) -> dict[str, str]:
    merged = {**DEFAULT_LINE, **defaults, **raw}
    return {k: ("" if v is None else str(v)) for k, v in merged.items()}


def load_cases() -> list[Case]:
    out: list[Case] = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        defaults = doc.get("defaults", {})
        for c in doc["cases"]:
            expect = [e if isinstance(e, dict) else {"at": e} for e in c.get("expect", [])]
            out.append(
                Case(
                    rule=doc["rule"],
                    name=c["name"],
                    lines=[_line(raw, defaults) for raw in c["lines"]],
                    expect=expect,
                    policies=c.get("policies"),
                )
            )
    return out
