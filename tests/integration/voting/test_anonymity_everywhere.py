"""Trying to link an anonymous ballot to its voter through every way out of Enlace (issue 15):
the ballot and receipt pages, the council's forms, the assembly pages and PDF, the membership
pages, the public tally JSON, and the proxy audit log. Members vote through the web form (one
by proxy), the council runs the vote and the assembly through its forms; then every page is read
as each voter and as the council. Nothing may show a receipt secret again, nor a ballot's
commitment beside a member, nor order or mark the box by who cast it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules import coop, voting
from enlace.security import users
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]
EARLIER = datetime.now(UTC) - timedelta(days=30)
# Member id, login, display name: distinctive strings, so a leak cannot hide in ordinary words.
PEOPLE = [("m-ana-q7", "pac.ana.q7", "Ana Quintal"), ("m-beto-z3", "pac.beto.z3", "Beto Zárate"),
          ("m-caro-k9", "pac.caro.k9", "Caro Kuri"), ("m-dani-w2", "pac.dani.w2", "Dani Wong")]  # fmt: skip
CHOICES = {"m-ana-q7": "Rosa", "m-beto-z3": "Luis"}  # cast through the ballot form
COMMITMENT = re.compile(r"\b[0-9a-f]{64}\b")


def without_csrf(text: str) -> str:
    """The page without its CSRF tokens (64 hex characters too, unrelated to ballots)."""
    return re.sub(r'name="csrf" value="[^"]*"', 'name="csrf"', text)


def csrf(text: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', text)
    assert token is not None
    return token.group(1)


def identities(*members: str) -> set[str]:
    return {
        part for ident, login, name in PEOPLE if ident in members for part in (ident, login, name)
    }


def as_user(services: Services, client: TestClient, login: str, role: str = "patient") -> None:
    """Sign in as `login`, creating the account the first time."""
    with services.db.begin() as conn:
        user = users.get_user(conn, login)
        if user is not None:
            now = epoch_us(services.repo.clock())
            client.cookies.set("enlace_session", users.start_session(conn, user, now, False))
            return
    extra = {"patients": ["p-x"]} if role == "patient" else {}
    sign_in_as(services, client, login, role, **extra)


def run_the_vote(services: Services, client: TestClient) -> dict[str, str]:
    with services.db.begin() as conn:
        for ident, login, name in PEOPLE:
            coop.apply(conn, coop.Application(ident, name, "patient", 600_000, 1, user_id=login),
                       EARLIER)  # fmt: skip
            coop.admit(conn, ident, EARLIER, "council")
    as_user(services, client, "admin.council", "administrator")
    token = csrf(client.get("/council/votes").text)
    vote = {"id": "p1", "title": "Tesorería", "kind": "single", "options": "Rosa\nLuis\nEva",
            "quorum": "50", "min_share": "50", "proxy_limit": "1"}  # fmt: skip
    for path, fields in (("/council/votes", vote), ("/council/votes/p1/open", {})):
        assert client.post(path, data={"csrf": token, **fields}).status_code == 200
    receipts = {}
    for ident, login, _ in PEOPLE[:2]:
        as_user(services, client, login)
        page = client.get("/votes/p1")
        cast = client.post(
            "/votes/p1/cast", data={"csrf": csrf(page.text), "choice": CHOICES[ident]}
        )
        secret = re.search(r'id="secret">([0-9a-f]+)<', cast.text)
        assert cast.status_code == 200 and secret is not None
        receipts[ident] = secret.group(1)
    with services.db.begin() as conn:  # caro's vote, cast by dani holding her proxy
        voting.proxies.grant(conn, "p1", "m-caro-k9", "m-dani-w2", "m-caro-k9", EARLIER)
        receipts["m-caro-k9"] = voting.proxies.cast_for(conn, "p1", "m-dani-w2", "m-caro-k9", "Eva",
                                                        EARLIER)  # fmt: skip
    as_user(services, client, "admin.council", "administrator")
    listed = client.get("/council/votes").text
    token = csrf(listed)  # a new session, a new token
    open_page = without_csrf(listed)
    assert not COMMITMENT.search(open_page)  # while open, the council sees counts only
    today = datetime.now(UTC)
    assembly = {"id": "a1", "kind": "ordinary", "title": "Asamblea", "place": "Mérida",
                "convened": f"{today:%Y-%m-%d}", "held": f"{today + timedelta(days=8):%Y-%m-%dT10:00}",
                "notice_days": "7", "quorum": "50", "agenda": "Tesorería = p1"}  # fmt: skip
    steps = [("/assemblies", assembly), ("/council/assemblies/a1/attendance", {"member": "m-ana-q7"}),
             ("/council/assemblies/a1/attendance", {"member": "m-caro-k9", "represented_by": "m-dani-w2"}),
             ("/council/votes/p1/close", {}), ("/council/assemblies/a1/minutes", {})]  # fmt: skip
    for path, fields in steps:
        assert client.post(path, data={"csrf": token, **fields}).status_code == 200, path
    return receipts


PAGES = ["/votes", "/votes/p1", "/assemblies", "/assemblies/a1", "/coop/me", "/coop/directory",
         "/coop/transparency", "/voting/p1/tally"]  # fmt: skip
COUNCIL_PAGES = ["/council/votes", "/council/assemblies/a1", "/coop/council"]


def read_everything(services: Services, client: TestClient) -> dict[tuple[str, str], str]:
    seen: dict[tuple[str, str], str] = {}
    viewers = [(login, "patient") for _, login, _ in PEOPLE] + [("admin.council", "administrator")]
    for login, role in viewers:
        as_user(services, client, login, role)
        for path in PAGES + (COUNCIL_PAGES if role == "administrator" else []):
            answer = client.get(path)
            if (path, role, answer.status_code) == ("/coop/directory", "administrator", 403):
                continue  # members only: the council's administrator is not one here
            assert answer.status_code == 200, (login, path, answer.text[:300])
            seen[(login, path)] = without_csrf(answer.text)
        pdf = client.get("/assemblies/a1/minutes.pdf")
        seen[(login, "minutes.pdf")] = pdf.content.decode("latin-1")
    return seen


def test_no_page_form_or_api_links_a_ballot_to_its_voter(
    client: TestClient, services: Services
) -> None:
    receipts = run_the_vote(services, client)
    seen = read_everything(services, client)
    published = json.loads(seen[("admin.council", "/voting/p1/tally")])
    commitments = published["commitments"]
    assert len(commitments) == 3 and commitments == sorted(commitments)  # no casting order
    everyone = identities(*(p[0] for p in PEOPLE))
    for (viewer, path), text in seen.items():
        for secret in receipts.values():  # a receipt is shown once, at casting, and never again
            assert secret not in text, (viewer, path)
        shown = COMMITMENT.findall(text)
        if path == "/votes/p1":  # the same sorted list to every viewer: nothing marks "yours"
            assert [c for c in shown if c in commitments] == commitments, viewer
        for match in COMMITMENT.finditer(text):  # no member named near any commitment
            near = text[max(0, match.start() - 300) : match.end() + 300]
            assert not any(who in near for who in everyone), (viewer, path, near)
    ballot_pages = {viewer: seen[(viewer, "/votes/p1")] for _, viewer, _ in PEOPLE}
    bare = {re.sub(r'value="[^"]*"', "", page) for page in ballot_pages.values()}
    for _, login, name in PEOPLE:
        bare = {page.replace(login, "VIEWER").replace(name, "VIEWER") for page in bare}
    assert len(bare) == 1  # the voters who voted, the one by proxy and the proxy see one page
    assert not any(who in json.dumps(published) for who in everyone)  # the JSON names no one
    with services.db.begin() as conn:  # delegation is public by design; its log holds no ballot
        log = json.dumps(voting.proxies.audit_log(conn, "p1"), default=str)
    assert "m-caro-k9" in log and not COMMITMENT.search(log) and '"Eva"' not in log
    assert not any(secret in log for secret in receipts.values())
