"""Inventory: the stock ledger (events, stock-card lines, balances) with its invariants as
triggers (enlace.modules.inventory.tables, ddl).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

from enlace.modules.inventory.ddl import create_inventory_triggers, drop_inventory_triggers
from enlace.modules.inventory.tables import INVENTORY_TABLES, metadata

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables and triggers as they stand at 0012; a later change gets its own revision.
    bind = op.get_bind()
    metadata.create_all(bind, tables=list(INVENTORY_TABLES))
    create_inventory_triggers(bind)


def downgrade() -> None:
    bind = op.get_bind()
    drop_inventory_triggers(bind)
    metadata.drop_all(bind, tables=list(INVENTORY_TABLES))
