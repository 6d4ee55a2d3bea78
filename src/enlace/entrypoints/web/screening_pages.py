"""The screening pages (issue 10 parts 2, 3 and 6; docs/screening.md "Pages").

- `GET /screening/worklist[?clinic=]` (nurse, chw, physician, administrator): the clinic's open
  referrals (overdue first) with Confirm / Rule out for physicians, the follow-up indicators and
  the care gaps of its patients. The clinic is the user's organization (an administrator, who
  has none, names one with ?clinic=).
- `POST /screening/referrals/{task}/{confirm|rule-out}` (physician): decides the referral.
- `GET /screening/panel` (physician): the physician's patients ranked by risk.
- The screening form lives in screening_form_pages.py.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules.screening import followup, indicators, panel, referrals, worklist
from enlace.security.users import User

from . import i18n, nav, render, screening_form_pages, screening_strings
from .nav import NavItem
from .page_guard import BadInput, guarded, posted_form
from .shell import Shell

WORKLIST_ROLES = ("nurse", "chw", "physician", "administrator")
DECIDERS = ("physician",)
PANEL_ROLES = ("physician",)
ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
LOCAL = ZoneInfo("America/Mexico_City")


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(screening_strings.STRINGS)
    nav.register(NavItem("/screening/worklist", "nav.screening_worklist", WORKLIST_ROLES, 20))
    nav.register(NavItem("/screening/panel", "nav.screening_panel", PANEL_ROLES, 21))
    app.include_router(_router(Shell(services)))
    screening_form_pages.register(app, services)


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()

    @router.get("/screening/worklist")
    async def worklist_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            clinic = _clinic(request, user)
            found, lines = await run_in_threadpool(_worklist, shell.services, clinic)
            return shell.view(
                request,
                user,
                "screening_worklist.html",
                work=found,
                line=lines[0] if lines else None,
                can_decide=user.role in DECIDERS,
                **helpers(request),
            )

        return await guarded(shell, request, WORKLIST_ROLES, work, "screening.bad_input")

    @router.post("/screening/referrals/{task_id}/{action}")
    async def decide_route(request: Request, task_id: str, action: str) -> Response:
        async def work(user: User) -> Response:
            if action not in ("confirm", "rule-out") or not ID.fullmatch(task_id):
                raise errors.not_found("No such referral action")
            await posted_form(request, shell.services.settings)
            await run_in_threadpool(_decide, shell.services, user, task_id, action)
            return RedirectResponse("/screening/worklist", status_code=303)

        return await guarded(shell, request, DECIDERS, work, "screening.bad_input")

    @router.get("/screening/panel")
    async def panel_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            who = (user.fhir_user or "").removeprefix("Practitioner/")
            if not user.fhir_user or not user.fhir_user.startswith("Practitioner/"):
                raise BadInput("screening.panel.no_practitioner")
            rows = await run_in_threadpool(_panel, shell.services, who)
            return shell.view(request, user, "screening_panel.html", rows=rows, **helpers(request))

        return await guarded(shell, request, PANEL_ROLES, work, "screening.bad_input")

    return router


def _clinic(request: Request, user: User) -> str:
    asked = request.query_params.get("clinic")
    if user.role == "administrator" and asked:
        if not ID.fullmatch(asked):
            raise BadInput("screening.no_clinic")
        return asked
    if not user.organization:
        raise BadInput("screening.no_clinic")
    return user.organization


def _worklist(
    services: Services, clinic: str
) -> tuple[worklist.Worklist, list[indicators.ClinicIndicators]]:
    with services.db.read() as conn:
        found = worklist.worklist(conn, services.repo, clinic)
        lines = indicators.indicators(conn, services.repo, clinic)
    return found, lines


def _decide(services: Services, user: User, task_id: str, action: str) -> None:
    with services.db.begin() as conn:
        stored = services.repo.read(conn, "Task", task_id).resource()
        owner = str((stored.get("owner") or {}).get("reference", ""))
        if owner != f"Organization/{user.organization}":
            raise errors.not_found(f"Task/{task_id} is not a referral of your clinic")
        decide = followup.confirm if action == "confirm" else followup.rule_out
        decide(conn, services.repo, task_id, performer=user.fhir_user)


def _panel(services: Services, practitioner: str) -> list[panel.PanelRow]:
    with services.db.read() as conn:
        return panel.panel(conn, services.repo, practitioner)


def helpers(request: Request) -> dict[str, Any]:
    """Formatting shared by the screening templates."""
    lang = render.language(request)

    def day(value: date | None) -> str:
        return i18n.format_date(value, lang) if value else "—"

    def day_us(us: int | None) -> str:
        if us is None or us <= 0:
            return "—"
        return i18n.format_date(datetime.fromtimestamp(us / 1e6, LOCAL).date(), lang)

    def percent(value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.0f} %"

    return {
        "day": day,
        "day_us": day_us,
        "percent": percent,
        "known_conditions": tuple(referrals.DIAGNOSES),
    }
