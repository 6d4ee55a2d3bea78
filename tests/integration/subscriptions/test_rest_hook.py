"""Subscriptions end to end against a real local HTTP receiver (SQLite and PostgreSQL):
checks on write, handshake, event notifications (id-only and full-resource), filters, retries
with backoff after a 500 or a timeout, the dead-letter list and heartbeats."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from enlace.interactions.context import Services
from enlace.interactions.messages import FhirRequest, FhirResponse, outcome_response
from enlace.interactions.router import dispatch
from enlace.kernel.clock import epoch_us
from enlace.kernel.errors import FhirError
from enlace.modules import subscriptions
from enlace.security.access import Access

from .receiver import receiver

BASE = "http://enlace.test/fhir"
TOPIC = "http://enlace.mx/fhir/SubscriptionTopic/medication-dispense"
T0 = epoch_us(datetime(2026, 1, 2, tzinfo=UTC))
S = 1_000_000


def call(services: Services, method: str, path: str, body: Any = None) -> FhirResponse:
    payload = orjson.dumps(body) if body is not None else b""
    headers = {"content-type": "application/fhir+json"}
    request = FhirRequest(method, path, [], headers, payload, BASE, access=Access.internal())
    try:
        return dispatch(services, request)
    except FhirError as exc:
        return outcome_response(exc)


def body_of(response: FhirResponse) -> dict[str, Any]:
    value = response.body
    loaded = orjson.loads(value) if isinstance(value, bytes) else value
    assert isinstance(loaded, dict)
    return loaded


def subscription(endpoint: str, **changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "dispenses for the payer",
        "criteria": TOPIC,
        "channel": {"type": "rest-hook", "endpoint": endpoint, "payload": "application/fhir+json"},
    }
    resource.update(changes)
    return resource


def with_channel(resource: dict[str, Any], **changes: Any) -> dict[str, Any]:
    resource["channel"] = {**resource["channel"], **changes}
    return resource


def dispense(services: Services, patient: str = "p1") -> str:
    resource = {
        "resourceType": "MedicationDispense",
        "status": "completed",
        "medicationCodeableConcept": {"text": "metformina 850 mg"},
        "subject": {"reference": f"Patient/{patient}"},
    }
    with services.db.begin() as conn:
        return services.repo.create(conn, resource).id


def run(services: Services, at_us: int) -> subscriptions.PassReport:
    post = subscriptions.http_post()
    return subscriptions.run_once(services.db, services.repo, post, at_us, base=BASE)


def subscribe(services: Services, resource: dict[str, Any]) -> str:
    response = call(services, "POST", "Subscription", resource)
    assert response.status == 201, body_of(response)
    subscription_id: str = body_of(response)["id"]
    return subscription_id


def stored_status(services: Services, subscription_id: str) -> dict[str, Any]:
    return body_of(call(services, "GET", f"Subscription/{subscription_id}"))


@pytest.mark.parametrize(
    ("change", "expression"),
    [
        ({"criteria": "http://example.org/unknown-topic"}, "Subscription.criteria"),
        (
            {"channel": {"type": "websocket", "endpoint": "https://x.test/"}},
            "Subscription.channel.type",
        ),
        (
            {"channel": {"type": "rest-hook", "endpoint": "ftp://x.test/"}},
            "Subscription.channel.endpoint",
        ),
        (
            {
                "_criteria": {
                    "extension": [
                        {
                            "url": subscriptions.FILTER_CRITERIA,
                            "valueString": "MedicationDispense?color=red",
                        }
                    ]
                }
            },
            "Subscription.criteria.extension[0]",
        ),
    ],
)
def test_bad_subscription_is_400_naming_the_field_and_nothing_is_stored(
    services: Services, change: dict[str, Any], expression: str
) -> None:
    response = call(services, "POST", "Subscription", subscription("https://x.test/", **change))
    assert response.status == 400
    issues = body_of(response)["issue"]
    assert any(expression in i.get("expression", []) for i in issues), issues
    assert body_of(call(services, "GET", "Subscription"))["total"] == 0


def test_handshake_then_id_only_notifications_numbered_from_the_start(services: Services) -> None:
    with receiver() as hook:
        before = dispense(services)  # before the subscription: never notified
        sid = subscribe(services, subscription(hook.url))
        run(services, T0)
        assert hook.kinds() == ["handshake"]
        assert stored_status(services, sid)["status"] == "active"
        first, second = dispense(services), dispense(services)
        report = run(services, T0 + S)
        assert report.matched == 2 and report.delivery.delivered == 2
        assert hook.kinds() == ["handshake", "event-notification"]
        bundle = hook.received[1]
        assert bundle["type"] == "history"
        assert hook.foci()[1] == [f"MedicationDispense/{first}", f"MedicationDispense/{second}"]
        status = bundle["entry"][0]["resource"]
        counts = [
            p["valueString"]
            for p in status["parameter"]
            if p["name"] == "events-since-subscription-start"
        ]
        assert counts == ["2"]
        assert [e["fullUrl"] for e in bundle["entry"][1:]] == [
            f"{BASE}/MedicationDispense/{first}",
            f"{BASE}/MedicationDispense/{second}",
        ]
        assert all("resource" not in e for e in bundle["entry"][1:])  # id-only
        assert before not in str(hook.received)
        run(services, T0 + 2 * S)  # nothing new: nothing sent again
        assert len(hook.received) == 2


def test_filter_and_full_resource(services: Services) -> None:
    with receiver() as hook:
        resource = subscription(
            hook.url,
            _criteria={
                "extension": [
                    {
                        "url": subscriptions.FILTER_CRITERIA,
                        "valueString": "MedicationDispense?subject=Patient/p1",
                    }
                ]
            },
        )
        with_channel(
            resource,
            _payload={
                "extension": [{"url": subscriptions.PAYLOAD_CONTENT, "valueCode": "full-resource"}]
            },
            header=["Authorization: Bearer s3cret"],
        )
        subscribe(services, resource)
        run(services, T0)
        mine = dispense(services, "p1")
        dispense(services, "p2")
        run(services, T0 + S)
        assert hook.foci()[1] == [f"MedicationDispense/{mine}"]
        entry = hook.received[1]["entry"][1]
        assert entry["resource"]["id"] == mine
        assert entry["resource"]["subject"] == {"reference": "Patient/p1"}
        assert hook.headers[1]["Authorization"] == "Bearer s3cret"


def test_500_is_retried_after_backoff(services: Services) -> None:
    with receiver() as hook:
        sid = subscribe(services, subscription(hook.url))
        run(services, T0)
        focus = dispense(services)
        hook.answers = [500]
        report = run(services, T0 + S)
        assert report.delivery.retried == 1 and report.delivery.delivered == 0
        run(services, T0 + 30 * S)  # backoff is 30 s after the first failure: not yet
        assert hook.statuses == [200, 500]
        report = run(services, T0 + 31 * S + 1)
        assert report.delivery.delivered == 1
        assert hook.foci()[-1] == [f"MedicationDispense/{focus}"]
        with services.db.read() as conn:
            (event,) = subscriptions.events_of(conn, sid)
        assert (event["status"], event["attempts"], event["event_number"]) == ("delivered", 2, 1)


def test_attempts_exhausted_dead_letter_and_error_status(services: Services) -> None:
    with receiver() as hook:
        sid = subscribe(services, subscription(hook.url))
        run(services, T0)
        dispense(services)
        hook.answers = [500] * 5
        at = T0 + S
        for wait_s in (0, 30, 60, 120, 240):  # 30 s doubling backoff, five attempts
            at += wait_s * S
            run(services, at)
        assert hook.statuses == [200, 500, 500, 500, 500, 500]
        with services.db.read() as conn:
            dead = subscriptions.dead_letters(conn)
        assert [(d["subscription"], d["attempts"], d["status"]) for d in dead] == [(sid, 5, "dead")]
        stored = stored_status(services, sid)
        assert stored["status"] == "error"
        assert "HTTP 500" in stored["error"]
        dispense(services)
        run(services, at + 3600 * S)  # an errored subscription is not tried any more
        assert len(hook.statuses) == 6


def test_slow_endpoint_times_out_and_the_write_is_not_slowed(services: Services) -> None:
    with receiver() as hook:
        resource = with_channel(
            subscription(hook.url),
            extension=[{"url": subscriptions.TIMEOUT, "valueUnsignedInt": 1}],
        )
        sid = subscribe(services, resource)
        run(services, T0)
        hook.delay_s = 2.0
        started = time.perf_counter()
        dispense(services)
        assert time.perf_counter() - started < 0.5  # the write never waits for the endpoint
        report = run(services, T0 + S)
        assert report.delivery.retried == 1
        with services.db.read() as conn:
            (event,) = subscriptions.events_of(conn, sid)
        assert event["status"] == "queued" and "Timeout" in event["error"]


def test_heartbeat_when_idle_for_the_period(services: Services) -> None:
    with receiver() as hook:
        resource = with_channel(
            subscription(hook.url),
            extension=[{"url": subscriptions.HEARTBEAT, "valueUnsignedInt": 60}],
        )
        subscribe(services, resource)
        run(services, T0)
        run(services, T0 + 59 * S)
        assert hook.kinds() == ["handshake"]
        run(services, T0 + 61 * S)
        assert hook.kinds() == ["handshake", "heartbeat"]


def test_failed_handshake_is_error_status(services: Services) -> None:
    with receiver() as hook:
        hook.answers = [500]
        sid = subscribe(services, subscription(hook.url))
        run(services, T0)
        assert stored_status(services, sid)["status"] == "error"


def test_capability_statement_lists_the_backport_profile_and_topics(services: Services) -> None:
    statement = body_of(call(services, "GET", "metadata"))
    (entry,) = [r for r in statement["rest"][0]["resource"] if r["type"] == "Subscription"]
    assert entry["supportedProfile"] == [subscriptions.PROFILE]
    topics = {e["valueCanonical"] for e in entry["extension"]}
    assert topics == {
        "http://enlace.mx/fhir/SubscriptionTopic/claim",
        "http://enlace.mx/fhir/SubscriptionTopic/medication-dispense",
        "http://enlace.mx/fhir/SubscriptionTopic/registry-case",
    }


def test_a_failed_bundle_stops_the_pass_and_later_events_wait_untried(services: Services) -> None:
    with receiver() as hook:
        resource = with_channel(
            subscription(hook.url),
            extension=[{"url": subscriptions.MAX_COUNT, "valuePositiveInt": 1}],
        )
        sid = subscribe(services, resource)
        run(services, T0)
        for _ in range(3):
            dispense(services)
        hook.answers = [200, 500]
        report = run(services, T0 + S)
        assert (report.delivery.delivered, report.delivery.retried) == (1, 1)
        with services.db.read() as conn:
            rows = subscriptions.events_of(conn, sid)
        assert [(r["event_number"], r["status"], r["attempts"]) for r in rows] == [
            (1, "delivered", 1),
            (2, "queued", 1),
            (3, "queued", 0),
        ]
        run(services, T0 + 40 * S)
        assert [f[0][-36:] for f in hook.foci()[1:]] == [r["resource_id"] for r in rows]


def parameters(*pairs: tuple[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": name, "valueString": str(value)} for name, value in pairs],
    }


def test_status_and_events_operations(services: Services) -> None:
    with receiver() as hook:
        sid = subscribe(services, subscription(hook.url))
        run(services, T0)
        focus = [dispense(services) for _ in range(3)]
        run(services, T0 + S)
    status = body_of(call(services, "POST", "Subscription/$status", parameters(("id", sid))))
    (found,) = status["entry"]
    values = {p["name"]: p for p in found["resource"]["parameter"]}
    assert values["status"]["valueCode"] == "active"
    assert values["type"]["valueCode"] == "query-status"
    assert values["events-since-subscription-start"]["valueString"] == "3"
    events = body_of(
        call(
            services,
            "POST",
            "Subscription/$events",
            parameters(("id", sid), ("eventsSinceNumber", 2), ("eventsUntilNumber", 3)),
        )
    )
    assert [e["fullUrl"] for e in events["entry"][1:]] == [
        f"MedicationDispense/{f}" for f in focus[1:]
    ]
    missing = call(services, "POST", "Subscription/$status", parameters(("id", "nobody")))
    assert missing.status == 404
    no_id = call(services, "POST", "Subscription/$events", parameters())
    assert no_id.status == 400
    assert body_of(no_id)["issue"][0]["expression"] == ["Parameters.parameter"]
