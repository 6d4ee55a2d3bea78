"""The regulator's procurement page (issue 7 part 5): Cardinal red flags per contracting process
with their explanations, and medicine unit prices against the reference price, worst first.

`GET /procurement[?report=NAME][&indicator=R003][&page=N]` (regulator, analyst, administrator)
shows the analyses saved by `enlace procurement flags FILE --save` (procurement.saved_reports;
docs/procurement.md says why saved snapshots rather than analysing on each view). An unknown
data set is 404; a malformed name, an unknown indicator or a bad page number is 400.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import procurement
from enlace.security.users import User

from . import i18n, nav, procurement_strings
from .nav import NavItem
from .page_guard import BadInput, guarded, money, page_number, with_query
from .shell import Shell

ROLES = ("regulator", "analyst", "administrator")
FLAGS_PAGE = 50
PRICES_SHOWN = 100


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(procurement_strings.STRINGS)
    nav.register(NavItem("/procurement", "nav.procurement", ROLES, 40))
    shell = Shell(services)
    router = APIRouter()

    @router.get("/procurement")
    async def procurement_route(request: Request) -> Response:
        work = functools.partial(procurement_page, shell, request)
        return await guarded(shell, request, ROLES, work, "proc.bad_input")

    app.include_router(router)


@dataclass(frozen=True)
class Selection:
    name: str | None
    indicator: str | None
    page: int


def selection(request: Request) -> Selection:
    name = request.query_params.get("report") or None
    if name is not None and not procurement.REPORT_NAME.fullmatch(name):
        raise BadInput("proc.bad_input")
    indicator = (request.query_params.get("indicator") or "").strip().upper() or None
    if indicator is not None and indicator not in procurement.INDICATORS:
        raise BadInput("proc.bad_input")
    return Selection(name, indicator, page_number(request))


async def procurement_page(shell: Shell, request: Request, user: User) -> Response:
    chosen = selection(request)
    directory = shell.services.settings.var_dir / "procurement"
    reports, unreadable = await run_in_threadpool(procurement.saved_reports, directory)
    current = _pick(reports, chosen.name)
    context: dict[str, Any] = {
        "reports": reports,
        "unreadable": unreadable,
        "current": current,
        "indicator": chosen.indicator,
        "indicators": procurement.INDICATORS,
        "money": money,
        "with_query": with_query,
    }
    if current is not None:
        context.update(_report_view(current, chosen))
    return shell.view(request, user, "procurement.html", **context)


def _pick(
    reports: list[procurement.SavedReport], name: str | None
) -> procurement.SavedReport | None:
    if name is None:
        return reports[0] if reports else None
    for report in reports:
        if report.name == name:
            return report
    raise errors.error(404, "not-found", f"No saved report '{name}'", "report")


def _report_view(report: procurement.SavedReport, chosen: Selection) -> dict[str, Any]:
    body = report.body
    flags = [f for f in body["flags"] if chosen.indicator in (None, f.get("indicator"))]
    first = (chosen.page - 1) * FLAGS_PAGE
    if first and first >= len(flags):
        raise BadInput("search.bad_page")
    shown = flags[first : first + FLAGS_PAGE]
    prices = sorted(body["prices"], key=lambda p: -float(p.get("ratio", 0)))
    link = functools.partial(
        with_query, "/procurement", report=report.name, indicator=chosen.indicator
    )
    return {
        "counts": body.get("counts", {}),
        "flags": shown,
        "flags_total": len(flags),
        "first": first + 1,
        "last": first + len(shown),
        "page": chosen.page,
        "previous_url": link(page=chosen.page - 1) if chosen.page > 1 else None,
        "next_url": link(page=chosen.page + 1) if first + FLAGS_PAGE < len(flags) else None,
        "prices": prices[:PRICES_SHOWN],
        "prices_total": len(prices),
    }
