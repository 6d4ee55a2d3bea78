"""The voting pages on both stores: a member casts through the form and gets a receipt once,
a second ballot and a non-member are refused, the closed result shows its proof and verifies
the receipt, a void vote says so, and the signed minutes show as verified."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.modules import coop, trace, voting
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]
DAY = datetime(2026, 11, 1, tzinfo=UTC)


def csrf(text: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', text)
    assert token is not None
    return token.group(1)


def seal(services: Services) -> bytes:
    return voting.ballots.seal_key(services.settings.secret_key)


def setup(services: Services, kind: str = "ranked", quorum: float = 0.5) -> None:
    with services.db.begin() as conn:
        for ident in ("ana", "beto"):
            app = coop.Application(
                ident, ident.title(), "patient", 600_000, 1, user_id=f"pac.{ident}"
            )
            coop.apply(conn, app, DAY)
            coop.admit(conn, ident, DAY, "council")
        voting.create_proposal(conn, "p1", "Mesa directiva", kind, ["Rosa", "Luis", "Eva"],
                               quorum_share=quorum)  # fmt: skip
        voting.open_vote(conn, "p1", voting.coop_roll, datetime(2026, 11, 2, tzinfo=UTC))


def test_cast_by_form_receipt_then_verified_result(client: TestClient, services: Services) -> None:
    setup(services)
    sign_in_as(services, client, "pac.ana", "patient", patients=["p-ana"])
    assert "Mesa directiva" in client.get("/votes").text
    page = client.get("/votes/p1")
    assert 'id="ballot"' in page.text
    bad = client.post("/votes/p1/cast", data={"csrf": csrf(page.text), "opt0": "1", "opt1": "3"})
    assert bad.status_code == 400  # ranks 1 and 3: a gap
    sent = {"csrf": csrf(page.text), "opt0": "2", "opt1": "", "opt2": "1"}
    cast = client.post("/votes/p1/cast", data=sent)
    assert cast.status_code == 200
    secret = re.search(r'id="secret">([0-9a-f]+)<', cast.text)
    assert secret is not None
    assert '["Eva", "Rosa"]' in cast.text.replace("&#34;", '"')
    twice = client.post("/votes/p1/cast", data=sent)  # the 409, shown as the 400 page
    assert twice.status_code == 400 and "Ya votaste" in twice.text
    assert 'id="standing"' in client.get("/votes/p1").text
    sign_in_as(services, client, "admin.1", "administrator")  # no member behind this user
    page = client.get("/votes/p1")
    assert "No estás en el padrón" in page.text
    assert (
        client.post("/votes/p1/cast", data={"csrf": csrf(page.text), "opt0": "1"}).status_code
        == 403
    )
    with services.db.begin() as conn:
        voting.close(conn, "p1", DAY, seal(services), trace.log_publisher(services.settings).signer)
    sign_in_as(services, client, "pac.beto", "patient", patients=["p-beto"])  # anyone may check
    closed = client.get("/votes/p1")
    assert 'id="tally-ok"' in closed.text and 'id="void"' not in closed.text
    check = {"csrf": csrf(closed.text), "receipt": secret.group(1), "choice": '["Eva", "Rosa"]'}
    assert "Tu voto está en la urna contada." in client.post("/votes/p1/verify", data=check).text
    wrong = client.post("/votes/p1/verify", data={**check, "choice": '["Rosa"]'})
    assert "No hay ninguna boleta" in wrong.text


def test_void_vote_and_signed_minutes(client: TestClient, services: Services) -> None:
    setup(services, kind="single", quorum=1.0)
    signer = trace.log_publisher(services.settings).signer
    with services.db.begin() as conn:
        voting.cast(conn, "p1", "ana", "Luis")
        voting.close(conn, "p1", DAY, seal(services), trace.log_publisher(services.settings).signer)
        voting.assemblies.convene(conn, "a1", "ordinary", "Asamblea", "Oaxaca", DAY,
                                  datetime(2026, 11, 20, tzinfo=UTC), [("Mesa", "p1")])  # fmt: skip
        voting.assemblies.close(conn, "a1", voting.coop_roll, signer)
    sign_in_as(services, client, "pac.beto", "patient", patients=["p-beto"])
    assert "Sin quórum: la decisión es nula." in client.get("/votes/p1").text
    minutes = client.get("/assemblies/a1")
    assert "Acta firmada; la firma verifica." in minutes.text
    assert "SIN QUORUM" in minutes.text
    assert client.get("/votes/nope").status_code == 404
    pdf = client.get("/assemblies/a1/minutes.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


def test_discussion_comment(client: TestClient, services: Services) -> None:
    setup(services, kind="single")
    sign_in_as(services, client, "pac.ana", "patient", patients=["p-ana"])
    page = client.get("/votes/p1")
    sent = {"csrf": csrf(page.text), "body": "Propongo a Eva por su experiencia."}
    assert client.post("/votes/p1/comment", data=sent, follow_redirects=False).status_code == 303
    assert "Propongo a Eva por su experiencia." in client.get("/votes/p1").text
    assert client.post("/votes/p1/comment", data={**sent, "body": "  "}).status_code == 400
    with services.db.begin() as conn:
        assert voting.discussion(conn, "p1") == [("pac.ana", "Propongo a Eva por su experiencia.")]
