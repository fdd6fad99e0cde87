"""web app tables: users, API keys, uploaded batches, access log, settings

Revision ID: 0002_web
Revises: 0001_store
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_web"
down_revision = "0001_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_web_users_name", "web_users", ["name"], unique=True)
    op.create_table(
        "web_api_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_web_api_keys_name", "web_api_keys", ["name"])
    op.create_index("ix_web_api_keys_key_hash", "web_api_keys", ["key_hash"], unique=True)
    op.create_table(
        "web_batches",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("input_format", sa.String(8), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("store_batch_id", sa.String(64), nullable=True),
    )
    op.create_table(
        "web_access_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column(
            "batch_id", sa.String(32), sa.ForeignKey("web_batches.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("detail", sa.String(255), nullable=True),
    )
    op.create_index("ix_web_access_log_at", "web_access_log", ["at"])
    op.create_index("ix_web_access_log_actor", "web_access_log", ["actor"])
    op.create_index("ix_web_access_log_batch_id", "web_access_log", ["batch_id"])
    op.create_table(
        "web_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("web_settings")
    op.drop_table("web_access_log")
    op.drop_table("web_batches")
    op.drop_table("web_api_keys")
    op.drop_table("web_users")
