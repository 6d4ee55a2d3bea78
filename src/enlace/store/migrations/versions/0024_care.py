"""Care coordination: referral clocks, schedules and booking rules (enlace.modules.care.tables).

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

from alembic import op

from enlace.modules.care.tables import CARE_TABLES, metadata

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0024; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(CARE_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(CARE_TABLES))
