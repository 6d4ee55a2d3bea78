"""Scheduled jobs: leases and runs (enlace.store.job_tables).

Revision ID: 0032
Revises: 0031
"""

from __future__ import annotations

from alembic import op

from enlace.store.job_tables import JOB_TABLES, metadata

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0032; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(JOB_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(JOB_TABLES))
