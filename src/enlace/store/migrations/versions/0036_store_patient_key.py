"""No change. Reserved for the FHIR store's patient key before its wiring was written; the key
came in 0038 (after 0037). Kept so that databases already past it keep their history.

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
