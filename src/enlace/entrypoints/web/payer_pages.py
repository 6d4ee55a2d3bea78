"""The payer dashboard (issue 7 part 8): `GET /payer[?month=YYYY-MM][&payer=SLUG]`.

A payer sees their own organization's claims (the organization of the session's user,
`org-<slug>`; asking for another is 403); an administrator sees every payer or one by selector.
For a month (default: the latest with claims): claims by outcome, refused items by reason, the
amount claimed and paid, PMPM (fraud.payer_dashboard, coverage.member_months) and the fraud flags
with their explanations (docs/fraud.md). A malformed month or unknown payer is the 400 page.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import fraud
from enlace.modules.catalog import INSTITUTIONS
from enlace.security.users import User

from . import charts, i18n, nav, payer_strings, render
from .nav import NavItem
from .page_guard import BadInput, guarded, money, with_query
from .shell import Shell

ROLES = ("payer", "administrator")
MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
PAYERS = tuple(
    i.slug for i in INSTITUTIONS if i.slug not in ("farmacias-enlace", "laboratorios-enlace")
)


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(payer_strings.STRINGS)
    nav.register(NavItem("/payer", "nav.payer", ROLES, 35))
    shell = Shell(services)
    router = APIRouter()

    @router.get("/payer")
    async def payer_route(request: Request) -> Response:
        work = functools.partial(payer_page, shell, request)
        return await guarded(shell, request, ROLES, work, "payer.bad_input")

    app.include_router(router)


def payer_of(user: User, asked: str | None) -> str | None:
    """The payer shown: a payer user's own organization (another is 403); an administrator's
    choice (None: every payer)."""
    if asked is not None and asked not in PAYERS:
        raise BadInput("payer.bad_input")
    if user.role != "payer":
        return asked
    own = (user.organization or "").removeprefix("org-")
    if not own:
        raise BadInput("payer.no_org")
    if asked is not None and asked != own:
        raise errors.error(403, "forbidden", "Another payer's claims", "payer")
    return own


async def payer_page(shell: Shell, request: Request, user: User) -> Response:
    month = request.query_params.get("month") or None
    if month is not None and not MONTH.fullmatch(month):
        raise BadInput("payer.bad_input")
    payer = payer_of(user, request.query_params.get("payer") or None)
    board = await run_in_threadpool(_read, shell.services, payer, month)
    t = i18n.translator(render.language(request))
    bars = [(t(f"payer.reason.{r}"), float(n)) for r, n in board.refused_by_reason.items()]
    context: dict[str, Any] = {
        "board": board,
        "payers": PAYERS if user.role != "payer" else (),
        "money": money,
        "with_query": with_query,
        "reasons_chart": charts.bar_chart(
            "chart-reasons", t("payer.by_reason"), "", bars, t("payer.items")
        ),
    }
    return shell.view(request, user, "payer.html", **context)


def _read(services: Services, payer: str | None, month: str | None) -> fraud.Dashboard:
    with services.db.read() as conn:
        return fraud.payer_dashboard(services.repo, conn, payer, month)
