"""Finance tables: the double-entry ledger (accounts, transactions, postings, holds) with its
invariants as triggers, and the family wallets (enlace.modules.finance.tables, ledger_ddl).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

from enlace.modules.finance.ledger_ddl import create_ledger_triggers, drop_ledger_triggers
from enlace.modules.finance.tables import LEDGER_TABLES, WALLET_TABLES, metadata

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = [*LEDGER_TABLES, *WALLET_TABLES]


def upgrade() -> None:
    # The tables and triggers as they stand at 0008; a later change gets its own revision.
    bind = op.get_bind()
    metadata.create_all(bind, tables=TABLES)
    create_ledger_triggers(bind)


def downgrade() -> None:
    bind = op.get_bind()
    drop_ledger_triggers(bind)
    metadata.drop_all(bind, tables=TABLES)
