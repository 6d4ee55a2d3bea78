"""The FastAPI application: a thin adapter from HTTP to the framework-free FHIR router."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.interactions.messages import FhirRequest, FhirResponse, outcome_response
from enlace.interactions.router import dispatch, is_single_resource
from enlace.kernel import errors
from enlace.kernel.jsonutil import dumps, loads
from enlace.kernel.logging import request_id_var
from enlace.store import migrate

from .negotiation import check_formats, read_body

log = logging.getLogger("enlace.http")
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="Enlace FHIR R4",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=_lifespan(services.settings.threads),
    )
    app.state.services = services

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> Response:
        ready, detail = await run_in_threadpool(_readiness, services)
        return JSONResponse(
            {"status": "ready" if ready else "not-ready", "detail": detail}, 200 if ready else 503
        )

    @app.api_route("/fhir", methods=_METHODS)
    @app.api_route("/fhir/{path:path}", methods=_METHODS)
    async def fhir(request: Request, path: str = "") -> Response:
        return await _handle(services, request, path)

    return app


async def _handle(services: Services, request: Request, path: str) -> Response:
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    params = list(request.query_params.multi_items())
    try:
        check_formats(request.method, request.headers, params)
        body = await read_body(request, services.settings.max_body_bytes)
        fhir_request = _fhir_request(request, path, params, body)
        if _runs_inline(services, fhir_request):
            result = dispatch(services, fhir_request)
        else:  # searches, history, Bundles, exports may run long; PostgreSQL writes wait on
            # their commit's WAL flush: in threads those waits overlap (group commit)
            result = await run_in_threadpool(dispatch, services, fhir_request)
    except errors.FhirError as exc:
        result = outcome_response(exc)
    except OperationalError:  # the database is down or unreachable: say so, and that it may pass
        log.exception("database unavailable")
        result = outcome_response(
            errors.error(503, "transient", f"The database is unavailable; request id {request_id}")
        )
    except Exception:  # the one place an unexpected failure becomes a 500, logged with its id
        log.exception("unhandled error")
        result = outcome_response(
            errors.error(500, "exception", f"Internal error; request id {request_id}")
        )
    response = _render(result, _pretty(params), request.method == "HEAD")
    response.headers["X-Request-Id"] = request_id
    if services.settings.log_requests:
        _log(request, request_id, response.status_code, started)
    request_id_var.reset(token)
    return response


def _fhir_request(
    request: Request, path: str, params: list[tuple[str, str]], body: bytes
) -> FhirRequest:
    return FhirRequest(
        request.method if request.method != "HEAD" else "GET",
        path.strip("/"),
        params,
        {k.lower(): v for k, v in request.headers.items()},
        body,
        str(request.base_url).rstrip("/") + "/fhir",
    )


def _runs_inline(services: Services, request: FhirRequest) -> bool:
    """By-id reads always, and by-id writes on SQLite, run on the event loop: they take a few
    hundred microseconds, less than a thread hand-off costs (docs/decisions/0004). PostgreSQL
    writes go to threads, where their commit flushes overlap instead of queueing per worker."""
    if not is_single_resource(request):
        return False
    return request.method == "GET" or services.db.dialect == "sqlite"


def _lifespan(threads: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Few threads per process: database calls are short, and many threads contending for
        # the GIL stretch tail latency (measured with bench/crud.py).
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan


def _render(result: FhirResponse, pretty: bool, head: bool) -> Response:
    file_path = result.headers.pop("X-File-Path", None)
    if file_path:
        return FileResponse(file_path, media_type=result.content_type)
    body: bytes | None
    if result.body is None:
        body = None
    elif isinstance(result.body, bytes):
        body = dumps(loads(result.body), pretty=True) if pretty else result.body
    else:
        body = dumps(result.body, pretty=pretty)
    headers = dict(result.headers)
    if body is None or head:
        return Response(None, result.status, headers, result.content_type if body else None)
    return Response(body, result.status, headers, f"{result.content_type}; charset=utf-8")


def _pretty(params: list[tuple[str, str]]) -> bool:
    return any(k == "_pretty" and v == "true" for k, v in params)


def _readiness(services: Services) -> tuple[bool, str]:
    try:
        current = migrate.is_current(services.db)
    except Exception as exc:  # readiness reports, it does not raise
        return False, f"database unreachable: {exc.__class__.__name__}"
    return (True, "ok") if current else (False, "migrations pending")


def _log(request: Request, request_id: str, status: int, started: float) -> None:
    fields: dict[str, Any] = {
        "request_id": request_id,
        "method": request.method,
        "path": request.url.path,
        "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 2),
    }
    log.info("request", extra={"fields": fields})
