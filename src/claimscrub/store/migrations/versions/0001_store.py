"""claim history store

Revision ID: 0001_store
Revises:
Create Date: 2026-11-26 23:23:04.490508
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_store"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("n_lines", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_batches_content_hash")),
    )
    op.create_table(
        "remittance_files",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remittance_files")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_remittance_files_content_hash")),
    )
    op.create_table(
        "lines",
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("source_line", sa.BigInteger(), nullable=True),
        sa.Column("claim_id", sa.String(length=80), nullable=True),
        sa.Column("line_no", sa.BigInteger(), nullable=True),
        sa.Column("patient_id", sa.String(length=80), nullable=True),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("payer", sa.String(length=80), nullable=True),
        sa.Column("policy", sa.String(length=80), nullable=True),
        sa.Column("provider_npi", sa.String(length=20), nullable=True),
        sa.Column("provider_credential", sa.String(length=20), nullable=True),
        sa.Column("provider_taxonomy", sa.String(length=20), nullable=True),
        sa.Column("provider_state", sa.String(length=4), nullable=True),
        sa.Column("provider_rx_authority", sa.Boolean(), nullable=True),
        sa.Column("provider_class", sa.String(length=40), nullable=True),
        sa.Column("locality", sa.String(length=40), nullable=True),
        sa.Column("cpt", sa.String(length=10), nullable=True),
        sa.Column("modifiers", sa.String(length=40), nullable=True),
        sa.Column("units", sa.BigInteger(), nullable=True),
        sa.Column("minutes", sa.BigInteger(), nullable=True),
        sa.Column("pos", sa.String(length=4), nullable=True),
        sa.Column("icd10", sa.Text(), nullable=True),
        sa.Column("charge", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("has_note", sa.Boolean(), nullable=False),
        sa.Column("note_medication", sa.Boolean(), nullable=True),
        sa.Column("note_action", sa.Boolean(), nullable=True),
        sa.Column("note_response", sa.Boolean(), nullable=True),
        sa.Column("note_side_effects", sa.Boolean(), nullable=True),
        sa.Column("note_adherence", sa.Boolean(), nullable=True),
        sa.Column("note_rationale", sa.Boolean(), nullable=True),
        sa.Column("note_not_performed", sa.Boolean(), nullable=True),
        sa.Column("note_therapy_minutes", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_lines_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("batch_id", "row_no", name=op.f("pk_lines")),
    )
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.create_index("ix_lines_link", ["claim_id", "cpt", "service_date"], unique=False)
        batch_op.create_index("ix_lines_provider_date", ["provider_npi", "service_date"], unique=False)

    op.create_table(
        "remittances",
        sa.Column("file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("claim_id", sa.String(length=80), nullable=True),
        sa.Column("claim_status", sa.String(length=4), nullable=True),
        sa.Column("payer_claim_id", sa.String(length=80), nullable=True),
        sa.Column("cpt", sa.String(length=10), nullable=True),
        sa.Column("modifiers", sa.String(length=40), nullable=True),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("charge", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("paid", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("units", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("rarc", sa.Text(), nullable=True),
        sa.Column("segment", sa.Integer(), nullable=True),
        sa.Column("line_batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("line_row_no", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["remittance_files.id"],
            name=op.f("fk_remittances_file_id_remittance_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_id", "seq", name=op.f("pk_remittances")),
    )
    with op.batch_alter_table("remittances", schema=None) as batch_op:
        batch_op.create_index("ix_remittances_link", ["claim_id", "cpt", "service_date"], unique=False)

    op.create_table(
        "adjustments",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("group_code", sa.String(length=4), nullable=False),
        sa.Column("carc", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_id", "seq"],
            ["remittances.file_id", "remittances.seq"],
            name=op.f("fk_adjustments_file_id_remittances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustments")),
    )
    with op.batch_alter_table("adjustments", schema=None) as batch_op:
        batch_op.create_index("ix_adjustments_row", ["file_id", "seq"], unique=False)

    op.create_table(
        "findings",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=10), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("claim_id", sa.String(length=80), nullable=True),
        sa.Column("line_no", sa.BigInteger(), nullable=True),
        sa.Column("code", sa.String(length=10), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("fix", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id", "row_no"],
            ["lines.batch_id", "lines.row_no"],
            name=op.f("fk_findings_batch_id_lines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index("ix_findings_line", ["batch_id", "row_no"], unique=False)

    op.create_table(
        "prices",
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("expected_payment", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("price_status", sa.String(length=20), nullable=True),
        sa.Column("price_basis", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id", "row_no"],
            ["lines.batch_id", "lines.row_no"],
            name=op.f("fk_prices_batch_id_lines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "row_no", name=op.f("pk_prices")),
    )


def downgrade() -> None:
    op.drop_table("prices")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index("ix_findings_line")

    op.drop_table("findings")
    with op.batch_alter_table("adjustments", schema=None) as batch_op:
        batch_op.drop_index("ix_adjustments_row")

    op.drop_table("adjustments")
    with op.batch_alter_table("remittances", schema=None) as batch_op:
        batch_op.drop_index("ix_remittances_link")

    op.drop_table("remittances")
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.drop_index("ix_lines_provider_date")
        batch_op.drop_index("ix_lines_link")

    op.drop_table("lines")
    op.drop_table("remittance_files")
    op.drop_table("batches")
