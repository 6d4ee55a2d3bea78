"""The care pages (issue 14 parts 1-2; docs/care.md "Pages").

- `GET /referrals/received` and `/referrals/sent` (nurse, chw, physician, coordinator,
  administrator): the user's facility's referral worklists, the most pressing first, with the
  indicators; on the receiving side Accept / Reject (with reason) / Close with counter-referral
  (summary, follow-up).
- `POST /referrals/{id}/{accept|reject|complete}` (physician, nurse, coordinator, administrator).
- `GET /appointments/day[?on=YYYY-MM-DD]` (physician): the physician's appointments of the day.
- `GET /appointments/book` (patient, caregiver): free times and own appointments;
  `POST /appointments/book/{slot}` books under the booking rules, `POST /appointments/{id}/cancel`.
Refusals from the domain (409 state, 422 rule) show the 400 page with `care.bad_input`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules import care
from enlace.modules.care import scheduling
from enlace.security.users import User

from . import care_strings, i18n, nav, render
from .nav import NavItem
from .page_guard import BadInput, guarded, posted_form
from .shell import Shell

LIST_ROLES = ("nurse", "chw", "physician", "coordinator", "administrator")
ACT_ROLES = ("physician", "nurse", "coordinator", "administrator")
DAY_ROLES = ("physician",)
BOOK_ROLES = ("patient", "caregiver")
ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
LOCAL = ZoneInfo("America/Mexico_City")


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(care_strings.STRINGS)
    nav.register(NavItem("/referrals/received", "nav.care_receiving", LIST_ROLES, 30))
    nav.register(NavItem("/referrals/sent", "nav.care_sending", LIST_ROLES, 31))
    nav.register(NavItem("/appointments/day", "nav.care_day", DAY_ROLES, 32))
    nav.register(NavItem("/appointments/book", "nav.care_book", BOOK_ROLES, 33))
    app.include_router(_router(Shell(services)))


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()
    services = shell.services

    @router.get("/referrals/{side}")
    async def worklist_route(request: Request, side: str) -> Response:
        async def work(user: User) -> Response:
            if side not in ("received", "sent"):
                raise errors.not_found("No such worklist")
            org = _org(user)
            which = "receiving" if side == "received" else "sending"
            items, numbers = await run_in_threadpool(_worklist, services, org, which)
            return shell.view(
                request,
                user,
                "care_referrals.html",
                items=items,
                numbers=numbers,
                receiving=which == "receiving",
                can_act=user.role in ACT_ROLES,
                **helpers(request),
            )

        return await guarded(shell, request, LIST_ROLES, work, "care.bad_input")

    @router.post("/referrals/{rid}/{action}")
    async def act_route(request: Request, rid: str, action: str) -> Response:
        async def work(user: User) -> Response:
            if action not in ("accept", "reject", "complete") or not ID.fullmatch(rid):
                raise errors.not_found("No such referral action")
            form = await posted_form(request, services.settings)
            await run_in_threadpool(_act, services, user, rid, action, form)
            return RedirectResponse("/referrals/received", status_code=303)

        return await guarded(shell, request, ACT_ROLES, work, "care.bad_input")

    @router.get("/appointments/day")
    async def day_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            if not (user.fhir_user or "").startswith("Practitioner/"):
                raise BadInput("care.no_org")
            on = _day(request.query_params.get("on"), services)
            start = epoch_us(datetime.combine(on, time(0), LOCAL))
            items = await run_in_threadpool(_day_of, services, str(user.fhir_user), start)
            return shell.view(
                request, user, "care_day.html", items=items, on=on, **helpers(request)
            )

        return await guarded(shell, request, DAY_ROLES, work, "care.bad_input")

    @router.get("/appointments/book")
    async def book_page(request: Request) -> Response:
        async def work(user: User) -> Response:
            free, mine = await run_in_threadpool(_booking, services, _patient(user))
            done = request.query_params.get("done") == "1"
            return shell.view(
                request,
                user,
                "care_book.html",
                free=free,
                mine=mine,
                done=done,
                **helpers(request),
            )

        return await guarded(shell, request, BOOK_ROLES, work, "care.bad_input")

    @router.post("/appointments/book/{slot}")
    async def book_route(request: Request, slot: str) -> Response:
        async def work(user: User) -> Response:
            if not ID.fullmatch(slot):
                raise errors.not_found("No such slot")
            await posted_form(request, services.settings)
            await run_in_threadpool(_book, services, _patient(user), slot)
            return RedirectResponse("/appointments/book?done=1", status_code=303)

        return await guarded(shell, request, BOOK_ROLES, work, "care.bad_input")

    @router.post("/appointments/{aid}/cancel")
    async def cancel_route(request: Request, aid: str) -> Response:
        async def work(user: User) -> Response:
            if not ID.fullmatch(aid):
                raise errors.not_found("No such appointment")
            await posted_form(request, services.settings)
            await run_in_threadpool(_cancel, services, _patient(user), aid)
            return RedirectResponse("/appointments/book", status_code=303)

        return await guarded(shell, request, BOOK_ROLES, work, "care.bad_input")

    return router


def _org(user: User) -> str:
    if not user.organization:
        raise BadInput("care.no_org")
    return f"Organization/{user.organization}"


def _patient(user: User) -> str:
    if not user.patients:
        raise BadInput("care.no_org")
    return user.patients[0]


def _day(text: str | None, services: Services) -> date:
    if not text:
        return datetime.fromtimestamp(epoch_us(services.repo.clock()) / 1e6, LOCAL).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput("care.bad_input") from None


def _worklist(services: Services, org: str, side: str) -> tuple[list[Any], care.Indicators]:
    with services.db.read() as conn:
        items = care.worklist(conn, org, side)
        numbers = care.indicators(conn, org if side == "receiving" else None)
    return items, numbers


def _act(services: Services, user: User, rid: str, action: str, form: dict[str, str]) -> None:
    now = epoch_us(services.repo.clock())
    by = user.fhir_user or user.username
    with services.db.begin() as conn:
        if care.referral(conn, rid).to_org != _org(user):
            raise errors.not_found(f"ServiceRequest/{rid} is not a referral to your facility")
        if action == "accept":
            care.accept(conn, services.repo, rid, by, now)
        elif action == "reject":
            care.reject(conn, services.repo, rid, by, form.get("reason", ""), now)
        else:
            care.complete(
                conn,
                services.repo,
                rid,
                summary=form.get("summary", ""),
                follow_up=form.get("follow_up", ""),
                by=by,
                now_us=now,
            )


def _day_of(services: Services, actor: str, start: int) -> list[scheduling.DayItem]:
    with services.db.read() as conn:
        return scheduling.day_of(conn, actor, start)


def _booking(services: Services, patient: str) -> tuple[list[Any], list[Any]]:
    now = epoch_us(services.repo.clock())
    with services.db.read() as conn:
        free = scheduling.free_slots(conn, now)
        mine = scheduling.of_patient(conn, patient, now)
    return free, mine


def _book(services: Services, patient: str, slot: str) -> None:
    now = epoch_us(services.repo.clock())
    with services.db.begin() as conn:
        care.book(conn, services.repo, slot, patient, now)


def _cancel(services: Services, patient: str, aid: str) -> None:
    now = epoch_us(services.repo.clock())
    with services.db.begin() as conn:
        if scheduling.get(conn, aid).patient != patient:
            raise errors.not_found(f"Appointment/{aid} is not yours")
        care.cancel(conn, services.repo, aid, now)


def helpers(request: Request) -> dict[str, Any]:
    lang = render.language(request)

    def when(us: int | None) -> str:
        if us is None:
            return "—"
        moment = datetime.fromtimestamp(us / 1e6, LOCAL)
        return f"{i18n.format_date(moment.date(), lang)} {moment:%H:%M}"

    def clock(us: int) -> str:
        return f"{datetime.fromtimestamp(us / 1e6, LOCAL):%H:%M}"

    def percent(value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.0f} %"

    return {"when": when, "clock": clock, "percent": percent, "services": care.SERVICES}
