"""Migration 0035 (SQLite and PostgreSQL): down to 0034 drops the trace context columns, a row
written in that shape is kept on the way up again, with no context (its delivery starts a new
trace), and upgrading a database that already had the columns changes nothing."""

from __future__ import annotations

from sqlalchemy import inspect, text

from enlace.store import migrate
from enlace.store.database import Database

from .test_migration_0037 import _to

TABLES = ("messaging_outbox", "subscription_events", "resource_history")


def _with_context(db: Database) -> dict[str, bool]:
    with db.read() as conn:
        seen = inspect(conn)
        return {t: any(c["name"] == "trace_context" for c in seen.get_columns(t)) for t in TABLES}


def test_down_drops_the_columns_and_up_adds_them_back_keeping_rows(
    database: Database,
) -> None:
    migrate.upgrade(database)
    assert _with_context(database) == dict.fromkeys(TABLES, True)
    _to(database, "0034", down=True)
    assert _with_context(database) == dict.fromkeys(TABLES, False)
    with database.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO resource_history (resource_type, id, version_id, last_updated_us, "
                "method, deleted) VALUES ('Patient', 'old', 1, 1, 'POST', :no)"
            ),
            {"no": False},
        )
    migrate.upgrade(database)
    migrate.upgrade(database)  # at head: a no-op
    assert _with_context(database) == dict.fromkeys(TABLES, True)
    with database.read() as conn:
        kept = conn.execute(
            text("SELECT id, trace_context FROM resource_history WHERE id = 'old'")
        ).all()
    assert [tuple(r) for r in kept] == [("old", None)]
