"""The HTTP application: `/fhir` on a bare ASGI adapter, health endpoints on FastAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from enlace.entrypoints.web import adherence_pages as web_adherence
from enlace.entrypoints.web import alert_pages as web_alerts
from enlace.entrypoints.web import analytics_pages as web_analytics
from enlace.entrypoints.web import app_pages as web_patient_app
from enlace.entrypoints.web import care_pages as web_care
from enlace.entrypoints.web import coldchain_pages as web_coldchain
from enlace.entrypoints.web import coop_pages as web_coop
from enlace.entrypoints.web import counter_pages as web_counter
from enlace.entrypoints.web import delivery_pages as web_deliveries
from enlace.entrypoints.web import education_pages as web_education
from enlace.entrypoints.web import homecare_pages as web_homecare
from enlace.entrypoints.web import money_pages as web_money
from enlace.entrypoints.web import monitoring_pages as web_monitoring
from enlace.entrypoints.web import my_summary_pages as web_my_summary
from enlace.entrypoints.web import pages as web_pages
from enlace.entrypoints.web import payer_pages as web_payer
from enlace.entrypoints.web import prescribe_pages as web_prescribe
from enlace.entrypoints.web import procurement_pages as web_procurement
from enlace.entrypoints.web import registry_pages as web_registry
from enlace.entrypoints.web import replenishment_pages as web_replenishment
from enlace.entrypoints.web import screening_pages as web_screening
from enlace.entrypoints.web import shell as web_shell
from enlace.entrypoints.web import stock_pages as web_stock
from enlace.entrypoints.web import supply_pages as web_supply
from enlace.entrypoints.web import sync_pages as web_sync
from enlace.entrypoints.web import verify_pages as web_verify
from enlace.entrypoints.web import vigilance_pages as web_vigilance
from enlace.entrypoints.web import voting_pages as web_voting
from enlace.interactions.context import Services

from . import (
    auth_routes,
    care_routes,
    cds_routes,
    coldchain_routes,
    db_failures,
    delivery_routes,
    device_routes,
    epcis_routes,
    fhir_asgi,
    input_errors,
    inventory_routes,
    log_routes,
    monitoring_routes,
    observability,
    sms_routes,
    sync_routes,
    trace_verify_routes,
    voting_routes,
)
from .fhir_asgi import Receive, Scope, Send
from .hardening import Hardened, harden


class EnlaceApp:
    """Routes `/fhir` to the FHIR adapter and everything else (health, lifespan) to FastAPI."""

    def __init__(self, services: Services, fallback: FastAPI) -> None:
        self.services = services
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        # /fhir/.well-known/smart-configuration is served by FastAPI (auth_routes), not FHIR.
        if (
            scope["type"] == "http"
            and fhir_asgi.is_fhir_path(path)
            and path not in auth_routes.FHIR_PREFIXED_PATHS
        ):
            await fhir_asgi.handle(self.services, scope, receive, send)
        else:
            await self.fallback(scope, receive, send)


def create_app(services: Services) -> Hardened:
    app = FastAPI(
        title="Enlace FHIR R4",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=_lifespan(services),
    )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> Response:
        ready, detail = await run_in_threadpool(observability.readiness, services)
        return JSONResponse(
            {"status": "ready" if ready else "not-ready", "detail": detail}, 200 if ready else 503
        )

    db_failures.register(app)
    input_errors.register(app)  # FastAPI's own parameter checks answer an OperationOutcome
    observability.register(app, services)  # /metrics
    web_pages.register(app, services)
    web_shell.register(app, services)
    auth_routes.register(app, services)
    log_routes.register(app, services)
    epcis_routes.register(app, services)
    trace_verify_routes.register(app, services)
    inventory_routes.register(app, services)
    delivery_routes.register(app, services)
    care_routes.register(app, services)
    voting_routes.register(app, services)
    device_routes.register(app, services)
    coldchain_routes.register(app, services)
    web_verify.register(app, services)
    web_money.register(app, services)
    web_procurement.register(app, services)
    web_payer.register(app, services)
    web_prescribe.register(app, services)
    web_counter.register(app, services)
    web_stock.register(app, services)
    web_coldchain.register(app, services)
    web_homecare.register(app, services)
    web_education.register(app, services)
    web_coop.register(app, services)
    web_deliveries.register(app, services)
    web_supply.register(app, services)
    web_replenishment.register(app, services)
    web_alerts.register(app, services)
    web_monitoring.register(app, services)
    web_screening.register(app, services)
    web_care.register(app, services)
    web_voting.register(app, services)
    web_adherence.register(app, services)
    web_analytics.register(app, services)
    web_my_summary.register(app, services)
    web_sync.register(app, services)
    web_patient_app.register(app, services)
    web_vigilance.register(app, services)
    web_registry.register(app, services)
    monitoring_routes.register(app, services)
    cds_routes.register(app, services)
    sync_routes.register(app, services)
    sms_routes.register(app, services)
    # Headers, CORS, rate and size limits wrap everything, FHIR and pages alike.
    # Metrics and traces see every request the limits let through.
    return harden(observability.observe(EnlaceApp(services, app), services), services.settings)


def _lifespan(services: Services) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Few threads per process: database calls are short, and many threads contending for
        # the GIL stretch tail latency (measured with bench/crud.py).
        anyio.to_thread.current_default_thread_limiter().total_tokens = services.settings.threads
        yield
        if services.audit is not None:  # the read records still buffered
            await run_in_threadpool(services.audit.close)

    return lifespan
