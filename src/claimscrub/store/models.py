"""Tables of the claim history store (SQLAlchemy 2 declarative models).

Lines keep the canonical columns (``claimscrub.model.CANONICAL_SCHEMA``) except the note
text: only the note's spec §3 elements are stored (``note_*`` columns, per claim, repeated on
each line of the claim).  A line is identified by ``(batch_id, row_no)`` where ``row_no`` is
the ``_row`` of the check, so findings and prices can be bulk-inserted without a round trip
for generated ids.  Remittance rows (835) are identified by ``(file_id, seq)``.

Schema changes go through Alembic (``claimscrub/store/migrations``); the initial revision is
``0001_store``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(14, 2)
#: Integer primary key that autoincrements on SQLite (INTEGER) and PostgreSQL (BIGINT identity).
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Batch(Base):
    """One ``claimscrub import`` of claim files (idempotent on ``content_hash``)."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    files: Mapped[str] = mapped_column(Text)  # JSON list of file names
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    summary: Mapped[str] = mapped_column(Text)  # JSON: spec §5 summary + money at risk
    n_lines: Mapped[int] = mapped_column(Integer)


class Line(Base):
    __tablename__ = "lines"

    batch_id: Mapped[int] = mapped_column(Id, ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True)
    row_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str | None] = mapped_column(Text)
    source_line: Mapped[int | None] = mapped_column(BigInteger)
    claim_id: Mapped[str | None] = mapped_column(String(80))
    line_no: Mapped[int | None] = mapped_column(BigInteger)
    patient_id: Mapped[str | None] = mapped_column(String(80))
    service_date: Mapped[dt.date | None] = mapped_column(Date)
    payer: Mapped[str | None] = mapped_column(String(80))
    policy: Mapped[str | None] = mapped_column(String(80))
    provider_npi: Mapped[str | None] = mapped_column(String(20))
    provider_credential: Mapped[str | None] = mapped_column(String(20))
    provider_taxonomy: Mapped[str | None] = mapped_column(String(20))
    provider_state: Mapped[str | None] = mapped_column(String(4))
    provider_rx_authority: Mapped[bool | None] = mapped_column(Boolean)
    provider_class: Mapped[str | None] = mapped_column(String(40))
    locality: Mapped[str | None] = mapped_column(String(40))
    cpt: Mapped[str | None] = mapped_column(String(10))
    modifiers: Mapped[str | None] = mapped_column(String(40))
    units: Mapped[int | None] = mapped_column(BigInteger)
    minutes: Mapped[int | None] = mapped_column(BigInteger)
    pos: Mapped[str | None] = mapped_column(String(4))
    icd10: Mapped[str | None] = mapped_column(Text)
    charge: Mapped[Decimal | None] = mapped_column(Money)
    has_note: Mapped[bool] = mapped_column(Boolean, default=False)
    note_medication: Mapped[bool | None] = mapped_column(Boolean)
    note_action: Mapped[bool | None] = mapped_column(Boolean)
    note_response: Mapped[bool | None] = mapped_column(Boolean)
    note_side_effects: Mapped[bool | None] = mapped_column(Boolean)
    note_adherence: Mapped[bool | None] = mapped_column(Boolean)
    note_rationale: Mapped[bool | None] = mapped_column(Boolean)
    note_not_performed: Mapped[bool | None] = mapped_column(Boolean)
    note_therapy_minutes: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_lines_link", "claim_id", "cpt", "service_date"),
        Index("ix_lines_provider_date", "provider_npi", "service_date"),
    )


class FindingRow(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(Id)
    row_no: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(10))
    severity: Mapped[str] = mapped_column(String(10))
    claim_id: Mapped[str | None] = mapped_column(String(80))
    line_no: Mapped[int | None] = mapped_column(BigInteger)
    code: Mapped[str | None] = mapped_column(String(10))
    message: Mapped[str | None] = mapped_column(Text)
    fix: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        ForeignKeyConstraint(["batch_id", "row_no"], ["lines.batch_id", "lines.row_no"], ondelete="CASCADE"),
        Index("ix_findings_line", "batch_id", "row_no"),
    )


class Price(Base):
    __tablename__ = "prices"

    batch_id: Mapped[int] = mapped_column(Id, primary_key=True)
    row_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    expected_payment: Mapped[Decimal | None] = mapped_column(Money)
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    price_status: Mapped[str | None] = mapped_column(String(20))
    price_basis: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        ForeignKeyConstraint(["batch_id", "row_no"], ["lines.batch_id", "lines.row_no"], ondelete="CASCADE"),
    )


class RemittanceFile(Base):
    """One imported 835 file (idempotent on ``content_hash``)."""

    __tablename__ = "remittance_files"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    n_rows: Mapped[int] = mapped_column(Integer)


class Remittance(Base):
    """One paid/adjusted service line (SVC) of an 835, or the claim (CLP) when it has no SVC."""

    __tablename__ = "remittances"

    file_id: Mapped[int] = mapped_column(
        Id, ForeignKey("remittance_files.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(8))  # "service" | "claim"
    claim_id: Mapped[str | None] = mapped_column(String(80))
    claim_status: Mapped[str | None] = mapped_column(String(4))  # CLP02
    payer_claim_id: Mapped[str | None] = mapped_column(String(80))  # CLP07
    cpt: Mapped[str | None] = mapped_column(String(10))
    modifiers: Mapped[str | None] = mapped_column(String(40))
    service_date: Mapped[dt.date | None] = mapped_column(Date)
    charge: Mapped[Decimal | None] = mapped_column(Money)
    paid: Mapped[Decimal | None] = mapped_column(Money)
    units: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    rarc: Mapped[str | None] = mapped_column(Text)  # ';'-joined remark codes (LQ*HE, MOA, MIA)
    segment: Mapped[int | None] = mapped_column(Integer)  # segment number of the CLP/SVC
    line_batch_id: Mapped[int | None] = mapped_column(Id)  # linked stored line
    line_row_no: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_remittances_link", "claim_id", "cpt", "service_date"),)


class Adjustment(Base):
    """One CAS adjustment (group, CARC, amount) of a remittance row."""

    __tablename__ = "adjustments"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    file_id: Mapped[int] = mapped_column(Id)
    seq: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(8))  # where the CAS sat: "service" | "claim"
    group_code: Mapped[str] = mapped_column(String(4))  # CO PR OA PI CR
    carc: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))

    __table_args__ = (
        ForeignKeyConstraint(
            ["file_id", "seq"], ["remittances.file_id", "remittances.seq"], ondelete="CASCADE"
        ),
        Index("ix_adjustments_row", "file_id", "seq"),
    )
