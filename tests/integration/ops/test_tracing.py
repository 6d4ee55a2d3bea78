"""Traces: a request continues the caller's W3C traceparent in a server span named by its route
template, and log lines inside a span carry its trace id."""

from __future__ import annotations

import logging

import orjson
import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from enlace.kernel import tracing
from enlace.kernel.logging import JsonFormatter

from .spans import in_memory_exporter

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    return in_memory_exporter()


def test_a_request_continues_the_callers_trace(
    client: TestClient, spans: InMemorySpanExporter
) -> None:
    pid = client.post("/fhir/Patient", json={"resourceType": "Patient"}).json()["id"]
    spans.clear()
    answer = client.get(f"/fhir/Patient/{pid}", headers={"traceparent": TRACEPARENT})
    assert answer.status_code == 200
    [span] = [s for s in spans.get_finished_spans() if s.name == "GET /fhir/Patient/{id}"]
    assert f"{span.context.trace_id:032x}" == CALLER_TRACE
    assert span.kind == trace.SpanKind.SERVER
    assert span.attributes is not None and span.attributes["http.response.status_code"] == 200
    assert pid not in span.name


def test_log_lines_inside_a_span_carry_its_trace_id(spans: InMemorySpanExporter) -> None:
    record = logging.LogRecord("enlace.test", logging.INFO, __file__, 1, "hello", None, None)
    assert "trace_id" not in orjson.loads(JsonFormatter().format(record))
    with tracing.tracer().start_as_current_span("work") as span:
        line = orjson.loads(JsonFormatter().format(record))
    assert line["trace_id"] == f"{span.get_span_context().trace_id:032x}"


def test_an_unknown_exporter_is_refused() -> None:
    with pytest.raises(ValueError, match="ENLACE_TRACING is 'zipkin'"):
        tracing.configure("zipkin")
