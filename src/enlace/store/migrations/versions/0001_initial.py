"""Resource store, history, minimal search indexes and bulk export jobs.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "resources",
        sa.Column("resource_type", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("last_updated_us", sa.BigInteger, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=True),
    )
    op.create_index("ix_resources_type_updated", "resources", ["resource_type", "last_updated_us"])
    op.create_table(
        "resource_history",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("last_updated_us", sa.BigInteger, nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=True),
    )
    op.create_index(
        "ux_history_version", "resource_history", ["resource_type", "id", "version_id"], unique=True
    )
    op.create_index("ix_history_type_seq", "resource_history", ["resource_type", "seq"])
    op.create_table(
        "token_index",
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("param", sa.String(64), nullable=False),
        sa.Column("system", sa.Text, nullable=True),
        sa.Column("code", sa.Text, nullable=False),
    )
    op.create_index("ix_token_lookup", "token_index", ["resource_type", "param", "code", "system"])
    op.create_index("ix_token_owner", "token_index", ["resource_type", "resource_id"])
    op.create_table(
        "reference_index",
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("path", sa.String(128), nullable=False),
        sa.Column("target_type", sa.String(64), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
    )
    op.create_index(
        "ix_reference_target", "reference_index", ["target_type", "target_id", "resource_type"]
    )
    op.create_index("ix_reference_owner", "reference_index", ["resource_type", "resource_id"])
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("request_url", sa.Text, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("transaction_time", sa.String(40), nullable=False),
        sa.Column("progress", sa.Text, nullable=True),
        sa.Column("manifest", sa.LargeBinary, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )


def downgrade() -> None:
    for table in ("export_jobs", "reference_index", "token_index", "resource_history", "resources"):
        op.drop_table(table)
