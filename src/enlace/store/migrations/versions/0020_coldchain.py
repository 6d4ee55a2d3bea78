"""Cold chain: temperature loggers, excursions and lot quarantine decisions (enlace.modules.coldchain.tables).

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

from alembic import op

from enlace.modules.coldchain.tables import COLDCHAIN_TABLES, metadata

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0020; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(COLDCHAIN_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(COLDCHAIN_TABLES))
