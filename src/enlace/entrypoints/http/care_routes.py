"""`/care/...` JSON routes: referrals and appointments (docs/care.md "HTTP"). Thin: authorize,
parse, call the care module in one transaction, render. Refusals are OperationOutcomes naming the
field (400), the rule (422), the state (409); nothing is written then.

Clinical staff (physician, nurse, chw, administrator) and backend clients act on referrals; a user
with an organization acts only for it (receiving actions for the receiving facility). Patients
book and cancel their own appointments under the booking rules; staff book without them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors, jsonutil
from enlace.kernel.clock import epoch_us
from enlace.modules import care
from enlace.modules.care import scheduling, teleconsult
from enlace.security.access import Access
from enlace.security.authn import request_access
from enlace.security.roles import PATIENT_ROLES

OUTCOME_TYPE = "application/fhir+json"
LOCAL = ZoneInfo("America/Mexico_City")
STAFF = frozenset(("physician", "nurse", "chw", "administrator"))


def register(app: FastAPI, services: Services) -> None:
    routes(app, services, _Runner(services))


class _Runner:
    """Authorize, parse the JSON body (request.state.payload), run `work` in one transaction on
    a worker thread, render the answer or the OperationOutcome."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def __call__(
        self, request: Request, work: Callable[[Connection, Access, int], Any], code: int = 200
    ) -> Response:
        services = self.services
        try:
            access = _access(services, request)
            body = await request.body()
            request.state.payload = _json(body) if body else {}

            def inside() -> Any:
                now = epoch_us(services.repo.clock())
                with services.db.begin() as conn:
                    return work(conn, access, now)

            result = await run_in_threadpool(inside)
        except errors.FhirError as exc:
            return JSONResponse(exc.outcome(), exc.status, media_type=OUTCOME_TYPE)
        return JSONResponse(result, code)


def routes(app: FastAPI, services: Services, run: _Runner) -> None:
    repo = services.repo

    @app.post("/care/referrals")
    async def refer(request: Request) -> Response:
        def work(conn: Connection, access: Access, now: int) -> Any:
            body = request.state.payload
            _staff(access, _text(body, "from"))
            made = care.refer(
                conn,
                repo,
                patient=_text(body, "patient"),
                from_org=_text(body, "from"),
                to_org=_text(body, "to"),
                service=_text(body, "service"),
                urgency=_text(body, "urgency"),
                reason=_text(body, "reason"),
                now_us=now,
            )
            return {
                "id": made.id,
                "task": made.task_id,
                "status": made.status,
                "due_us": made.due_us,
            }

        return await run(request, work, 201)

    @app.get("/care/referrals")
    async def worklist(request: Request, org: str, side: str = "receiving") -> Response:
        def work(conn: Connection, access: Access, now: int) -> Any:
            _staff(access, org)
            return [asdict(item) for item in care.worklist(conn, org, side)]

        return await run(request, work)

    @app.get("/care/referrals/indicators")
    async def indicators(request: Request, org: str = "") -> Response:
        def work(conn: Connection, access: Access, now: int) -> Any:
            _staff(access, org or None)
            got = care.indicators(conn, org or None)
            return asdict(got)

        return await run(request, work)

    @app.post("/care/referrals/{rid}/{action}")
    async def move(request: Request, rid: str, action: str) -> Response:
        def work(conn: Connection, access: Access, now: int) -> Any:
            body = request.state.payload
            row = care.referral(conn, rid)
            _staff(access, row)
            by = access.fhir_user or access.actor
            if action == "accept":
                return {"status": care.accept(conn, repo, rid, by, now)}
            if action == "reject":
                return {"status": care.reject(conn, repo, rid, by, _text(body, "reason"), now)}
            if action == "complete":
                summary, follow = _text(body, "summary"), str(body.get("follow_up", ""))
                counter = care.complete(
                    conn, repo, rid, summary=summary, follow_up=follow, by=by, now_us=now
                )
                return {"status": "completed", "counter_referral": counter}
            raise errors.not_found(f"Unknown referral action '{action}'")

        return await run(request, work)

    @app.post("/care/slots/{slot_id}/book")
    async def book(request: Request, slot_id: str) -> Response:
        def work(conn: Connection, access: Access, now: int) -> Any:
            body = request.state.payload
            patient = _text(body, "patient")
            by = _booker(access, patient)
            referral = body.get("referral") if by == "staff" else None
            got = care.book(conn, repo, slot_id, patient, now, by=by, referral_id=referral)
            return {"appointment": got.appointment, "slot": got.slot, "start_us": got.start_us}

        return await run(request, work, 201)

    @app.post("/care/appointments/{aid}/{action}")
    async def appointment(request: Request, aid: str, action: str) -> Response:
        def work(conn: Connection, access: Access, now: int) -> Any:
            row = scheduling.get(conn, aid)
            by = _booker(access, row.patient)
            if by == "staff":  # staff act for their own facility's appointments only
                _staff(access, row.organization)
            if action == "cancel":
                care.cancel(conn, repo, aid, now, by=by)
                return {"status": "cancelled"}
            if by != "staff":
                raise errors.error(403, "forbidden", f"'{action}' is for clinical staff")
            if action == "no-show":
                scheduling.no_show(conn, repo, aid, now)
                return {"status": "noshow"}
            if action == "teleconsult":
                encounter, link = teleconsult.start(conn, repo, aid, now)
                return {"encounter": encounter, "join": link}
            raise errors.not_found(f"Unknown appointment action '{action}'")

        return await run(request, work)

    @app.post("/care/encounters/{eid}/{action}")
    async def encounter(request: Request, eid: str, action: str) -> Response:
        def work(conn: Connection, access: Access, now: int) -> Any:
            _staff(access, None)  # the role, before reading anything
            _staff(access, teleconsult.provider(conn, repo, eid))  # and the Encounter's facility
            body = request.state.payload
            if action == "note":
                by = access.fhir_user or access.actor
                return {
                    "communication": teleconsult.note(conn, repo, eid, _text(body, "text"), by, now)
                }
            if action == "order":
                made = teleconsult.order(
                    conn, repo, eid, body.get("resource"), services.checked_resource
                )
                return {"id": made}
            if action == "finish":
                teleconsult.finish(conn, repo, eid, now)
                return {"status": "finished"}
            raise errors.not_found(f"Unknown teleconsult action '{action}'")

        return await run(request, work, 201 if request.url.path.endswith("/order") else 200)

    @app.get("/care/day")
    async def day(request: Request, actor: str, on: str) -> Response:
        def work(conn: Connection, access: Access, now: int) -> Any:
            _staff(access, None)
            start = epoch_us(datetime.combine(_date(on), time(0), LOCAL))  # the clinic's day
            # A user of a facility sees the appointments at that facility only.
            own = f"Organization/{access.organization}" if access.organization else None
            return [asdict(item) for item in scheduling.day_of(conn, actor, start, own)]

        return await run(request, work)


def _access(services: Services, request: Request) -> Access:
    headers = {k.lower(): v for k, v in request.headers.items()}
    base = str(request.base_url).rstrip("/") + "/fhir"
    return request_access(services.settings, headers, "care", base, services.repo.clock())


def _staff(access: Access, organization: Any) -> None:
    if access.kind in ("internal", "client"):
        return
    if access.role not in STAFF:
        raise errors.error(403, "forbidden", f"referrals are not open to {access.role!r}")
    org = organization.to_org if hasattr(organization, "to_org") else organization
    if access.organization and org and org.removeprefix("Organization/") != access.organization:
        raise errors.error(403, "forbidden", f"you act for Organization/{access.organization}")


def _booker(access: Access, patient: str) -> str:
    if access.kind in ("internal", "client") or access.role in STAFF:
        return "staff"
    if access.role in PATIENT_ROLES and patient in access.patients:
        return "patient"
    raise errors.error(403, "forbidden", f"you cannot book for Patient/{patient}")


def _json(body: bytes) -> dict[str, Any]:
    try:
        loaded = jsonutil.loads(body)
    except ValueError:
        raise errors.bad_request("the body is not JSON", "/") from None
    if not isinstance(loaded, dict):
        raise errors.bad_request("the body must be a JSON object", "/")
    return loaded


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise errors.bad_request(f"'{name}' is required (a non-empty string)", name)
    return value.strip()


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise errors.bad_request(f"'{text}' is not a YYYY-MM-DD date", "on") from None
