"""`POST /delivery/plan` (issue 8 part 4). Thin: authorize, parse, plan the day, render.

The body is a planning request (docs/delivery.md); the answer is the plan as JSON. A bearer
token is needed: a backend client (the pharmacy system), an administrator or a pharmacist; with
auth off, the platform itself. Bad input is a 400 OperationOutcome naming each field
(`orders[3].address.latitude`); nothing is stored.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors, jsonutil
from enlace.modules import delivery
from enlace.security.authn import request_access

OUTCOME_TYPE = "application/fhir+json"
PLAN_ROLES = frozenset(("pharmacist", "administrator"))
MAX_SECONDS = 30.0  # a request thread is not held longer than the planning target


def register(app: FastAPI, services: Services) -> None:
    @app.post("/delivery/plan")
    async def plan(request: Request) -> Response:
        try:
            _authorize(services, request)
            req = delivery.parse_request(_json_body(await request.body()))
            if req.settings.time_limit_seconds > MAX_SECONDS:
                raise errors.bad_request(
                    f"at most {MAX_SECONDS:.0f} s of solving per request",
                    "settings.timeLimitSeconds",
                )
            result = await run_in_threadpool(
                delivery.plan_day, req.orders, req.depots, req.vehicles, req.day, req.settings
            )
        except errors.FhirError as exc:
            return JSONResponse(exc.outcome(), exc.status, media_type=OUTCOME_TYPE)
        return JSONResponse(delivery.plan_as_json(result))


def _authorize(services: Services, request: Request) -> None:
    headers = {k.lower(): v for k, v in request.headers.items()}
    base = str(request.base_url).rstrip("/") + "/fhir"
    access = request_access(services.settings, headers, "delivery", base, services.repo.clock())
    if access.kind not in ("internal", "client") and access.role not in PLAN_ROLES:
        raise errors.error(403, "forbidden", f"route planning is not open to {access.role!r}")


def _json_body(body: bytes) -> object:
    try:
        return jsonutil.loads(body)
    except ValueError:
        raise errors.bad_request("the body is not JSON", "/") from None
