"""The audit log on SQLite and PostgreSQL: append in the write's transaction, seal, verify,
tampering through SQL, concurrent sealers, and the patient's access log."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text

from enlace.interactions.context import Services
from enlace.kernel.clock import from_epoch_us
from enlace.security import audit_log, audit_sealer
from enlace.security.audit import (
    DEFAULT_HORIZON_US,
    ENTRY_COLUMNS,
    LATE_AFTER_US,
    AuditEntry,
    parse_anchor,
)
from enlace.security.audit_sealer import seal_pending
from enlace.security.tables import audit_log as table
from enlace.store.database import open_database

T0 = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z
LATER = T0 + 3_600_000_000  # "now" for sealing: an hour after every row


def entry(n: int = 0, **fields: Any) -> AuditEntry:
    values: dict[str, Any] = {
        "action": "R",
        "interaction": "read",
        "outcome": 200,
        "actor": "u1",
        "role": "physician",
        "organization": "clinic1",
        "recorded_us": T0 + n,
        "resource_type": "Observation",
        "resource_id": f"o{n}",
        "patient_id": "pat1",
        "purpose": "TREAT",
    }
    values.update(fields)
    return AuditEntry(**values)


def add(services: Services, entries: list[AuditEntry]) -> None:
    with services.db.begin() as conn:
        audit_log.record(conn, entries)


def count(services: Services, *where: Any) -> int:
    with services.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def sealed(services: Services, **kwargs: Any) -> int:
    return seal_pending(services.db, LATER, **kwargs)


def verify(services: Services) -> audit_log.VerifyReport:
    with services.db.read() as conn:
        return audit_log.verify(conn)


def tamper(services: Services, sql: str) -> None:
    with services.db.begin() as conn:
        conn.execute(text(sql))


def test_a_rolled_back_write_leaves_no_record(services: Services) -> None:
    with pytest.raises(RuntimeError), services.db.begin() as conn:
        audit_log.record(conn, [entry(1, action="C", interaction="create")])
        raise RuntimeError("the write failed after its audit")
    assert count(services) == 0
    add(services, [entry(2, action="C", interaction="create")])
    add(services, [entry(n) for n in range(3, 40)])  # many rows: COPY on PostgreSQL
    assert count(services) == 38
    with services.db.read() as conn:
        row = audit_log.search_audit(conn, action="C")[0]
    assert (row["interaction"], row["resource_id"], row["chain_seq"]) == ("create", "o2", None)


def test_seal_then_verify(services: Services) -> None:
    add(services, [entry(n) for n in range(10)])
    add(services, [entry(0, recorded_us=LATER - 1000)])  # inside the horizon: waits
    assert sealed(services, batch=4) == 10  # transactions of at most 4
    assert sealed(services) == 0  # idempotent
    report = verify(services)
    assert report.ok and report.checked == 10 and report.unsealed == 1
    with services.db.read() as conn:
        assert audit_log.chain_head(conn) == (10, report.head_hash)
        positions = [r["chain_seq"] for r in audit_log.search_audit(conn, count=20)]
    assert positions == [None, *range(10, 0, -1)]  # seq order
    assert seal_pending(services.db, LATER + DEFAULT_HORIZON_US) == 1
    assert verify(services).checked == 11


@pytest.mark.parametrize(
    ("sql", "where"),
    [
        ("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 4", "hash mismatch"),
        ("UPDATE audit_log SET recorded_us = recorded_us + 1 WHERE seq = 4", "hash mismatch"),
        ("UPDATE audit_log SET patient_id = NULL WHERE seq = 4", "hash mismatch"),
        ("DELETE FROM audit_log WHERE seq = 4", "position 4 is missing"),
        ("UPDATE audit_log SET chain_seq = NULL WHERE seq = 4", "position 4 is missing"),
        (
            "UPDATE audit_log SET chain_seq = chain_seq + 1000 WHERE chain_seq >= 4;"
            " UPDATE audit_log SET chain_seq = chain_seq - 999 WHERE chain_seq >= 1000;"
            " INSERT INTO audit_log (recorded_us, action, interaction, outcome, actor, chain_seq,"
            " prev_hash, hash) SELECT recorded_us, action, interaction, outcome, 'ghost', 4,"
            " prev_hash, hash FROM audit_log WHERE seq = 4",
            "hash mismatch",
        ),
    ],
    ids=["actor", "time", "patient", "delete", "unchain", "insert"],
)
def test_tampering_through_sql_is_caught(services: Services, sql: str, where: str) -> None:
    add(services, [entry(n) for n in range(8)])
    sealed(services)
    assert verify(services).ok
    for statement in sql.split(";"):
        if statement.strip():
            tamper(services, statement)
    report = verify(services)
    assert not report.ok and report.broken_position in (4, 5), report
    assert where in (report.problem or "")


def test_an_unchained_last_row_is_named_and_never_sealed_again(services: Services) -> None:
    add(services, [entry(n) for n in range(3)])
    sealed(services)
    tamper(services, "UPDATE audit_log SET chain_seq = NULL, actor = 'x' WHERE seq = 3")
    assert sealed(services) == 0
    report = verify(services)
    assert (
        not report.ok and report.broken_seq == 3 and "no chain position" in (report.problem or "")
    )


def test_a_row_that_commits_late_is_sealed_at_the_end(services: Services) -> None:
    """A transaction that outlived the horizon: its row (a low seq, an old time) shows up after
    newer rows were sealed. It is sealed at the chain's end, the chain stays whole, and verify
    lists the row as late for review."""
    add(services, [entry(n, recorded_us=T0 + LATE_AFTER_US + n) for n in range(1, 10)])
    sealed(services)
    with services.db.begin() as conn:
        late = dict(zip(ENTRY_COLUMNS, entry(0, recorded_us=T0).values(), strict=True))
        conn.execute(insert(table).values(seq=0, **late))
    add(services, [entry(n, recorded_us=T0 + LATE_AFTER_US + n) for n in range(10, 20)])
    assert sealed(services, batch=4) == 11  # batches of a seq range each, the first from seq 0
    report = verify(services)
    assert report.ok and report.checked == 20 and report.late == [0]
    with services.db.read() as conn:
        positions = {r["seq"]: r["chain_seq"] for r in audit_log.search_audit(conn, count=30)}
    assert positions[9] == 9 and positions[0] == 10 and positions[10] == 11


def test_two_sealers_at_once_make_one_chain(services: Services) -> None:
    """Two engines (as two processes would have) seal in small batches while rows arrive."""
    other = open_database(services.settings.resolved_database_url)
    stop = threading.Event()
    errors: list[BaseException] = []
    counts = {id(services.db): 0, id(other): 0}

    def sealer(db: Any) -> None:
        try:
            while not stop.wait(0.002):  # a pause: SQLite's one write connection is shared
                counts[id(db)] += seal_pending(db, LATER, batch=7)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sealer, args=(db,)) for db in (services.db, other)]
    for thread in threads:
        thread.start()
    try:
        for n in range(0, 300, 10):
            add(services, [entry(n + k) for k in range(10)])
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        other.dispose()
    assert errors == []
    assert sum(counts.values()) + sealed(services) == 300  # each row sealed exactly once
    report = verify(services)
    assert report.ok and report.checked == 300 and report.unsealed == 0
    assert count(services, table.c.chain_seq.is_not(None)) == 300


def test_patient_access_log_pages_newest_first(services: Services) -> None:
    add(services, [entry(n, patient_id="pat1" if n % 3 else "pat2") for n in range(12)])
    with services.db.read() as conn:
        first = audit_log.patient_access_log(conn, "pat1", count=3)
        second = audit_log.patient_access_log(conn, "pat1", count=3, before_seq=first[-1]["seq"])
        rest = audit_log.patient_access_log(conn, "pat1", before_seq=second[-1]["seq"])
        recent = audit_log.patient_access_log(conn, "pat1", since_us=T0 + 7)
        other = audit_log.patient_access_log(conn, "pat2")
    ids = [r["resource_id"] for r in first + second + rest]
    assert ids == ["o11", "o10", "o8", "o7", "o5", "o4", "o2", "o1"]
    assert [r["resource_id"] for r in recent] == ["o11", "o10", "o8", "o7"]
    assert [r["resource_id"] for r in other] == ["o9", "o6", "o3", "o0"]
    assert {r["role"] for r in first} == {"physician"}


def test_search_audit_filters(services: Services) -> None:
    add(
        services,
        [
            entry(1),
            entry(2, actor="u2", fhir_user="Practitioner/p2", action="U", interaction="update"),
            entry(3, actor="app9", action="search", interaction="search-type"),
        ],
    )
    with services.db.read() as conn:

        def ids(**kwargs: Any) -> list[str]:
            return [r["resource_id"] for r in audit_log.search_audit(conn, **kwargs)]

        assert ids() == ["o3", "o2", "o1"]
        assert ids(agent="u2") == ids(agent="Practitioner/p2") == ["o2"]
        assert ids(action="search") == ["o3"]
        assert ids(since_us=T0 + 2, until_us=T0 + 3) == ["o2"]
        assert ids(count=1, before_seq=3) == ["o2"]


def test_inserted_rows_keep_every_field(services: Services) -> None:
    full = entry(5, query="code=a\x00b", reason="x" * 5000, request_id="r" * 300)
    add(services, [full])
    with services.db.read() as conn:
        row = audit_log.search_audit(conn, action="R")[0]
    # PostgreSQL text cannot hold NUL: it becomes U+FFFD rather than fail the write
    nul = "\ufffd" if services.db.dialect == "postgresql" else "\x00"
    assert row["query"] == f"code=a{nul}b" and len(row["reason"]) == 5000
    assert len(row["request_id"]) == 300


def test_verify_jumps_over_a_gap_longer_than_a_page_and_sees_positions_below_one(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_log, "VERIFY_BATCH", 2)
    add(services, [entry(n) for n in range(9)])
    sealed(services)
    assert verify(services).checked == 9  # five pages
    tamper(services, "DELETE FROM audit_log WHERE seq BETWEEN 3 AND 7")
    report = verify(services)
    assert not report.ok and report.broken_position == 8 and report.checked == 2
    tamper(services, "UPDATE audit_log SET chain_seq = 0 WHERE seq = 1")
    assert verify(services).broken_position == 0


def test_the_background_sealer_seals_and_logs_its_anchor(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    add(services, [entry(n) for n in range(5)])
    with caplog.at_level(logging.INFO, logger="enlace.security.audit_sealer"):
        stop = audit_sealer.start(services.db, clock=lambda: from_epoch_us(LATER), every_s=0.02)
        try:
            deadline = time.monotonic() + 10
            while count(services, table.c.chain_seq.is_(None)) and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            stop()
    anchors = [getattr(r, "fields", {}).get("anchor") for r in caplog.records]
    assert anchors and anchors[-1] is not None
    with services.db.read() as conn:
        report = audit_log.verify(conn, dict([parse_anchor(anchors[-1])]))
    assert report.ok and report.checked == 5 and report.unsealed == 0
