"""The adherence pages (issue 11 part 5; docs/adherence.md "Daily job and pages").

- `GET /adherence/panel` (physician): "Terapias en riesgo" — the physician's patients' therapies
  the latest daily run scored at high or medium risk, with the reasons in plain words, days'
  supply left, PDC, last fill and the day's actions.
- `GET /adherence/outreach[?clinic=]` (nurse, administrator): the clinic's open outreach Tasks,
  highest risk first; `POST /adherence/outreach/{task}/done` (nurse, CSRF) completes one of the
  nurse's own clinic. An administrator, who has no clinic, names one with ?clinic=.
- `GET /adherence/network` (administrator, regulator, analyst): the PDC distribution, adherence
  and persistence (Kaplan-Meier) by condition, today's risk bands, the interventions' uplift.
  Counts under 11 are suppressed except for the administrator.
Every page says "sin datos" (never 0 %) before the first run.
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
from enlace.modules.adherence import network, panel, worklist
from enlace.security.users import User

from . import adherence_figures, adherence_strings, i18n, nav, render
from .nav import NavItem
from .page_guard import BadInput, guarded, posted_form
from .shell import Shell

PANEL_ROLES = ("physician",)
OUTREACH_ROLES = ("nurse", "administrator")
CALLERS = ("nurse",)
NETWORK_ROLES = ("administrator", "regulator", "analyst")
IDENTITIES = ("administrator",)  # may see groups under 11
ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(adherence_strings.STRINGS)
    nav.register(NavItem("/adherence/panel", "nav.adherence_panel", PANEL_ROLES, 22))
    nav.register(NavItem("/adherence/outreach", "nav.adherence_outreach", OUTREACH_ROLES, 23))
    nav.register(NavItem("/adherence/network", "nav.adherence_network", NETWORK_ROLES, 46))
    app.include_router(_router(Shell(services)))


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()

    @router.get("/adherence/panel")
    async def panel_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            if not user.fhir_user or not user.fhir_user.startswith("Practitioner/"):
                raise BadInput("adherence.no_practitioner")
            who = user.fhir_user.removeprefix("Practitioner/")
            day, rows = await run_in_threadpool(_panel, shell.services, who)
            return shell.view(
                request, user, "adherence_panel.html", as_of=day, rows=rows, **helpers(request)
            )

        return await guarded(shell, request, PANEL_ROLES, work, "adherence.bad_input")

    @router.get("/adherence/outreach")
    async def outreach_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            clinic = _clinic(request, user)
            day, items = await run_in_threadpool(_outreach, shell.services, clinic)
            return shell.view(
                request,
                user,
                "adherence_outreach.html",
                as_of=day,
                items=items,
                can_call=user.role in CALLERS,
                **helpers(request),
            )

        return await guarded(shell, request, OUTREACH_ROLES, work, "adherence.bad_input")

    @router.post("/adherence/outreach/{task_id}/done")
    async def done_route(request: Request, task_id: str) -> Response:
        async def work(user: User) -> Response:
            if not ID.fullmatch(task_id):
                raise errors.not_found("No such outreach task")
            if not user.organization:
                raise BadInput("adherence.no_clinic")
            await posted_form(request, shell.services.settings)
            await run_in_threadpool(_done, shell.services, user, task_id)
            return RedirectResponse("/adherence/outreach", status_code=303)

        return await guarded(shell, request, CALLERS, work, "adherence.bad_input")

    @router.get("/adherence/network")
    async def network_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            found = await run_in_threadpool(_network, shell.services, user.role in IDENTITIES)
            return shell.view(
                request,
                user,
                "adherence_network.html",
                view=found,
                figures=_figures(request, found),
                **helpers(request),
            )

        return await guarded(shell, request, NETWORK_ROLES, work, "adherence.bad_input")

    return router


def _clinic(request: Request, user: User) -> str:
    asked = request.query_params.get("clinic")
    if user.role == "administrator" and asked:
        if not ID.fullmatch(asked):
            raise BadInput("adherence.no_clinic")
        return asked
    if not user.organization:
        raise BadInput("adherence.no_clinic")
    return user.organization


def _panel(services: Services, practitioner: str) -> tuple[date | None, list[panel.TherapyRisk]]:
    with services.db.read() as conn:
        return panel.at_risk(conn, services.repo, practitioner)


def _outreach(services: Services, clinic: str) -> tuple[date | None, list[worklist.OutreachItem]]:
    with services.db.read() as conn:
        return panel.latest_run(conn), worklist.outreach(conn, services.repo, clinic)


def _done(services: Services, user: User, task_id: str) -> None:
    with services.db.begin() as conn:
        worklist.mark_done(conn, services.repo, task_id, str(user.organization), user.fhir_user)


def _network(services: Services, identities: bool) -> network.Overview:
    with services.db.read() as conn:
        return network.overview(conn, identities)


def _figures(request: Request, view: network.Overview) -> dict[str, Any]:
    lang = render.language(request)
    t = i18n.translator(lang)

    def condition(name: str) -> str:
        return t(f"adherence.condition.{name}") if name in CONDITION_NAMES else name

    return {
        "histogram": adherence_figures.histogram(
            view.bins,
            t("adherence.network.histogram"),
            t("adherence.network.count"),
            t("adherence.network.suppressed"),
        ),
        "persistence": adherence_figures.persistence(
            view.curves,
            t("adherence.network.persistence"),
            t("adherence.network.persistence_unit"),
            condition,
        ),
        "uplift": adherence_figures.uplift_months(
            view.uplift,
            t("adherence.network.uplift_chart"),
            t("adherence.network.treated"),
            t("adherence.network.control"),
            lang,
        ),
        "condition": condition,
    }


CONDITION_NAMES = {
    key.removeprefix("adherence.condition.")
    for key in adherence_strings.STRINGS
    if key.startswith("adherence.condition.")
}


def helpers(request: Request) -> dict[str, Any]:
    """Formatting shared by the adherence templates."""
    lang = render.language(request)

    def day(value: date | None) -> str:
        return i18n.format_date(value, lang) if value else "—"

    def percent(value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.0f} %"

    def count(value: int | None) -> str:
        return "< 11" if value is None else f"{value:,}"

    def signed(value: float | None, scale: float = 100.0) -> str:
        return "—" if value is None else f"{value * scale:+.1f}"

    return {"day": day, "percent": percent, "count": count, "signed": signed}
