"""The review of offline-capture conflicts (docs/sync.md, Conflicts), for staff who may update a
Patient: `GET /sync/review` lists the open conflicts with the base, server and device value of each
field; `POST /sync/review/{id}` (CSRF) saves the choice per field as a new Patient version, the
same as `POST /sync/conflicts/{id}/resolve` of the API.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.logging import request_id_var
from enlace.modules.screening import conflicts
from enlace.security.audit_trail import RequestContext, request_context
from enlace.security.users import User
from enlace.security.web_access import web_access

from . import i18n, nav, sync_strings
from .nav import NavItem
from .page_guard import guarded, posted_form
from .shell import Shell

REVIEWERS = ("physician", "chw", "administrator")  # their grants update a Patient
CONFLICT_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
CHOICE = "choice."


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(sync_strings.STRINGS)
    nav.register(NavItem("/sync/review", "nav.sync_review", REVIEWERS, 23))
    app.include_router(_router(Shell(services)))


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()

    @router.get("/sync/review")
    async def review(request: Request) -> Response:
        async def work(user: User) -> Response:
            found = await run_in_threadpool(_open, shell, request, user)
            return shell.view(request, user, "sync_review.html", conflicts=found, shown=_shown)

        return await guarded(shell, request, REVIEWERS, work, "sync.bad_input")

    @router.post("/sync/review/{conflict_id}")
    async def resolve(request: Request, conflict_id: str) -> Response:
        async def work(user: User) -> Response:
            if not CONFLICT_ID.fullmatch(conflict_id):
                raise errors.not_found("No such conflict")
            form = await posted_form(request, shell.services.settings)
            choices = {k[len(CHOICE) :]: v for k, v in form.items() if k.startswith(CHOICE)}
            await run_in_threadpool(_resolve, shell, request, user, conflict_id, choices)
            return RedirectResponse("/sync/review", status_code=303)

        return await guarded(shell, request, REVIEWERS, work, "sync.bad_input")

    return router


def _context(request: Request, user: User) -> RequestContext:
    source = request.client.host if request.client else None
    return RequestContext(web_access(user), request_id_var.get(), source)


def _open(shell: Shell, request: Request, user: User) -> list[dict[str, Any]]:
    with shell.services.db.read() as conn:
        found = conflicts.listed(conn, "open")
    for conflict in found:
        conflict["patient_id"] = conflict["patient"].removeprefix("Patient/")
    if shell.services.audit is not None:  # the values shown are the patients' details
        touched = [("Patient", c["patient_id"], b"") for c in found]
        shell.services.audit.read(_context(request, user), "sync-review", touched, None)
    return found


def _resolve(
    shell: Shell, request: Request, user: User, conflict_id: str, choices: dict[str, str]
) -> None:
    reviewer = user.fhir_user or user.username
    with request_context(_context(request, user)), shell.services.db.begin() as conn:
        conflicts.resolve(conn, shell.services.repo, conflict_id, choices, reviewer)


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    return orjson.dumps(value).decode()
