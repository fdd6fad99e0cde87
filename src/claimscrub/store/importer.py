"""``claimscrub import``: check claim files and store batch + lines + findings + prices, and
store 835 remittances, all in one transaction.

Idempotent: a batch is keyed by the SHA-256 of its inputs (claim files, the notes it read, the
provider roster), an 835 by the SHA-256 of its bytes; importing the same inputs again stores
nothing and says so.  Bulk inserts: PostgreSQL ``COPY``, SQLite ``executemany``; no ORM object
per line.  After storing, remittance rows not yet linked are matched to stored lines on claim
id + procedure code + service date (the newest batch wins when a claim was imported twice).

Test hook: when ``$CLAIMSCRUB_IMPORT_PAUSE`` names a file, the import creates that file after
inserting the lines (before commit) and sleeps, so a test can kill it mid-transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine, Table, select, text
from sqlalchemy.exc import IntegrityError

from claimscrub.errors import InputError
from claimscrub.readers.source import MAX_NOTE_BYTES, is_stdin, read_bounded, read_regular
from claimscrub.readers.x12_835 import Remittance835, is_835, read_835
from claimscrub.store import write_failure
from claimscrub.store.models import Adjustment, Batch, FindingRow, Line, Price, Remittance, RemittanceFile

NOTE_ELEMENTS = (
    "medication",
    "action",
    "response",
    "side_effects",
    "adherence",
    "rationale",
    "not_performed",
)


@dataclass
class ImportReport:
    batch_id: int | None = None
    batch_new: bool = False
    lines: int = 0
    findings: int = 0
    summary: dict | None = None
    remittances: list[tuple[str, int | None, bool, int]] = field(default_factory=list)  # name, id, new, rows
    linked: int = 0

    def messages(self) -> list[str]:
        out = []
        if self.batch_id is not None:
            if self.batch_new:
                out.append(f"stored batch {self.batch_id}: {self.lines} line(s), {self.findings} finding(s)")
            else:
                out.append(f"already stored as batch {self.batch_id}: nothing imported")
        for name, rid, new, rows in self.remittances:
            if new:
                out.append(f"stored remittance {name} (#{rid}): {rows} payment row(s)")
            else:
                out.append(f"remittance {name} already stored (#{rid}): nothing imported")
        if self.linked:
            out.append(f"linked {self.linked} remittance row(s) to stored lines")
        return out


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(path: Path) -> bytes:
    if is_stdin(path):
        return read_bounded(path)
    if not path.exists():
        raise InputError(str(path), "file not found")
    if path.is_dir():
        raise InputError(str(path), "is a folder, not a file")
    return read_bounded(path)  # within the input limit: /dev/zero is an error, not a hang


def batch_hash(paths: Sequence[Path], notes_dir: Path | None, providers: Path | None) -> str:
    """Content hash of a claim batch: the files' bytes (order does not matter), the notes
    folder's ``*.txt`` files and the provider roster."""
    parts = sorted(_sha(_read(p)) for p in paths)
    if notes_dir is not None and notes_dir.is_dir():
        notes = [
            (p.name, read_regular(p, what="note", limit=MAX_NOTE_BYTES)) for p in notes_dir.glob("*.txt")
        ]
        digests = sorted(name + _sha(data) for name, data in notes if data is not None)  # as attach_notes_dir
        parts.append("notes:" + _sha("".join(digests).encode()))
    if providers is not None:
        parts.append("roster:" + _sha(_read(providers)))
    return _sha("\n".join(parts).encode())


def split_inputs(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """(claim files, 835 files), by content."""
    claims, remits = [], []
    for p in paths:
        (remits if is_835(p) else claims).append(p)
    return claims, remits


# --------------------------------------------------------------------------- bulk insert


def bulk_insert(conn: Connection, table: Table, df: pl.DataFrame) -> None:
    """Insert every row of ``df`` (columns named as the table's) in one statement stream."""
    if df.height == 0:
        return
    cols = df.columns
    if conn.dialect.name == "postgresql":
        from psycopg import sql

        raw = conn.connection.driver_connection
        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in cols)
        )
        with raw.cursor() as cur, cur.copy(stmt) as copy:
            for row in df.iter_rows():
                copy.write_row(row)
        return
    if conn.dialect.name == "sqlite":
        # plain DB-API executemany over tuples: dates as ISO text, money as exact decimal
        # text, booleans as 0/1 -- what SQLAlchemy's SQLite types read back
        conv = df.with_columns(
            [
                pl.col(c).dt.strftime("%Y-%m-%d")
                if isinstance(t, pl.Date)
                else pl.col(c).cast(pl.String)
                if isinstance(t, pl.Decimal)
                else pl.col(c).cast(pl.Int8)
                if t == pl.Boolean
                else pl.col(c).cast(pl.Int64)
                if t.is_integer()
                else pl.col(c)
                for c, t in df.schema.items()
            ]
        )
        names = ", ".join(f'"{c}"' for c in cols)
        marks = ", ".join("?" for _ in cols)
        cur = conn.connection.driver_connection.cursor()
        try:
            cur.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', conv.iter_rows())
        finally:
            cur.close()
        return
    conn.execute(table.insert(), df.to_dicts())


def line_frame(result, batch_id: int) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """Canonical lines without the note text, with the claim's note elements."""
    lines = result.lines
    facts = result.note_facts
    base = lines.select(
        pl.lit(batch_id, dtype=pl.Int64).alias("batch_id"),
        pl.col("_row").cast(pl.Int64).alias("row_no"),
        pl.col("_source").alias("source"),
        pl.col("_line").alias("source_line"),
        *[
            c
            for c in lines.columns
            if c in Line.__table__.c and c not in ("batch_id", "row_no", "note", "source", "source_line")
        ],
        pl.col("note").is_not_null().alias("has_note"),
    )
    if facts is not None and facts.height:
        f = facts.unique("claim_id").select(
            "claim_id",
            *[pl.col(e).alias(f"note_{e}") for e in NOTE_ELEMENTS],
            pl.col("therapy_minutes").alias("note_therapy_minutes"),
        )
        base = base.join(f, on="claim_id", how="left", maintain_order="left")
        # elements belong to claims that have a note on these lines
        base = base.with_columns(
            [pl.when(pl.col("has_note")).then(pl.col(c)).alias(c) for c in f.columns if c != "claim_id"]
        )
    else:
        base = base.with_columns(
            *[pl.lit(None, dtype=pl.Boolean).alias(f"note_{e}") for e in NOTE_ELEMENTS],
            pl.lit(None, dtype=pl.Int64).alias("note_therapy_minutes"),
        )
    return base


def _summary(result, priced: pl.DataFrame) -> dict:  # type: ignore[no-untyped-def]
    from claimscrub.pricing import jsonable, money_at_risk

    risk = money_at_risk(result.lines, priced, result.findings)
    risk.pop("by_provider", None)
    return {**result.summary, "money": jsonable(risk)}


def _pause_hook() -> None:
    marker = os.environ.get("CLAIMSCRUB_IMPORT_PAUSE")
    if marker:
        Path(marker).write_text(str(os.getpid()))
        time.sleep(float(os.environ.get("CLAIMSCRUB_IMPORT_PAUSE_SECONDS", "120")))


def _store_batch(
    conn: Connection, result, priced: pl.DataFrame, files: list[str], digest: str
) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    batch_id = conn.execute(
        Batch.__table__.insert()
        .values(
            content_hash=digest,
            files=json.dumps(files),
            created_at=dt.datetime.now(dt.UTC),
            summary=json.dumps(_summary(result, priced)),
            n_lines=result.lines.height,
        )
        .returning(Batch.__table__.c.id)
    ).scalar_one()
    bulk_insert(conn, Line.__table__, line_frame(result, batch_id))
    _pause_hook()
    findings = result.findings.select(
        pl.lit(batch_id, dtype=pl.Int64).alias("batch_id"),
        pl.col("_row").cast(pl.Int64).alias("row_no"),
        "rule",
        "severity",
        "claim_id",
        "line_no",
        "code",
        "message",
        "fix",
    )
    bulk_insert(conn, FindingRow.__table__, findings)
    prices = priced.select(
        pl.lit(batch_id, dtype=pl.Int64).alias("batch_id"),
        pl.col("_row").cast(pl.Int64).alias("row_no"),
        "expected_payment",
        "unit_price",
        "price_status",
        "price_basis",
    )
    bulk_insert(conn, Price.__table__, prices)
    return batch_id, findings.height


def _store_remittance(conn: Connection, remit: Remittance835, name: str, digest: str) -> int:
    file_id = conn.execute(
        RemittanceFile.__table__.insert()
        .values(
            content_hash=digest,
            file_name=name,
            created_at=dt.datetime.now(dt.UTC),
            n_rows=len(remit.rows),
        )
        .returning(RemittanceFile.__table__.c.id)
    ).scalar_one()
    rows = [{"file_id": file_id, **r.to_dict()} for r in remit.rows]
    if rows:
        conn.execute(Remittance.__table__.insert(), rows)
    adjs = [{"file_id": file_id, **a.to_dict()} for a in remit.adjustments]
    if adjs:
        conn.execute(Adjustment.__table__.insert(), adjs)
    return file_id


LINK_SQL = """
UPDATE remittances SET
  line_batch_id = (SELECT l.batch_id FROM lines l
                   WHERE l.claim_id = remittances.claim_id AND l.cpt = remittances.cpt
                     AND (remittances.service_date IS NULL OR l.service_date = remittances.service_date)
                   ORDER BY l.batch_id DESC, l.row_no LIMIT 1),
  line_row_no = (SELECT l.row_no FROM lines l
                 WHERE l.claim_id = remittances.claim_id AND l.cpt = remittances.cpt
                   AND (remittances.service_date IS NULL OR l.service_date = remittances.service_date)
                 ORDER BY l.batch_id DESC, l.row_no LIMIT 1)
WHERE level = 'service' AND line_batch_id IS NULL AND cpt IS NOT NULL
"""


def link_remittances(conn: Connection) -> int:
    """Link unlinked service payments to stored lines; returns how many got a line."""
    conn.execute(text(LINK_SQL))
    return int(
        conn.execute(
            text("SELECT count(*) FROM remittances WHERE level = 'service' AND line_batch_id IS NOT NULL")
        ).scalar_one()
    )


def import_paths(
    engine: Engine, paths: Sequence[Path], options=None, *, result=None, _retry: bool = True
) -> ImportReport:  # type: ignore[no-untyped-def]
    """Check and store the claim files of ``paths`` as one batch, and store its 835 files.

    ``result``: the CheckResult of exactly those claim files when the caller already has it
    (``claimscrub check --store``), so the batch is not checked twice."""
    from claimscrub.pricing import price_lines
    from claimscrub.service import CheckOptions, check_paths

    options = options or CheckOptions()
    paths = [Path(p) for p in paths]
    for p in paths:
        _read(p)
    claims, remits = split_inputs(paths)
    report = ImportReport()
    batch_digest = batch_hash(claims, options.notes_dir, options.providers) if claims else None
    remit_digests = [(p, _sha(_read(p))) for p in remits]

    with engine.connect() as conn:
        known_batch = (
            conn.execute(select(Batch.id).where(Batch.content_hash == batch_digest)).scalar_one_or_none()
            if batch_digest
            else None
        )
        known_remits = {
            h: i
            for i, h in conn.execute(
                select(RemittanceFile.id, RemittanceFile.content_hash).where(
                    RemittanceFile.content_hash.in_([h for _, h in remit_digests] or [""])
                )
            )
        }
        linked_before = int(
            conn.execute(
                text("SELECT count(*) FROM remittances WHERE level = 'service' AND line_batch_id IS NOT NULL")
            ).scalar_one()
        )

    priced = None
    if claims and known_batch is None:
        result = result if result is not None else check_paths(claims, options)
        priced = result.prices if result.prices is not None else price_lines(result.lines)
    parsed = [(p, h, read_835(p)) for p, h in remit_digests if h not in known_remits]

    try:
        with engine.begin() as conn:
            if claims:
                if known_batch is None:
                    batch_id, nf = _store_batch(conn, result, priced, [str(p) for p in claims], batch_digest)
                    report.batch_id, report.batch_new = batch_id, True
                    report.lines, report.findings = result.lines.height, nf
                    report.summary = result.summary
                else:
                    report.batch_id = known_batch
            for p, h in remit_digests:
                if h in known_remits:
                    report.remittances.append((str(p), known_remits[h], False, 0))
            for p, h, remit in parsed:
                fid = _store_remittance(conn, remit, str(p), h)
                report.remittances.append((str(p), fid, True, len(remit.rows)))
            report.linked = link_remittances(conn) - linked_before
    except IntegrityError:
        if not _retry:
            raise
        # another import stored the same content meanwhile: nothing of ours was committed
        return import_paths(engine, paths, options, result=result, _retry=False)
    except Exception as exc:
        # bulk inserts go through the driver's cursor: its errors (disk full, I/O) are not
        # SQLAlchemy's; the transaction above was rolled back either way
        failure = write_failure(exc, engine.url.render_as_string(hide_password=False))
        if failure is None:
            raise
        raise failure from None
    return report
