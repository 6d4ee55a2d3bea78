"""Offline capture over HTTP (issue 10, docs/sync.md). Thin: parse, authorize, call one service.

- `POST /sync/batches`: a community health worker's (or nurse's) device uploads what it captured
  offline. 200 with the answer per item (created, duplicate, conflict, refused); 400 naming the
  location for a malformed batch (nothing written), 401 without a bearer token, 403 for another
  role, 409 for a batch id reused with other content, 503 with Retry-After while the database is
  away (send the same batch again: it writes once).
- `GET /sync/batches/{batchId}`: the same answer again, for the device that lost it (404 for a
  batch it did not upload).
- `GET /sync/changes?since=<cursor>`: the patients this user synced whose record changed since
  the cursor (the `next` of the previous page; 0 at first), each with its current version.
- `GET /sync/conflicts[?status=open|resolved|all]`, `GET /sync/conflicts/{id}`,
  `POST /sync/conflicts/{id}/resolve` with `{"choices": {"telecom": "device", ...}}`: the review
  of edits that could not be merged, for clinical staff who may update a Patient.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors, jsonutil
from enlace.kernel.logging import request_id_var
from enlace.modules.screening import conflicts, sync, sync_changes, sync_protocol
from enlace.security.access import Access
from enlace.security.audit_trail import RequestContext, request_context
from enlace.security.authn import request_access

OUTCOME_TYPE = "application/fhir+json"
UPLOAD_ROLES = frozenset(("chw", "nurse"))
REVIEW_ROLES = frozenset(("chw", "nurse", "physician", "administrator"))
STATUSES = ("open", "resolved", "all")
RETRY_AFTER_S = 5
MAX_CURSOR_DIGITS = 18  # fits a BIGINT
log = logging.getLogger(__name__)


def register(app: FastAPI, services: Services) -> None:
    @app.post("/sync/batches")
    async def upload(request: Request) -> Response:
        async def answer() -> Any:
            access = _access(services, request, UPLOAD_ROLES)
            batch = sync_protocol.parse_batch(await request.body())
            uploader = _uploader(access)
            audit = _audit(access, request)
            return await run_in_threadpool(_upload, services, audit, batch, uploader)

        return await _guarded(answer)

    @app.get("/sync/batches/{batch_id}")
    async def batch(batch_id: str, request: Request) -> Response:
        async def answer() -> Any:
            access = _access(services, request, UPLOAD_ROLES)
            actor = None if access.unrestricted else access.actor
            found = await run_in_threadpool(sync.stored_answer, services.db, batch_id, actor)
            if found is None:
                raise errors.not_found(f"Batch {batch_id[:64]} is not known")
            return found

        return await _guarded(answer)

    @app.get("/sync/changes")
    async def changes(request: Request) -> Response:
        async def answer() -> Any:
            access = _access(services, request, UPLOAD_ROLES)
            since = _cursor(request.query_params.get("since", "0"))
            audit = _audit(access, request)
            return await run_in_threadpool(_changes, services, audit, since)

        return await _guarded(answer)

    @app.get("/sync/conflicts")
    async def conflict_list(request: Request) -> Response:
        async def answer() -> Any:
            access = _access(services, request, REVIEW_ROLES)
            status = request.query_params.get("status", "open")
            if status not in STATUSES:
                raise errors.bad_request(f"status is one of {', '.join(STATUSES)}", "status")
            chosen = None if status == "all" else status
            listed = await run_in_threadpool(_listed, services, chosen)
            _shown(services, _audit(access, request), "sync-conflicts", listed)
            return {"conflicts": listed}

        return await _guarded(answer)

    @app.get("/sync/conflicts/{conflict_id}")
    async def conflict(conflict_id: str, request: Request) -> Response:
        async def answer() -> Any:
            access = _access(services, request, REVIEW_ROLES)
            found = await run_in_threadpool(_conflict, services, conflict_id)
            _shown(services, _audit(access, request), "sync-conflict", [found])
            return found

        return await _guarded(answer)

    @app.post("/sync/conflicts/{conflict_id}/resolve")
    async def resolve(conflict_id: str, request: Request) -> Response:
        async def answer() -> Any:
            access = _access(services, request, REVIEW_ROLES)
            if not _may(access, "Patient", "u"):
                raise errors.error(403, "forbidden", "Resolving writes the Patient: no grant")
            choices = _choices(await request.body())
            audit = _audit(access, request)
            return await run_in_threadpool(_resolve, services, audit, conflict_id, choices)

        return await _guarded(answer)


async def _guarded(answer: Any) -> Response:
    """The JSON answer, or the OperationOutcome of what went wrong (503 when the database is
    away: nothing was written that a retry would write twice)."""
    try:
        body = await answer()
    except errors.FhirError as exc:
        return JSONResponse(exc.outcome(), exc.status, exc.headers, media_type=OUTCOME_TYPE)
    except OperationalError:
        log.exception("database unavailable during sync")
        away = errors.error(503, "transient", "The database is unavailable; send again")
        headers = {"Retry-After": str(RETRY_AFTER_S)}
        return JSONResponse(away.outcome(), 503, headers, media_type=OUTCOME_TYPE)
    return JSONResponse(body)


def _access(services: Services, request: Request, roles: frozenset[str]) -> Access:
    headers = {k.lower(): v for k, v in request.headers.items()}
    base = str(request.base_url).rstrip("/") + "/fhir"
    access = request_access(services.settings, headers, "sync", base, services.repo.clock())
    if access.unrestricted or access.role in roles:
        return access
    raise errors.error(403, "forbidden", f"Offline sync is not open to the role {access.role!r}")


def _may(access: Access, resource_type: str, permission: str) -> bool:
    return access.unrestricted or bool(access.grants(resource_type, permission))


def _uploader(access: Access) -> sync.Uploader:
    return sync.Uploader(
        access.actor,
        access.fhir_user,
        lambda resource_type, permission: _may(access, resource_type, permission),
    )


def _audit(access: Access, request: Request) -> RequestContext:
    """Who is asking, for the audit trail: the repository records each write made under it."""
    source = request.client.host if request.client else None
    return RequestContext(access, request_id_var.get(), source)


def _shown(
    services: Services, audit: RequestContext, interaction: str, listed: list[dict[str, Any]]
) -> None:
    """A read entry per patient whose conflicting values were shown (their access log)."""
    if services.audit is not None:
        touched = [("Patient", c["patient"].removeprefix("Patient/"), b"") for c in listed]
        services.audit.read(audit, interaction, touched, None)


def _upload(
    services: Services, audit: RequestContext, batch: sync_protocol.Batch, who: sync.Uploader
) -> dict[str, Any]:
    with request_context(audit):
        return sync.upload(_sync(services), batch, who)


def _sync(services: Services) -> sync.Sync:
    return sync.Sync(
        services.db,
        services.repo,
        lambda body, expected: services.validate(body, expected),
        sync.record_screening_item,
    )


def _choices(body: bytes) -> Any:
    try:
        document = jsonutil.loads(body)
    except ValueError as exc:
        raise errors.bad_request(f"The body is not JSON: {exc}", "$", "structure") from exc
    if not isinstance(document, dict) or "choices" not in document:
        raise errors.bad_request('The body is {"choices": {element: side}}', "choices")
    return document["choices"]


def _cursor(value: str) -> int:
    if not value.isdigit() or len(value) > MAX_CURSOR_DIGITS:
        raise errors.bad_request("since is the 'next' cursor of the previous page", "since")
    return int(value)


def _changes(services: Services, audit: RequestContext, since: int) -> dict[str, Any]:
    with services.db.read() as conn:
        found = sync_changes.changes(conn, services.repo, audit.access.actor, since)
    if services.audit is not None:
        touched = [
            ("Patient", c["patient"].removeprefix("Patient/"), b"") for c in found["changes"]
        ]
        services.audit.read(audit, "sync-changes", touched, f"since={since}")
    return found


def _listed(services: Services, status: str | None) -> list[dict[str, Any]]:
    with services.db.read() as conn:
        return conflicts.listed(conn, status)


def _conflict(services: Services, conflict_id: str) -> dict[str, Any]:
    with services.db.read() as conn:
        return conflicts.get(conn, conflict_id)


def _resolve(
    services: Services, audit: RequestContext, conflict_id: str, choices: Any
) -> dict[str, Any]:
    with request_context(audit), services.db.begin() as conn:
        return conflicts.resolve(conn, services.repo, conflict_id, choices, audit.access.actor)
