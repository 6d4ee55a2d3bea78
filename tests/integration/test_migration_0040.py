"""Migration 0040 on a database that has rows from before it (SQLite and PostgreSQL): down to the
revision before it (the narrow keys), rows written in that shape, up again: every row kept, the
keys led by the patient, the patient indexes replaced by the key; two patients may then share a
client id; down again restores the narrow keys with the rows."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from enlace.store import citus, migrate
from enlace.store.database import Database

WIDENED = {
    "education_deliveries": ("patient", "id"),
    "engagement_dose_log": ("patient", "client_id"),
    "engagement_readings": ("patient", "client_id"),
}
NARROW = {
    "education_deliveries": ("id",),
    "engagement_dose_log": ("client_id",),
    "engagement_readings": ("client_id",),
}
LOGS = ("engagement_dose_log", "engagement_readings")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    return config


def _before_0040() -> str:
    found = ScriptDirectory.from_config(_config()).get_revision("0040")
    assert found is not None and isinstance(found.down_revision, str)
    return found.down_revision


def _to(db: Database, revision: str, down: bool = False) -> None:
    config = _config()
    with db.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


def _keys(conn: Connection) -> dict[str, tuple[str, ...]]:
    seen = inspect(conn)
    return {t: tuple(seen.get_pk_constraint(t)["constrained_columns"]) for t in WIDENED}


def _indexes(conn: Connection, table: str) -> dict[str, list[str | None]]:
    return {str(i["name"]): i["column_names"] for i in inspect(conn).get_indexes(table)}


def _insert(conn: Connection, table: str, **row: object) -> None:
    names = ", ".join(row)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES (:{', :'.join(row)})"), row)


def _log_row(conn: Connection, table: str, patient: str, client_id: str) -> None:
    _insert(conn, table, client_id=client_id, patient=patient, digest=f"d-{patient}",
            received_us=1, answer=f'{{"patient": "{patient}"}}')  # fmt: skip


def _old_rows(conn: Connection) -> None:
    for patient in ("p1", "p2"):
        _insert(conn, "education_deliveries", id=f"del-{patient}", patient=patient,
                item="hypo-after", trigger="hypoglycaemia", cause="Flag/f1", due_us=5,
                status="scheduled", created_us=5)  # fmt: skip
        for table in LOGS:
            _log_row(conn, table, patient, f"cid-{patient}")


def _rows(conn: Connection) -> dict[str, list[tuple[object, ...]]]:
    return {
        "education_deliveries": sorted(
            conn.execute(text("SELECT patient, id, status FROM education_deliveries")).all()
        ),
        **{
            table: sorted(conn.execute(text(f"SELECT patient, client_id, answer FROM {table}")))
            for table in LOGS
        },
    }


def test_upgrade_widens_the_keys_and_keeps_the_rows(database: Database) -> None:
    migrate.upgrade(database)
    with database.read() as conn:
        assert _keys(conn) == WIDENED  # a new database is made in the new shape
    _to(database, _before_0040(), down=True)
    with database.read() as conn:
        assert _keys(conn) == NARROW
        assert _indexes(conn, "engagement_readings")["ix_engagement_readings_patient"] == [
            "patient"
        ]
    with database.begin() as conn:
        _old_rows(conn)
        before = _rows(conn)
    _to(database, "head")
    with database.read() as conn:
        assert _keys(conn) == WIDENED
        assert _rows(conn) == before
        shapes = citus.shapes(conn)
        assert [gap for t in WIDENED for gap in citus.key_gaps(shapes[t], "patient")] == []
        deliveries = _indexes(conn, "education_deliveries")
        assert deliveries["ix_education_deliveries_id"] == ["id"]  # the link's read by id
        assert "ix_education_deliveries_patient" not in deliveries  # the key leads with it
        assert "ix_engagement_dose_log_patient" not in _indexes(conn, "engagement_dose_log")
    with database.begin() as conn:  # widened, one client id of two patients is two entries
        for table in LOGS:
            _log_row(conn, table, "p2", "cid-p1")
        for table in LOGS:
            conn.execute(text(f"DELETE FROM {table} WHERE patient = 'p2' AND client_id = 'cid-p1'"))
    _to(database, _before_0040(), down=True)
    with database.read() as conn:
        assert _keys(conn) == NARROW
        assert _rows(conn) == before
        assert "ix_education_deliveries_id" not in _indexes(conn, "education_deliveries")
        assert _indexes(conn, "engagement_dose_log")["ix_engagement_dose_log_patient"] == [
            "patient"
        ]
