"""What a rule sees: the normalized lines of the whole batch, plus helpers.

Encounter look-ups ("does this line's encounter have an E/M code?") are the rules'
main cost, so they are computed once: each code set the rules ask about gets a bit,
each line carries the bits of its code (``_mask``) and the OR of its encounter's
bits (``_enc_mask``). ``_enc`` is a 64-bit hash of (patient, date, provider): two
different encounters share a hash with probability ~n²/2⁶⁵ (3e-8 for a million lines).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property

import polars as pl

from claimscrub.knowledge import Knowledge, knowledge
from claimscrub.model import ENCOUNTER
from claimscrub.policies import Policy

ENC = "_enc"


@cache
def encounter_sets() -> tuple[frozenset[str], ...]:
    """Every code set a rule asks about at encounter level (families, primaries, exclusions)."""
    kb = knowledge()
    sets = {*kb.families.values(), *kb.addons.values()}
    for codes, not_with in kb.exclusions.values():
        sets |= {codes, not_with}
    ordered = sorted(sets, key=lambda s: (len(s), sorted(s)))
    if len(ordered) > 64:  # pragma: no cover - guards a data change
        raise ValueError("more than 64 encounter code sets; widen _mask")
    return tuple(ordered)


@cache
def _code_bits() -> dict[str, int]:
    bits: dict[str, int] = {}
    for i, codes in enumerate(encounter_sets()):
        for code in codes:
            bits[code] = bits.get(code, 0) | (1 << i)
    return bits


def with_encounter_id(lines: pl.DataFrame) -> pl.DataFrame:
    """Adds ``_enc`` (encounter id), ``_mask`` and ``_enc_mask`` (code-set bits)."""
    return lines.with_columns(
        pl.struct(ENCOUNTER).hash(seed=0).alias(ENC),
        pl.col("cpt").replace_strict(_code_bits(), default=0, return_dtype=pl.UInt64).alias("_mask"),
    ).with_columns(pl.col("_mask").bitwise_or().over(ENC).alias("_enc_mask"))


@dataclass
class Context:
    lines: pl.DataFrame  # canonical frame + _enc, _mask, _enc_mask
    policies: dict[str, Policy]
    kb: Knowledge = field(default_factory=knowledge)
    note_facts: pl.DataFrame | None = None  # claim_id + note elements (see claimscrub.notes)

    @property
    def lf(self) -> pl.LazyFrame:
        return self.lines.lazy()

    @cached_property
    def present_codes(self) -> frozenset[str]:
        """The distinct codes of the batch (rules with none of their codes here are skipped)."""
        return frozenset(self.lines.get_column("cpt").drop_nulls().unique().to_list())

    def codes(self, *names: str) -> list[str]:
        return sorted(self.kb.codes(*names))

    def is_code(self, *names: str) -> pl.Expr:
        return pl.col("cpt").is_in(self.codes(*names))

    def encounter_has(self, codes: Iterable[str]) -> pl.Expr:
        """True on every line whose encounter has a line with one of ``codes``."""
        wanted = frozenset(codes)
        sets = encounter_sets()
        if wanted in sets:
            bit = 1 << sets.index(wanted)
            return (pl.col("_enc_mask") & pl.lit(bit, dtype=pl.UInt64)) != 0
        return pl.col("cpt").is_in(sorted(wanted)).any().over(ENC)

    def first_code_of(self, codes: Iterable[str], hits: pl.LazyFrame) -> pl.LazyFrame:
        """``hits`` plus ``_other``: the first line (input order) of the hit's encounter whose
        code is one of ``codes``. Computed after filtering, so it costs little."""
        others = (
            self.lf.filter(pl.col("cpt").is_in(sorted(codes)))
            .group_by(ENC)
            .agg(pl.col("cpt").sort_by("_row").first().alias("_other"))
        )
        return hits.join(others, on=ENC, how="left")
