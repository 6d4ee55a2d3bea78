"""The `/fhir` endpoint as a bare ASGI application.

Why not a FastAPI route: routing, dependency resolution and the Request/Response objects cost about
90 µs a request in process, three to four times the work of a by-id read (25 µs). The FHIR router
already does the routing, so this adapter only turns ASGI messages into a FhirRequest and a
FhirResponse back into messages.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse

from enlace.interactions.context import Services
from enlace.interactions.messages import FhirRequest, FhirResponse, outcome_response
from enlace.interactions.router import dispatch, is_single_resource, is_type_operation
from enlace.kernel import errors
from enlace.kernel.jsonutil import dumps, loads
from enlace.kernel.logging import request_id_var
from enlace.security.authn import request_access

from .db_failures import database_failure
from .negotiation import check_formats

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("enlace.http")
PREFIX = "/fhir"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


def is_fhir_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


async def handle(services: Services, scope: Scope, receive: Receive, send: Send) -> None:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    request_id = _request_id(headers.get("x-request-id"))
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    method = scope["method"]
    params = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
    try:
        result = await _answer(services, scope, receive, method, headers, params)
    except errors.FhirError as exc:
        result = outcome_response(exc)
    except OperationalError as exc:  # down, unreachable or full: say so, and when to retry
        log.exception("database unavailable")
        result = outcome_response(database_failure(exc, request_id))
    except Exception:  # the one place an unexpected failure becomes a 500, logged with its id
        log.exception("unhandled error")
        result = outcome_response(
            errors.error(500, "exception", f"Internal error; request id {request_id}")
        )
    result.headers["X-Request-Id"] = request_id
    await _send(result, scope, receive, send, _pretty(params), method == "HEAD")
    if services.settings.log_requests:
        _log(request_id, method, scope["path"], result.status, started)
    request_id_var.reset(token)


async def _answer(
    services: Services,
    scope: Scope,
    receive: Receive,
    method: str,
    headers: dict[str, str],
    params: list[tuple[str, str]],
) -> FhirResponse:
    check_formats(method, headers, params)
    path = scope["path"][len(PREFIX) :].strip("/")
    base_url = _base_url(scope, headers)
    access = request_access(services.settings, headers, path, base_url, services.repo.clock())
    body = await _read_body(receive, headers, services.settings.max_body_bytes)
    request = FhirRequest(
        "GET" if method == "HEAD" else method, path, params, headers, body, base_url, access=access
    )
    client = scope.get("client")
    request.source_ip = client[0] if client else None
    if _runs_inline(services, request):
        return dispatch(services, request)
    # Searches, history, Bundles and exports may run long; PostgreSQL writes wait on their
    # commit's WAL flush, and in threads those waits overlap (group commit).
    return await run_in_threadpool(dispatch, services, request)


def _request_id(given: str | None) -> str:
    """The client's X-Request-Id when it is a plain token, else a fresh one: it is echoed in a
    response header and written to the logs and the audit trail, so a CR/LF (header splitting),
    a control character or 8 KB of text must not travel with it."""
    return given if given and _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _runs_inline(services: Services, request: FhirRequest) -> bool:
    """By-id reads and module operations (a few reads) always, and by-id writes on SQLite, run
    on the event loop: they take a few hundred microseconds, less than a thread hand-off costs
    (docs/decisions/0004; for eligibility on PostgreSQL, 1,400 against 850 req/s, docs/coverage.md).
    PostgreSQL writes go to threads, where their commit flushes overlap instead of queueing per
    worker."""
    if is_type_operation(services, request):  # a few reads, like by-id reads: inline
        operation = (request.segments[0], request.segments[1][1:])
        return operation not in services.writing_operations or services.db.dialect == "sqlite"
    if not is_single_resource(request):
        return False
    return request.method == "GET" or services.db.dialect == "sqlite"


async def _read_body(receive: Receive, headers: dict[str, str], limit: int) -> bytes:
    declared = headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _too_large(limit: int) -> errors.FhirError:
    return errors.error(413, "too-costly", f"The request body exceeds the limit of {limit} bytes")


def _base_url(scope: Scope, headers: dict[str, str]) -> str:
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("localhost", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{PREFIX}"


async def _send(
    result: FhirResponse, scope: Scope, receive: Receive, send: Send, pretty: bool, head: bool
) -> None:
    file_path = result.headers.pop("X-File-Path", None)
    if file_path:
        file = FileResponse(file_path, media_type=result.content_type, headers=result.headers)
        await file(scope, receive, send)
        return
    body = _body(result, pretty)
    headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in result.headers.items()
    ]
    if body is not None:
        content_type = f"{result.content_type}; charset=utf-8"
        headers.append((b"content-type", content_type.encode("latin-1")))
    headers.append((b"content-length", str(len(body or b"")).encode("latin-1")))
    await send({"type": "http.response.start", "status": result.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body or b""})


def _body(result: FhirResponse, pretty: bool) -> bytes | None:
    if result.body is None:
        return None
    if isinstance(result.body, bytes):
        return dumps(loads(result.body), pretty=True) if pretty else result.body
    return dumps(result.body, pretty=pretty)


def _pretty(params: list[tuple[str, str]]) -> bool:
    return any(k == "_pretty" and v == "true" for k, v in params)


def _log(request_id: str, method: str, path: str, status: int, started: float) -> None:
    fields: dict[str, Any] = {
        "request_id": request_id,
        "method": method,
        "path": path,
        "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 2),
    }
    log.info("request", extra={"fields": fields})
