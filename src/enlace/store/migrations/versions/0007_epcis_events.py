"""EPCIS events, their EPCs, per-object state, alerts, recalls, locations
(enlace.modules.trace.epcis_tables).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

from enlace.modules.trace.epcis_tables import EPCIS_TABLES, metadata

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0007; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(EPCIS_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(EPCIS_TABLES))
