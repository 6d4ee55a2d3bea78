"""CDS Hooks 2.0 (docs/cds.md): `GET /cds-services` (discovery), `POST /cds-services/{id}` (a
hook call answered with cards) and `POST /cds-services/{id}/feedback`.

CDS Hooks errors are plain HTTP statuses; the body is an OperationOutcome naming the request
member at fault. What the prefetch lacks is read from this platform's store through the FHIR
interactions (router.dispatch: scopes, compartments, consent, audit) as the holder of the
request's `fhirAuthorization.access_token`, never over HTTP. With auth off (development only)
the platform reads as itself. Cards are Spanish unless Accept-Language prefers English.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.interactions.messages import FhirRequest
from enlace.interactions.router import dispatch
from enlace.kernel import errors
from enlace.kernel.jsonutil import JSONDecodeError, dumps, loads
from enlace.modules import cds
from enlace.security.access import Access
from enlace.security.authn import request_access

JSON = "application/json"
FHIR_JSON = "application/fhir+json"


def register(app: FastAPI, services: Services) -> None:
    @app.get("/cds-services")
    async def discovery() -> Response:
        return JSONResponse(cds.discovery(), media_type=JSON)

    @app.post("/cds-services/{service_id}")
    async def hook(request: Request, service_id: str) -> Response:
        try:
            body = _json(await request.body())
            base = str(request.base_url).rstrip("/") + "/fhir"
            fetch = _fetch(services, body, base, _client(request))
            lang = language(request.headers.get("accept-language"))
            answer = await run_in_threadpool(cds.call, services, service_id, body, fetch, lang)
        except errors.FhirError as exc:
            return JSONResponse(exc.outcome(), exc.status, media_type=FHIR_JSON)
        return JSONResponse(answer, media_type=JSON)

    @app.post("/cds-services/{service_id}/feedback")
    async def feedback(request: Request, service_id: str) -> Response:
        try:
            body = _json(await request.body())
            await run_in_threadpool(cds.record_feedback, services, service_id, body)
        except errors.FhirError as exc:
            return JSONResponse(exc.outcome(), exc.status, media_type=FHIR_JSON)
        return Response(status_code=200)


def language(accept: str | None) -> str:
    """English when the client's first preference is English; Spanish (es-MX) otherwise."""
    first = (accept or "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "es"


def store_fetch(
    services: Services, access: Access, base_url: str, source_ip: str | None
) -> cds.Fetch:
    """`fetch` for cds.call: a relative FHIR URL read through the interactions as `access`.
    The reads of one hook call share one Visibility (scopes, consent rules, blocked types are
    looked up once, as for the entries of a Bundle)."""
    shared: list[Any] = [None]

    def fetch(url: str) -> dict[str, Any]:
        request = FhirRequest.from_url("GET", url, base_url=base_url, access=access)
        request.source_ip = source_ip
        request.guard_cache = shared[0]
        response = dispatch(services, request)
        shared[0] = request.guard_cache
        if response.status != 200:
            raise errors.error(response.status, "exception", f"GET {url}: {response.status}")
        body = response.body
        parsed = loads(body if isinstance(body, bytes) else dumps(body))
        if not isinstance(parsed, dict):
            raise errors.error(502, "exception", f"GET {url}: not a resource")
        return parsed

    return fetch


def _fetch(services: Services, body: Any, base: str, ip: str | None) -> cds.Fetch | None:
    if not services.settings.auth_enabled:
        return store_fetch(services, Access.internal(), base, ip)
    auth = body.get("fhirAuthorization") if isinstance(body, dict) else None
    token = auth.get("access_token") if isinstance(auth, dict) else None
    if not isinstance(token, str) or not token:
        return None  # cds.call answers 401 if it needs to read anything
    headers = {"authorization": f"Bearer {token}"}
    try:
        access = request_access(services.settings, headers, "cds", base, services.repo.clock())
    except errors.FhirError as exc:
        raise errors.error(
            401,
            "login",
            f"fhirAuthorization.access_token refused: {_first(exc)}",
            "fhirAuthorization.access_token",
        ) from exc
    return store_fetch(services, access, base, ip)


def _first(exc: errors.FhirError) -> str:
    return exc.issues[0].diagnostics if exc.issues else str(exc.status)


def _json(raw: bytes) -> Any:
    try:
        return loads(raw)
    except (JSONDecodeError, ValueError) as exc:
        raise errors.bad_request("the body is not JSON", "request") from exc


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None
