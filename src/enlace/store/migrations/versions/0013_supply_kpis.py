"""Supply KPIs: the daily stock-out snapshot, its rollups, run-out alerts and delivery cycles
(enlace.modules.supply_kpis.tables).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

from enlace.modules.supply_kpis.tables import SUPPLY_KPI_TABLES, metadata

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0013; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(SUPPLY_KPI_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(SUPPLY_KPI_TABLES))
