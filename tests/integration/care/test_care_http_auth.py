"""Who may do what on /care/ with auth on, both stores: no token 401; a patient cannot accept a
referral (403) nor book for someone else (403) but books for themself under the booking rules;
a physician of another facility cannot accept (403); one of the receiving facility can."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.bootstrap import build
from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.security.keys import signing_key
from enlace.security.scopes import parse_scopes
from enlace.security.tokens import Grant, issue_access_token
from tests.integration.care.care_support import DAY, HOUR, patient, referral, slots


@pytest.fixture
def secured(services: Services, tmp_path: Path) -> Iterator[tuple[TestClient, Services]]:
    settings = Settings.from_env(
        database_url=services.settings.resolved_database_url,
        var_dir=tmp_path / "secured",
        log_requests=False,
        auth_enabled=True,
    )
    guarded = build(settings)
    with TestClient(create_app(guarded), base_url="http://testserver") as client:
        yield client, guarded
    guarded.db.dispose()


def bearer(services: Services, role: str, **fields: Any) -> dict[str, str]:
    grant = Grant("u1", "app", parse_scopes("user/*.rs"), role=role, **fields)
    key = signing_key(services.settings)
    token = issue_access_token(key, grant, audience="http://testserver/fhir", now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token.token}"}


def test_roles(services: Services, secured: tuple[TestClient, Services]) -> None:
    client, guarded = secured
    pid = patient(services)
    rid = referral(services, pid)
    accept = f"/care/referrals/{rid}/accept"
    assert client.post(accept).status_code == 401
    assert (
        client.post(accept, headers=bearer(guarded, "patient", patients=(pid,))).status_code == 403
    )
    elsewhere = bearer(guarded, "physician", organization="org-hospital-l2-issste-09015")
    assert client.post(accept, headers=elsewhere).status_code == 403
    here = bearer(guarded, "physician", organization="org-hospital-l2-imss-09015")
    assert client.post(accept, headers=here).json() == {"status": "accepted"}
    # the secured app runs on the system clock (the test fixture's clock is in 2026-01)
    real_now = int(datetime.now(UTC).timestamp() * 1_000_000)
    soon, later = slots(services, [real_now + HOUR // 2, real_now + DAY])
    me = bearer(guarded, "patient", patients=(pid,))
    other = client.post(f"/care/slots/{later}/book", json={"patient": "p-other"}, headers=me)
    assert other.status_code == 403
    too_soon = client.post(f"/care/slots/{soon}/book", json={"patient": pid}, headers=me)
    assert too_soon.status_code == 422
    assert (
        client.post(f"/care/slots/{later}/book", json={"patient": pid}, headers=me).status_code
        == 201
    )
