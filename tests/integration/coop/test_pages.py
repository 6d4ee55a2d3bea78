"""The cooperative pages on both stores: a member's portal with fee and statement, the
directory refused to a non-member, the council admitting an applicant, the public
transparency page without names."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.modules import coop
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]
DAY = datetime(2026, 11, 1, tzinfo=UTC)


def csrf(text: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', text)
    assert token is not None
    return token.group(1)


def members(services: Services) -> None:
    """ana (admitted) and beto (applied), both patient members with user accounts pac.*."""
    with services.db.begin() as conn:
        for ident, income in (("ana", 600_000), ("beto", 900_000)):
            name = f"{ident.title()} Pérez"
            app = coop.Application(ident, name, "patient", income, 1, user_id=f"pac.{ident}")
            coop.apply(conn, app, DAY)
        coop.admit(conn, "ana", DAY, "council")


def test_member_portal_and_directory(client: TestClient, services: Services) -> None:
    members(services)
    sign_in_as(services, client, "pac.ana", "patient", patients=["p-ana"])
    me = client.get("/coop/me")
    assert me.status_code == 200
    assert "Activo" in me.text and "$80.00" in me.text  # 127 % of the line: 60 % off $200
    assert client.get("/coop/directory").status_code == 200
    sign_in_as(
        services, client, "pac.beto", "patient", patients=["p-beto"]
    )  # applied, not yet admitted
    assert client.get("/coop/directory").status_code == 403
    assert "Solicitud en trámite" in client.get("/coop/me").text


def test_council_admits_and_transparency_is_anonymous(
    client: TestClient, services: Services
) -> None:
    members(services)
    public = client.get("/coop/transparency")
    assert public.status_code == 200
    assert "Paciente o familia: 1" in public.text and "Pérez" not in public.text
    sign_in_as(services, client, "pac.ana", "patient", patients=["p-ana"])
    assert client.get("/coop/council").status_code == 403
    sign_in_as(services, client, "admin.1", "administrator")
    page = client.get("/coop/council")
    assert 'id="app-beto"' in page.text
    sent = {"csrf": csrf(page.text), "decision": "admit"}
    assert client.post("/coop/council/beto", data=sent, follow_redirects=False).status_code == 303
    with services.db.begin() as conn:
        assert coop.get_member(conn, "beto").status == "active"
    odd = client.post("/coop/council/beto", data={**sent, "decision": "maybe"})
    assert odd.status_code == 400
    again = client.post("/coop/council/beto", data=sent)
    assert again.status_code == 400  # already a member: the 409 shown as the bad-input page
