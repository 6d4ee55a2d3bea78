"""Cold-chain pages (issue 12 part 6, docs/coldchain.md).

- `/pharmacy/coldchain` (pharmacist): the excursions at the pharmacist's own facility, newest
  first, each with the lots it quarantined and, while undecided, the two decision buttons
  (release, destroy) with a required reason; `POST /pharmacy/coldchain/{id}` carries it out
  (one decision per excursion: a second shows the bad-input page).
- `/coldchain` (regulator, analyst, administrator): the network's loggers with their state,
  the excursions, the lots in quarantine and the mean kinetic temperature of every guarded lot.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, from_epoch_us
from enlace.modules import coldchain
from enlace.modules.catalog import formulary
from enlace.modules.coldchain import views
from enlace.security.users import User

from . import coldchain_strings, i18n, nav
from .counter_pages import pharmacy_of
from .nav import NavItem
from .page_guard import BadInput, guarded, posted_form
from .shell import Shell

PHARMACY_ROLES = ("pharmacist",)
NETWORK_ROLES = ("regulator", "analyst", "administrator")
EXCURSION_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(coldchain_strings.STRINGS)
    nav.register(NavItem("/pharmacy/coldchain", "nav.coldchain", PHARMACY_ROLES, 28))
    nav.register(NavItem("/coldchain", "nav.coldchain_network", NETWORK_ROLES, 62))
    shell = Shell(services)
    router = APIRouter()

    @router.get("/pharmacy/coldchain")
    async def pharmacy_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            found = await run_in_threadpool(_pharmacy, services, pharmacy_of(user))
            return shell.view(request, user, "coldchain.html", **found, when=_when)

        return await guarded(shell, request, PHARMACY_ROLES, work, "cold.bad_input")

    @router.post("/pharmacy/coldchain/{excursion_id}")
    async def decide_route(request: Request, excursion_id: str) -> Response:
        async def work(user: User) -> Response:
            if not EXCURSION_ID.fullmatch(excursion_id):
                raise errors.not_found("No such excursion")
            form = await posted_form(request, services.settings)
            await run_in_threadpool(_decide, services, user, excursion_id, form)
            return RedirectResponse("/pharmacy/coldchain", status_code=303)

        return await guarded(shell, request, PHARMACY_ROLES, work, "cold.bad_input")

    @router.get("/coldchain")
    async def network_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            found = await run_in_threadpool(_network, services)
            return shell.view(request, user, "coldchain_network.html", **found, when=_when)

        return await guarded(shell, request, NETWORK_ROLES, work, "cold.bad_input")

    app.include_router(router)


def _when(us: int | None) -> str:
    return "" if us is None else from_epoch_us(us).strftime("%Y-%m-%d %H:%M UTC")


def _names() -> dict[str, str]:
    return {m.slug: m.display for m in formulary()}


def _pharmacy(services: Services, facility: str) -> dict[str, Any]:
    names = _names()
    with services.db.read() as conn:
        found = views.list_excursions(conn, facility)
        lots = views.excursion_lots(conn, [e.id for e in found])
    return {
        "facility": facility,
        "excursions": found,
        "lots": {
            key: [{**vars_of(h), "name": names.get(h.product, h.product)} for h in held]
            for key, held in lots.items()
        },
    }


def vars_of(hold: coldchain.Hold) -> dict[str, Any]:
    return {"product": hold.product, "lot": hold.lot, "units": hold.units, "status": hold.status}


def _decide(services: Services, user: User, excursion_id: str, form: dict[str, str]) -> None:
    decision = form.get("decision", "")
    if decision not in coldchain.DECISIONS:
        raise BadInput("cold.bad_input")
    with services.db.begin() as conn:
        found = views.list_excursions(conn, pharmacy_of(user))
        if excursion_id not in {e.id for e in found}:
            raise errors.not_found("No such excursion at this pharmacy")
        who = user.fhir_user or f"User/{user.id}"
        coldchain.decide(
            conn, services.repo, excursion_id, decision, form.get("reason", ""), who, {user.role}
        )


def _network(services: Services) -> dict[str, Any]:
    names = _names()
    now_us = epoch_us(services.repo.clock())
    with services.db.read() as conn:
        states = views.logger_states(conn, now_us)
        found = views.list_excursions(conn)
        held = coldchain.quarantined_stock(conn)
        lots = [
            report
            for facility in sorted({s.logger.facility for s in states})
            for report in views.lot_reports(conn, facility, now_us)
        ]
    return {
        "states": states,
        "excursions": found,
        "held": [
            {**vars_of(h), "facility": h.facility, "name": names.get(h.product, h.product)}
            for h in held
        ],
        "lots": [{"report": r, "name": names.get(r.product, r.product)} for r in lots],
    }
