"""The relay carries the writer's trace (docs/operations.md "Traces"), against the real NATS
JetStream server (skipped when none answers), on SQLite and PostgreSQL: a change written inside
a request's span is published in a `relay.publish` span that continues it, with its own context
as the `traceparent` header, and a consumer's handler runs in a `relay.consume` span under it."""

from __future__ import annotations

import asyncio

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import Connection

from enlace.entrypoints.relay import nats_relay
from enlace.interactions.context import Services
from enlace.kernel import tracing
from enlace.store import relay

from .ops.spans import in_memory_exporter
from .test_relay_nats import NATS_URL, _config, nats_server  # noqa: F401 (autouse: skip)


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    return in_memory_exporter()


def test_a_consumer_continues_the_writing_requests_trace(
    services: Services, exporter: InMemorySpanExporter
) -> None:
    exporter.clear()
    request_span = tracing.tracer().start_as_current_span(
        "POST /fhir/Patient", kind=SpanKind.SERVER
    )
    with request_span, services.db.begin() as conn:
        services.repo.create(conn, {"resourceType": "Patient", "gender": "female"})
    config = _config()
    seen: list[str | None] = []

    def handler(conn: Connection, change: relay.Change) -> None:
        seen.append(tracing.current_trace_id())

    async def scenario() -> int:
        client, js = await nats_relay.connect(NATS_URL)
        try:
            await nats_relay.ensure_stream(js, config)
            await nats_relay.relay_once(services.db, js, config, nats_relay.system_now_us)
            return await nats_relay.consume(
                services.db, js, config, "traced", handler, nats_relay.system_now_us,
                idle_timeout_s=1.0,
            )  # fmt: skip
        finally:
            await js.delete_stream(config.stream)
            await client.close()

    assert asyncio.run(scenario()) == 1
    spans = {s.name: s for s in exporter.get_finished_spans()}
    request, publish, consume = (
        spans["POST /fhir/Patient"], spans["relay.publish"], spans["relay.consume"]
    )  # fmt: skip
    assert publish.kind == SpanKind.PRODUCER and consume.kind == SpanKind.CONSUMER
    assert request.context is not None and publish.context is not None
    assert publish.parent is not None and publish.parent.span_id == request.context.span_id
    assert consume.parent is not None and consume.parent.span_id == publish.context.span_id
    assert seen == [f"{request.context.trace_id:032x}"]  # the handler's log lines carry it
    assert trace.get_current_span().get_span_context().is_valid is False
