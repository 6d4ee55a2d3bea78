"""The pharmacist's stock and expiries (issue 8 part 8): `/pharmacy/stock`.

What the pharmacy has on hand per medicine (summed, then by lot, soonest expiry first), the
lots expiring within `?days=` (default 60: move them to a busier pharmacy or return them), and
the lots still on the shelf past their expiry (to take off and adjust out as expired) — from
the stock ledger of the pharmacist's own facility.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.modules import inventory
from enlace.modules.catalog import formulary
from enlace.security.users import User

from . import counter_strings, i18n, nav
from .counter_pages import pharmacy_of
from .nav import NavItem
from .page_guard import BadInput, guarded
from .shell import Shell

STOCK_ROLES = ("pharmacist",)
DEFAULT_DAYS, MAX_DAYS = 60, 365


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(counter_strings.STRINGS)
    nav.register(NavItem("/pharmacy/stock", "nav.stock", STOCK_ROLES, 27))
    shell = Shell(services)
    router = APIRouter()

    @router.get("/pharmacy/stock")
    async def stock_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            slug = pharmacy_of(user)
            days = _days(request.query_params.get("days"))
            found = await run_in_threadpool(_stock, shell, slug, days)
            return shell.view(request, user, "stock.html", days=days, **found)

        return await guarded(shell, request, STOCK_ROLES, work, "stock.bad_days")

    app.include_router(router)


def _days(text: str | None) -> int:
    if not text:
        return DEFAULT_DAYS
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise BadInput("stock.bad_days")
    return int(text)


def _stock(shell: Shell, slug: str, days: int) -> dict[str, Any]:
    today = shell.today()
    names = {m.slug: m.display for m in formulary()}
    with shell.services.db.read() as conn:
        lots = inventory.stock_on_hand(conn, slug)
        soon = inventory.near_expiry(conn, slug, today, days)
        expired = inventory.expired_on_hand(conn, slug, today)
    totals: dict[str, int] = {}
    for level in lots:
        totals[level.product] = totals.get(level.product, 0) + level.on_hand
    return {
        "products": [
            {
                "name": names.get(product, product),
                "units": units,
                "lots": [lv for lv in lots if lv.product == product],
            }
            for product, units in sorted(
                totals.items(), key=lambda pair: names.get(pair[0], pair[0])
            )
        ],
        "soon": [_row(lv, names) for lv in soon],
        "expired": [_row(lv, names) for lv in expired],
    }


def _row(level: inventory.StockLevel, names: dict[str, str]) -> dict[str, Any]:
    return {
        "name": names.get(level.product, level.product),
        "lot": level.lot,
        "expiry": level.expiry,
        "units": level.on_hand,
    }
