"""The FHIR store's patient key: the column that will distribute the store tables by patient on Citus (docs/scale.md).

Revision ID: 0036
Revises: 0035
"""

from __future__ import annotations

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
