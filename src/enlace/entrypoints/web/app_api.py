"""The patient app's JSON routes, for its script: `GET /app/api/token` (the CSRF token for this
session, and the patients the person acts for; 401 when the session is over, so the app keeps its
queue and asks the person to sign in) and `POST /app/api/sync` (engagement.sync: the queue of
check-offs and readings). Session cookie plus the `X-CSRF-Token` header; bad input is an
OperationOutcome (400 malformed batch, 401, 403), never a 500. Each item's answer carries its
message in the person's language (`text`), so the app shows what the server decided."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.kernel import errors
from enlace.modules import engagement
from enlace.security.grants import own_patients
from enlace.security.roles import PATIENT_ROLES
from enlace.security.users import User

from . import browser, i18n, render
from .shell import Shell

JSON = "application/json"
SOURCES = {"patient": "app", "caregiver": "caregiver"}


def router(shell: Shell) -> APIRouter:
    routes = APIRouter()
    settings = shell.services.settings

    async def signed_in(request: Request) -> User:
        user = await shell.viewer(request)
        if user is None:
            raise errors.error(401, "login", "sign in again: the session is over")
        if user.role not in PATIENT_ROLES:
            raise errors.error(403, "forbidden", "the patient app is for patients and caregivers")
        return user

    @routes.get("/app/api/token")
    async def token_route(request: Request) -> Response:
        try:
            user = await signed_in(request)
        except errors.FhirError as exc:
            return _outcome(exc)
        state = browser.csrf_state(request)
        body = {"csrf": state.token(request, settings), "patients": list(own_patients(user))}
        response = Response(orjson.dumps(body), media_type=JSON)
        state.keep(response, request, settings)
        return response

    @routes.post("/app/api/sync")
    async def sync_route(request: Request) -> Response:
        try:
            user = await signed_in(request)
            if not browser.csrf_ok(request, settings, request.headers.get("x-csrf-token", "")):
                raise errors.error(403, "forbidden", "the CSRF token is missing or stale",
                                   "X-CSRF-Token")  # fmt: skip
            try:
                body = orjson.loads(await request.body())
            except orjson.JSONDecodeError:
                raise errors.bad_request("the body is not JSON", "$") from None
            services = shell.services
            answer = await run_in_threadpool(
                engagement.sync, services.db, services.repo, actor(user), body
            )
        except errors.FhirError as exc:
            return _outcome(exc)
        lang = render.language(request)
        answer["items"] = [{**item, "text": said(item, lang)} for item in answer["items"]]
        return Response(orjson.dumps(answer), media_type=JSON)

    return routes


def actor(user: User) -> engagement.Actor:
    return engagement.Actor(user.id, own_patients(user), SOURCES.get(user.role, "app"))


def said(answer: dict[str, Any], lang: str) -> str:
    """The answer to one item in words: a reading's verdict (and whether the doctor was told),
    a check-off's outcome, or why it was refused."""
    t = i18n.translator(lang)
    if answer.get("status") == "refused":
        params = answer.get("params") or {}
        key = answer.get("message") or "app.bad_input"
        return _format(t(key), params) if answer.get("message") else t("app.bad_input")
    if answer.get("kind") == "reading":
        verdict = answer.get("verdict") or {}
        text = _format(t(str(verdict.get("key"))), verdict.get("params") or {})
        return f"{text} {t('app.doctor_told')}" if answer.get("alerted") else text
    if answer.get("prescription") not in (None, "active"):
        return t("dose.stopped")
    status = (
        answer.get("firstStatus") if answer.get("status") == "duplicate" else answer.get("status")
    )
    who = _who(answer.get("dose") or {}, t)
    return _format(t(f"dose.{status}"), {"who": who})


def _who(dose: dict[str, Any], t: Any) -> str:
    source = dose.get("source")
    return {"caregiver": t("app.by_caregiver"), "sms": t("app.by_sms")}.get(
        str(source), t("app.by_app")
    )


def _format(text: str, params: dict[str, Any]) -> str:
    try:
        return text.format(**{k: ("" if v is None else v) for k, v in params.items()})
    except (KeyError, ValueError, IndexError):
        return text


def _outcome(exc: errors.FhirError) -> Response:
    return Response(orjson.dumps(exc.outcome()), status_code=exc.status,
                    media_type="application/fhir+json")  # fmt: skip
