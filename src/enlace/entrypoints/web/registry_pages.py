"""The disease-registry page (issue 14 part 5; docs/registries.md "Page").

- `GET /registry/{name}` (regulator, analyst, administrator): the registry's cases per
  institution with completeness (share of its cases the registry has received through its
  Subscription) and timeliness (share received within ON_TIME_DAYS of being recorded), the
  Subscription it is connected through, and links to the other registries. The figures are
  those of the last case selection (`enlace registry report`, the daily job); the page only
  reads. An unknown registry is the 404 page.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import registry
from enlace.security.users import User

from . import i18n, nav, registry_strings
from .nav import NavItem
from .page_guard import guarded
from .shell import Shell

ROLES = ("regulator", "analyst", "administrator")


@dataclass(frozen=True)
class Totals:
    cases: int
    reported: int
    on_time: int

    @property
    def completeness(self) -> float:
        return self.reported / self.cases if self.cases else 0.0

    @property
    def timeliness(self) -> float:
        return self.on_time / self.cases if self.cases else 0.0


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(registry_strings.STRINGS)
    nav.register(NavItem("/registry/cancer", "nav.registry", ROLES, 66))
    shell = Shell(services)
    router = APIRouter()

    @router.get("/registry/{name}")
    async def registry_page(request: Request, name: str) -> Response:
        async def work(user: User) -> Response:
            if name not in registry.REGISTRIES:
                raise errors.not_found(f"No registry '{name}'")
            rows, link = await run_in_threadpool(_figures, services, name)
            return shell.view(
                request,
                user,
                "registry.html",
                name=name,
                title=registry.REGISTRIES[name].title,
                rows=rows,
                totals=_totals(rows),
                link=link,
                on_time_days=registry.ON_TIME_DAYS,
                others=[r for r in registry.REGISTRIES if r != name],
            )

        return await guarded(shell, request, ROLES, work, "reg.bad_input")

    app.include_router(router)


def _figures(
    services: Services, name: str
) -> tuple[list[registry.InstitutionIndicators], str | None]:
    return registry.indicators(services.db, name), registry.link_of(services.db, name)


def _totals(rows: list[registry.InstitutionIndicators]) -> Totals:
    return Totals(
        sum(r.cases for r in rows), sum(r.reported for r in rows), sum(r.on_time for r in rows)
    )
