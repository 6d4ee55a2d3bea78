"""EPCIS 2.0 capture and query over HTTP (issue 6). Thin: parse, call one service, render.

`POST /epcis/capture` takes an EPCISDocument or a single event (JSON / JSON-LD) and answers 201
with what was accepted, duplicated and flagged; `GET /epcis/events` answers an
EPCISQueryDocument, paged with `perPage` and `nextPageToken` (a `Link: rel="next"` header).
Both need a bearer token: a backend client, or a user whose role is in CAPTURE_ROLES /
QUERY_ROLES (403 otherwise); with auth off the platform itself.
Every refusal is an OperationOutcome whose issues name the problem and its JSON pointer
(or query parameter): 400 for bad input, 409 for an eventID reused with other content.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors, jsonutil
from enlace.modules.trace.epcis_capture import CaptureReport, capture_document
from enlace.modules.trace.epcis_leaf import record_time_text
from enlace.modules.trace.epcis_model import EpcisError
from enlace.modules.trace.epcis_query import (
    ENLACE_CONTEXT,
    MAX_LIMIT,
    EventPage,
    EventQuery,
    find_events,
)
from enlace.security.authn import request_access

OUTCOME_TYPE = "application/fhir+json"
JSON_TYPES = ("application/json", "application/ld+json")
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# Supply-chain systems capture as backend clients; people in the chain by role.
CAPTURE_ROLES = frozenset(("pharmacist", "administrator"))
QUERY_ROLES = CAPTURE_ROLES | {"regulator", "analyst"}
QUERY_PARAMETERS = frozenset(
    (
        "MATCH_epc",
        "EQ_bizStep",
        "EQ_bizLocation",
        "GE_eventTime",
        "LT_eventTime",
        "perPage",
        "nextPageToken",
    )
)


def register(app: FastAPI, services: Services) -> None:
    clock = services.repo.clock

    @app.post("/epcis/capture")
    async def capture(request: Request) -> Response:
        try:
            authenticate(services, request, CAPTURE_ROLES)
            document = _json_body(request.headers.get("content-type", ""), await request.body())
            report = await run_in_threadpool(capture_document, services.db, document, clock())
        except (EpcisError, errors.FhirError) as exc:
            return _refusal(exc)
        return JSONResponse(_report(report), 201)

    @app.get("/epcis/events")
    async def events(request: Request) -> Response:
        try:
            authenticate(services, request, QUERY_ROLES)
            query = _query(list(request.query_params.multi_items()))
            page = await run_in_threadpool(find_events, services.db, query)
        except (EpcisError, errors.FhirError) as exc:
            return _refusal(exc)
        return _page(request, page, clock())


def authenticate(services: Services, request: Request, roles: frozenset[str]) -> None:
    """A verified bearer token (401 without), from a backend client or one of `roles` (403)."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    base = str(request.base_url).rstrip("/") + "/fhir"
    access = request_access(services.settings, headers, "epcis", base, services.repo.clock())
    if access.kind not in ("internal", "client") and access.role not in roles:
        raise errors.error(403, "forbidden", f"EPCIS is not open to the role {access.role!r}")


def _json_body(content_type: str, body: bytes) -> Any:
    if content_type.split(";")[0].strip().lower() not in JSON_TYPES:
        raise errors.error(415, "not-supported", "Send EPCIS as application/json or ld+json")
    try:
        return jsonutil.loads(body)
    except ValueError:
        raise errors.bad_request("The body is not JSON", "/") from None


def _time_us(name: str, text: str) -> int:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise errors.bad_request(f"{name} must be a date-time with a time zone", name)
    return int(moment.timestamp() * 1_000_000)


def _count(name: str, text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise errors.bad_request(f"{name} must be a non-negative integer", name)
    return int(text)


def _query(pairs: list[tuple[str, str]]) -> EventQuery:
    names = [name for name, _ in pairs]
    unknown = sorted(set(names) - QUERY_PARAMETERS)
    if unknown:
        allowed = ", ".join(sorted(QUERY_PARAMETERS))
        raise errors.bad_request(f"Unknown parameter {unknown[0]!r}; use {allowed}", unknown[0])
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise errors.bad_request(f"Parameter {repeated[0]!r} is repeated", repeated[0])
    given = dict(pairs)
    since, until = given.get("GE_eventTime"), given.get("LT_eventTime")
    return EventQuery(
        epc=given.get("MATCH_epc"),
        biz_step=given.get("EQ_bizStep"),
        location=given.get("EQ_bizLocation"),
        since_us=_time_us("GE_eventTime", since) if since is not None else None,
        until_us=_time_us("LT_eventTime", until) if until is not None else None,
        after=_count("nextPageToken", given["nextPageToken"]) if "nextPageToken" in given else None,
        limit=_count("perPage", given["perPage"]) if "perPage" in given else 100,
    )


def _report(report: CaptureReport) -> dict[str, Any]:
    return {
        "accepted": report.accepted,
        "duplicates": report.duplicates,
        "recordTime": record_time_text(report.record_time_us),
        "events": [
            {
                "eventID": e.event_id,
                "eventHash": e.event_hash,
                "logIndex": e.log_index,
                "duplicate": e.duplicate,
            }
            for e in report.events
        ],
        "alerts": [
            {"kind": a.kind, "epc": a.epc, "eventID": a.event_id, "message": a.message}
            for a in report.alerts
        ],
    }


def _page(request: Request, page: EventPage, now: datetime) -> Response:
    body = {
        "@context": [EPCIS_CONTEXT, ENLACE_CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": now.isoformat(),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": page.events},
            }
        },
    }
    headers = {}
    if page.next_after is not None:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "nextPageToken"]
        params.append(("nextPageToken", str(page.next_after)))
        headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    return JSONResponse(body, headers=headers)


def _refusal(exc: EpcisError | errors.FhirError) -> Response:
    if isinstance(exc, errors.FhirError):
        return JSONResponse(exc.outcome(), exc.status, headers=exc.headers, media_type=OUTCOME_TYPE)
    status = 409 if any(p.code == "duplicate-event-id" for p in exc.problems) else 400
    issues = [
        errors.Issue(
            "duplicate" if status == 409 else "invalid", f"{p.code}: {p.message}", p.pointer
        )
        for p in exc.problems
    ]
    refusal = errors.FhirError(status, issues)
    return JSONResponse(refusal.outcome(), status, media_type=OUTCOME_TYPE)


__all__ = ["MAX_LIMIT", "authenticate", "register"]
