"""One's own account: change the password, list and end sessions, enrol TOTP when required.

ASVS V2.1.5/6/8/12 (/account/password, with the meter and show-password control of
static/account.js mirroring `passwords.policy_for_meter`), V3.3.3/4 (/account/sessions) and
V4.3.1 (/login/totp/enrol: an administrator in production completes a sign-in only with TOTP).
Each POST checks the CSRF token and calls one function of enlace.security (self_service, login)
in one write transaction; bad input is a message on the page with a 4xx status, nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.security import login, passwords, self_service, sessions, users
from enlace.security.users import User

from . import account_strings, browser, i18n, render

MAX_FIELD_BYTES = 1024  # passwords beyond the policy's cap are refused before any hashing
CHANGE_ERRORS = {
    self_service.WRONG_CURRENT: (401, "password.wrong_current"),
    self_service.MISMATCH: (400, "password.mismatch"),
    self_service.SAME: (400, "password.same"),
}
T = TypeVar("T")


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(account_strings.STRINGS)
    app.include_router(_router(services))


def when(request: Request, at_us: int) -> str:
    """A moment as the page's language writes it, in UTC (said, as the server knows no zone)."""
    moment = datetime.fromtimestamp(at_us / 1_000_000, UTC)
    text = i18n.format_date(moment.date(), render.language(request))
    return f"{text} {moment.hour:02d}:{moment.minute:02d} UTC"


def _router(services: Services) -> APIRouter:
    router = APIRouter()
    settings = services.settings
    pages = _Pages(services)

    @router.get("/account/password")
    async def password_page(request: Request) -> Response:
        user = await pages.viewer(request)
        if user is None:
            return pages.to_login("/account/password")
        return pages.password_form(request, user)

    @router.post("/account/password")
    async def password_submit(request: Request) -> Response:
        user = await pages.viewer(request)
        if user is None:
            return pages.to_login("/account/password")
        form = await pages.form(request)
        if form is None:
            return pages.password_form(request, user, 403, "form.expired")
        current, new, confirm = (form.get(name, "") for name in ("current", "new", "confirm"))
        if any(len(value.encode()) > MAX_FIELD_BYTES for value in (current, new, confirm)):
            return pages.password_form(request, user, 400, "password.rule.max-length")
        end = form.get("end_others") == "1"
        change = self_service.PasswordForm(current, new, confirm, end_others=end)
        token = browser.session_token(request, settings)
        result = await pages.run(
            self_service.change_password, user, token, change, pages.now_us(), settings
        )
        pages.record(request, result.attempt)
        if result.outcome == self_service.POLICY:
            return pages.password_form(request, user, 400, f"password.rule.{result.rule}")
        if not result.ok:
            status, message = CHANGE_ERRORS[result.outcome]
            return pages.password_form(request, user, status, message)
        notice = "password.changed_others" if change.end_others else "password.changed"
        return pages.password_form(request, user, 200, notice=notice)

    @router.get("/account/sessions")
    async def sessions_page(request: Request) -> Response:
        user = await pages.viewer(request)
        if user is None:
            return pages.to_login("/account/sessions")
        ended = request.query_params.get("ended") == "1"
        return await pages.sessions_list(request, user, notice="sessions.ended" if ended else None)

    @router.post("/account/sessions/end")
    async def end_one(request: Request) -> Response:
        user = await pages.viewer(request)
        if user is None:
            return pages.to_login("/account/sessions")
        form = await pages.form(request)
        if form is None:
            return await pages.sessions_list(request, user, 403, "form.expired")
        token = browser.session_token(request, settings)
        session_id = form.get("session", "")[:64]
        ended = await pages.run(sessions.end_session_by_id, user.id, session_id, token)
        if not ended:
            return await pages.sessions_list(request, user, 404, "sessions.not_found")
        return _redirect("/account/sessions?ended=1")

    @router.post("/account/sessions/end-others")
    async def end_others(request: Request) -> Response:
        user = await pages.viewer(request)
        if user is None:
            return pages.to_login("/account/sessions")
        form = await pages.form(request)
        if form is None:
            return await pages.sessions_list(request, user, 403, "form.expired")
        password = form.get("password", "")
        if len(password.encode()) > MAX_FIELD_BYTES:
            return await pages.sessions_list(request, user, 401, "password.wrong_current")
        token = browser.session_token(request, settings)
        result = await pages.run(
            self_service.end_all_others, user, token, password, pages.now_us(), settings
        )
        pages.record(request, result.attempt)
        if not result.ok:
            return await pages.sessions_list(request, user, 401, "password.wrong_current")
        return _redirect("/account/sessions?ended=1")

    @router.get("/login/totp/enrol")
    async def enrol_page(request: Request) -> Response:
        next_path = browser.safe_next(request.query_params.get("next"))
        token = browser.session_token(request, settings)
        pending = await pages.run(users.pending_session_user, token, pages.now_us())
        if pending is None or not login.must_enrol(pending, settings):
            return _redirect("/login?" + urlencode({"reason": "expired", "next": next_path}))
        return pages.enrol_form(request, pending, next_path)

    @router.post("/login/totp/enrol")
    async def enrol_submit(request: Request) -> Response:
        form = await pages.form(request)
        next_path = browser.safe_next((form or {}).get("next", ""))
        if form is None:
            return _redirect("/login?" + urlencode({"reason": "expired", "next": next_path}))
        token = browser.session_token(request, settings)
        sealed, code = form.get("sealed", "")[:512], form.get("code", "")[:32]
        result = await pages.run(login.enrol_login, token, sealed, code, pages.now_us(), settings)
        pages.record(request, result.attempt)
        if result.session_token is not None:
            response = _redirect(next_path)
            browser.set_session(response, request, settings, result.session_token)
            return response
        if result.attempt.outcome == users.BAD_CODE and not result.attempt.locked_now:
            pending = await pages.run(users.pending_session_user, token, pages.now_us())
            if pending is not None:  # the same key again: it may be in their app already
                return pages.enrol_form(request, pending, next_path, 401, "totp.failed", sealed)
        reason = "expired" if result.attempt.outcome == users.NO_PENDING_LOGIN else "failed"
        response = _redirect("/login?" + urlencode({"reason": reason, "next": next_path}))
        browser.clear_session(response, request, settings)
        return response

    return router


class _Pages:
    """What the routes share: the session's user, transactions, forms and rendering."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings

    def now_us(self) -> int:
        return epoch_us(self.services.repo.clock())

    async def run(self, work: Callable[..., T], *args: object) -> T:
        def in_transaction() -> T:
            with self.services.db.begin() as conn:
                return work(conn, *args)

        return await run_in_threadpool(in_transaction)

    async def viewer(self, request: Request) -> User | None:
        token = browser.session_token(request, self.settings)
        return await self.run(users.session_user, token, self.now_us()) if token else None

    async def form(self, request: Request) -> dict[str, str] | None:
        """The POSTed fields, or None when the CSRF token does not check out."""
        form = {key: str(value) for key, value in (await request.form()).items()}
        return form if browser.csrf_ok(request, self.settings, form.get("csrf", "")) else None

    def to_login(self, path: str) -> Response:
        return _redirect("/login?" + urlencode({"next": path}))

    def record(self, request: Request, attempt: users.LoginAttempt | None) -> None:
        """A password re-entry or TOTP step, in the audit trail as login steps are."""
        if attempt is not None and self.services.audit is not None:
            source = request.client.host if request.client else None
            self.services.audit.login(attempt, request.headers.get("x-request-id"), source)

    def page(
        self, request: Request, template: str, status: int, viewer: User | None, **context: Any
    ) -> Response:
        state = browser.csrf_state(request)
        response = render.page(
            request,
            template,
            status=status,
            viewer=viewer,
            csrf=state.token(request, self.settings),
            **context,
        )
        state.keep(response, request, self.settings)
        return response

    def password_form(
        self,
        request: Request,
        user: User,
        status: int = 200,
        error: str | None = None,
        notice: str | None = None,
    ) -> Response:
        policy = orjson.dumps(passwords.policy_for_meter()).decode()
        return self.page(
            request, "account_password.html", status, user, error=error, notice=notice,
            policy=policy, username=user.username,
        )  # fmt: skip

    async def sessions_list(
        self,
        request: Request,
        user: User,
        status: int = 200,
        error: str | None = None,
        notice: str | None = None,
    ) -> Response:
        token = browser.session_token(request, self.settings)
        found = await self.run(sessions.live_sessions, user.id, token, self.now_us())
        rows = [(s.id, when(request, s.created_us), when(request, s.last_seen_us), s.current)
                for s in found]  # fmt: skip
        others = any(not s.current for s in found)
        return self.page(
            request, "account_sessions.html", status, user, error=error, notice=notice,
            rows=rows, others=others,
        )  # fmt: skip

    def enrol_form(
        self,
        request: Request,
        user: User,
        next_path: str,
        status: int = 200,
        error: str | None = None,
        sealed: str = "",
    ) -> Response:
        offer = login.enrolment_offer(user, self.settings, sealed)
        return self.page(
            request, "totp_enrol.html", status, None, error=error, offer=offer, next_path=next_path
        )


def _redirect(url: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response
