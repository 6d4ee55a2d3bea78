"""Request metrics and traces, `/metrics`, and what readyz checks (docs/operations.md).

Every HTTP request is counted and timed under its route template (`/fhir/Patient/{id}`, never
the raw path: no ids, no PHI in labels, and a bounded number of series), inside a server span
that continues the caller's `traceparent`. `/metrics` answers localhost, or in production with
ENLACE_METRICS_TOKEN set, the bearer of that token.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from opentelemetry import propagate
from opentelemetry.trace import SpanKind
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import metrics, tracing
from enlace.kernel.clock import epoch_us, system_clock
from enlace.modules import messaging, subscriptions
from enlace.store import job_leases, migrate
from enlace.store.database import Database

from .fhir_asgi import PREFIX, Receive, Scope, Send, is_fhir_path
from .hardening import ASGIApp

LOCAL_CLIENTS = ("127.0.0.1", "::1")
FHIR_WORDS = {"metadata", "_history", "_search"}


class Observed:
    """Wraps the application: metrics and a server span per HTTP request."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services
        self.types = set(services.definitions.resource_types)
        self.operations = {name for (_type, name) in services.type_operations} | {
            "export", "everything", "validate", "meta", "lastn", "stats", "expand", "lookup",
        }  # fmt: skip

    def __getattr__(self, name: str) -> Any:
        # The wrapped application's attributes (its FastAPI `fallback`, which the OpenAPI
        # document and tests walk) stay reachable through the wrapper.
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # unless the application answers
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}

        async def observed_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        context = propagate.extract(carrier)
        with tracing.tracer().start_as_current_span(
            scope["method"], context=context, kind=SpanKind.SERVER
        ) as span:
            try:
                await self.app(scope, receive, observed_send)
            finally:
                route = self.route_of(scope)
                span.update_name(f"{scope['method']} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                self._record(scope["method"], route, status, time.perf_counter() - started)

    def _record(self, method: str, route: str, status: int, seconds: float) -> None:
        metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
        metrics.HTTP_SECONDS.labels(method, route).observe(seconds)
        _pool_gauges(self.services.db)

    def route_of(self, scope: Scope) -> str:
        path = scope.get("path", "")
        if is_fhir_path(path):
            return self.fhir_template(path)
        route = scope.get("route")
        template = getattr(route, "path", None)
        return template if isinstance(template, str) else "unmatched"

    def fhir_template(self, path: str) -> str:
        parts = [p for p in path[len(PREFIX) :].split("/") if p]
        shown = [PREFIX]
        for index, part in enumerate(parts[:4]):
            shown.append(self._segment(index, part))
        return "/".join(shown) + ("/..." if len(parts) > 4 else "")

    def _segment(self, index: int, part: str) -> str:
        if part in self.types or part in FHIR_WORDS:
            return part
        if part.startswith("$"):
            return part if part[1:] in self.operations else "${op}"
        return "{id}" if index in (1, 3) else "{unknown}"


def _pool_gauges(db: Database) -> None:
    for name, engine in (("write", db.write_engine), ("read", db.read_engine)):
        pool: Any = engine.pool
        if not hasattr(pool, "checkedout"):
            continue  # SQLite's NullPool-like pools keep no count
        metrics.DB_POOL.labels(name, "checked_out").set(pool.checkedout())
        metrics.DB_POOL.labels(name, "idle").set(pool.checkedin())
        metrics.DB_POOL.labels(name, "size").set(pool.size())


def live_samples(services: Services) -> Iterable[tuple[str, str, str, dict[str, str], float]]:
    """Read at scrape time: each outbox's lag, each job's last run (the scheduler runs in a
    process of its own, so its runs are read from `job_runs`) and the heartbeat's age."""
    now_us = epoch_us(system_clock())
    for name, lag in outbox_lags(services.db, now_us).items():
        yield (
            "enlace_outbox_lag_seconds",
            "Age of the oldest due item",
            "gauge",
            {"outbox": name},
            lag,
        )
    for job, run in job_leases.last_runs(services.db).items():
        labels = {"job": job, "outcome": run.outcome}
        seconds = (run.duration_ms or 0) / 1000
        yield ("enlace_job_last_duration_seconds", "Last run of each job", "gauge", labels, seconds)
        ended = (run.ended_us or run.started_us) / 1e6
        yield ("enlace_job_last_run_timestamp_seconds", "When it ended", "gauge", labels, ended)
    beat = job_leases.last_beat_us(services.db)
    if beat is not None:
        age = (now_us - beat) / 1e6
        yield (
            "enlace_scheduler_heartbeat_age_seconds",
            "Since a scheduler ticked",
            "gauge",
            {},
            age,
        )


def outbox_lags(db: Database, now_us: int) -> dict[str, float]:
    return {
        "messaging": messaging.outbox_lag_us(db, now_us) / 1e6,
        "subscriptions": subscriptions.outbox_lag_us(db, now_us) / 1e6,
    }


def readiness(services: Services) -> tuple[bool, str]:
    """Ready: database answers, migrations at head, outboxes under their bound, scheduler alive."""
    settings = services.settings
    try:
        if not migrate.is_current(services.db):
            return False, "migrations pending"
        now_us = epoch_us(system_clock())
        bound = settings.ready_outbox_lag_seconds
        for name, lag in (outbox_lags(services.db, now_us) if bound > 0 else {}).items():
            if lag > bound:
                return False, f"outbox {name} is {lag:.0f} s behind"
        if settings.ready_scheduler_seconds > 0:
            beat = job_leases.last_beat_us(services.db)
            if beat is None or (now_us - beat) / 1e6 > settings.ready_scheduler_seconds:
                return False, "no scheduler heartbeat"
    except Exception as exc:  # readiness reports, it does not raise
        return False, f"database unreachable: {exc.__class__.__name__}"
    return True, "ok"


def register(app: FastAPI, services: Services) -> None:
    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint(request: Request) -> Response:
        if not _may_scrape(request, services):
            return JSONResponse({"detail": "forbidden"}, 403)
        body = await run_in_threadpool(metrics.render, lambda: list(live_samples(services)))
        return Response(body, media_type=metrics.CONTENT_TYPE)


def _may_scrape(request: Request, services: Services) -> bool:
    token = services.settings.metrics_token
    if token:
        offered = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(offered.encode(), token.encode())
    if services.settings.production:  # no token: the local scraper only
        client = request.client.host if request.client else ""
        return client in LOCAL_CLIENTS
    return True


def observe(app: ASGIApp, services: Services) -> Observed:
    tracing.configure(services.settings.tracing)
    return Observed(app, services)
