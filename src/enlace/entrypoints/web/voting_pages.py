"""The voting pages (issue 15; docs/governance.md "Decisions").

- `GET /votes` (any signed-in user): proposals and their state.
- `GET /votes/{id}`: the proposal and its discussion; the ballot form if the user's member is on
  the roll and has not voted; once closed, the result (void when quorum failed), the receipt
  commitments, the Merkle root and whether the tally verifies, and the receipt check form.
- `POST /votes/{id}/cast`: cast; the receipt page shows the secret once.
- `POST /votes/{id}/verify`: is my receipt with my choice in the closed box?
- `POST /votes/{id}/comment`: add to the discussion.
- `GET /assemblies/{id}`: the minutes and whether their signature verifies;
  `GET /assemblies/{id}/minutes.pdf` the same minutes with their signature line as a PDF.
Refusals from the domain (403 roll, 409 twice or closed, 400 choice) show the problem page.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import trace, voting
from enlace.security.roles import ROLES
from enlace.security.users import User

from . import council_pages, i18n, minutes_pdf, nav, voting_strings
from .nav import NavItem
from .page_guard import BadInput, guarded, posted_form
from .shell import Shell

BAD = "votes.bad_input"


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(voting_strings.STRINGS)
    nav.register(NavItem("/votes", "nav.votes", ROLES, 92))
    app.include_router(_router(Shell(services)))
    council_pages.register(app, services)  # the council's forms for votes and assemblies


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()
    services = shell.services

    @router.get("/votes")
    async def list_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            items = await run_in_threadpool(_read, services, voting.list_proposals)
            return shell.view(request, user, "votes_list.html", items=items)

        return await guarded(shell, request, ROLES, work, BAD)

    @router.get("/votes/{pid}")
    async def proposal_route(request: Request, pid: str) -> Response:
        async def work(user: User) -> Response:
            view = await run_in_threadpool(_proposal_view, services, pid, user.username)
            return shell.view(request, user, "votes_proposal.html", **view)

        return await guarded(shell, request, ROLES, work, BAD)

    @router.post("/votes/{pid}/cast")
    async def cast_route(request: Request, pid: str) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, services.settings)
            secret, choice = await run_in_threadpool(_cast, services, pid, user.username, form)
            return shell.view(
                request, user, "votes_receipt.html", pid=pid, secret=secret, choice=choice
            )

        return await guarded(shell, request, ROLES, work, BAD)

    @router.post("/votes/{pid}/verify")
    async def verify_route(request: Request, pid: str) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, services.settings)
            view = await run_in_threadpool(_proposal_view, services, pid, user.username)
            view["receipt_found"] = await run_in_threadpool(_check_receipt, services, pid, form)
            return shell.view(request, user, "votes_proposal.html", **view)

        return await guarded(shell, request, ROLES, work, BAD)

    @router.post("/votes/{pid}/comment")
    async def comment_route(request: Request, pid: str) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, services.settings)
            body = form.get("body", "")[:2000]
            await run_in_threadpool(_comment, services, pid, user.username, body)
            return RedirectResponse(f"/votes/{pid}", 303)

        return await guarded(shell, request, ROLES, work, BAD)

    @router.get("/assemblies/{aid}/minutes.pdf")
    async def minutes_pdf_route(request: Request, aid: str) -> Response:
        async def work(user: User) -> Response:
            found, _ = await run_in_threadpool(_assembly, services, aid)
            if not found["minutes"]:
                raise errors.not_found(f"assembly {aid} has no minutes yet")
            pdf = minutes_pdf.render(found["title"], found["minutes"], found["signature"])
            headers = {"Content-Disposition": f'attachment; filename="acta-{aid}.pdf"'}
            return Response(pdf, media_type="application/pdf", headers=headers)

        return await guarded(shell, request, ROLES, work, BAD)

    @router.get("/assemblies/{aid}")
    async def assembly_route(request: Request, aid: str) -> Response:
        async def work(user: User) -> Response:
            found, good = await run_in_threadpool(_assembly, services, aid)
            return shell.view(request, user, "votes_assembly.html", assembly=found, good=good)

        return await guarded(shell, request, ROLES, work, BAD)

    return router


def _read(services: Services, reader: Any, *args: Any) -> Any:
    with services.db.begin() as conn:
        return reader(conn, *args)


def _proposal_view(services: Services, pid: str, username: str) -> dict[str, Any]:
    key = voting.ballots.seal_key(services.settings.secret_key)
    with services.db.begin() as conn:
        found = voting.get(conn, pid)
        member = voting.member_for_user(conn, username)
        view: dict[str, Any] = {
            "p": found,
            "comments": voting.discussion(conn, pid),
            "standing": voting.standing(conn, pid, member),
            "published": None,
            "problems": [],
            "receipt_found": None,
        }
        if found["state"] == "closed":
            view["published"] = voting.published(conn, pid)
            view["problems"] = voting.verify(conn, pid, key, _verifier(services))
        return view


def _comment(services: Services, pid: str, username: str, body: str) -> None:
    with services.db.begin() as conn:
        voting.comment(conn, pid, username, body, datetime.now(UTC))


def _cast(services: Services, pid: str, username: str, form: dict[str, str]) -> tuple[str, str]:
    with services.db.begin() as conn:
        found = voting.get(conn, pid)
        member = voting.member_for_user(conn, username)
        if member is None:
            raise errors.error(403, "forbidden", "not a member")
        choice = choice_from_form(found["kind"], found["options"], form)
        try:
            secret = voting.cast(conn, pid, member, choice)
        except errors.FhirError as refused:
            if refused.status == 409:  # voted already, or the vote is not open: say which
                raise BadInput("votes.voted" if found["state"] == "open" else BAD) from None
            raise
        return secret, json.dumps(choice, ensure_ascii=False)


def choice_from_form(kind: str, options: list[str], form: dict[str, str]) -> Any:
    """The ballot form's fields as the choice the domain checks (it refuses bad ones)."""
    if kind in ("proposal", "single"):
        return form.get("choice", "")
    if kind == "multiple":
        return [o for n, o in enumerate(options) if form.get(f"opt{n}")]
    if kind == "score":
        return {o: _integer(form.get(f"opt{n}", "")) for n, o in enumerate(options)}
    ranks = {o: _integer(form.get(f"opt{n}", "")) for n, o in enumerate(options)}
    given = sorted((r, o) for o, r in ranks.items() if r is not None)
    if [r for r, _ in given] != list(range(1, len(given) + 1)):
        raise BadInput(BAD)  # ranks must be 1, 2, 3... without gaps or repeats
    return [o for _, o in given]


def _integer(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 4 else None


def _check_receipt(services: Services, pid: str, form: dict[str, str]) -> bool:
    try:
        choice = json.loads(form.get("choice", ""))
    except json.JSONDecodeError:
        raise BadInput(BAD) from None
    with services.db.begin() as conn:
        return voting.verify_receipt(conn, pid, form.get("receipt", "").strip(), choice)


def _verifier(services: Services) -> trace.Verifier:
    return trace.log_publisher(services.settings).signer.verifier


def _assembly(services: Services, aid: str) -> tuple[dict[str, Any], bool]:
    verifier = _verifier(services)
    with services.db.begin() as conn:
        found = voting.assemblies.get(conn, aid)
        return found, voting.assemblies.verify_minutes(conn, aid, verifier)
