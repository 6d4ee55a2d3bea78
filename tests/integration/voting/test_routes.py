"""`GET /voting/{id}/tally` on both stores: the published tally holds no voter, a receipt checks
against it by hand, unknown is 404 and still open is 409 as OperationOutcomes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Connection

from enlace.interactions.context import Services
from enlace.modules import voting

DAY = datetime(2026, 11, 2, tzinfo=UTC)


def roll_source(conn: Connection, when: datetime) -> list[tuple[str, str]]:
    return [("socia-01", "patient"), ("socio-02", "worker")]


def test_published_tally_checks_a_receipt_by_hand(client: TestClient, services: Services) -> None:
    with services.db.begin() as conn:
        voting.create_proposal(conn, "p1", "Horario", "single", ["manana", "tarde"])
        voting.open_vote(conn, "p1", roll_source, DAY)
        secret = voting.cast(conn, "p1", "socia-01", "tarde")
    still_open = client.get("/voting/p1/tally")
    assert still_open.status_code == 409
    assert still_open.json()["resourceType"] == "OperationOutcome"
    with services.db.begin() as conn:
        voting.close(conn, "p1", DAY, b"k")
    answer = client.get("/voting/p1/tally")
    assert answer.status_code == 200
    body = answer.json()
    assert body["result"]["totals"] == {"manana": 0, "tarde": 1}
    mine = hashlib.sha256(f'p1|{secret}|"tarde"'.encode()).hexdigest()  # the documented recipe
    assert body["commitments"] == [mine]
    assert "socia-01" not in answer.text and "socio-02" not in answer.text
    missing = client.get("/voting/nope/tally")
    assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"
