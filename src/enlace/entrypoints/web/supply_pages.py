"""The network's stock-out dashboard (issue 8 part 8): `GET /supply[?state=&institution=&
facility=&date=]` for administrators, analysts and regulators (any scope) and pharmacists (their
own facility only). The stock-out rate over the 90 days before the day (a time chart), the
worst facilities and products of the day, the fewest months of stock and the run-out alerts,
all read from the daily snapshots (supply_kpis). Bad input: unknown filter 404, malformed or
future date 400, a day without a snapshot 404; a pharmacist asking for another facility 403.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import catalog, supply_kpis
from enlace.security.users import User

from . import charts, i18n, nav, render, supply_strings
from .nav import NavItem
from .page_guard import BadInput, guarded
from .shell import Shell

ROLES = ("administrator", "analyst", "regulator", "pharmacist")
SERIES_DAYS = 90
ABASTONET_TARGET = 15.0  # % of clinics out of stock after AbastoNET (REFERENCE.md §5)


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(supply_strings.STRINGS)
    nav.register(NavItem("/supply", "nav.supply", ROLES, 45))
    shell = Shell(services)
    router = APIRouter()

    @router.get("/supply")
    async def supply_route(request: Request) -> Response:
        work = functools.partial(supply_page, shell, request)
        return await guarded(shell, request, ROLES, work, "supply.bad_input")

    app.include_router(router)


def scope_of(request: Request, user: User) -> supply_kpis.Scope:
    query = request.query_params
    for name in query:
        if name not in ("state", "institution", "facility", "date", "lang"):
            raise errors.bad_request(f"unknown parameter '{name}'", name)
    facility = query.get("facility") or None
    if user.role == "pharmacist":
        own = _pharmacy_of(user)
        if facility not in (None, own):
            raise errors.error(403, "forbidden", "a pharmacist sees their own facility", "facility")
        facility = own
    return supply_kpis.Scope(
        query.get("state") or None, query.get("institution") or None, facility
    ).check()


def _pharmacy_of(user: User) -> str:
    org = str(user.organization or "")
    if not org.startswith("org-"):
        raise BadInput("supply.no_org")
    return org.removeprefix("org-")


async def supply_page(shell: Shell, request: Request, user: User) -> Response:
    scope = scope_of(request, user)
    asked = request.query_params.get("date") or None
    today = shell.today()
    day = supply_kpis.parse_day(asked, today) if asked else None
    context = await run_in_threadpool(_read, shell.services, scope, day)
    lang = render.language(request)
    t = i18n.translator(lang)
    if context["day"] is not None:
        context["chart"] = _chart(context["series"], t, lang)
    return shell.view(
        request,
        user,
        "supply.html",
        scope=scope,
        pharmacist=user.role == "pharmacist",
        states=sorted(catalog.STATES.items()),
        institutions=[i.slug for i in catalog.institutions()],
        percent=_percent,
        **context,
    )


def _read(services: Services, scope: supply_kpis.Scope, day: date | None) -> dict[str, Any]:
    with services.reading() as conn:
        if day is None:
            day = supply_kpis.latest_day(conn)
            if day is None:
                return {"day": None}
        supply_kpis.require_snapshot(conn, day)
        series = supply_kpis.stock_out_series(conn, scope, day - timedelta(SERIES_DAYS), day)
        return {
            "day": day,
            "series": series,
            "today": series[-1] if series and series[-1].name == day.isoformat() else None,
            "facilities": supply_kpis.worst_facilities(conn, scope, day),
            "products": supply_kpis.worst_products(conn, scope, day),
            "lowest": supply_kpis.lowest_months_of_stock(conn, scope, day),
            "alerts": supply_kpis.runout_alerts(conn, scope, day),
        }


def _chart(series: list[supply_kpis.Share], t: Any, lang: str) -> charts.Chart:
    points = [(date.fromisoformat(s.name), 100 * (s.rate or 0.0)) for s in series if s.of]
    return charts.time_chart(
        "chart-stock-out",
        t("supply.rate_chart"),
        "%",
        [charts.Series(t("supply.rate"), points)],
        lang,
        thresholds=[charts.Threshold(ABASTONET_TARGET, t("supply.abastonet"))],
    )


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.1f} %"
