"""Note elements (spec §3) for the claims of a batch, as a frame the DC rules join on.

Each distinct note is read once by :mod:`claimscrub.notes`; the note text never leaves
this function except as booleans and minutes.
"""

from __future__ import annotations

import polars as pl

from claimscrub.rules._notes import NOTE_ELEMENTS, NOTE_FACT_SCHEMA


def facts_frame(notes: pl.DataFrame) -> pl.DataFrame:
    """``notes``: columns claim_id, note -> claim_id + §3 elements."""
    from claimscrub.notes import extract_notes

    distinct = notes.select("note").unique(maintain_order=True)
    facts = extract_notes(distinct["note"].to_list())
    cols: dict[str, list] = {e: [getattr(f, e) for f in facts] for e in NOTE_ELEMENTS}
    cols["not_performed"] = [f.not_performed for f in facts]
    cols["therapy_minutes"] = [f.therapy_minutes for f in facts]
    table = distinct.with_columns([pl.Series(k, v, dtype=NOTE_FACT_SCHEMA[k]) for k, v in cols.items()])
    return notes.join(table, on="note", how="left").select(list(NOTE_FACT_SCHEMA))
