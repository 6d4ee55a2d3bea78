"""The FHIR store's patient key: the column that distributes `resources`, `resource_history` and
the seven search-index tables by patient on Citus (docs/scale.md §1).

The key of a resource is the Patient whose compartment holds it, else its own id
(enlace.store.patient_key, which the repository applies to every write from this revision on).
The backfill needs no decryption: the rule reads the compartment's references, and those are
already in `reference_index` in clear.

- `resources`: a Patient its own id; a compartment member the smallest Patient id of the first
  parameter, in the CompartmentDefinition's order, that names one (COALESCE over one subquery per
  parameter); anything else, and a member naming no Patient, its own id. A deleted resource has
  no index rows left, so it keys by its own id (the live code would keep the key it had; a
  tombstone is never read by compartment, so only its placement differs).
- `resource_history`: every version takes the current row's key (older versions may be sealed
  by content_cipher; re-deriving each would need them opened one by one, which the rule does
  not require: the key of a version is where it lives, not what it said).
- the index tables: their resource's key.

The column is added NOT NULL at once on SQLite (with an empty default, the only way SQLite adds
a NOT NULL column without rebuilding the table; every writer names the key) and as nullable,
backfilled, then SET NOT NULL on PostgreSQL (which keeps no default, so a writer that forgot
the key fails). Then `ix_resources_patient_key (patient_key, resource_type)`: a patient's
resources by key, the read a shard-local compartment read will use.

Revision ID: 0038
Revises: 0037
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from enlace.fhir.compartments import patient_compartment_params

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

INDEX_TABLES = (
    "token_index",
    "string_index",
    "date_index",
    "number_index",
    "quantity_index",
    "reference_index",
    "uri_index",
)
OWNER_ID = {
    "resources": "id",
    "resource_history": "id",
    **dict.fromkeys(INDEX_TABLES, "resource_id"),
}
INDEX_NAME = "ix_resources_patient_key"


def upgrade() -> None:
    conn = op.get_bind()
    if "patient_key" in _columns(conn, "resources"):
        return  # created in this shape (a database made after this revision)
    postgres = conn.dialect.name == "postgresql"
    column = "VARCHAR(64)" if postgres else "VARCHAR(64) NOT NULL DEFAULT ''"
    for table in OWNER_ID:
        _run(conn, f"ALTER TABLE {table} ADD COLUMN patient_key {column}")
    _backfill_resources(conn)
    for table, owner in OWNER_ID.items():
        if table != "resources":
            _backfill_from_resources(conn, table, owner, postgres)
    if postgres:
        for table in OWNER_ID:
            _run(conn, f"ALTER TABLE {table} ALTER COLUMN patient_key SET NOT NULL")
    _run(conn, f"CREATE INDEX {INDEX_NAME} ON resources (patient_key, resource_type)")


def downgrade() -> None:
    conn = op.get_bind()
    _run(conn, f"DROP INDEX IF EXISTS {INDEX_NAME}")
    for table in OWNER_ID:
        _run(conn, f"ALTER TABLE {table} DROP COLUMN patient_key")


def _columns(conn: sa.Connection, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(conn).get_columns(table)}


def _run(conn: sa.Connection, *statements: str) -> None:
    for statement in statements:
        conn.exec_driver_sql(statement)


def _backfill_resources(conn: sa.Connection) -> None:
    """Members of the compartment from their indexed Patient references, the rest their id."""
    members = {t: p for t, p in patient_compartment_params().items() if t != "Patient"}
    _run(conn, "UPDATE resources SET patient_key = id")
    for resource_type, params in sorted(members.items()):
        found = [_first_patient(n) for n in range(len(params))]
        conn.execute(
            sa.text(
                f"UPDATE resources SET patient_key = COALESCE({', '.join(found)}, id) "
                "WHERE resource_type = :t"
            ),
            {"t": resource_type, **{f"p{n}": param for n, param in enumerate(params)}},
        )


def _first_patient(n: int) -> str:
    """SQL: the smallest Patient id the row's n-th compartment parameter (bound as :p<n>)
    references."""
    return (
        "(SELECT min(r.target_id) FROM reference_index r "
        "WHERE r.resource_type = resources.resource_type AND r.resource_id = resources.id "
        f"AND r.param = :p{n} AND r.target_type = 'Patient')"
    )


def _backfill_from_resources(conn: sa.Connection, table: str, owner: str, postgres: bool) -> None:
    """A history or index row takes its resource's key; one whose resource row is gone (none is
    expected: resources are never removed) its own id."""
    if postgres:
        _run(
            conn,
            f"UPDATE {table} AS t SET patient_key = r.patient_key FROM resources r "
            f"WHERE r.resource_type = t.resource_type AND r.id = t.{owner}",
            f"UPDATE {table} SET patient_key = {owner} WHERE patient_key IS NULL",
        )
        return
    _run(
        conn,
        f"UPDATE {table} SET patient_key = COALESCE((SELECT r.patient_key FROM resources r "
        f"WHERE r.resource_type = {table}.resource_type AND r.id = {table}.{owner}), {owner})",
    )
