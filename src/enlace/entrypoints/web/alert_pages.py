"""The alert pages (issue 9 part 8).

- `GET /alerts` (physician, nurse, administrator): the inbox — unresolved alerts most severe
  first, then oldest, each with its one-line summary, the readings behind it (value, unit, time,
  device), a link to the patient page, and Acknowledge / Resolve-with-note buttons (POST with
  the CSRF token: `/alerts/{id}/acknowledge`, `/alerts/{id}/resolve`; then back to the inbox).
  Who sees which alerts: monitoring.inbox.visible. An alert the user may not see is 404.
- `GET /alerts/network[?days=N]` (administrator, regulator, analyst): alert load per
  organization and day, unacknowledged vs acknowledged, median and p90 time to acknowledge,
  escalations and referrals, over the last N days (1..90, default 7).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring import alerts, inbox
from enlace.modules.monitoring.thresholds import DAY_US
from enlace.security.users import User

from . import alert_strings, i18n, nav, render
from .nav import NavItem
from .page_guard import BadInput, guarded, posted_form
from .shell import Shell

CLINICIANS = ("physician", "nurse", "administrator")
NETWORK = ("administrator", "regulator", "analyst")
ALERT_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
DAYS = re.compile(r"[1-9][0-9]?")
LOCAL = ZoneInfo("America/Mexico_City")


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(alert_strings.STRINGS)
    nav.register(NavItem("/alerts", "nav.alerts", CLINICIANS, 15))
    nav.register(NavItem("/alerts/network", "nav.alerts_network", NETWORK, 45))
    app.include_router(_router(Shell(services)))


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()

    @router.get("/alerts")
    async def inbox_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            found = await run_in_threadpool(_inbox, shell.services, user)
            return shell.view(request, user, "alerts.html", alerts=found, **_helpers(request))

        return await guarded(shell, request, CLINICIANS, work, "alerts.bad_input")

    @router.post("/alerts/{alert_id}/{action}")
    async def action_route(request: Request, alert_id: str, action: str) -> Response:
        async def work(user: User) -> Response:
            if action not in ("acknowledge", "resolve") or not ALERT_ID.fullmatch(alert_id):
                raise errors.not_found("No such alert action")
            form = await posted_form(request, shell.services.settings)
            note = form.get("note", "")
            await run_in_threadpool(_act, shell.services, user, alert_id, action, note)
            return RedirectResponse("/alerts", status_code=303)

        return await guarded(shell, request, CLINICIANS, work, "alerts.bad_input")

    @router.get("/alerts/network")
    async def network_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            text = request.query_params.get("days") or "7"
            if not DAYS.fullmatch(text) or int(text) > 90:
                raise BadInput("alerts.network.bad_days")
            rows = await run_in_threadpool(_network, shell.services, int(text))
            lang = render.language(request)
            return shell.view(
                request,
                user,
                "alerts_network.html",
                rows=rows,
                days=int(text),
                day=lambda d: i18n.format_date(d, lang),
                duration=_duration,
            )

        return await guarded(shell, request, NETWORK, work, "alerts.network.bad_days")

    return router


def _who(user: User) -> str | None:
    return user.fhir_user


def _inbox(services: Services, user: User) -> list[inbox.InboxAlert]:
    with services.db.read() as conn:
        return inbox.inbox(conn, user.role, user.organization, _who(user))


def _act(services: Services, user: User, alert_id: str, action: str, note: str) -> None:
    by = _who(user) or user.username
    with services.db.begin() as conn:
        found = inbox.find(conn, alert_id)
        if found is None or not inbox.visible(found, user.role, user.organization, _who(user)):
            raise errors.not_found(f"Alert {alert_id} is not known")
        if action == "acknowledge":
            alerts.acknowledge(conn, services.repo, alert_id, by)
        else:
            alerts.resolve(conn, services.repo, alert_id, by, note)


def _network(services: Services, days: int) -> list[inbox.LoadRow]:
    end = epoch_us(services.repo.clock()) + 1
    with services.db.read() as conn:
        return inbox.network_load(conn, end - days * DAY_US, end)


def _helpers(request: Request) -> dict[str, Any]:
    lang = render.language(request)

    def when(us: int) -> str:
        return i18n.format_datetime(datetime.fromtimestamp(us / 1e6, LOCAL), lang)

    def iso_when(text: str) -> str:
        return when(epoch_us(datetime.fromisoformat(text.replace("Z", "+00:00"))))

    return {"when": when, "iso_when": iso_when, "value": _value}


def _value(reading: dict[str, Any]) -> str:
    def num(v: float) -> str:
        return f"{v:.1f}".rstrip("0").rstrip(".")

    text = num(reading["value"])
    if reading.get("value2") is not None:
        text += f"/{num(reading['value2'])}"
    return text


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
