"""Home-care pages (issue 14 part 3, docs/homecare.md). Narrow, one column: read on a phone.

- `/homecare/day[?date=]` (nurse linked to a Practitioner): her route of the day in order —
  time, patient, kind, address, window, status — each planned visit linking to its form.
- `/homecare/visits/{id}` (the same nurse): the document-a-visit form (vital signs; lot, dose,
  unit and route for an infusion; note). POST writes the Observations and the
  MedicationAdministration; refused (a lot in cold-chain quarantine, implausible vitals) the
  form comes back with each problem as the domain named it, nothing written. Another nurse's
  visit is the 403 page.
- `/homecare/plan[?date=]` (coordinator, administrator): every visit of the day by
  nurse, the unassigned ones with their reason; POST plans (or re-plans) the day.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import homecare
from enlace.modules.catalog import formulary
from enlace.modules.homecare.needs import LOCAL
from enlace.security.users import User

from . import homecare_strings, i18n, nav
from .nav import NavItem
from .page_guard import BadInput, guarded, posted_form
from .shell import Shell

NURSE_ROLES = ("nurse",)
COORDINATOR_ROLES = ("coordinator", "administrator")
VISIT_ID = re.compile(r"hv-[0-9a-f]{20}")


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(homecare_strings.STRINGS)
    nav.register(NavItem("/homecare/day", "nav.homecare_day", NURSE_ROLES, 24))
    nav.register(NavItem("/homecare/plan", "nav.homecare_plan", COORDINATOR_ROLES, 64))
    shell = Shell(services)
    router = APIRouter()

    @router.get("/homecare/day")
    async def day_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            day = _day(request, services)
            nurse = _nurse(user)
            found = await run_in_threadpool(_visits, services, day, nurse)
            return shell.view(request, user, "homecare_day.html", day=day, visits=found, **_fmt())

        return await guarded(shell, request, NURSE_ROLES, work, "home.bad_input")

    @router.get("/homecare/visits/{visit_id}")
    async def form_route(request: Request, visit_id: str) -> Response:
        async def work(user: User) -> Response:
            visit = await run_in_threadpool(_own_visit, services, visit_id, _nurse(user))
            return _form(shell, request, user, visit, {}, [])

        return await guarded(shell, request, NURSE_ROLES, work, "home.bad_input")

    @router.post("/homecare/visits/{visit_id}")
    async def document_route(request: Request, visit_id: str) -> Response:
        async def work(user: User) -> Response:
            nurse = _nurse(user)
            visit = await run_in_threadpool(_own_visit, services, visit_id, nurse)
            form = await posted_form(request, services.settings)
            try:
                await run_in_threadpool(_document, services, visit, nurse, form)
            except errors.FhirError as exc:
                if exc.status not in (400, 409):
                    raise
                problems = [issue.diagnostics for issue in exc.issues]
                return _form(shell, request, user, visit, form, problems, status=exc.status)
            return RedirectResponse(f"/homecare/day?date={visit.day.isoformat()}", 303)

        return await guarded(shell, request, NURSE_ROLES, work, "home.bad_input")

    @router.get("/homecare/plan")
    async def plan_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            day = _day(request, services)
            found = await run_in_threadpool(_visits, services, day, None)
            return shell.view(request, user, "homecare_plan.html", day=day, visits=found, **_fmt())

        return await guarded(shell, request, COORDINATOR_ROLES, work, "home.bad_input")

    @router.post("/homecare/plan")
    async def replan_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, services.settings)
            day = _parse_day(form.get("date", ""))
            await run_in_threadpool(_plan, services, day)
            return RedirectResponse(f"/homecare/plan?date={day.isoformat()}", 303)

        return await guarded(shell, request, COORDINATOR_ROLES, work, "home.bad_input")

    app.include_router(router)


def _fmt() -> dict[str, Any]:
    return {"clock": _clock, "names": {m.slug: m.display for m in formulary()}}


def _clock(minutes: int | None) -> str:
    return "--:--" if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def _nurse(user: User) -> str:
    if not (user.fhir_user or "").startswith("Practitioner/"):
        raise BadInput("home.no_practitioner")
    return str(user.fhir_user).removeprefix("Practitioner/")


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BadInput("home.bad_date") from exc


def _day(request: Request, services: Services) -> date:
    text = request.query_params.get("date")
    if not text:
        return services.repo.clock().astimezone(LOCAL).date()
    return _parse_day(text)


def _visits(services: Services, day: date, nurse: str | None) -> list[homecare.VisitView]:
    with services.db.read() as conn:
        return homecare.day_visits(conn, day, nurse)


def _own_visit(services: Services, visit_id: str, nurse: str) -> homecare.VisitView:
    if not VISIT_ID.fullmatch(visit_id):
        raise errors.not_found("No such visit")
    with services.db.read() as conn:
        visit = homecare.get_visit(conn, visit_id)
    if visit is None:
        raise errors.not_found("No such visit")
    if visit.nurse != nurse:
        raise errors.error(403, "forbidden", "This visit is not assigned to you", "visit")
    return visit


def _form(
    shell: Shell,
    request: Request,
    user: User,
    visit: homecare.VisitView,
    form: dict[str, str],
    problems: list[str],
    status: int = 200,
) -> Response:
    context = {"visit": visit, "form": form, "problems": problems, "vitals": homecare.VITALS}
    return shell.view(request, user, "homecare_visit.html", status, **context, **_fmt())


def _number(text: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError as exc:
        raise BadInput("home.bad_number") from exc


def _document(
    services: Services, visit: homecare.VisitView, nurse: str, form: dict[str, str]
) -> None:
    vitals = {
        code: _number(form[f"vital-{code}"])
        for code in homecare.VITALS
        if form.get(f"vital-{code}", "").strip()
    }
    given = None
    if visit.kind == "infusion" or form.get("lot", "").strip():
        given = homecare.Administration(
            lot=form.get("lot", "").strip(),
            dose=_number(form.get("dose", "") or "0"),
            unit=form.get("unit", "").strip() or "mg",
            route=form.get("route", "").strip() or "IV",
        )
    record = homecare.VisitRecord(vitals, given, form.get("note", "").strip())
    with services.db.begin() as conn:
        homecare.document_visit(conn, services.repo, visit.id, nurse, record, services.repo.clock())


def _plan(services: Services, day: date) -> None:
    with services.db.begin() as conn:
        homecare.plan_day(conn, day)
