"""Structured JSON logs, one object a line, carrying the request id and the trace id when there
are (kernel/tracing.py)."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

import orjson

from enlace.kernel.tracing import current_trace_id

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# HTTP client libraries that log every request's full URL, query string included, at INFO: a
# subscriber's endpoint with a token in its query, or any URL with an identifier, would reach
# the log (ASVS V7.1.1/V7.1.2). Their warnings and errors still do.
URL_LOGGING_LIBRARIES = ("httpx", "httpcore")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        trace_id = current_trace_id()
        if trace_id:
            entry["trace_id"] = trace_id
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True
    for library in URL_LOGGING_LIBRARIES:
        logging.getLogger(library).setLevel(logging.WARNING)
