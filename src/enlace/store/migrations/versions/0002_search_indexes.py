"""Search indexes per parameter type, index state and reindex jobs.

The foundation's token_index (identifier only) and path-based reference_index are replaced by one
table per search-parameter type. Existing resources are indexed again by the background reindex
job, which starts by itself when the recorded registry fingerprint is missing or different.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

IndexText = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
Decimalish = sa.Float().with_variant(sa.Numeric(), "postgresql")


def _tables() -> dict[str, tuple[list[sa.Column[object]], tuple[str, ...]]]:
    """name -> (value columns, lookup columns); built per call since Columns bind to one table."""
    return {
        "token_index": (
            [
                sa.Column("system", IndexText, nullable=True),
                sa.Column("code", IndexText, nullable=True),
                sa.Column("text", IndexText, nullable=True),
            ],
            ("code", "system"),
        ),
        "string_index": (
            [
                sa.Column("value", IndexText, nullable=False),
                sa.Column("exact", sa.Text, nullable=False),
            ],
            ("value",),
        ),
        "date_index": (
            [
                sa.Column("low_us", sa.BigInteger, nullable=False),
                sa.Column("high_us", sa.BigInteger, nullable=False),
            ],
            ("low_us", "high_us"),
        ),
        "number_index": ([sa.Column("value", Decimalish, nullable=False)], ("value",)),
        "quantity_index": (
            [
                sa.Column("system", IndexText, nullable=True),
                sa.Column("code", IndexText, nullable=True),
                sa.Column("value", Decimalish, nullable=False),
                sa.Column("canonical", sa.Boolean, nullable=False),
            ],
            ("code", "value"),
        ),
        "reference_index": (
            [
                sa.Column("target_type", sa.String(64), nullable=True),
                sa.Column("target_id", sa.String(64), nullable=True),
                sa.Column("url", IndexText, nullable=True),
            ],
            ("target_id", "target_type"),
        ),
        "uri_index": ([sa.Column("uri", IndexText, nullable=False)], ("uri",)),
    }


def upgrade() -> None:
    op.drop_table("token_index")
    op.drop_table("reference_index")
    for name, (columns, lookup) in _tables().items():
        op.create_table(
            name,
            sa.Column("resource_type", sa.String(64), nullable=False),
            sa.Column("resource_id", sa.String(64), nullable=False),
            sa.Column("param", sa.String(100), nullable=False),
            sa.Column("grp", sa.SmallInteger, nullable=True),
            *columns,
        )
        op.create_index(
            f"ix_{name}_lookup", name, ["resource_type", "param", *lookup, "resource_id"]
        )
        op.create_index(f"ix_{name}_owner", name, ["resource_type", "resource_id", "param"])
    op.create_index("ix_reference_index_target", "reference_index", ["target_type", "target_id"])
    op.create_table(
        "search_index_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "reindex_jobs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("types", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("cursor_type", sa.String(64), nullable=True),
        sa.Column("cursor_id", sa.String(64), nullable=True),
        sa.Column("done", sa.BigInteger, nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.Column("lease_until_us", sa.BigInteger, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("reindex_jobs")
    op.drop_table("search_index_state")
    for name in _tables():
        op.drop_table(name)
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
