"""Clinical decision support: the CDS Hooks cards issued and the feedback on them
(enlace.modules.cds.tables).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

from enlace.modules.cds.tables import CDS_TABLES, metadata

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0015; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(CDS_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(CDS_TABLES))
