"""The stand-in national registry (`enlace registry receive`, registry_inbox_cli.py) receiving
cases by subscription on both stores: the Subscription carries the registry's bearer token, the
receiver refuses posts without it (401) and bodies that are no Bundle (400); connecting again to
the same endpoint keeps the Subscription (what it delivered still counts) and re-requests one in
error; the registry page shows the cases, completeness and timeliness per institution to the
regulator, not to a physician; an unknown registry is the 404 page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.cli.registry_inbox_cli import cases_received, make_server, token_of
from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules import registry, subscriptions
from tests.integration.registry.test_registry_flow import condition
from tests.integration.subscriptions.test_rest_hook import BASE
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]
T0 = epoch_us(datetime(2026, 1, 2, tzinfo=UTC))
S = 1_000_000


@pytest.fixture
def inbox(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """A running stand-in registry: (base URL, token, directory)."""
    folder = tmp_path / "inbox"
    token = token_of(folder / "token")
    server = make_server(folder, token)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", token, folder
    finally:
        server.shutdown()
        server.server_close()


def _deliver(services: Services, at_us: int) -> subscriptions.PassReport:
    post = subscriptions.http_post()
    return subscriptions.run_once(services.db, services.repo, post, at_us, base=BASE)


def _connect(services: Services, endpoint: str, token: str) -> str:
    with services.db.begin() as conn:
        return registry.connect(
            conn, services.repo, "cancer", endpoint, True, (f"Authorization: Bearer {token}",)
        )


def test_the_receiver_refuses_without_token_and_non_bundles(
    inbox: tuple[str, str, Path],
) -> None:
    base, token, _ = inbox
    bundle = {"resourceType": "Bundle", "type": "history"}
    assert httpx.post(f"{base}/registry/cancer", json=bundle).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert httpx.post(f"{base}/registry/cancer", json=bundle, headers=wrong).status_code == 401
    right = {"Authorization": f"Bearer {token}"}
    not_bundle = httpx.post(f"{base}/registry/cancer", json={"a": 1}, headers=right)
    assert not_bundle.status_code == 400 and "Bundle" in not_bundle.json()["message"]
    broken = httpx.post(f"{base}/registry/cancer", content=b"{", headers=right)
    assert broken.status_code == 400
    assert httpx.post(f"{base}/elsewhere", json=bundle, headers=right).status_code == 404
    assert httpx.post(f"{base}/registry/cancer", json=bundle, headers=right).status_code == 200


def test_cases_reach_the_stand_in_registry_with_its_token(
    services: Services, inbox: tuple[str, str, Path]
) -> None:
    base, token, folder = inbox
    link = _connect(services, f"{base}/registry/cancer", token)
    assert _deliver(services, T0).delivery.handshakes == 1
    with services.db.begin() as conn:
        services.repo.update(conn, condition("C50.9", "hospital-a"), "c1")
        services.repo.update(conn, condition("C61", "hospital-b", "p2"), "c2")
        services.repo.update(conn, condition("E11.9", "hospital-a", "p3"), "c3")  # no case
    assert _deliver(services, T0 + S).delivery.delivered == 2
    received = cases_received(folder / "cancer")
    assert received == {"http://hospital-a.mx": {"c1"}, "http://hospital-b.mx": {"c2"}}
    assert _connect(services, f"{base}/registry/cancer", token) == link  # kept
    registry.select_cases(services.db, services.repo, T0 + 2 * S)
    figures = {row.institution: row for row in registry.indicators(services.db, "cancer")}
    assert figures["http://hospital-a.mx"].completeness == 1.0
    assert figures["http://hospital-b.mx"].reported == 1


def test_a_subscription_in_error_is_requested_again(
    services: Services, inbox: tuple[str, str, Path]
) -> None:
    base, _, _ = inbox
    link = _connect(services, f"{base}/registry/cancer", "wrong-token")
    _deliver(services, T0)  # the handshake is refused: 401
    with services.db.read() as conn:
        assert services.repo.read(conn, "Subscription", link).resource()["status"] == "error"
    assert _connect(services, f"{base}/registry/cancer", "wrong-token") == link
    with services.db.read() as conn:
        assert services.repo.read(conn, "Subscription", link).resource()["status"] == "requested"
    other = _connect(services, f"{base}/registry/cancer", "another-token")
    assert other != link  # other headers: a new Subscription replaces it


def test_the_registry_page(services: Services, inbox: tuple[str, str, Path]) -> None:
    base, token, _ = inbox
    _connect(services, f"{base}/registry/cancer", token)
    _deliver(services, T0)
    with services.db.begin() as conn:
        services.repo.update(conn, condition("C50.9", "hospital-a"), "c1")
        services.repo.update(conn, condition("C18.9", "hospital-a", "p2"), "c2")
    _deliver(services, T0 + S)
    registry.select_cases(services.db, services.repo, T0 + 2 * S)
    with TestClient(create_app(services), base_url="http://testserver") as web:
        sign_in_as(services, web, "regulador", "regulator")
        page = web.get("/registry/cancer")
        assert page.status_code == 200 and "http://hospital-a.mx" in page.text
        assert '<td id="total-cases">2</td>' in page.text
        assert '<td id="total-reported">2</td>' in page.text
        assert "Completitud" in page.text and "Subscription/" in page.text
        english = web.get("/registry/cancer", headers={"Accept-Language": "en"})
        assert "Completeness" in english.text
        assert web.get("/registry/diabetes").status_code == 404
        web.cookies.clear()
        sign_in_as(services, web, "dr.soto", "physician")
        assert web.get("/registry/cancer").status_code == 403
