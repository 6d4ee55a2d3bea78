"""The council's forms for votes and assemblies (issue 15; docs/governance.md "Council forms").

- `GET /council/votes`: proposals with state and turnout; create a draft (kind, options, quorum,
  majority, proxy limit), open a draft (roll snapshot), close an open vote (sealed, signed).
- `GET /assemblies` (any signed-in user): the assemblies; the council also sees the convocation
  form (`POST /assemblies`: kind, title, place, convocation date, date held, notice, quorum,
  agenda). `GET /council/assemblies/{id}`: agenda and attendance; record a member present or
  represented; generate and sign the minutes (then shown at `/assemblies/{id}`).
Council: the administrator role, as coop_pages' council view. Every POST checks CSRF. Bad input
re-renders the form with each problem next to its field (400), a refusal from the domain (closing
twice, a non-member, short notice...) with the problem and the field it names (400/403/409);
nothing is written in either case. The pages show counts and attendance, never a ballot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import trace, voting
from enlace.security.roles import ROLES
from enlace.security.users import User

from . import council_forms, council_strings, i18n, nav
from .coop_pages import COUNCIL_ROLES
from .nav import NavItem
from .page_guard import guarded, posted_form
from .shell import Shell

BAD = "council.problems"
REFUSALS = {400: 400, 403: 403, 404: 400, 409: 409, 422: 400}


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(council_strings.STRINGS)
    nav.register(NavItem("/council/votes", "nav.council_votes", COUNCIL_ROLES, 93))
    nav.register(NavItem("/assemblies", "nav.assemblies", ROLES, 94))
    app.include_router(_router(Shell(services)))


def refusal(exc: errors.FhirError) -> list[tuple[str, str]]:
    """(field named, what is wrong) of each issue, for the page; other statuses propagate."""
    if exc.status not in REFUSALS:
        raise exc
    return [(issue.expression or "", issue.diagnostics) for issue in exc.issues]


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()
    services = shell.services

    def votes_page(request: Request, user: User, status: int = 200, **extra: Any) -> Response:
        rows = _read(services, _vote_rows)
        context = {"form": {"quorum": "50", "min_share": "50", "proxy_limit": "1"},
                   "problems": {}, "refused": [], **extra}  # fmt: skip
        return shell.view(request, user, "council_votes.html", status, items=rows,
                          kinds=voting.KINDS, **context)  # fmt: skip

    async def vote_action(request: Request, action: Any, *args: Any) -> Response:
        async def work(user: User) -> Response:
            await posted_form(request, services.settings)
            try:
                await run_in_threadpool(action, services, *args)
            except errors.FhirError as exc:
                found = refusal(exc)
                return votes_page(request, user, REFUSALS[exc.status], refused=found)
            return RedirectResponse("/council/votes", 303)

        return await guarded(shell, request, COUNCIL_ROLES, work, BAD)

    @router.get("/council/votes")
    async def votes_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            return votes_page(request, user)

        return await guarded(shell, request, COUNCIL_ROLES, work, BAD)

    @router.post("/council/votes")
    async def create_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, services.settings)
            read, problems = council_forms.read_vote(form)
            if problems:
                return votes_page(request, user, 400, form=form, problems=problems)
            try:
                await run_in_threadpool(_create, services, read, user.username)
            except errors.FhirError as exc:
                found = refusal(exc)
                return votes_page(request, user, REFUSALS[exc.status], form=form, refused=found)
            return RedirectResponse("/council/votes", 303)

        return await guarded(shell, request, COUNCIL_ROLES, work, BAD)

    @router.post("/council/votes/{pid}/open")
    async def open_route(request: Request, pid: str) -> Response:
        return await vote_action(request, _open, pid)

    @router.post("/council/votes/{pid}/close")
    async def close_route(request: Request, pid: str) -> Response:
        return await vote_action(request, _close, pid)

    _assembly_routes(router, shell)
    return router


def _assembly_routes(router: APIRouter, shell: Shell) -> None:
    services = shell.services

    def list_page(request: Request, user: User, status: int = 200, **extra: Any) -> Response:
        rows = _read(services, voting.assemblies.list_assemblies)
        today = datetime.now(UTC)
        held = (today + timedelta(days=8)).replace(hour=10, minute=0)
        defaults = {"convened": f"{today:%Y-%m-%d}", "held": f"{held:%Y-%m-%dT%H:%M}",
                    "quorum": "50", "notice_days": "7", "kind": "ordinary"}  # fmt: skip
        context = {"form": defaults, "problems": {}, "refused": [], **extra}
        return shell.view(request, user, "assemblies_list.html", status, items=rows,
                          council=user.role in COUNCIL_ROLES, **context)  # fmt: skip

    def manage_page(
        request: Request, user: User, aid: str, status: int = 200, refused: Any = ()
    ) -> Response:
        view = _read(services, _assembly_view, aid)
        return shell.view(request, user, "council_assembly.html", status, refused=list(refused),
                          **view)  # fmt: skip

    @router.get("/assemblies")
    async def assemblies_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            return list_page(request, user)

        return await guarded(shell, request, ROLES, work, BAD)

    @router.post("/assemblies")
    async def convene_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, services.settings)
            read, problems = council_forms.read_assembly(form)
            if problems:
                return list_page(request, user, 400, form=form, problems=problems)
            try:
                await run_in_threadpool(_convene, services, read)
            except errors.FhirError as exc:
                found = refusal(exc)
                return list_page(request, user, REFUSALS[exc.status], form=form, refused=found)
            return RedirectResponse(f"/council/assemblies/{read.ident}", 303)

        return await guarded(shell, request, COUNCIL_ROLES, work, BAD)

    @router.get("/council/assemblies/{aid}")
    async def manage_route(request: Request, aid: str) -> Response:
        async def work(user: User) -> Response:
            return manage_page(request, user, aid)

        return await guarded(shell, request, COUNCIL_ROLES, work, BAD)

    async def assembly_action(request: Request, aid: str, action: Any, done: str) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, services.settings)
            try:
                await run_in_threadpool(action, services, aid, form)
            except errors.FhirError as exc:
                found = refusal(exc)
                return manage_page(request, user, aid, REFUSALS[exc.status], found)
            return RedirectResponse(done, 303)

        return await guarded(shell, request, COUNCIL_ROLES, work, BAD)

    @router.post("/council/assemblies/{aid}/attendance")
    async def attend_route(request: Request, aid: str) -> Response:
        return await assembly_action(request, aid, _attend, f"/council/assemblies/{aid}")

    @router.post("/council/assemblies/{aid}/minutes")
    async def minutes_route(request: Request, aid: str) -> Response:
        return await assembly_action(request, aid, _minutes, f"/assemblies/{aid}")


def _read(services: Services, reader: Any, *args: Any) -> Any:
    with services.db.begin() as conn:
        return reader(conn, *args)


def _vote_rows(conn: Any) -> list[dict[str, Any]]:
    """Each proposal with its turnout (counts only) and, once closed, its decision."""
    rows = []
    for item in voting.list_proposals(conn):
        voted, size = voting.turnout(conn, item["id"])
        result = voting.get(conn, item["id"])["result"] if item["state"] == "closed" else None
        rows.append({**item, "voted": voted, "roll": size, "result": result})
    return rows


def _create(services: Services, read: council_forms.VoteForm, by: str) -> None:
    arguments = council_forms.vote_arguments(read)
    with services.db.begin() as conn:
        voting.create_proposal(conn, by=by, **arguments)


def _open(services: Services, pid: str) -> None:
    with services.db.begin() as conn:
        voting.open_vote(conn, pid, voting.coop_roll, datetime.now(UTC))


def _close(services: Services, pid: str) -> None:
    key = voting.ballots.seal_key(services.settings.secret_key)
    signer = trace.log_publisher(services.settings).signer
    with services.db.begin() as conn:
        voting.close(conn, pid, datetime.now(UTC), key, signer)


def _convene(services: Services, read: council_forms.AssemblyForm) -> None:
    assert read.convened_at is not None and read.held_at is not None  # the form checked both
    with services.db.begin() as conn:
        voting.assemblies.convene(
            conn, read.ident, read.kind, read.title, read.place, read.convened_at, read.held_at,
            read.items, quorum_share=read.quorum, notice_days=read.notice_days)  # fmt: skip


def _assembly_view(conn: Any, aid: str) -> dict[str, Any]:
    present, roll, needed = voting.assemblies.quorum_count(conn, aid, voting.coop_roll)
    return {
        "assembly": voting.assemblies.get(conn, aid),
        "agenda": voting.assemblies.agenda_items(conn, aid),
        "attendees": voting.assemblies.attendees(conn, aid),
        "present": present, "roll": roll, "needed": needed,
    }  # fmt: skip


def _attend(services: Services, aid: str, form: dict[str, str]) -> None:
    member = form.get("member", "").strip()
    proxy = form.get("represented_by", "").strip() or None
    if not council_forms.IDENT.fullmatch(member):
        raise errors.bad_request("a member key (lowercase, digits, dashes)", "member")
    with services.db.begin() as conn:
        voting.assemblies.attend(conn, aid, member, voting.coop_roll, datetime.now(UTC), proxy)


def _minutes(services: Services, aid: str, form: dict[str, str]) -> None:
    signer = trace.log_publisher(services.settings).signer
    with services.db.begin() as conn:
        voting.assemblies.close(conn, aid, voting.coop_roll, signer)
