"""Migration 0037 on a database that has rows from before it (SQLite and PostgreSQL): down to
0036 (the narrow keys, no patient columns), rows written in that shape, up again: every row kept,
the patient backfilled from the row it belongs to, the keys led by the patient."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, inspect, text

from enlace.modules.monitoring import partitions
from enlace.store import citus, migrate
from enlace.store.database import Database
from tests.support.revisions import to_revision

JAN = 1_767_312_000_000_000  # 2026-01-02 UTC, in microseconds
WIDENED = {
    "messaging_attempts": ("patient", "message", "attempt"),
    "messaging_outbox": ("patient", "id"),
    "claims_submissions": ("patient", "claim_key"),
    "homecare_visits": ("patient", "id"),
    "monitoring_readings": ("patient", "device", "code", "effective_us"),
}


_to = to_revision  # the other migration tests import it from here


def _keys(conn: Connection) -> dict[str, tuple[str, ...]]:
    seen = inspect(conn)
    return {t: tuple(seen.get_pk_constraint(t)["constrained_columns"]) for t in WIDENED}


def _insert(conn: Connection, table: str, **row: object) -> None:
    names = ", ".join(row)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES (:{', :'.join(row)})"), row)


def _old_rows(conn: Connection) -> None:
    _insert(conn, "messaging_outbox", id="m1", dedupe_key="k", patient="p1", kind="care",
            template="t", language="es-MX", text="hola", reason="{}", status="delivered",
            queued_us=1, not_before_us=1, next_attempt_us=1, attempts=1)  # fmt: skip
    _insert(conn, "messaging_attempts", message="m1", attempt=1, at_us=2, adapter="file")
    _insert(conn, "claims_lines", claim_id="c1", sequence=1, service_date=date(2026, 1, 2),
            payer="ins", pharmacy="ph", patient="p2", coverage="cov", medication="med",
            packs=1, unit_centavos=1, submitted_centavos=1, payer_centavos=1,
            patient_centavos=0, reason="", outcome="complete", created_us=3)  # fmt: skip
    # c3 has no line either, but the Claim's patient reference is indexed
    index_row = {"resource_type": "Claim", "resource_id": "c3", "param": "patient",
                 "target_type": "Patient", "target_id": "p5"}  # fmt: skip
    if "patient_key" in {c["name"] for c in inspect(conn).get_columns("reference_index")}:
        index_row["patient_key"] = "p5"  # the store's own patient key, once it has one
    _insert(conn, "reference_index", **index_row)
    for claim in ("c1", "c2", "c3"):  # c2 has no line: its patient cannot be found
        _insert(conn, "claims_submissions", claim_key=f"sys|{claim}", claim_id=claim,
                outcome="complete", payer_centavos=1, created_us=3)  # fmt: skip
    _insert(conn, "homecare_needs", id="n1", patient="p3", kind="nursing", skill="wound",
            zone="z", latitude=19.4, longitude=-99.1, address="Calle 1", first_day=date(2026, 1, 1),
            every_days=7, visit_minutes=30, window_start=480, window_end=720)  # fmt: skip
    _insert(conn, "homecare_visits", id="v1", need="n1", day=date(2026, 1, 1),
            status="scheduled", window_end_us=4)  # fmt: skip
    if conn.dialect.name == "postgresql":  # the partitioned table: its key is rebuilt per month
        partitions.ensure(conn, [JAN])
    _insert(conn, "monitoring_readings", device="d1", code="99504-3", effective_us=JAN,
            patient="p4", value=5.5, received_us=JAN)  # fmt: skip


def test_upgrade_backfills_the_patient_and_widens_the_keys(database: Database) -> None:
    migrate.upgrade(database)
    with database.read() as conn:
        assert _keys(conn) == WIDENED  # a new database is made in the new shape
    _to(database, "0036", down=True)
    with database.read() as conn:
        narrow = _keys(conn)
        assert narrow["messaging_attempts"] == ("message", "attempt")
        assert narrow["monitoring_readings"] == ("device", "code", "effective_us")
        assert "patient" not in {c["name"] for c in inspect(conn).get_columns("homecare_visits")}
    with database.begin() as conn:
        _old_rows(conn)
    _to(database, "head")
    with database.read() as conn:
        assert _keys(conn) == WIDENED
        shapes = citus.shapes(conn)  # every unique key leads with the patient too
        gaps = [gap for table in WIDENED for gap in citus.key_gaps(shapes[table], "patient")]
        assert gaps == []
        found = {
            table: sorted(conn.execute(text(f"SELECT {column}, patient FROM {table}")).all())
            for table, column in (
                ("messaging_attempts", "message"),
                ("claims_submissions", "claim_id"),
                ("homecare_visits", "id"),
                ("monitoring_readings", "device"),
            )
        }
    assert found == {
        "messaging_attempts": [("m1", "p1")],
        "claims_submissions": [("c1", "p2"), ("c2", ""), ("c3", "p5")],
        "homecare_visits": [("v1", "p3")],
        "monitoring_readings": [("d1", "p4")],
    }
