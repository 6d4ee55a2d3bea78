"""The cold chain over HTTP (issue 12 part 6, docs/coldchain.md). Thin: parse, authorize, call
one service, render.

- `POST /coldchain/excursions/{id}/decision` `{"decision": "release" | "destroy", "reason": "…"}`:
  the pharmacist's decision on the lots an excursion quarantined. 200 with the excursion as
  decided; OperationOutcomes naming the field: 400 (not JSON, unknown field, bad decision, no
  reason), 401, 403 (a role other than pharmacist, or a pharmacist of another facility), 404 (unknown excursion), 409 (already
  decided, or a release while the temperature is still outside the range).
- `GET /coldchain/excursions?facility=&status=`: excursions, newest first.
- `GET /coldchain/quarantine?facility=`: lots held now.
Reading is open to pharmacists, regulators, analysts and administrators. Without authentication
(`auth_enabled` off) the platform is the caller, recorded as `system`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors, jsonutil
from enlace.kernel.clock import fhir_instant, from_epoch_us
from enlace.modules import coldchain
from enlace.modules.coldchain import views
from enlace.security.access import Access
from enlace.security.authn import request_access

OUTCOME_TYPE = "application/fhir+json"
READ_ROLES = frozenset(("pharmacist", "regulator", "analyst", "administrator"))
STATUSES = ("open", "released", "destroyed")
DECISION_FIELDS = frozenset(("decision", "reason"))
MAX_BODY = 8192


def register(app: FastAPI, services: Services) -> None:
    @app.post("/coldchain/excursions/{excursion_id}/decision")
    async def decision(excursion_id: str, request: Request) -> Response:
        try:
            access = _access(services, request)
            body = _decision_body(await request.body())
            decided = await run_in_threadpool(_decide, services, excursion_id, body, access)
        except errors.FhirError as exc:
            return _refusal(exc)
        return JSONResponse(decided)

    @app.get("/coldchain/excursions")
    async def excursions(request: Request) -> Response:
        try:
            _reader(_access(services, request))
            facility, status = _filters(request)
            found = await run_in_threadpool(_excursions, services, facility, status)
        except errors.FhirError as exc:
            return _refusal(exc)
        return JSONResponse({"excursions": found})

    @app.get("/coldchain/quarantine")
    async def quarantine(request: Request) -> Response:
        try:
            _reader(_access(services, request))
            facility, _ = _filters(request)
            found = await run_in_threadpool(_holds, services, facility)
        except errors.FhirError as exc:
            return _refusal(exc)
        return JSONResponse({"quarantine": found})


def _access(services: Services, request: Request) -> Access:
    headers = {k.lower(): v for k, v in request.headers.items()}
    base = str(request.base_url).rstrip("/") + "/fhir"
    return request_access(services.settings, headers, "coldchain", base, services.repo.clock())


def _reader(access: Access) -> None:
    if access.kind in ("internal", "client") or access.role in READ_ROLES:
        return
    raise errors.error(403, "forbidden", f"The cold chain is not open to the role {access.role!r}")


def _decision_body(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_BODY:
        raise errors.error(413, "too-costly", f"A decision is at most {MAX_BODY} bytes", "/")
    try:
        body = jsonutil.loads(raw)
    except jsonutil.JSONDecodeError:
        raise errors.bad_request("The body is not JSON", "/", code="structure") from None
    if not isinstance(body, dict):
        raise errors.bad_request('The body is {"decision": ..., "reason": ...}', "/")
    unknown = sorted(set(body) - DECISION_FIELDS)
    if unknown:
        raise errors.bad_request(f"Unknown field {unknown[0]!r}", unknown[0], code="structure")
    for name in sorted(DECISION_FIELDS):
        if not isinstance(body.get(name), str):
            raise errors.bad_request(f"{name} is required (text)", name, code="required")
    return body


def _decide(
    services: Services, excursion_id: str, body: dict[str, Any], access: Access
) -> dict[str, Any]:
    facility = None
    if access.kind == "internal":
        who, roles = "system", coldchain.DECIDE_ROLES
    else:
        who = access.fhir_user or access.actor
        roles = frozenset({access.role}) if access.role else frozenset()
        # A pharmacist decides for their own facility (Organization org-<facility>).
        org = access.organization or ""
        facility = org.removeprefix("org-") if org.startswith("org-") else None
    with services.db.begin() as conn:
        decided = coldchain.decide(
            conn,
            services.repo,
            excursion_id,
            body["decision"],
            body["reason"],
            who,
            roles,
            facility,
        )
    return dict(decided)


def _filters(request: Request) -> tuple[str | None, str | None]:
    params = request.query_params
    unknown = sorted(set(params) - {"facility", "status"})
    if unknown:
        raise errors.bad_request(f"Unknown parameter {unknown[0]!r}", unknown[0])
    status = params.get("status")
    if status is not None and status not in STATUSES:
        raise errors.bad_request(f"status is one of {', '.join(STATUSES)}", "status")
    facility = params.get("facility")
    if facility is not None and not 0 < len(facility) <= 80:
        raise errors.bad_request("facility is a facility slug", "facility")
    return facility, status


def _excursions(
    services: Services, facility: str | None, status: str | None
) -> list[dict[str, Any]]:
    with services.db.read() as conn:
        found = views.list_excursions(conn, facility, status)
    return [_excursion(e) for e in found]


def _excursion(e: views.ExcursionView) -> dict[str, Any]:
    def instant(us: int | None) -> str | None:
        return None if us is None else fhir_instant(from_epoch_us(us))

    return {
        "id": e.id,
        "logger": e.logger,
        "facility": e.facility,
        "kind": e.kind,
        "start": instant(e.start_us),
        "end": instant(e.end_us),
        "peakCelsius": e.peak_c,
        "status": e.status,
        "task": f"Task/{e.task_id}" if e.task_id else None,
        "decided": instant(e.decided_us),
        "decidedBy": e.decided_by,
        "reason": e.reason,
    }


def _holds(services: Services, facility: str | None) -> list[dict[str, Any]]:
    with services.db.read() as conn:
        found = coldchain.quarantined_stock(conn, facility)
    return [
        {
            "excursion": h.excursion,
            "facility": h.facility,
            "product": h.product,
            "gtin": h.gtin,
            "lot": h.lot,
            "units": h.units,
        }
        for h in found
    ]


def _refusal(exc: errors.FhirError) -> Response:
    return JSONResponse(exc.outcome(), exc.status, headers=exc.headers, media_type=OUTCOME_TYPE)
