"""Replenishment pages (issue 12 part 7), read from the day's requisitions (supply module):
- `GET /supply/orders[?facility=&date=&product=]` "Pedido sugerido": a pharmacy's suggested
  order lines (on hand, expected demand, order-up-to, quantity, why), transfers, and a chart of
  a product's monthly consumption with its forecast and interval. Pharmacists see their own
  facility; administrators, analysts and regulators pick one.
- `GET /supply/outlook[?state=&date=]`: the network's expected stock-outs in the next 30 days.
Bad input: unknown parameter, facility, product or state 400/404, malformed or future date 400,
a day without requisitions 404, a pharmacist asking for another facility 403.
"""

from __future__ import annotations

import functools
import math
from datetime import date
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import catalog, supply_kpis
from enlace.modules.supply import requisition_reads, requisitions
from enlace.security.users import User

from . import charts, i18n, nav, render, replenishment_strings
from .nav import NavItem
from .page_guard import BadInput, guarded
from .shell import Shell
from .supply_pages import ROLES

NETWORK_ROLES = ("administrator", "analyst", "regulator")
Z_95 = 1.644854  # the interval drawn around the forecast: 5 % to 95 %


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(replenishment_strings.STRINGS)
    nav.register(NavItem("/supply/orders", "nav.orders", ROLES, 46))
    nav.register(NavItem("/supply/outlook", "nav.outlook", NETWORK_ROLES, 47))
    shell = Shell(services)
    router = APIRouter()

    @router.get("/supply/orders")
    async def orders_route(request: Request) -> Response:
        work = functools.partial(orders_page, shell, request)
        return await guarded(shell, request, ROLES, work, "orders.bad_input")

    @router.get("/supply/outlook")
    async def outlook_route(request: Request) -> Response:
        work = functools.partial(outlook_page, shell, request)
        return await guarded(shell, request, NETWORK_ROLES, work, "orders.bad_input")

    app.include_router(router)


def _check_params(request: Request, allowed: tuple[str, ...]) -> None:
    for name in request.query_params:
        if name not in (*allowed, "lang"):
            raise errors.bad_request(f"unknown parameter '{name}'", name)


def _facility_of(request: Request, user: User) -> str | None:
    """A pharmacist's own facility (asking for another is 403); others choose one."""
    asked = request.query_params.get("facility") or None
    if user.role == "pharmacist":
        org = str(user.organization or "")
        if not org.startswith("org-"):
            raise BadInput("supply.no_org")
        if asked not in (None, org.removeprefix("org-")):
            raise errors.error(403, "forbidden", "a pharmacist sees their own facility", "facility")
        return org.removeprefix("org-")
    if asked is not None and catalog.facility(asked) is None:
        raise errors.not_found(f"facility '{asked}' is not in the network")
    return asked


def _day(request: Request, shell: Shell) -> date | None:
    asked = request.query_params.get("date") or None
    return supply_kpis.parse_day(asked, shell.today()) if asked else None


async def orders_page(shell: Shell, request: Request, user: User) -> Response:
    _check_params(request, ("facility", "date", "product"))
    facility = _facility_of(request, user)
    product = request.query_params.get("product") or None
    if product is not None and catalog.medicine_by_slug(product) is None:
        raise errors.not_found(f"product '{product}' is not in the formulary")
    day = _day(request, shell)
    context = await run_in_threadpool(_read_orders, shell.services, facility, day, product)
    lang = render.language(request)
    if context.get("history") is not None:
        context["chart"] = _chart(context, i18n.translator(lang), lang)
    return shell.view(
        request,
        user,
        "replenishment_orders.html",
        facility=facility,
        pharmacist=user.role == "pharmacist",
        facilities=requisitions.served_facilities(),
        **context,
    )


def _read_orders(
    services: Services, facility: str | None, day: date | None, product: str | None
) -> dict[str, Any]:
    with services.reading() as conn:
        day = day or requisition_reads.latest_day(conn)
        if day is None:
            return {"day": None}
        requisition_reads.require_run(conn, day)
        if facility is None:
            return {"day": day, "lines": [], "transfers": []}
        rows = requisitions.read_day(conn, day, facility)
        lines = [r for r in rows if r["kind"] == "order"]
        shown = product or (lines[0]["product"] if lines else None)
        line = next((r for r in rows if r["product"] == shown), None)
        history = requisition_reads.monthly_issues(conn, facility, shown, day) if shown else None
    return {
        "day": day,
        "lines": lines,
        "transfers": [r for r in rows if r["kind"] == "transfer"],
        "product": shown,
        "line": line,
        "history": history,
    }


def _chart(context: dict[str, Any], t: Any, lang: str) -> charts.Chart:
    """Monthly consumption, then the next 3 months' forecast with its 5-95 % interval
    (normal around the expected demand, spread sqrt(mean) as the requisitions assume)."""
    history = context["history"]
    line = context["line"]
    mean = float(line["forecast"]) if line else 0.0
    spread = Z_95 * math.sqrt(max(mean, 0.0))
    ahead = [requisition_reads.month_start(context["day"], step) for step in (0, 1, 2)]
    medicine = catalog.medicine_by_slug(context["product"])
    return charts.time_chart(
        "chart-forecast",
        t("orders.chart").format(product=medicine.display if medicine else context["product"]),
        t("orders.units"),
        [
            charts.Series(t("orders.history"), [(m.first_day, float(m.issued)) for m in history]),
            charts.Series(t("orders.mean"), [(d, mean) for d in ahead]),
            charts.Series(t("orders.upper"), [(d, mean + spread) for d in ahead]),
            charts.Series(t("orders.lower"), [(d, max(mean - spread, 0.0)) for d in ahead]),
        ],
        lang,
    )


async def outlook_page(shell: Shell, request: Request, user: User) -> Response:
    _check_params(request, ("state", "date"))
    state = request.query_params.get("state") or None
    if state is not None and state not in catalog.STATES:
        raise errors.not_found(f"state '{state}' is not in the network")
    day = _day(request, shell)
    context = await run_in_threadpool(_read_outlook, shell.services, state, day, shell.today())
    return shell.view(
        request,
        user,
        "replenishment_outlook.html",
        state=state,
        states=sorted(catalog.STATES.items()),
        percent=_percent,
        **context,
    )


def _read_outlook(
    services: Services, state: str | None, day: date | None, today: date
) -> dict[str, Any]:
    with services.reading() as conn:
        day = day or requisition_reads.latest_day(conn)
        if day is None:
            return {"day": None}
        requisition_reads.require_run(conn, day)
        scored_day, accuracy = requisition_reads.forecast_accuracy(conn, today)
        return {
            "day": day,
            "pairs": requisition_reads.expected_stockouts(conn, day, state),
            "scored_day": scored_day,
            "accuracy": accuracy,
        }


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.1f} %"
