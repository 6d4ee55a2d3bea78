"""Patient columns on the tables that lacked them and conflict targets widened to the patient (docs/scale.md).

Citus needs a distributed table's distribution column in its primary key and in every unique
key. Here:

- `claims_submissions`, `homecare_visits`, `messaging_attempts` get a `patient` column,
  backfilled from the row they belong to (the claim's lines, else the Claim's indexed patient
  reference; the visit's need; the attempt's message), NOT NULL, leading the primary key;
- `messaging_outbox`: primary key (patient, id), the dedupe key unique per patient (the
  queue's `ON CONFLICT (patient, dedupe_key)` changed with it);
- `homecare_visits`' (need, day) unique key leads with the patient (a need has one patient);
- `monitoring_readings`: primary key (patient, device, code, effective_us), the de-duplication
  of readings (a device re-bound to another patient keeps their readings apart).

A row whose owner cannot be found (none is expected: claims, needs and messages are never
deleted) gets the empty patient '' rather than failing the upgrade.

The shapes after this migration are the modules' tables.py. PostgreSQL changes the keys in place
(ALTER TABLE; the partitioned readings table rebuilds each partition's key index); SQLite cannot
change a primary key, so each table is rebuilt: renamed, created anew from tables.py, copied,
dropped. Downgrade puts the narrow keys back and drops the added columns; it fails if rows now
differ only by patient (the narrow key cannot hold them).

Revision ID: 0037
Revises: 0036
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

from enlace.modules.claims.tables import submissions
from enlace.modules.homecare.tables import visits
from enlace.modules.messaging.tables import attempts, outbox
from enlace.modules.monitoring.tables import readings

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


class Change(NamedTuple):  # not a dataclass: Alembic loads this module outside sys.modules
    table: sa.Table  # its shape after this migration
    patient_from: str | None  # SQL: the patient of an old row `o`; None: it had the column
    old_key: tuple[str, ...]
    old_uniques: dict[str, tuple[str, ...]] = {}  # constraint name (PostgreSQL) -> columns
    new_indexes: tuple[str, ...] = ()


CHANGES = (
    Change(
        attempts,
        "SELECT m.patient FROM messaging_outbox m WHERE m.id = o.message",
        ("message", "attempt"),
    ),
    Change(
        outbox,
        None,
        ("id",),
        {"messaging_outbox_dedupe_key_key": ("dedupe_key",)},
        ("ix_messaging_outbox_id",),
    ),
    Change(
        submissions,
        "COALESCE((SELECT l.patient FROM claims_lines l WHERE l.claim_id = o.claim_id LIMIT 1), "
        "(SELECT r.target_id FROM reference_index r WHERE r.resource_type = 'Claim' "
        "AND r.resource_id = o.claim_id AND r.param = 'patient' LIMIT 1))",
        ("claim_key",),
        new_indexes=("ix_claims_submissions_claim_key",),
    ),
    Change(
        visits,
        "SELECT n.patient FROM homecare_needs n WHERE n.id = o.need",
        ("id",),
        {"uq_homecare_visit_need_day": ("need", "day")},
        ("ix_homecare_visits_id",),
    ),
    Change(readings, None, ("device", "code", "effective_us")),
)


def upgrade() -> None:
    conn = op.get_bind()
    for change in CHANGES:
        if _primary_key(conn, change.table.name) == _key_of(change.table):
            continue  # created in this shape (a database made after the change)
        if conn.dialect.name == "postgresql":
            _widen_postgres(conn, change)
        else:
            _rebuild_sqlite(conn, change.table, change.patient_from)


def downgrade() -> None:
    conn = op.get_bind()
    for change in reversed(CHANGES):
        if _primary_key(conn, change.table.name) != _key_of(change.table):
            continue
        if conn.dialect.name == "postgresql":
            _narrow_postgres(conn, change)
        else:
            _rebuild_sqlite(conn, _before(change), None)


def _primary_key(conn: sa.Connection, name: str) -> tuple[str, ...]:
    return tuple(sa.inspect(conn).get_pk_constraint(name)["constrained_columns"])


def _key_of(table: sa.Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.primary_key.columns)


def _uniques(table: sa.Table) -> list[sa.UniqueConstraint]:
    return [c for c in table.constraints if isinstance(c, sa.UniqueConstraint)]


def _run(conn: sa.Connection, *statements: str) -> None:
    for statement in statements:
        conn.exec_driver_sql(statement)


def _widen_postgres(conn: sa.Connection, change: Change) -> None:
    name = change.table.name
    if change.patient_from is not None:
        _run(
            conn,
            f"ALTER TABLE {name} ADD COLUMN patient VARCHAR(64)",
            f"UPDATE {name} AS o SET patient = COALESCE(({change.patient_from}), '')",
            f"ALTER TABLE {name} ALTER COLUMN patient SET NOT NULL",
        )
    for old in change.old_uniques:
        _run(conn, f"ALTER TABLE {name} DROP CONSTRAINT IF EXISTS {old}")
    pk = sa.inspect(conn).get_pk_constraint(name)["name"]
    keys = ", ".join(_key_of(change.table))
    _run(conn, f"ALTER TABLE {name} DROP CONSTRAINT {pk}, ADD PRIMARY KEY ({keys})")
    for unique in _uniques(change.table):
        columns = ", ".join(c.name for c in unique.columns)
        _run(conn, f"ALTER TABLE {name} ADD CONSTRAINT {unique.name} UNIQUE ({columns})")
    for index in change.table.indexes:
        if index.name in change.new_indexes:
            index.create(conn)


def _narrow_postgres(conn: sa.Connection, change: Change) -> None:
    name = change.table.name
    for index in change.new_indexes:
        _run(conn, f"DROP INDEX IF EXISTS {index}")
    for unique in _uniques(change.table):
        _run(conn, f"ALTER TABLE {name} DROP CONSTRAINT {unique.name}")
    pk = sa.inspect(conn).get_pk_constraint(name)["name"]
    keys = ", ".join(change.old_key)
    _run(conn, f"ALTER TABLE {name} DROP CONSTRAINT {pk}, ADD PRIMARY KEY ({keys})")
    for old, columns in change.old_uniques.items():
        _run(conn, f"ALTER TABLE {name} ADD CONSTRAINT {old} UNIQUE ({', '.join(columns)})")
    if change.patient_from is not None:
        _run(conn, f"ALTER TABLE {name} DROP COLUMN patient")


def _rebuild_sqlite(conn: sa.Connection, target: sa.Table, patient_from: str | None) -> None:
    """SQLite: the table renamed aside, `target` created, the rows copied (the patient computed
    from `patient_from` when the old table had none), the old one dropped."""
    name, aside = target.name, f"{target.name}__0037"
    seen = sa.inspect(conn)
    present = {c["name"] for c in seen.get_columns(name)}
    for index in seen.get_indexes(name):  # their names would clash with the new table's
        _run(conn, f'DROP INDEX "{index["name"]}"')
    _run(conn, f'ALTER TABLE "{name}" RENAME TO "{aside}"')
    target.create(conn)
    copied = [c.name for c in target.columns if c.name in present]
    values = [f'o."{c}"' for c in copied]
    if patient_from is not None and "patient" not in present:
        copied.append("patient")
        values.append(f"COALESCE(({patient_from}), '')")
    _run(
        conn,
        f'INSERT INTO "{name}" ({", ".join(copied)}) SELECT {", ".join(values)} FROM "{aside}" o',
        f'DROP TABLE "{aside}"',
    )


def _before(change: Change) -> sa.Table:
    """The table's shape before this migration: its narrow keys, without an added patient."""
    table = change.table
    dropped = {"patient"} if change.patient_from is not None else set()
    columns = [
        sa.Column(c.name, c.type, nullable=c.nullable, server_default=_default_of(c))
        for c in table.columns
        if c.name not in dropped
    ]
    checks = [
        sa.CheckConstraint(str(c.sqltext), name=c.name)
        for c in table.constraints
        if isinstance(c, sa.CheckConstraint)
    ]
    uniques = [sa.UniqueConstraint(*cols, name=n) for n, cols in change.old_uniques.items()]
    indexes = [
        sa.Index(i.name, *[c.name for c in i.columns], unique=i.unique)
        for i in table.indexes
        if i.name not in change.new_indexes and not dropped & {c.name for c in i.columns}
    ]
    return sa.Table(
        table.name,
        sa.MetaData(),
        *columns,
        *checks,
        *uniques,
        *indexes,
        sa.PrimaryKeyConstraint(*change.old_key),
        **dict(table.dialect_kwargs),
    )


def _default_of(column: sa.Column[object]) -> str | None:
    default = column.server_default
    return None if default is None else str(getattr(default, "arg", default))
