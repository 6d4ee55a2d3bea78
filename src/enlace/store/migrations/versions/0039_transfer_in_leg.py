"""The stock ledger's transfer in-leg becomes its own event (docs/scale.md §1, "Not done" 2).

Before: a transfer was one `inventory_events` row at the origin, and its in-leg lines at the
destination named that row, so the lines' foreign key could not widen to
`(facility, event_id) -> (facility, id)` for Citus. After:

- `inventory_events.leg_of` (new, nullable): an in-leg's out-leg event id;
- `kind_known` admits `transfer-in`;
- every existing transfer gains its in-leg event at the destination (kind `transfer-in`,
  counterpart the origin, the out-leg's reference, reason, times and item count, no
  idempotency key, `leg_of` the out-leg; its id a UUID derived from the out-leg's, so the
  same store always gets the same ids), and the `transfer-in` lines are repointed to it;
- the idempotency key is unique per `(facility, idempotency_key)` (the replay names the
  recording facility), and `ix_inventory_events_leg_of (facility, leg_of)` finds an in-leg.

The primary key `(id)` and the lines' foreign key `(event_id)` stay narrow on one node; the
cut-over DDL widens them as a pair (enlace.store.citus.cutover_ddl). A database made after
this revision is created in this shape by 0012 (from the module's tables.py) and left alone.

The stock-card triggers forbid changing a line, so they are dropped around the repointing and
made again. Both stores alter the table in place (SQLite's CHECK through its schema text: see
`_replace_check`). Downgrade folds the in-legs back into their out-legs; it fails if two facilities now share an
idempotency key, which the narrow unique index cannot hold.

Revision ID: 0039
Revises: 0040
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

from enlace.modules.inventory.ddl import create_inventory_triggers, drop_inventory_triggers

# 0039 was reserved before 0040 was written; 0040 landed first on 0038, so 0039 follows it
# (one head, and no store already at 0040 skips this revision).
revision = "0039"
down_revision = "0040"
branch_labels = None
depends_on = None

EVENTS = "inventory_events"
_KINDS = ("receipt", "issue", "transfer", "adjustment", "count")
_LEGS = uuid.UUID("6f0c3f1e-5d1b-4b8e-9a57-0039a1ec0039")  # namespace of the in-leg ids
_BATCH = 1000


def upgrade() -> None:
    conn = op.get_bind()
    if "leg_of" in _columns(conn):
        return  # created in this shape (a database made after this revision)
    drop_inventory_triggers(conn)
    _replace_check(conn, new=True)
    _run(
        conn,
        f"ALTER TABLE {EVENTS} ADD COLUMN leg_of VARCHAR(64)",
        "DROP INDEX uq_inventory_events_idempotency_key",
    )
    for index in _indexes(new=True):
        index.create(conn)
    _split_transfers(conn)
    create_inventory_triggers(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if "leg_of" not in _columns(conn):
        return
    drop_inventory_triggers(conn)
    _run(
        conn,
        "UPDATE inventory_lines SET event_id = (SELECT e.leg_of FROM inventory_events e "
        "WHERE e.id = inventory_lines.event_id) WHERE kind = 'transfer-in' AND event_id IN "
        "(SELECT id FROM inventory_events WHERE leg_of IS NOT NULL)",
        f"DELETE FROM {EVENTS} WHERE leg_of IS NOT NULL",
    )
    if conn.dialect.name == "postgresql":  # checked now: ALTER refuses pending trigger events
        _run(
            conn,
            "SET CONSTRAINTS fk_inventory_line_event IMMEDIATE",
            "SET CONSTRAINTS fk_inventory_line_event DEFERRED",
        )
    for index in _indexes(new=True):
        _run(conn, f'DROP INDEX "{index.name}"')
    _run(conn, f"ALTER TABLE {EVENTS} DROP COLUMN leg_of")
    _replace_check(conn, new=False)
    for index in _indexes(new=False):
        index.create(conn)
    create_inventory_triggers(conn)


def _columns(conn: sa.Connection) -> set[str]:
    return {c["name"] for c in sa.inspect(conn).get_columns(EVENTS)}


def _run(conn: sa.Connection, *statements: str) -> None:
    for statement in statements:
        conn.exec_driver_sql(statement)


def _check_text(new: bool) -> str:
    kinds = (*_KINDS[:3], "transfer-in", *_KINDS[3:]) if new else _KINDS
    return "kind IN (" + ",".join(f"'{k}'" for k in kinds) + ")"


def _replace_check(conn: sa.Connection, new: bool) -> None:
    before, after = _check_text(not new), _check_text(new)
    if conn.dialect.name == "postgresql":
        _run(
            conn,
            f"ALTER TABLE {EVENTS} DROP CONSTRAINT kind_known, "
            f"ADD CONSTRAINT kind_known CHECK ({after})",
        )
        return
    # SQLite cannot alter a CHECK, and rebuilding the table is impossible here: the lines'
    # deferred foreign key fails the commit once the old table is dropped, and foreign keys
    # cannot be switched off inside the migration's transaction. SQLite's documented way to
    # change a constraint that no stored row breaks (sqlite.org/lang_altertable.html §7) is
    # to edit the table's text in the schema and bump the schema version. Widening admits
    # every row; narrowing runs after the in-legs are gone.
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
    _run(conn, "PRAGMA writable_schema = ON")
    changed = conn.execute(
        sa.text(
            "UPDATE sqlite_master SET sql = replace(sql, :before, :after) "
            "WHERE type = 'table' AND name = :name AND instr(sql, :before) > 0"
        ),
        {"before": before, "after": after, "name": EVENTS},
    ).rowcount
    _run(conn, f"PRAGMA schema_version = {int(version) + 1}", "PRAGMA writable_schema = OFF")
    if changed != 1:
        raise RuntimeError(f"{EVENTS}: kind_known is not {before!r}")


def _indexes(new: bool) -> list[sa.Index]:
    """The event indexes this revision leaves (`new`) or finds, frozen here."""
    table = sa.Table(
        EVENTS,
        sa.MetaData(),
        sa.Column("facility", sa.String(80)),
        sa.Column("idempotency_key", sa.Text),
        sa.Column("leg_of", sa.String(64)),
    )
    keyed = table.c.idempotency_key.isnot(None)
    unique_on = (table.c.facility, table.c.idempotency_key) if new else (table.c.idempotency_key,)
    indexes = [
        sa.Index(
            "uq_inventory_events_idempotency_key",
            *unique_on,
            unique=True,
            sqlite_where=keyed,
            postgresql_where=keyed,
        )
    ]
    if new:
        in_leg = table.c.leg_of.isnot(None)
        indexes.append(
            sa.Index(
                "ix_inventory_events_leg_of",
                table.c.facility,
                table.c.leg_of,
                sqlite_where=in_leg,
                postgresql_where=in_leg,
            )
        )
    return indexes


def _split_transfers(conn: sa.Connection) -> None:
    """One in-leg event per transfer and destination, and its lines repointed to it."""
    # A batch at a time, read anew each round: a repointed line no longer matches.
    pending = sa.text(
        "SELECT DISTINCT e.id, l.facility, e.facility, e.reason, e.reference, e.occurred_us, "
        "e.recorded_us, e.item_count FROM inventory_lines l "
        "JOIN inventory_events e ON e.id = l.event_id "
        "WHERE l.kind = 'transfer-in' AND e.kind = 'transfer' ORDER BY e.id, l.facility "
        f"LIMIT {_BATCH}"
    )
    insert = sa.text(
        f"INSERT INTO {EVENTS} (id, kind, facility, counterpart, reason, reference, "
        "occurred_us, recorded_us, item_count, leg_of) VALUES (:id, 'transfer-in', :facility, "
        ":counterpart, :reason, :reference, :occurred_us, :recorded_us, :item_count, :leg_of)"
    )
    repoint = sa.text(
        "UPDATE inventory_lines SET event_id = :id WHERE facility = :facility "
        "AND event_id = :leg_of AND kind = 'transfer-in'"
    )
    while rows := conn.execute(pending).all():
        legs = [_in_leg(*row) for row in rows]
        conn.execute(insert, legs)
        conn.execute(repoint, legs)


def _in_leg(
    out_id: str,
    destination: str,
    origin: str,
    reason: str | None,
    reference: str | None,
    occurred_us: int,
    recorded_us: int,
    item_count: int,
) -> dict[str, object]:
    return {
        "id": str(uuid.uuid5(_LEGS, f"{out_id}/{destination}")),
        "facility": destination,
        "counterpart": origin,
        "reason": reason,
        "reference": reference,
        "occurred_us": occurred_us,
        "recorded_us": recorded_us,
        "item_count": item_count,
        "leg_of": out_id,
    }
