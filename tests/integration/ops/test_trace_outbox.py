"""Traces across request → outbox → deliverer (docs/operations.md "Traces"), on both stores: the
trace context stored with a messaging outbox row and with a change (resource_history, copied to
its Subscription event) makes the delivery span a child of the request's span; a row without
context, or with a malformed one, is delivered in a new trace (the latter with a warning)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import select, update

from enlace.interactions.context import Services
from enlace.kernel import tracing
from enlace.kernel.logging import JsonFormatter
from enlace.modules import messaging, subscriptions
from enlace.modules.messaging import gateway
from enlace.modules.messaging.adapters import Adapter, OutgoingMessage
from enlace.modules.messaging.tables import outbox
from enlace.modules.subscriptions.tables import events
from tests.support.messages import REMINDER_PARAMS

from ..messaging.inbound_support import NOON, PHONE, enrol
from ..subscriptions.receiver import receiver
from ..subscriptions.test_rest_hook import BASE, T0, S, subscription
from .spans import in_memory_exporter

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER = f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"
PARAMS = REMINDER_PARAMS


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    return in_memory_exporter()


@pytest.fixture
def spans(exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    exporter.clear()
    yield exporter
    exporter.clear()


def named(spans: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [s for s in spans.get_finished_spans() if s.name == name]


def trace_of(span: ReadableSpan) -> str:
    assert span.context is not None
    return f"{span.context.trace_id:032x}"


def continues(child: ReadableSpan, request: str, spans: InMemorySpanExporter) -> bool:
    """`child` descends from a span named `request` in the same trace (its child, or a child's
    child: the framework may open spans of its own inside the request's)."""
    by_id = {s.context.span_id: s for s in spans.get_finished_spans() if s.context}
    parent = child.parent
    while parent is not None and (above := by_id.get(parent.span_id)) is not None:
        if above.name == request:
            return trace_of(above) == trace_of(child)
        parent = above.parent
    return False


def queue(services: Services, key: str) -> messaging.Queued:
    request = messaging.MessageRequest("p1", "refill-reminder", PARAMS, key)
    with services.db.begin() as conn:
        return messaging.enqueue(conn, request, NOON)


def deliver(services: Services) -> messaging.DeliveryReport:
    return messaging.deliver_due(services.db, services.repo, NOON, services.settings.var_dir)


def deliver_with(services: Services, adapter: Adapter) -> messaging.DeliveryReport:
    return messaging.deliver_due(
        services.db, services.repo, NOON, services.settings.var_dir, adapter
    )


def stored_context(services: Services, message_id: str) -> str | None:
    with services.db.read() as conn:
        query = select(outbox.c.trace_context).where(outbox.c.id == message_id)
        value: str | None = conn.execute(query).scalar_one()
    return value


def test_an_sms_reply_is_delivered_in_the_requests_trace(
    client: TestClient, services: Services, spans: InMemorySpanExporter
) -> None:
    enrol(services)
    form = {"from": PHONE, "text": "GLU 140", "id": "gw-trace-1"}
    secret = {gateway.SECRET_HEADER: gateway.gateway_secret(services.settings.secret_key)}
    answer = client.post(
        "/messaging/sms/inbound", data=form, headers={**secret, "traceparent": CALLER}
    )
    assert answer.status_code == 200, answer.text
    [delivery] = named(spans, "messaging.deliver")
    assert trace_of(delivery) == CALLER_TRACE
    assert delivery.kind == trace.SpanKind.CONSUMER
    assert continues(delivery, "POST /messaging/sms/inbound", spans)
    stored = stored_context(services, str(answer.json()["reply"]))
    assert stored is not None and CALLER_TRACE in stored


def test_a_message_queued_in_a_request_is_delivered_later_in_its_trace(
    services: Services, spans: InMemorySpanExporter
) -> None:
    messaging_opt_in(services)
    with tracing.tracer().start_as_current_span("POST /refills", kind=trace.SpanKind.SERVER):
        queued = queue(services, "trace-1")
    assert trace.get_current_span().get_span_context().is_valid is False  # the request ended
    assert deliver(services).delivered == 1  # another process, later: no ambient context
    [request] = named(spans, "POST /refills")
    [delivery] = named(spans, "messaging.deliver")
    assert delivery.parent is not None and request.context is not None
    assert delivery.parent.span_id == request.context.span_id
    assert trace_of(delivery) == trace_of(request)
    assert delivery.attributes is not None
    assert delivery.attributes["messaging.message.id"] == queued.id


def test_without_context_the_delivery_starts_a_new_trace(
    services: Services, spans: InMemorySpanExporter
) -> None:
    messaging_opt_in(services)
    queued = queue(services, "trace-none")  # outside any span: nothing to continue
    assert stored_context(services, queued.id) is None
    assert deliver(services).delivered == 1
    [delivery] = named(spans, "messaging.deliver")
    assert delivery.parent is None


def test_a_malformed_context_starts_a_new_trace_with_a_warning(
    services: Services, spans: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
) -> None:
    messaging_opt_in(services)
    queued = queue(services, "trace-bad")
    with services.db.begin() as conn:
        conn.execute(
            update(outbox).where(outbox.c.id == queued.id).values(trace_context="00-zz-not-a-trace")
        )
    with caplog.at_level(logging.WARNING, logger="enlace.kernel.tracing"):
        assert deliver(services).delivered == 1
    [delivery] = named(spans, "messaging.deliver")
    assert delivery.parent is None
    assert any(
        "malformed" in r.getMessage() and queued.id in r.getMessage() for r in caplog.records
    )


def test_a_subscription_notification_continues_the_writing_requests_trace(
    client: TestClient, services: Services, spans: InMemorySpanExporter
) -> None:
    with receiver() as hook:
        created = client.post("/fhir/Subscription", json=subscription(hook.url))
        assert created.status_code == 201, created.text
        subscriptions.run_once(services.db, services.repo, subscriptions.http_post(), T0, base=BASE)
        dispense = {
            "resourceType": "MedicationDispense",
            "status": "completed",
            "medicationCodeableConcept": {"text": "metformina 850 mg"},
            "subject": {"reference": "Patient/p1"},
        }
        written = client.post(
            "/fhir/MedicationDispense", json=dispense, headers={"traceparent": CALLER}
        )
        assert written.status_code == 201, written.text
        report = subscriptions.run_once(
            services.db, services.repo, subscriptions.http_post(), T0 + S, base=BASE
        )
    assert report.delivery.delivered == 1
    [notify] = named(spans, "subscriptions.notify")
    assert trace_of(notify) == CALLER_TRACE
    assert notify.kind == trace.SpanKind.CONSUMER
    assert continues(notify, "POST /fhir/MedicationDispense", spans)
    with services.db.read() as conn:
        [stored] = conn.execute(select(events.c.trace_context)).scalars().all()
    assert stored is not None and CALLER_TRACE in stored


class JsonLines(logging.Handler):
    """The JSON lines a process would write, formatted when logged (inside the span)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(orjson.loads(self.format(record)))


class Broken:
    name = "broken"

    def send(self, message: OutgoingMessage) -> None:
        raise ConnectionError("gateway down")


def test_a_deliverers_log_lines_carry_the_requests_trace_id(
    services: Services, spans: InMemorySpanExporter
) -> None:
    messaging_opt_in(services)
    with tracing.tracer().start_as_current_span("POST /refills", kind=trace.SpanKind.SERVER):
        queue(services, "trace-log")
    handler = JsonLines()
    logger = logging.getLogger("enlace.modules.messaging.outbox")
    logger.addHandler(handler)
    try:
        report = deliver_with(services, Broken())
    finally:
        logger.removeHandler(handler)
    assert report.retried == 1
    [request] = named(spans, "POST /refills")
    [line] = [x for x in handler.lines if "not handed" in str(x["msg"])]
    assert line["trace_id"] == trace_of(request)


def messaging_opt_in(services: Services) -> None:
    with services.db.begin() as conn:
        messaging.set_preference(conn, "p1", "sms", PHONE, NOON - 1)
        messaging.grant(conn, "p1", "sms", "Clínica Enlace", "formato firmado", NOON - 1)
