"""`enlace ledger audit --events` against a live server (SQLite and PostgreSQL): every EPCIS
event served matches its leaf; an event's JSON edited, or an event deleted, directly in the
database makes the audit exit 1 naming the event; no token is exit 2.

Events are captured over HTTP (`POST /epcis/capture`, a pharmacist's token); one non-EPCIS leaf
is appended between them, as a dispense from another module would be, and must be skipped.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from enlace.kernel.settings import Settings
from enlace.modules.trace.log_store import append_entries
from enlace.security.keys import signing_key
from enlace.security.scopes import parse_scopes
from enlace.security.tokens import Grant, issue_access_token
from enlace.store.database import Database, open_database
from tests.e2e.conftest import VENV_BIN, _serve
from tests.integration.trace_epcis_support import PHARMACY, commissioning, document, event, pack
from tests.support.postgres import fresh_database

SERVER_ENV = {"ENLACE_LOG_CHECKPOINT_SECONDS": "0", "ENLACE_AUTH": "1"}


@dataclass(frozen=True)
class TraceServer:
    base: str
    db: Database
    workdir: Path
    settings: Settings

    def token(self, role: str) -> str:
        grant = Grant("auditor", "ledger-cli", parse_scopes("user/*.rs"), role=role)
        key = signing_key(self.settings)
        issued = issue_access_token(key, grant, audience=f"{self.base}/fhir", now=datetime.now(UTC))
        return issued.token


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def trace_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TraceServer]:
    workdir = tmp_path_factory.mktemp("ledger-events")
    if request.param == "sqlite":
        yield from _running(f"sqlite:///{workdir / 'enlace.db'}", workdir)
        return
    admin: str = request.getfixturevalue("postgres_admin_url")
    with fresh_database(admin) as url:
        yield from _running(url, workdir)


def _running(url: str, workdir: Path) -> Iterator[TraceServer]:
    for fhir_base in _serve(url, workdir, SERVER_ENV):
        db = open_database(url)
        settings = Settings.from_env(database_url=url, var_dir=workdir)
        try:
            server = TraceServer(fhir_base.removesuffix("/fhir"), db, workdir, settings)
            _load(server)
            yield server
        finally:
            db.dispose()


def _named(found: dict[str, Any], name: str) -> dict[str, Any]:
    return {**found, "eventID": f"urn:uuid:00000000-0000-4000-8000-{name:0>12}"}


def _capture(server: TraceServer, *events: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {server.token('pharmacist')}"}
    answer = httpx.post(f"{server.base}/epcis/capture", json=document(*events), headers=headers)
    assert answer.status_code == 201, answer.text


def _load(server: TraceServer) -> None:
    """Events 1-2, a foreign leaf, the saved checkpoint, then events 3-4."""
    _capture(
        server,
        _named(commissioning(["1", "2"]), "1"),
        _named(event("ObjectEvent", 60, "shipping", epcs=[pack("1"), pack("2")]), "2"),
    )
    with server.db.begin() as conn:
        append_entries(conn, [b"dispense/1\nnot an EPCIS event"])
    result = ledger(server, "checkpoint", "--save", str(server.workdir / "saved.checkpoint"))
    assert result.returncode == 0, result.stderr
    _capture(
        server,
        _named(event("ObjectEvent", 180, "receiving", epcs=[pack("1")], place=PHARMACY), "3"),
        _named(event("ObjectEvent", 240, "dispensing", epcs=[pack("1")], place=PHARMACY), "4"),
    )


def ledger(
    server: TraceServer, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "enlace"), "ledger", *args, "--url", server.base],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def audit_events(server: TraceServer, role: str = "regulator") -> subprocess.CompletedProcess[str]:
    saved = str(server.workdir / "saved.checkpoint")
    token = server.token(role)
    return ledger(server, "audit", "--checkpoint", saved, "--events", env={"ENLACE_TOKEN": token})


@pytest.fixture
def untouched(trace_server: TraceServer) -> Iterator[TraceServer]:
    """The server; whatever a test edits in trace_epcis_events is put back after it."""
    with trace_server.db.read() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM trace_epcis_events").mappings().all()
    yield trace_server
    with trace_server.db.begin() as conn:
        conn.exec_driver_sql("DELETE FROM trace_epcis_events")
        columns = list(rows[0].keys())
        placeholders = ", ".join(
            ["%s" if conn.dialect.name == "postgresql" else "?"] * len(columns)
        )
        conn.exec_driver_sql(
            f"INSERT INTO trace_epcis_events ({', '.join(columns)}) VALUES ({placeholders})",
            [tuple(row[c] for c in columns) for row in rows],
        )


def sql(server: TraceServer, statement: str) -> None:
    with server.db.begin() as conn:
        assert conn.exec_driver_sql(statement).rowcount == 1


def test_honest_events_pass(untouched: TraceServer) -> None:
    result = audit_events(untouched)
    assert result.returncode == 0, result.stderr
    assert "ok: 4 EPCIS events match their leaves" in result.stdout
    assert "from size 3 to 5" in result.stdout


def test_an_edited_event_is_named(untouched: TraceServer) -> None:
    statement = "UPDATE trace_epcis_events SET raw = REPLACE(raw, '\"shipping\"', '\"receiving\"')"
    sql(untouched, statement + " WHERE seq = 1")
    result = audit_events(untouched)
    assert result.returncode == 1, result.stdout
    assert "event urn:uuid:00000000-0000-4000-8000-000000000002 (leaf 1)" in result.stderr
    assert "hashes to" in result.stderr


def test_an_edited_event_after_the_saved_checkpoint_is_named(untouched: TraceServer) -> None:
    sql(
        untouched,
        "UPDATE trace_epcis_events SET raw = REPLACE(raw, '-06:00', '-05:00') WHERE seq = 4",
    )
    result = audit_events(untouched)
    assert result.returncode == 1
    assert "event urn:uuid:00000000-0000-4000-8000-000000000004 (leaf 4)" in result.stderr


def test_a_deleted_event_is_named(untouched: TraceServer) -> None:
    sql(untouched, "DELETE FROM trace_epcis_events WHERE seq = 3")
    result = audit_events(untouched)
    assert result.returncode == 1
    assert "leaf 3 records event urn:uuid:00000000-0000-4000-8000-000000000003" in result.stderr


def test_events_need_a_token_with_a_query_role(untouched: TraceServer) -> None:
    saved = str(untouched.workdir / "saved.checkpoint")
    env = {"ENLACE_TOKEN": ""}
    missing = ledger(untouched, "audit", "--checkpoint", saved, "--events", env=env)
    assert missing.returncode == 2 and "ENLACE_TOKEN" in missing.stderr
    refused = audit_events(untouched, role="patient")
    assert refused.returncode == 2 and "HTTP 403" in refused.stderr
    plain = ledger(untouched, "audit", "--checkpoint", saved, env=env)
    assert plain.returncode == 0, plain.stderr
