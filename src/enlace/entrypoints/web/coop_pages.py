"""Cooperative pages (issue 15, docs/governance.md).

- `/coop/me` (any signed-in user): my membership — status, class, fee tier, capital
  certificates, surplus statement — with links to the directory, the open votes and assembly
  documents (the voting module's pages) and the transparency page.
- `/coop/directory` (active members only; 403 page for anyone else).
- `/coop/council` (administrator acting for the council): applications with admit/refuse,
  and the members; POST `/coop/council/{id}` admits or refuses.
- `/coop/transparency` (public, no sign-in): counts by class, each year's surplus totals and
  each closed vote's decision and turnout (linking its public tally JSON); no names, ids,
  incomes or individual shares.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import coop, voting
from enlace.modules.finance import Ledger
from enlace.security.roles import ROLES
from enlace.security.users import User

from . import coop_strings, i18n, nav, render
from .nav import NavItem
from .page_guard import guarded, posted_form
from .shell import Shell

COUNCIL_ROLES = ("administrator",)
VOTES_PATH = "/votes"  # the voting module's pages (helper Q)


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(coop_strings.STRINGS)
    nav.register(NavItem("/coop/me", "nav.coop_me", ROLES, 90))
    nav.register(NavItem("/coop/council", "nav.coop_council", COUNCIL_ROLES, 91))
    shell = Shell(services)
    router = APIRouter()

    @router.get("/coop/me")
    async def me_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            found = await run_in_threadpool(_mine, services, user)
            return shell.view(request, user, "coop_me.html", votes=VOTES_PATH, **found)

        return await guarded(shell, request, ROLES, work, "coop.bad_input")

    @router.get("/coop/directory")
    async def directory_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            entries = await run_in_threadpool(_read, services, coop.directory, user.username)
            return shell.view(request, user, "coop_directory.html", entries=entries)

        return await guarded(shell, request, ROLES, work, "coop.bad_input")

    @router.get("/coop/council")
    async def council_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            members = await run_in_threadpool(_read, services, coop.list_members, None)
            return shell.view(request, user, "coop_council.html", members=members)

        return await guarded(shell, request, COUNCIL_ROLES, work, "coop.bad_input")

    @router.post("/coop/council/{member_id}")
    async def decide_route(request: Request, member_id: str) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, services.settings)
            decision = form.get("decision", "")
            await run_in_threadpool(_decide, services, member_id, decision, user.username)
            return RedirectResponse("/coop/council", 303)

        return await guarded(shell, request, COUNCIL_ROLES, work, "coop.bad_input")

    @router.get("/coop/transparency")
    async def transparency_route(request: Request) -> Response:
        view = await run_in_threadpool(_read, services, coop.transparency)
        decisions = await run_in_threadpool(_read, services, _decisions)
        return render.page(request, "coop_transparency.html", view=view, decisions=decisions)

    app.include_router(router)


def _read(services: Services, reader: Any, *args: Any) -> Any:
    with services.db.begin() as conn:
        return reader(conn, *args)


def _decisions(conn: Any) -> list[dict[str, Any]]:
    """Closed votes: title, decision, turnout against the roll (aggregates; no voter)."""
    closed = [p for p in voting.list_proposals(conn) if p["state"] == "closed"]
    return [{"id": p["id"], "title": p["title"], **voting.get(conn, p["id"])["result"]}
            for p in closed]  # fmt: skip


def _mine(services: Services, user: User) -> dict[str, Any]:
    with services.db.begin() as conn:
        member = coop.member_for_user(conn, user.username)
        if member is None:
            return {"member": None}
        ledger = Ledger()
        return {
            "member": member,
            "fee": coop.fee_tier(member),
            "certificates": coop.certificates(conn, ledger, member.id),
            "capital": coop.capital_balance(conn, ledger, member.id),
            "statement": coop.statement(conn, member.id),
        }


def _decide(services: Services, member_id: str, decision: str, by: str) -> None:
    now = datetime.now(UTC)
    with services.db.begin() as conn:
        if decision == "admit":
            coop.admit(conn, member_id, now, by)
        elif decision != "refuse":
            raise errors.error(400, "value", "decision must be admit or refuse", "decision")
        else:
            coop.change_status(conn, member_id, "refused", now, "refused by the council", by)
