"""Three patient tables keyed by the patient first: the last of the pending ones that needed code
before their keys could widen (docs/scale.md §1, "Keys that only widen").

- `education_deliveries`: primary key (id) -> (patient, id); the writer's `ON CONFLICT` names
  (patient, id) with it. A delivery link names the id alone, so `ix_education_deliveries_id`
  keeps that read an index probe (on Citus, one per shard).
- `engagement_dose_log`, `engagement_readings`: primary key (client_id) -> (patient,
  client_id); the replay lookup names the patient (engagement.replay), so no read by client id
  alone remains and no index on it is kept.

The single-column `ix_<table>_patient` indexes go: the new primary key leads with the patient
and serves every read by patient.

The shapes after this migration are the modules' tables.py (a database made after it is created
so by 0030/0031, and this revision leaves it alone). PostgreSQL changes the keys in place;
SQLite cannot change a primary key, so each table is rebuilt: renamed aside, created anew,
copied, dropped. Downgrade restores the narrow keys and the patient indexes; it fails if two
patients now share a client id (or a delivery id), which the narrow key cannot hold.

Revision ID: 0040
Revises: 0038
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

from enlace.modules.education.tables import education_deliveries
from enlace.modules.engagement.tables import engagement_dose_log, engagement_readings

revision = "0040"
down_revision = "0038"
branch_labels = None
depends_on = None


class Change(NamedTuple):  # not a dataclass: Alembic loads this module outside sys.modules
    table: sa.Table  # its shape after this migration
    old_key: tuple[str, ...]
    old_index: str  # the single-column patient index the wide key replaces
    new_indexes: tuple[str, ...] = ()  # indexes of `table` this migration adds


CHANGES = (
    Change(
        education_deliveries,
        ("id",),
        "ix_education_deliveries_patient",
        ("ix_education_deliveries_id",),
    ),
    Change(engagement_dose_log, ("client_id",), "ix_engagement_dose_log_patient"),
    Change(engagement_readings, ("client_id",), "ix_engagement_readings_patient"),
)


def upgrade() -> None:
    conn = op.get_bind()
    for change in CHANGES:
        if _primary_key(conn, change.table.name) == _key_of(change.table):
            continue  # created in this shape (a database made after the change)
        if conn.dialect.name == "postgresql":
            _widen_postgres(conn, change)
        else:
            _rebuild_sqlite(conn, change.table)


def downgrade() -> None:
    conn = op.get_bind()
    for change in reversed(CHANGES):
        if _primary_key(conn, change.table.name) != _key_of(change.table):
            continue
        if conn.dialect.name == "postgresql":
            _narrow_postgres(conn, change)
        else:
            _rebuild_sqlite(conn, _before(change))


def _primary_key(conn: sa.Connection, name: str) -> tuple[str, ...]:
    return tuple(sa.inspect(conn).get_pk_constraint(name)["constrained_columns"])


def _key_of(table: sa.Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.primary_key.columns)


def _run(conn: sa.Connection, *statements: str) -> None:
    for statement in statements:
        conn.exec_driver_sql(statement)


def _replace_key(conn: sa.Connection, name: str, columns: tuple[str, ...]) -> None:
    pk = sa.inspect(conn).get_pk_constraint(name)["name"]
    keys = ", ".join(columns)
    _run(conn, f'ALTER TABLE "{name}" DROP CONSTRAINT "{pk}", ADD PRIMARY KEY ({keys})')


def _widen_postgres(conn: sa.Connection, change: Change) -> None:
    _replace_key(conn, change.table.name, _key_of(change.table))
    _run(conn, f'DROP INDEX IF EXISTS "{change.old_index}"')
    for index in change.table.indexes:
        if index.name in change.new_indexes:
            index.create(conn)


def _narrow_postgres(conn: sa.Connection, change: Change) -> None:
    name = change.table.name
    for index in change.new_indexes:
        _run(conn, f'DROP INDEX IF EXISTS "{index}"')
    _replace_key(conn, name, change.old_key)
    _run(conn, f'CREATE INDEX "{change.old_index}" ON "{name}" (patient)')


def _rebuild_sqlite(conn: sa.Connection, target: sa.Table) -> None:
    """SQLite: the table renamed aside, `target` created (with its indexes), the rows copied,
    the old one dropped (0037's approach; its columns are the same on both sides here)."""
    name, aside = target.name, f"{target.name}__0040"
    for index in sa.inspect(conn).get_indexes(name):  # their names would clash with the new
        _run(conn, f'DROP INDEX "{index["name"]}"')
    _run(conn, f'ALTER TABLE "{name}" RENAME TO "{aside}"')
    target.create(conn)
    columns = ", ".join(f'"{c.name}"' for c in target.columns)
    _run(
        conn,
        f'INSERT INTO "{name}" ({columns}) SELECT {columns} FROM "{aside}"',
        f'DROP TABLE "{aside}"',
    )


def _before(change: Change) -> sa.Table:
    """The table's shape before this migration: the narrow key and the patient index."""
    table = change.table
    columns = [sa.Column(c.name, c.type, nullable=c.nullable) for c in table.columns]
    indexes = [
        sa.Index(i.name, *[c.name for c in i.columns], unique=i.unique)
        for i in table.indexes
        if i.name not in change.new_indexes
    ]
    return sa.Table(
        table.name,
        sa.MetaData(),
        *columns,
        *indexes,
        sa.Index(change.old_index, "patient"),
        sa.PrimaryKeyConstraint(*change.old_key),
    )
