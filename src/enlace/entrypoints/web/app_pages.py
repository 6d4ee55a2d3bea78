"""The patient app (issue 16 part 1; docs/patient-app.md): a mobile-first, installable web app for
the patient and their caregiver under /app/ — today's doses with check-offs, refills and
deliveries, self-entered readings with feedback and charts, appointments, verifying a medicine,
links to the rest of the record, and signing out a lost phone.

Every page works without JavaScript (plain forms; each carries a client id made by the server,
so a double submit records once). With JavaScript (static/app/app.js) the forms are queued on the
phone and sent to `POST /app/api/sync` when there is signal; the service worker (sw.js) keeps the
pages and assets for offline use. Routes are thin: the work is engagement's and app_views'."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules import engagement
from enlace.security.grants import own_patients
from enlace.security.roles import PATIENT_ROLES
from enlace.security.users import User

from . import app_api, app_static, app_strings, app_views, browser, care_strings, i18n, nav, render
from .nav import NavItem
from .page_guard import BadInput, guarded, posted_form
from .shell import Shell

GTIN = re.compile(r"[0-9]{14}")
LINK_PATH = re.compile(r"/01/[0-9]{14}(/[0-9A-Za-z]{2}/[!-~]{1,40})*")


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(app_strings.STRINGS)
    i18n.extend(care_strings.STRINGS)
    nav.register(NavItem("/app/", "nav.app", PATIENT_ROLES, 12))
    shell = Shell(services)
    app.include_router(_router(shell))
    app.include_router(app_api.router(shell))
    app.include_router(app_static.router())


Page = Callable[[User, str], Awaitable[Response]]


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()
    services = shell.services

    async def for_patient(request: Request, page: Page) -> Response:
        """A patient app page for the patient chosen (`?patient=` among the person's own)."""

        async def work(user: User) -> Response:
            own = own_patients(user)
            patient = _chosen(request.query_params.get("patient"), own)
            if patient is None:
                return view(request, user, "app_none.html", None, "")
            return await page(user, patient)

        return await guarded(shell, request, PATIENT_ROLES, work, "app.bad_input")

    def view(request: Request, user: User, template: str, patient: str | None, tab: str,
             status: int = 200, **context: Any) -> Response:  # fmt: skip
        return shell.view(request, user, template, status, patient=patient, tab=tab,
                          own=own_patients(user), new_id=str(uuid.uuid4()), **context)  # fmt: skip

    @router.get("/app")
    async def app_root() -> Response:
        return RedirectResponse("/app/", status_code=303)

    @router.get("/app/")
    async def today_route(request: Request) -> Response:
        async def page(user: User, patient: str) -> Response:
            reader = shell.reader(request, user)
            lang = render.language(request)
            shown = await run_in_threadpool(app_views.today_view, reader, patient, lang)
            notice = _known(request.query_params.get("done"))
            return view(request, user, "app_today.html", patient, "today", notice=notice, **shown)

        return await for_patient(request, page)

    @router.post("/app/doses")
    async def dose_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, services.settings)
            item = {"clientId": form.get("client_id", ""), "kind": "dose",
                    "patient": form.get("patient", ""), "capturedAt": _now(shell),
                    "request": form.get("request", ""), "day": form.get("day", ""),
                    "slot": form.get("slot", ""), "status": form.get("status", ""),
                    "seen": form.get("seen") or None}  # fmt: skip
            answer = await run_in_threadpool(_one, shell, user, item)
            if answer["status"] == "refused":
                raise BadInput("app.bad_input")
            status = answer.get("firstStatus") or answer["status"]  # a resend: the first's
            key = "dose.stopped" if answer.get("prescription") != "active" else f"dose.{status}"
            return RedirectResponse(f"/app/?patient={item['patient']}&done={key}", status_code=303)

        return await guarded(shell, request, PATIENT_ROLES, work, "app.bad_input")

    @router.get("/app/readings")
    async def readings_route(request: Request) -> Response:
        async def page(user: User, patient: str) -> Response:
            return await _readings_page(request, user, patient, None, 200)

        return await for_patient(request, page)

    @router.post("/app/readings")
    async def reading_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, services.settings)
            patient = _chosen(form.get("patient"), own_patients(user))
            if patient is None:
                raise errors.not_found("no such patient")
            item = {"clientId": form.get("client_id", ""), "kind": "reading", "patient": patient,
                    "capturedAt": _now(shell), "measure": form.get("measure", ""),
                    "unit": form.get("unit", ""), "value": form.get("value", "")}  # fmt: skip
            if form.get("value2"):
                item["value2"] = form["value2"]
            answer = await run_in_threadpool(_one, shell, user, item)
            status = 400 if answer["status"] == "refused" else 200
            return await _readings_page(request, user, patient, answer, status)

        return await guarded(shell, request, PATIENT_ROLES, work, "app.bad_input")

    async def _readings_page(request: Request, user: User, patient: str,
                             answer: dict[str, Any] | None, status: int) -> Response:  # fmt: skip
        reader = shell.reader(request, user)
        lang = render.language(request)
        shown = await run_in_threadpool(app_views.readings_view, reader, patient, lang)
        said = app_api.said(answer, lang) if answer else None
        return view(request, user, "app_readings.html", patient, "readings", status,
                    answer=answer, said=said, **shown)  # fmt: skip

    @router.get("/app/visits")
    async def visits_route(request: Request) -> Response:
        async def page(user: User, patient: str) -> Response:
            shown = await run_in_threadpool(app_views.visits_view, shell.reader(request, user),
                                            patient)  # fmt: skip
            return view(request, user, "app_visits.html", patient, "visits", **shown)

        return await for_patient(request, page)

    @router.get("/app/scan")
    async def scan_route(request: Request) -> Response:
        async def page(user: User, patient: str) -> Response:
            code = request.query_params.get("code")
            if code is None:
                return view(request, user, "app_scan.html", patient, "scan")
            target = _verify_path(code.strip())
            if target is None:
                return view(request, user, "app_scan.html", patient, "scan", 400,
                            error="app.scan_bad")  # fmt: skip
            return RedirectResponse(target, status_code=303)

        return await for_patient(request, page)

    @router.get("/app/more")
    async def more_route(request: Request) -> Response:
        async def page(user: User, patient: str) -> Response:
            ended = request.query_params.get("ended")
            count = int(ended) if ended and ended.isdigit() else None
            return view(request, user, "app_more.html", patient, "more", ended=count)

        return await for_patient(request, page)

    @router.post("/app/devices/signout")
    async def sign_out_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            await posted_form(request, services.settings)
            count, token = await run_in_threadpool(_sign_out, services, user)
            response = RedirectResponse(f"/app/more?ended={count}", status_code=303)
            browser.set_session(response, request, services.settings, token)
            return response

        return await guarded(shell, request, PATIENT_ROLES, work, "app.bad_input")

    @router.get("/app/offline")
    async def offline_route(request: Request) -> Response:
        return render.page(request, "app_offline.html")

    return router


def _chosen(asked: str | None, own: tuple[str, ...]) -> str | None:
    if asked:
        if asked not in own:
            raise errors.not_found("no such patient")  # another's id reads like a missing one
        return asked
    return own[0] if own else None


def _known(key: str | None) -> str | None:
    """A notice key from the redirect after a check-off, only if it is one of ours."""
    return key if key in app_strings.STRINGS and key and key.startswith("dose.") else None


def _now(shell: Shell) -> str:
    return shell.services.repo.clock().astimezone(app_views.LOCAL).isoformat()


def _one(shell: Shell, user: User, item: dict[str, Any]) -> dict[str, Any]:
    """One form's item through the same sync as the app's queue."""
    services = shell.services
    answer = engagement.sync(services.db, services.repo, app_api.actor(user), {"items": [item]})
    first: dict[str, Any] = answer["items"][0]
    return first


def _verify_path(code: str) -> str | None:
    """A scanned or typed code as the verification page's path: 14 digits (a GTIN), a GS1
    Digital Link URL or its path. Anything else: None (the 400 message)."""
    if GTIN.fullmatch(code):
        return f"/01/{code}"
    path = re.sub(r"^https?://[^/]+", "", code)
    return path if LINK_PATH.fullmatch(path.split("?")[0]) else None


def _sign_out(services: Services, user: User) -> tuple[int, str]:
    now = epoch_us(services.repo.clock())
    with services.db.begin() as conn:
        return engagement.sign_out_elsewhere(conn, user, now)
