"""OpenTelemetry traces (docs/operations.md "Traces"): off by default; ENLACE_TRACING=console
prints spans, =otlp sends them to an OpenTelemetry collector (OTEL_EXPORTER_OTLP_ENDPOINT, with
opentelemetry-exporter-otlp-proto-http installed). Without a provider every span is a no-op."""

from __future__ import annotations

import logging

from opentelemetry import trace

log = logging.getLogger(__name__)

_configured: list[str] = []


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
