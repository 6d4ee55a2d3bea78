"""Remote monitoring: devices, the readings time series (partitioned by month on PostgreSQL),
refused readings, alert episodes and caregiver follows (enlace.modules.monitoring.tables).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

from enlace.modules.monitoring.tables import MONITORING_TABLES, metadata

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0014; a later change gets its own revision. Partitions of
    # monitoring_readings are created as readings arrive (monitoring.partitions).
    metadata.create_all(op.get_bind(), tables=list(MONITORING_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(MONITORING_TABLES))
