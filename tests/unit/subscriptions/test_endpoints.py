"""Where a rest-hook may point: production refuses the platform's own network (OWASP API7)."""

from __future__ import annotations

import socket

import pytest

from enlace.modules.subscriptions import delivery, endpoints
from enlace.modules.subscriptions.spec import check

INWARD = [
    "https://127.0.0.1/hook",
    "https://localhost:8443/hook",
    "https://api.localhost/hook",
    "https://10.0.0.5/hook",
    "https://172.16.9.1/hook",
    "https://192.168.1.20/hook",
    "https://169.254.169.254/latest/meta-data",  # cloud metadata
    "https://[::1]/hook",
    "https://[fd00::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://0.0.0.0/hook",
]


def rest_hook(endpoint: str) -> dict[str, object]:
    return {
        "resourceType": "Subscription",
        "status": "requested",
        "criteria": "http://enlace.mx/fhir/SubscriptionTopic/claim",
        "channel": {"type": "rest-hook", "endpoint": endpoint},
    }


@pytest.mark.parametrize("url", INWARD)
def test_production_refuses_an_endpoint_inside_the_network(url: str) -> None:
    issues = check(rest_hook(url), allow_http=False)
    assert [(i.code, i.expression) for i in issues] == [
        ("security", "Subscription.channel.endpoint")
    ]
    assert "platform's network" in issues[0].diagnostics


@pytest.mark.parametrize("url", INWARD[:3])
def test_development_allows_loopback_for_a_local_receiver(url: str) -> None:
    assert check(rest_hook(url), allow_http=True) == []


def test_public_addresses_and_names_pass_as_written() -> None:
    assert endpoints.literal_problem("https://8.8.8.8/hook") is None
    assert endpoints.literal_problem("https://registro.salud.gob.mx/hook") is None
    assert (
        check(rest_hook("https://203.0.113.9/x"), allow_http=False)[0].code == "security"
    )  # TEST-NET


def test_an_endpoint_with_an_empty_port_is_refused() -> None:
    issues = check(rest_hook("http://127.0.0.1:/registry/cancer"), allow_http=True)
    assert [i.expression for i in issues] == ["Subscription.channel.endpoint"]


def test_delivery_resolves_the_name_and_sends_nothing_inward() -> None:
    sent: list[str] = []

    class Client:
        def post(self, url: str, **_: object) -> object:
            sent.append(url)
            raise AssertionError("must not be reached")

    post = delivery.http_post(Client(), refuse_inward=True)  # type: ignore[arg-type]
    with pytest.raises(endpoints.InwardEndpoint, match="this machine"):
        post("https://localhost/hook", {}, b"{}", 1.0)
    # This machine's own name passes the literal check and is caught once resolved (to loopback
    # or a private address here; an unresolvable name is refused too).
    own = socket.gethostname()
    assert endpoints.literal_problem(f"https://{own}/hook") is None
    with pytest.raises(endpoints.InwardEndpoint, match=own):
        post(f"https://{own}/hook", {}, b"{}", 1.0)
    assert sent == []
