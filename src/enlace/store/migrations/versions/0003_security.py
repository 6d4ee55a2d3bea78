"""Security tables: clients, used assertions, users, sessions, codes, refresh tokens, audit log,
ARCO requests and blocked resources (enlace.security.tables).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

from enlace.security.tables import metadata

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables are defined once, in enlace.security.tables; this revision creates them as
    # they stand at 0003. A later change to them gets its own revision with explicit operations.
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
