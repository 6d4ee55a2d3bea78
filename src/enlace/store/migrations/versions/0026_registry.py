"""Disease registries: definitions, cases, submissions (enlace.modules.registry.tables).

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

from alembic import op

from enlace.modules.registry.tables import REGISTRY_TABLES, metadata

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0026; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(REGISTRY_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(REGISTRY_TABLES))
