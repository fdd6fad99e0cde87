"""What a rule sees: the normalized lines of the whole batch, plus helpers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from claimscrub.knowledge import Knowledge, knowledge
from claimscrub.model import ENCOUNTER
from claimscrub.policies import Policy

ENC = "_enc"


def with_encounter_id(lines: pl.DataFrame) -> pl.DataFrame:
    """Adds ``_enc``: one integer per encounter (patient, date, provider) across the input."""
    return lines.with_columns(pl.struct(ENCOUNTER).rank("dense").cast(pl.UInt32).alias(ENC))


@dataclass
class Context:
    lines: pl.DataFrame  # canonical frame + _enc
    policies: dict[str, Policy]
    kb: Knowledge = field(default_factory=knowledge)
    note_facts: pl.DataFrame | None = None  # claim_id + note elements (see claimscrub.notes)

    @property
    def lf(self) -> pl.LazyFrame:
        return self.lines.lazy()

    def codes(self, *names: str) -> list[str]:
        return sorted(self.kb.codes(*names))

    def is_code(self, *names: str) -> pl.Expr:
        return pl.col("cpt").is_in(self.codes(*names))

    def encounter_has(self, codes: Iterable[str]) -> pl.Expr:
        """True on every line whose encounter has a line with one of ``codes``."""
        return pl.col("cpt").is_in(sorted(codes)).any().over(ENC)

    def claim_first_row(self) -> pl.Expr:
        """True on the first line (input order) of each claim."""
        return pl.col("_row") == pl.col("_row").min().over("claim_id")
