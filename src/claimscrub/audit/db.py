"""Reading store tables into Polars frames (same code for SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
from sqlalchemy import Engine, text

LINE_COLUMNS = (
    "batch_id, row_no, claim_id, line_no, patient_id, service_date, payer, policy, provider_npi, "
    "provider_credential, provider_state, provider_rx_authority, provider_class, cpt, modifiers, units, "
    "minutes, pos, charge, has_note, note_medication, note_action, note_response, note_side_effects, "
    "note_adherence, note_rationale, note_not_performed, note_therapy_minutes"
)


def query(engine: Engine, sql: str, schema: dict[str, pl.DataType], **params: object) -> pl.DataFrame:
    """Rows of ``sql`` as a frame with exactly ``schema`` (column order = SELECT order)."""
    with engine.connect() as conn:
        rows = conn.execute(text(sql), params).all()
    cols = list(schema)
    data: dict[str, list] = {c: [] for c in cols}
    for row in rows:
        for c, v in zip(cols, row, strict=True):
            data[c].append(v)
    out = {}
    for c, t in schema.items():
        vals = data[c]
        if t == pl.Float64:
            vals = [None if v is None else float(v) for v in vals]
        elif t == pl.Boolean:
            vals = [None if v is None else bool(v) for v in vals]
        elif t == pl.Date:
            vals = [_date(v) for v in vals]
        elif isinstance(t, pl.Decimal):
            vals = [None if v is None else Decimal(str(v)) for v in vals]
        out[c] = pl.Series(c, vals, dtype=t)
    return pl.DataFrame(out, schema=schema)


def _date(v):  # type: ignore[no-untyped-def]
    import datetime as dt

    if v is None or isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


LINE_SCHEMA: dict[str, pl.DataType] = {
    "batch_id": pl.Int64(),
    "row_no": pl.Int64(),
    "claim_id": pl.String(),
    "line_no": pl.Int64(),
    "patient_id": pl.String(),
    "service_date": pl.Date(),
    "payer": pl.String(),
    "policy": pl.String(),
    "provider_npi": pl.String(),
    "provider_credential": pl.String(),
    "provider_state": pl.String(),
    "provider_rx_authority": pl.Boolean(),
    "provider_class": pl.String(),
    "cpt": pl.String(),
    "modifiers": pl.String(),
    "units": pl.Int64(),
    "minutes": pl.Int64(),
    "pos": pl.String(),
    "charge": pl.Float64(),
    "has_note": pl.Boolean(),
    "note_medication": pl.Boolean(),
    "note_action": pl.Boolean(),
    "note_response": pl.Boolean(),
    "note_side_effects": pl.Boolean(),
    "note_adherence": pl.Boolean(),
    "note_rationale": pl.Boolean(),
    "note_not_performed": pl.Boolean(),
    "note_therapy_minutes": pl.Int64(),
}

FINDING_SCHEMA: dict[str, pl.DataType] = {
    "batch_id": pl.Int64(),
    "row_no": pl.Int64(),
    "rule": pl.String(),
    "severity": pl.String(),
}


def load_lines(engine: Engine, where: str = "", **params: object) -> pl.DataFrame:
    sql = f"SELECT {LINE_COLUMNS} FROM lines {where}"
    return query(engine, sql, LINE_SCHEMA, **params)


def load_findings(engine: Engine) -> pl.DataFrame:
    return query(engine, "SELECT batch_id, row_no, rule, severity FROM findings", FINDING_SCHEMA)


def load_prices(engine: Engine) -> pl.DataFrame:
    return query(
        engine,
        "SELECT batch_id, row_no, expected_payment, price_status FROM prices",
        {
            "batch_id": pl.Int64(),
            "row_no": pl.Int64(),
            "expected_payment": pl.Decimal(14, 2),
            "price_status": pl.String(),
        },
    )
