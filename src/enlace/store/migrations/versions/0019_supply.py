"""Supply: demand forecasts, replenishment runs, requisitions and transfers (enlace.modules.supply.tables).

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from alembic import op

from enlace.modules.supply.tables import SUPPLY_TABLES, metadata

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0019; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(SUPPLY_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(SUPPLY_TABLES))
