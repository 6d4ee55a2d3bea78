"""No change. Reserved for the FHIR store's patient key (the column that will distribute the store
tables by patient on Citus); the rule exists (enlace.store.patient_key) but the column and its
backfill are not written yet (docs/scale.md §1, "Not done 1"). Kept so that databases already at
0037 keep their history; the key's migration will be a later revision.

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
