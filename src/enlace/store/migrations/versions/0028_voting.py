"""Cooperative decisions: proposals, votes, ballots, receipts, proxies, assemblies, bylaws (enlace.modules.voting.tables).

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

from alembic import op

from enlace.modules.voting.tables import VOTING_TABLES, metadata

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0028; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(VOTING_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(VOTING_TABLES))
