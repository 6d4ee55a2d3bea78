"""Patient-key indexes on patient-compartment tables that had none (docs/scale.md).

A patient's rows in these tables were found by scanning; on one node the index serves the
patient page and the ARCO/$everything walks, on a Citus cluster it is the shard-local index of
the table distributed by patient. Additive only: no key changes (those are the cut-over DDL,
enlace.store.citus.cutover_ddl).

Revision ID: 0033
Revises: 0032
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

# table -> its patient column
TABLES = {
    "care_referrals": "patient",
    "claims_lines": "patient",
    "intervention_actions": "patient",
    "registry_cases": "patient",
    "screening_followups": "patient",
    "vigilance_cases": "patient",
}


def _name(table: str) -> str:
    return f"ix_{table}_by_patient"


def upgrade() -> None:
    present = sa.inspect(op.get_bind())
    tables = set(present.get_table_names())
    for table, column in TABLES.items():
        if table not in tables:
            continue
        names = {index["name"] for index in present.get_indexes(table)}
        if _name(table) not in names:
            op.create_index(_name(table), table, [column])


def downgrade() -> None:
    present = sa.inspect(op.get_bind())
    for table in TABLES:
        if _name(table) in {index["name"] for index in present.get_indexes(table)}:
            op.drop_index(_name(table), table_name=table)
