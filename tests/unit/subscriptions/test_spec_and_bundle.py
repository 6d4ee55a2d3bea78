"""Subscription checks, filters and the notification bundle's shape (pure)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from enlace.modules.subscriptions import delivery
from enlace.modules.subscriptions.notify import STATUS_PROFILE, bundle
from enlace.modules.subscriptions.spec import FILTER_CRITERIA, PAYLOAD_CONTENT, check, read_spec
from enlace.modules.subscriptions.topics import CLAIM, parse_filter, passes

CLAIM_URL = "http://enlace.mx/fhir/SubscriptionTopic/claim"


def subscription(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Subscription",
        "id": "s1",
        "status": "requested",
        "criteria": CLAIM_URL,
        "channel": {"type": "rest-hook", "endpoint": "https://payer.test/hook"},
    }
    return resource | changes


def expressions(resource: dict[str, Any], allow_http: bool = False) -> list[str | None]:
    return [i.expression for i in check(resource, allow_http)]


def test_a_valid_subscription_has_no_problems() -> None:
    assert check(subscription(), allow_http=False) == []


def test_http_endpoint_only_when_allowed() -> None:
    plain = subscription(channel={"type": "rest-hook", "endpoint": "http://payer.test/hook"})
    assert expressions(plain) == ["Subscription.channel.endpoint"]
    assert expressions(plain, allow_http=True) == []


def test_every_problem_is_named() -> None:
    bad = subscription(
        status="sleeping",
        criteria="http://nowhere/topic",
        channel={"type": "email", "endpoint": "mailto:x@y", "header": ["no colon"]},
    )
    assert expressions(bad) == [
        "status",
        "Subscription.criteria",
        "Subscription.channel.type",
        "Subscription.channel.endpoint",
        "Subscription.channel.header[0]",
    ]


def test_filter_must_name_the_topic_type_and_a_filter_it_offers() -> None:
    bad = subscription(
        _criteria={
            "extension": [
                {"url": FILTER_CRITERIA, "valueString": "Patient?patient=Patient/1"},
                {"url": FILTER_CRITERIA, "valueString": "Claim?insurer=Organization/9"},
            ]
        }
    )
    assert expressions(bad) == [
        "Subscription.criteria.extension[0]",
        "Subscription.criteria.extension[1]",
    ]


def test_filters_select_by_value() -> None:
    assert parse_filter("Claim?patient=Patient/1&status=active") == (
        "Claim",
        {"patient": "Patient/1", "status": "active"},
    )
    claim = {"resourceType": "Claim", "patient": {"reference": "Patient/1"}, "status": "active"}
    assert passes(CLAIM, {"patient": "Patient/1"}, claim)
    assert not passes(CLAIM, {"patient": "Patient/2"}, claim)
    assert not passes(CLAIM, {"status": "cancelled"}, claim)


def test_backoff_doubles_then_gives_up() -> None:
    s = 1_000_000
    assert [delivery.next_attempt(0, n) for n in range(1, 6)] == [
        30 * s,
        60 * s,
        120 * s,
        240 * s,
        None,
    ]


def test_bundle_status_first_then_focus_per_content() -> None:
    event = SimpleNamespace(
        event_number=7,
        changed_us=1_767_225_600_000_000,  # 2026-01-01T00:00:00Z
        resource_type="Claim",
        resource_id="c1",
        version=2,
        interaction="update",
    )
    claim = {"resourceType": "Claim", "id": "c1"}
    spec = read_spec(
        subscription(
            channel={
                "type": "rest-hook",
                "endpoint": "https://payer.test/hook",
                "_payload": {"extension": [{"url": PAYLOAD_CONTENT, "valueCode": "full-resource"}]},
            }
        )
    )
    assert spec is not None
    notification = bundle(
        spec,
        "event-notification",
        7,
        0,
        "https://e.test/fhir",
        [event],
        {("Claim", "c1", 2): claim},
    )
    assert notification["type"] == "history"
    status, focus = notification["entry"]
    assert status["resource"]["meta"]["profile"] == [STATUS_PROFILE]
    parameters = {p["name"]: p for p in status["resource"]["parameter"]}
    assert (
        parameters["subscription"]["valueReference"]["reference"]
        == "https://e.test/fhir/Subscription/s1"
    )
    assert parameters["type"]["valueCode"] == "event-notification"
    assert parameters["events-since-subscription-start"]["valueString"] == "7"
    parts = {p["name"]: p for p in parameters["notification-event"]["part"]}
    assert parts["event-number"]["valueString"] == "7"
    assert parts["timestamp"]["valueInstant"] == "2026-01-01T00:00:00.000Z"
    assert parts["focus"]["valueReference"]["reference"] == "Claim/c1"
    assert focus["fullUrl"] == "https://e.test/fhir/Claim/c1"
    assert focus["request"] == {"method": "PUT", "url": "Claim/c1"}
    assert focus["resource"] == claim

    empty = read_spec(
        subscription(
            channel={
                "type": "rest-hook",
                "endpoint": "https://payer.test/hook",
                "_payload": {"extension": [{"url": PAYLOAD_CONTENT, "valueCode": "empty"}]},
            }
        )
    )
    assert empty is not None
    bare = bundle(empty, "event-notification", 7, 0, "https://e.test/fhir", [event])
    assert len(bare["entry"]) == 1
    assert "focus" not in str(bare)


def test_channel_numbers_must_be_positive_integers() -> None:
    from enlace.modules.subscriptions.spec import HEARTBEAT, MAX_COUNT

    bad = subscription(
        channel={
            "type": "rest-hook",
            "endpoint": "https://payer.test/hook",
            "extension": [
                {"url": HEARTBEAT, "valueString": "often"},
                {"url": MAX_COUNT, "valuePositiveInt": 0},
            ],
        }
    )
    assert expressions(bad) == ["Subscription.channel.extension"] * 2


def test_an_unreadable_stored_subscription_is_skipped_not_fatal() -> None:
    from enlace.modules.subscriptions.spec import HEARTBEAT

    stored = subscription(
        channel={
            "type": "rest-hook",
            "endpoint": "https://payer.test/hook",
            "extension": [{"url": HEARTBEAT, "valueString": "often"}],
        }
    )
    assert read_spec(stored) is None
