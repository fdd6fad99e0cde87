"""The shapes everything else agrees on: claim-line columns and finding columns.

Readers (CSV, X12 837P, FHIR) produce a *raw* frame: every spec column as a string
(missing ones absent or null) plus ``_source`` (file name) and ``_line`` (line or
segment number where the service line starts). :func:`claimscrub.normalize.normalize`
turns a raw frame into the *canonical* frame the rules read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import polars as pl

#: Spec §1 input columns, in order.
INPUT_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "line_no",
    "patient_id",
    "service_date",
    "payer",
    "provider_npi",
    "provider_credential",
    "provider_taxonomy",
    "provider_state",
    "provider_rx_authority",
    "cpt",
    "modifiers",
    "units",
    "minutes",
    "pos",
    "icd10",
    "charge",
    "note",
)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "patient_id",
    "service_date",
    "provider_npi",
    "cpt",
)
PROVIDER_COLUMNS: tuple[str, ...] = tuple(c for c in INPUT_COLUMNS if c.startswith("provider_"))

#: Where a raw line came from: file name and line (CSV) or segment number (X12).
SOURCE_COLUMNS: tuple[str, ...] = ("_source", "_line")

#: Columns of one encounter: "same encounter" in the spec.
ENCOUNTER: list[str] = ["patient_id", "service_date", "provider_npi"]

#: Canonical frame schema (after normalize).
CANONICAL_SCHEMA: dict[str, pl.DataType] = {
    "_row": pl.UInt32(),  # input order across all files
    "_source": pl.String(),
    "_line": pl.Int64(),
    "claim_id": pl.String(),
    "line_no": pl.Int64(),
    "patient_id": pl.String(),
    "service_date": pl.Date(),
    "payer": pl.String(),  # as given, lower-cased
    "policy": pl.String(),  # resolved payer policy name
    "provider_npi": pl.String(),
    "provider_credential": pl.String(),  # canonical: MD DO NP CNS PA PSYCHOLOGIST LCSW ...
    "provider_taxonomy": pl.String(),
    "provider_state": pl.String(),
    "provider_rx_authority": pl.Boolean(),
    "provider_class": pl.String(),  # credential class, see data/credentials.yaml
    "locality": pl.String(),
    "cpt": pl.String(),
    "modifiers": pl.String(),  # sorted, ':'-joined, '' when none
    "units": pl.Int64(),
    "minutes": pl.Int64(),
    "pos": pl.String(),
    "icd10": pl.String(),  # ";"-joined, upper case, no dots
    "charge": pl.Decimal(14, 2),
    "note": pl.String(),  # claim-level note text (first non-empty of the claim)
}


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


#: Columns of a findings frame, in output order.
FINDING_COLUMNS: tuple[str, ...] = (
    "rule",
    "severity",
    "claim_id",
    "line_no",
    "code",
    "message",
    "fix",
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding, as the single-claim API and the JSON output show it."""

    rule: str
    severity: str
    claim_id: str
    line_no: int
    code: str
    message: str
    fix: str

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "claim_id": self.claim_id,
            "line_no": self.line_no,
            "code": self.code,
            "message": self.message,
            "fix": self.fix,
        }
