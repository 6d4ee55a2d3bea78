"""OpenTelemetry traces (docs/operations.md "Traces"): off by default; ENLACE_TRACING=console
prints spans, =otlp sends them to an OpenTelemetry collector (OTEL_EXPORTER_OTLP_ENDPOINT, with
opentelemetry-exporter-otlp-proto-http installed). Without a provider every span is a no-op.

Outbox rows carry the trace context of the request that wrote them (`traceparent`, stored as
the W3C header value) so that the process delivering them later continues that trace
(`continued_span`); a row written outside a recording span stores NULL and its delivery starts
a trace of its own."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

log = logging.getLogger(__name__)

_configured: list[str] = []
_W3C = TraceContextTextMapPropagator()
TRACEPARENT = "traceparent"


def configure(exporter: str, service: str = "enlace") -> bool:
    """Install a tracer provider once per process; False when tracing stays off."""
    if exporter in ("", "off") or _configured:
        return bool(_configured)
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SpanExporter,
    )

    chosen: SpanExporter
    if exporter == "console":
        chosen = ConsoleSpanExporter()
    elif exporter == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError as exc:
            raise ValueError(
                "ENLACE_TRACING=otlp needs opentelemetry-exporter-otlp-proto-http installed"
            ) from exc
        chosen = OTLPSpanExporter()
    else:
        raise ValueError(f"ENLACE_TRACING is '{exporter}': use console, otlp or leave it empty")
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(chosen))
    trace.set_tracer_provider(provider)
    _configured.append(exporter)
    return True


def tracer() -> trace.Tracer:
    return trace.get_tracer("enlace")


def current_trace_id() -> str | None:
    """The current span's trace id (32 hex digits), None outside a recorded trace."""
    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None


def traceparent() -> str | None:
    """The current span's W3C `traceparent`, to store with an outbox row; None when no span is
    recording (tracing off, or outside a request): there is then no trace to continue."""
    if not trace.get_current_span().is_recording():
        return None
    carrier: dict[str, str] = {}
    _W3C.inject(carrier)
    return carrier.get(TRACEPARENT)


def stored_context(stored: str | None, where: str) -> Context:
    """The parent context of a stored `traceparent`. None, or a value that does not parse (it
    is logged as a warning, naming `where`), gives an empty context: a new trace."""
    if not stored:
        return Context()
    context = _W3C.extract({TRACEPARENT: stored})
    if not trace.get_current_span(context).get_span_context().is_valid:
        log.warning("stored trace context of %s is malformed; a new trace starts", where)
        return Context()
    return context


@contextmanager
def continued_span(
    name: str,
    stored: str | None,
    kind: trace.SpanKind,
    where: str,
    attributes: Mapping[str, AttributeValue] | None = None,
) -> Iterator[trace.Span]:
    """A span (current while the block runs, so log lines carry its trace id) whose parent is
    the stored context of the row being handled, or the root of a new trace without one."""
    context = stored_context(stored, where)
    with tracer().start_as_current_span(
        name, context=context, kind=kind, attributes=attributes
    ) as span:
        yield span
