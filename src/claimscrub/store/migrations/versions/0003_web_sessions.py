"""web app: server-side sessions and sign-in throttling

Revision ID: 0003_web_sessions
Revises: 0002_web
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_web_sessions"
down_revision = "0002_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        # sha256 hex of the token in the cookie: a copy of the database signs nobody in
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("pwv", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_table(
        "web_signin_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(8), nullable=False),  # account | address
        sa.Column("key", sa.String(64), nullable=False),  # sha256 of the account name or address
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_web_signin_failures_key", "web_signin_failures", ["scope", "key", "at"])
    op.create_index("ix_web_signin_failures_at", "web_signin_failures", ["at"])


def downgrade() -> None:
    op.drop_table("web_signin_failures")
    op.drop_table("web_sessions")
