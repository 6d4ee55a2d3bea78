"""The council's forms on both stores: create, open and close a vote; convene an assembly,
record attendance, sign the minutes. Bad input (no options, quorum out of range, closing twice,
a non-member, short notice, no CSRF, a patient) shows what is wrong and where, writes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.modules import coop, trace, voting
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]
EARLIER = datetime.now(UTC) - timedelta(days=30)
VOTE = {"id": "p1", "title": "Mesa directiva", "kind": "ranked", "options": "Rosa\nLuis\nEva",
        "quorum": "50", "min_share": "50", "proxy_limit": "1", "body": ""}  # fmt: skip


def csrf(text: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', text)
    assert token is not None
    return token.group(1)


def members(services: Services) -> None:
    with services.db.begin() as conn:
        for ident in ("ana", "beto", "caro"):
            app = coop.Application(ident, ident.title(), "patient", 600_000, 1,
                                   user_id=f"pac.{ident}")  # fmt: skip
            coop.apply(conn, app, EARLIER)
            coop.admit(conn, ident, EARLIER, "council")


def council(services: Services, client: TestClient, path: str = "/council/votes") -> str:
    sign_in_as(services, client, "admin.1", "administrator")
    page = client.get(path)
    assert page.status_code == 200, page.text[:500]
    return csrf(page.text)


def post(client: TestClient, path: str, token: str, **fields: str) -> httpx.Response:
    return client.post(path, data={"csrf": token, **fields}, follow_redirects=False)


def test_the_council_creates_opens_and_closes_a_vote(
    client: TestClient, services: Services
) -> None:
    members(services)
    token = council(services, client)
    assert post(client, "/council/votes", token, **VOTE).status_code == 303
    with services.db.begin() as conn:
        found = voting.get(conn, "p1")
    assert (found["state"], found["options"], found["quorum"]) == (
        "draft",
        ["Rosa", "Luis", "Eva"],
        0.5,
    )
    assert post(client, "/council/votes/p1/open", token).status_code == 303
    with services.db.begin() as conn:
        assert voting.turnout(conn, "p1") == (0, 3)
        voting.cast(conn, "p1", "ana", ["Eva", "Rosa"])
        voting.cast(conn, "p1", "beto", ["Luis"])
    listed = client.get("/council/votes").text
    assert 'id="vote-p1"' in listed and "2 / 3" in listed
    assert post(client, "/council/votes/p1/close", token).status_code == 303
    key = voting.ballots.seal_key(services.settings.secret_key)
    with services.db.begin() as conn:
        closed = voting.get(conn, "p1")
        assert (
            voting.verify(conn, "p1", key, trace.log_publisher(services.settings).signer.verifier)
            == []
        )
    again = client.post("/council/votes/p1/close", data={"csrf": token})
    assert again.status_code == 409 and 'id="refused"' in again.text
    assert "is closed, not open" in again.text and "No se guardó nada" in again.text
    reopened = client.post("/council/votes/p1/open", data={"csrf": token})
    assert reopened.status_code == 409 and "is closed, not draft" in reopened.text
    with services.db.begin() as conn:
        assert voting.get(conn, "p1") == closed  # nothing rewritten by the refusals
    client.cookies.clear()  # the public transparency page shows the decision, nobody's name
    public = client.get("/coop/transparency").text
    assert 'id="decisions"' in public and "Mesa directiva" in public and "2 / 3" in public
    assert 'href="/voting/p1/tally"' in public and "Ana" not in public and "pac.ana" not in public


def test_bad_vote_forms_name_the_field_and_write_nothing(
    client: TestClient, services: Services
) -> None:
    members(services)
    token = council(services, client)
    cases = {
        "options": {**VOTE, "kind": "single", "options": "  \n"},
        "quorum": {**VOTE, "quorum": "150"},
        "min_share": {**VOTE, "min_share": "-5"},
        "proxy_limit": {**VOTE, "proxy_limit": "x"},
        "id": {**VOTE, "id": "P 1!"},
        "kind": {**VOTE, "kind": "lottery"},
    }
    for name, fields in cases.items():
        page = client.post("/council/votes", data={"csrf": token, **fields})
        assert page.status_code == 400, name
        assert f'id="e-{name}"' in page.text and 'id="problems"' in page.text, name
    assert "Escribe un porcentaje entero de 0 a 100." in client.post(
        "/council/votes", data={"csrf": token, **cases["quorum"]}).text  # fmt: skip
    expired = client.post("/council/votes", data={"csrf": "forged", **VOTE})
    assert expired.status_code == 400
    with services.db.begin() as conn:
        assert voting.list_proposals(conn) == []
    assert post(client, "/council/votes", token, **VOTE).status_code == 303
    twice = client.post("/council/votes", data={"csrf": token, **VOTE})
    assert twice.status_code == 409 and "proposal p1 already exists" in twice.text
    missing = client.post("/council/votes/nope/open", data={"csrf": token})
    assert missing.status_code == 400 and "no proposal nope" in missing.text
    sign_in_as(services, client, "pac.ana", "patient", patients=["p-ana"])
    assert client.get("/council/votes").status_code == 403
    refused = client.post("/council/votes/p1/open", data={"csrf": csrf(client.get("/votes").text)})
    assert refused.status_code == 403
    with services.db.begin() as conn:
        assert [p["state"] for p in voting.list_proposals(conn)] == ["draft"]


def assembly_form(**changes: str) -> dict[str, str]:
    today = datetime.now(UTC)
    fields = {"id": "a1", "kind": "ordinary", "title": "Asamblea ordinaria", "place": "Oaxaca",
              "convened": f"{today:%Y-%m-%d}", "held": f"{today + timedelta(days=9):%Y-%m-%dT10:00}",
              "notice_days": "7", "quorum": "50", "agenda": "Informe\nCuentas = p1"}  # fmt: skip
    return {**fields, **changes}


def test_the_council_convenes_records_attendance_and_signs_minutes(
    client: TestClient, services: Services
) -> None:
    members(services)
    token = council(services, client, "/assemblies")
    with services.db.begin() as conn:
        voting.create_proposal(conn, "p1", "Cuentas", "proposal")
    done = post(client, "/assemblies", token, **assembly_form())
    assert done.headers["location"] == "/council/assemblies/a1"
    for member, proxy in (("ana", ""), ("beto", "caro")):
        sent = post(client, "/council/assemblies/a1/attendance", token, member=member,
                    represented_by=proxy)  # fmt: skip
        assert sent.status_code == 303
    page = client.get("/council/assemblies/a1").text
    assert "beto (caro)" in page and 'id="quorum"' in page and "2 / 3" in page
    stranger = client.post(
        "/council/assemblies/a1/attendance", data={"csrf": token, "member": "zoe"}
    )
    assert stranger.status_code == 403 and "zoe is not a member" in stranger.text
    twice = client.post("/council/assemblies/a1/attendance", data={"csrf": token, "member": "ana"})
    assert twice.status_code == 409 and "already recorded" in twice.text
    signed = post(client, "/council/assemblies/a1/minutes", token)
    assert signed.headers["location"] == "/assemblies/a1"
    assert "Acta firmada; la firma verifica." in client.get("/assemblies/a1").text
    again = client.post("/council/assemblies/a1/minutes", data={"csrf": token})
    assert again.status_code == 409 and "already closed" in again.text
    late = client.post("/council/assemblies/a1/attendance", data={"csrf": token, "member": "caro"})
    assert late.status_code == 409
    with services.db.begin() as conn:
        assert voting.assemblies.attendees(conn, "a1") == [("ana", None), ("beto", "caro")]
    sign_in_as(services, client, "pac.ana", "patient", patients=["p-ana"])
    listed = client.get("/assemblies")
    assert 'id="assembly-a1"' in listed.text and 'id="convene"' not in listed.text
    assert client.get("/council/assemblies/a1").status_code == 403


def test_bad_convocations_name_the_field_and_write_nothing(
    client: TestClient, services: Services
) -> None:
    members(services)
    token = council(services, client, "/assemblies")
    today = datetime.now(UTC)
    cases = {
        "quorum": assembly_form(quorum="101"),
        "agenda": assembly_form(agenda=" \n "),
        "convened": assembly_form(convened="26/11/2026"),
        "held": assembly_form(held="tomorrow"),
        "notice_days": assembly_form(notice_days="0"),
        "kind": assembly_form(kind="secret"),
        "place": assembly_form(place=""),
    }
    for name, fields in cases.items():
        page = client.post("/assemblies", data={"csrf": token, **fields})
        assert page.status_code == 400 and f'id="e-{name}"' in page.text, name
    short = client.post("/assemblies", data={
        "csrf": token, **assembly_form(held=f"{today + timedelta(days=3):%Y-%m-%dT10:00}")})  # fmt: skip
    assert short.status_code == 400 and "<code>held_at</code>" in short.text
    assert "7 days&#39; notice" in short.text or "7 days' notice" in short.text
    unknown = client.post("/assemblies", data={"csrf": token, **assembly_form()})  # no p1 yet
    assert unknown.status_code == 400 and "<code>agenda[2].proposal</code>" in unknown.text
    with services.db.begin() as conn:
        assert voting.assemblies.list_assemblies(conn) == []
