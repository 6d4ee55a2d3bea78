"""`enlace audit seal | verify | patient`: exit status 1 and the first break on a broken chain."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us, system_clock
from enlace.security import audit_log
from enlace.security.audit import AuditEntry


@pytest.fixture
def stored(services: Services, monkeypatch: pytest.MonkeyPatch) -> Services:
    """Five reads of one patient, recorded an hour ago, in a store the CLI reaches by URL."""
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    an_hour_ago = epoch_us(system_clock()) - 3_600_000_000
    entries = [
        AuditEntry(
            action="R",
            interaction="read",
            outcome=200,
            actor=f"u{n}",
            actor_display=f"Dr. {n}",
            role="physician",
            organization="clinic1",
            recorded_us=an_hour_ago + n,
            resource_type="Observation",
            resource_id=f"o{n}",
            patient_id="pat1",
            purpose="ETREAT" if n == 4 else "TREAT",
            reason="unconscious" if n == 4 else None,
        )
        for n in range(5)
    ]
    with services.db.begin() as conn:
        audit_log.record(conn, entries)
    return services


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", *args])
    return result.exit_code, result.output


def test_seal_verify_and_a_broken_chain(stored: Services) -> None:
    code, output = run("seal")
    assert code == 0 and "sealed 5 rows" in output
    anchor = re.search(r"chain head (\d+:[0-9a-f]{64})", output)
    assert anchor is not None and anchor.group(1).startswith("5:")
    code, output = run("verify", "--anchor", anchor.group(1))
    assert code == 0 and "ok: 5 sealed rows verified, 0 not sealed yet" in output
    with stored.db.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'nobody' WHERE seq = 2"))
    code, output = run("verify")
    assert code == 1 and "BROKEN at seq 2 (chain position 2)" in output
    assert "hash mismatch" in output


def test_verify_refuses_a_truncated_chain_against_its_anchor(stored: Services) -> None:
    _, output = run("seal")
    head = output.rsplit(" ", 1)[-1].strip()
    with stored.db.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    assert run("verify")[0] == 0  # a shorter chain is still a chain ...
    code, output = run("verify", "--anchor", head)
    assert code == 1 and "deleted from the end" in output  # ... but not the one anchored
    assert run("verify", "--anchor", "nonsense")[0] == 2


def test_patient_lists_who_accessed_the_record(stored: Services) -> None:
    code, output = run("patient", "pat1", "--count", "2")
    lines = output.strip().splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].split("\t")[1:7] == [
        "Dr. 4",
        "physician",
        "clinic1",
        "read",
        "Observation/o4",
        "ETREAT",
    ]
    assert lines[0].endswith("BREAK-GLASS: unconscious") and "Dr. 3" in lines[1]
