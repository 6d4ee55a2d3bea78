"""The analytics dashboards (issue 13 part 5; docs/analytics.md "Dashboards").

- `GET /analytics`: the boards the role may open.
- `GET /analytics/{board}` — public-health (regulator, analyst, administrator: national → state
  → … → clinic, with the clinics of excellence), payer, network, clinic (a physician's or
  nurse's own clinic → its physicians), panel (a physician's own row → their patients). Query:
  `period` (2026-10, 2026-Q3…; default the last whole month), `level`, `unit` (`state:14`),
  `indicator` (the one charted by month). Each row is this period against the previous one;
  suppressed cells read "< 11" with a tooltip, the not computable "no calculable", never 0 %.
- `GET /analytics/{board}/download.csv|.parquet`: the same rows, suppression applied.
- `GET /analytics/excellence/{clinic}?period=`: why a clinic has its rank.
- `GET /analytics/report.pdf?clinic=|state=&period=`: the printable monthly report.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules.analytics import indicators
from enlace.security.users import User

from . import analytics_downloads, analytics_strings, charts, i18n, nav, render
from . import analytics_views as views
from .nav import NavItem
from .page_guard import guarded
from .shell import Shell

UNITS = {"percent": "%", "ratio": "", "per-patient": "", "total": "", "minutes": "min"}
EVERY_BOARD = tuple(sorted({r for b in views.BOARDS.values() for r in b.roles}))
REPORT_ROLES = ("regulator", "analyst", "administrator", "physician", "nurse")


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(analytics_strings.STRINGS)
    nav.register(NavItem("/analytics", "nav.analytics", EVERY_BOARD, 45))
    app.include_router(_router(Shell(services)))


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()

    @router.get("/analytics")
    async def index_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            boards = [b for b in views.BOARDS.values() if user.role in b.roles]
            return shell.view(request, user, "analytics_index.html", boards=boards)

        return await guarded(shell, request, EVERY_BOARD, work, "analytics.bad_input")

    @router.get("/analytics/report.pdf")
    async def report_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            return await analytics_downloads.report(shell, request, user)

        return await guarded(shell, request, REPORT_ROLES, work, "analytics.bad_input")

    @router.get("/analytics/excellence/{clinic}")
    async def excellence_route(request: Request, clinic: str) -> Response:
        async def work(user: User) -> Response:
            if not views.ID.fullmatch(clinic):
                raise errors.not_found("No such clinic")
            period = request.query_params.get("period") or await default_period(shell)
            lang = render.language(request)
            found = await run_in_threadpool(_explain, shell.services, period, clinic, lang)
            return shell.view(request, user, "analytics_excellence.html", why=found,
                              period=period)  # fmt: skip

        return await guarded(shell, request, views.PUBLIC, work, "analytics.bad_input")

    @router.get("/analytics/{slug}")
    async def board_route(request: Request, slug: str) -> Response:
        board = views.BOARDS.get(slug)
        roles = board.roles if board else EVERY_BOARD

        async def work(user: User) -> Response:
            if board is None:
                raise errors.not_found("No such dashboard")
            view = await _dashboard(shell, request, user, board)
            return shell.view(request, user, "analytics_board.html", view=view,
                              **_context(request, view))  # fmt: skip

        return await guarded(shell, request, roles, work, "analytics.bad_input")

    @router.get("/analytics/{slug}/download.{kind}")
    async def download_route(request: Request, slug: str, kind: str) -> Response:
        board = views.BOARDS.get(slug)
        roles = board.roles if board else EVERY_BOARD

        async def work(user: User) -> Response:
            if board is None or kind not in analytics_downloads.KINDS:
                raise errors.not_found("No such download")
            view = await _dashboard(shell, request, user, board)
            body = await run_in_threadpool(analytics_downloads.body, view, kind, _lang(request))
            return analytics_downloads.attachment(body, kind, f"{slug}-{view.query.period.label}")

        return await guarded(shell, request, roles, work, "analytics.bad_input")

    return router


async def _dashboard(shell: Shell, request: Request, user: User, board: views.Board) -> Any:
    params = dict(request.query_params)
    latest = None if params.get("period") else await latest_activity(shell)
    query = views.ask(board, user, params, shell.today(), latest)
    return await run_in_threadpool(views.build, shell.services, board, query)


async def latest_activity(shell: Shell) -> date | None:
    return await run_in_threadpool(indicators.latest_activity, shell.services)


async def default_period(shell: Shell) -> str:
    """The period a board opens on without `?period=` (views.default_period)."""
    return views.default_period(shell.today(), await latest_activity(shell))


def _explain(services: Services, period: str, clinic: str, lang: str) -> dict[str, Any]:
    ranking = indicators.rank(services, indicators.parse_period(period))
    return indicators.explain(ranking, clinic, "en" if lang == "en" else "es")


def _lang(request: Request) -> str:
    return "en" if render.language(request) == "en" else "es"


def _context(request: Request, view: views.Dashboard) -> dict[str, Any]:
    lang = _lang(request)
    t = i18n.translator(render.language(request))
    chosen = indicators.BY_ID[view.query.indicator]
    title = chosen.title(lang)
    points = [(c.period, c.value) for c in view.series if c.value is not None]
    monthly = charts.time_chart(
        "series", f"{t('analytics.series')}: {title}", UNITS.get(chosen.unit, ""),
        [charts.Series(title, [(_month_start(p), v) for p, v in points])],
        render.language(request),
    )  # fmt: skip
    bars = [(c.name, c.current.value) for c in view.comparisons
            if c.indicator == chosen.id and c.current.value is not None]  # fmt: skip
    by_unit = charts.bar_chart("by-unit", f"{t('analytics.by_unit')}: {title}", UNITS.get(chosen.unit, ""),
                               bars, t("analytics.current"))  # fmt: skip
    query = {"period": view.query.period.label, "level": view.query.level,
             "indicator": view.query.indicator}  # fmt: skip
    if view.query.within:
        query["unit"] = ":".join(view.query.within)
    return {
        "monthly": monthly,
        "by_unit": by_unit,
        "shown": lambda cell: views.shown(cell, lang),
        "whole": views.whole,
        "title_of": lambda ident: indicators.BY_ID[ident].title(lang),
        "query": query,
        "ids": view.board.indicator_ids or tuple(i.id for i in indicators.catalog()),
        "link": lambda **changes: _link(view.board.slug, {**query, **changes}),
    }


def _link(slug: str, params: dict[str, str | None], suffix: str = "") -> str:
    from urllib.parse import urlencode

    kept = {k: v for k, v in params.items() if v}
    return f"/analytics/{slug}{suffix}?{urlencode(kept)}"


def _month_start(label: str) -> Any:
    return indicators.parse_period(label).start
