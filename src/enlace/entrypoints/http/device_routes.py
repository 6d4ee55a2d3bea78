"""Home devices over HTTP (issue 9, docs/monitoring.md). Thin: parse, authorize, call one service.

- `POST /devices/{deviceId}/readings`: a device sends readings, authenticated by its own key in
  `Authorization: Device <key>` (or `X-Device-Key: <key>` for devices that cannot set
  Authorization; both given must agree). Body: the compact batch JSON (application/json) or a FHIR
  Observation or Bundle (application/fhir+json). 200 with
  `{"device", "patient", "accepted", "duplicates", "rejected": [{"index", "location", "reason",
  "message"}], "alerts": [...]}`; refusals are OperationOutcomes naming the location: 400
  malformed, 401 unknown device or wrong key, 403 revoked, unbound or another patient's data, 413
  too big, 415 media type, 422 every reading refused; 503 with Retry-After while the database is
  unreachable (nothing was stored: the device sends the same message again).
- `GET /devices/{deviceId}`: the registry entry for staff (administrator, physician, nurse, or a
  backend client): status, patient, last seen, battery, firmware.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import fhir_instant, from_epoch_us
from enlace.modules.monitoring import ingest, registry
from enlace.modules.monitoring.normalize import Refusal
from enlace.security.authn import request_access

OUTCOME_TYPE = "application/fhir+json"
STAFF_ROLES = frozenset(("administrator", "physician", "nurse"))
KEY_SCHEME = "device"
RETRY_AFTER_S = 5
log = logging.getLogger(__name__)


def register(app: FastAPI, services: Services) -> None:
    @app.post("/devices/{device_id}/readings")
    async def readings(device_id: str, request: Request) -> Response:
        try:
            key = device_key(
                request.headers.get("authorization"), request.headers.get("x-device-key")
            )
            body = await request.body()
            result = await run_in_threadpool(
                ingest.ingest,
                services.db,
                services.repo,
                device_id,
                body,
                content_type=request.headers.get("content-type", ""),
                key=key,
            )
        except errors.FhirError as exc:
            return _refusal(exc)
        except OperationalError:  # the database is briefly away: the device keeps it and retries
            log.exception("database unavailable while ingesting")
            unavailable = errors.error(503, "transient", "The database is unavailable; send again")
            unavailable.headers["Retry-After"] = str(RETRY_AFTER_S)
            return _refusal(unavailable)
        return JSONResponse(_answer(result))

    @app.get("/devices/{device_id}")
    async def device(device_id: str, request: Request) -> Response:
        try:
            _authorize_staff(services, request)
            found = await run_in_threadpool(_read_device, services, device_id)
        except errors.FhirError as exc:
            return _refusal(exc)
        return JSONResponse(_device(found))


def device_key(authorization: str | None, header_key: str | None) -> str | None:
    """The key from `Authorization: Device <key>` or `X-Device-Key`; 400 when they disagree."""
    key = None
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() != KEY_SCHEME or not value.strip():
            message = "A device authenticates with 'Authorization: Device <key>'"
            raise errors.FhirError(
                401,
                [errors.Issue("login", message, "Authorization")],
                {"WWW-Authenticate": 'Device realm="enlace"'},
            )
        key = value.strip()
    if header_key is not None:
        if key is not None and header_key.strip() != key:
            message = "Authorization and X-Device-Key carry different keys"
            raise errors.bad_request(message, "X-Device-Key")
        key = header_key.strip()
    return key


def _authorize_staff(services: Services, request: Request) -> None:
    headers = {k.lower(): v for k, v in request.headers.items()}
    base = str(request.base_url).rstrip("/") + "/fhir"
    access = request_access(services.settings, headers, "devices", base, services.repo.clock())
    if access.kind in ("internal", "client"):
        return
    if access.role not in STAFF_ROLES:
        raise errors.error(403, "forbidden", f"Devices are not open to the role {access.role!r}")


def _read_device(services: Services, device_id: str) -> registry.Device:
    with services.db.read() as conn:
        return registry.require(conn, device_id)


def _answer(result: ingest.IngestResult) -> dict[str, Any]:
    return {
        "device": result.device,
        "patient": result.patient,
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": [_refused(r) for r in result.rejected],
        "alerts": list(result.alerts),
    }


def _refused(refusal: Refusal) -> dict[str, Any]:
    return {
        "index": refusal.index,
        "location": refusal.location,
        "reason": refusal.reason,
        "message": refusal.message,
    }


def _device(device: registry.Device) -> dict[str, Any]:
    def instant(us: int | None) -> str | None:
        return fhir_instant(from_epoch_us(us)) if us is not None else None

    return {
        "id": device.id,
        "kind": device.kind,
        "status": device.status,
        "patient": device.patient,
        "serial": device.serial,
        "firmware": device.firmware,
        "battery": device.battery,
        "registered": instant(device.created_us),
        "bound": instant(device.bound_us),
        "lastSeen": instant(device.last_seen_us),
    }


def _refusal(exc: errors.FhirError) -> Response:
    return JSONResponse(exc.outcome(), exc.status, headers=exc.headers, media_type=OUTCOME_TYPE)
