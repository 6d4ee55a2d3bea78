"""PostgreSQL extended statistics on the search index tables.

The planner treated (resource_type, param, code) as independent columns and estimated one row
for `Patient.gender = female` (2,082 at one million resources) and 500 for an Observation code
with 40,045 rows; with those estimates it drove a chained search from the wrong side (6 s
instead of 0.14 s) and probed date ranges through the lookup index instead of the owner index
(0.75 s instead of 12 ms). Multi-column MCV lists give it the real frequencies; a target of 1000
keeps ANALYZE of a 4-million-row token table at a few seconds (docs/performance.md).
SQLite has no extended statistics; its ANALYZE (sqlite_stat1) is run by the import instead.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TARGET = 1000
STATISTICS = {
    "token_index": ("resource_type", "param", "code"),
    "quantity_index": ("resource_type", "param", "code"),
    "reference_index": ("resource_type", "param", "target_type"),
    "date_index": ("resource_type", "param"),
    "number_index": ("resource_type", "param"),
    "string_index": ("resource_type", "param"),
    "uri_index": ("resource_type", "param"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in STATISTICS.items():
        name = f"st_{table}_{'_'.join(c[0] for c in columns)}"
        op.execute(
            f"CREATE STATISTICS IF NOT EXISTS {name} (mcv, ndistinct) "
            f"ON {', '.join(columns)} FROM {table}"
        )
        op.execute(f"ALTER STATISTICS {name} SET STATISTICS {TARGET}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in STATISTICS.items():
        op.execute(f"DROP STATISTICS IF EXISTS st_{table}_{'_'.join(c[0] for c in columns)}")
