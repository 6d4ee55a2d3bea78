"""Login, TOTP, logout and account pages (server-rendered forms; see docs/security.md).

Each route parses its form, checks the CSRF token, calls one service function of
enlace.security.login in a write transaction (off the event loop: argon2 takes a fifth of a
second on purpose), and renders or redirects. Failures are shown as messages in the page; an
unexpected error is logged and shown as a friendly page, never a traceback.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.security import login, self_service, users
from enlace.security.users import LoginAttempt, User

from . import account_pages, browser, render

log = logging.getLogger("enlace.web.login")

STATIC = Path(__file__).parent / "static"
# The pages' own stylesheet and script (the patient app's assets are app_static's).
PAGE_ASSETS = {"enlace.css": "text/css", "account.js": "text/javascript"}
MAX_USERNAME = 256
MAX_PASSWORD_BYTES = 1024
# Messages /login shows after a redirect: ?reason= picks one of these, nothing else.
REASONS = {"expired": "login.expired", "signed-out": "login.signed_out", "failed": "login.failed"}

Handler = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")


def register(app: FastAPI, services: Services) -> None:
    app.include_router(_router(services))
    account_pages.register(app, services)


def _router(services: Services) -> APIRouter:
    router = APIRouter()
    settings = services.settings

    def now_us() -> int:
        return epoch_us(services.repo.clock())

    async def in_transaction(work: Callable[..., T], *args: object) -> T:
        def run() -> T:
            with services.db.begin() as conn:
                return work(conn, *args)

        return await run_in_threadpool(run)

    def form_page(
        request: Request,
        template: str,
        status: int,
        error: str | None = None,
        notice: str | None = None,
        **context: Any,
    ) -> Response:
        """A page with a form: its CSRF token in the page, its nonce cookie kept."""
        state = browser.csrf_state(request)
        csrf_token = state.token(request, settings)
        response = render.page(
            request, template, status=status, error=error, notice=notice, csrf=csrf_token, **context
        )
        state.keep(response, request, settings)
        return response

    def login_form(
        request: Request,
        status: int = 200,
        *,
        next_path: str | None,
        username: str = "",
        error: str | None = None,
        notice: str | None = None,
    ) -> Response:
        next_path = browser.safe_next(next_path)
        return form_page(
            request,
            "login.html",
            status,
            next_path=next_path,
            username=username,
            error=error,
            notice=notice,
        )

    def totp_form(
        request: Request, next_path: str, status: int = 200, error: str | None = None
    ) -> Response:
        return form_page(request, "totp.html", status, next_path=next_path, error=error)

    def account_view(
        request: Request,
        user: User,
        status: int = 200,
        error: str | None = None,
        changed: str | None = None,
        next_path: str | None = None,
    ) -> Response:
        return form_page(
            request,
            "account.html",
            status,
            user=user,
            viewer=user,
            error=error,
            changed=changed,
            next_path=next_path,
        )

    def redirect(url: str) -> Response:
        response = RedirectResponse(url, status_code=303)
        response.headers["Cache-Control"] = "no-store"
        return response

    def to_login(reason: str, next_path: str) -> str:
        return "/login?" + urlencode({"reason": reason, "next": next_path})

    async def signed_in_target(result: login.LoginResult, next_path: str) -> str:
        """Where a complete sign-in goes: `next_path`, or first the account page telling of a
        credential change since the previous sign-in (ASVS V2.2.3, V2.5.5). Asked before this
        sign-in's own audit entry is recorded."""
        if result.user is None or result.attempt.outcome != users.SUCCESS:
            return next_path
        changed = await in_transaction(self_service.credential_notice, result.user.id)
        if changed is None:
            return next_path
        return "/account?" + urlencode({"changed": "1", "next": next_path})

    @router.get("/login")
    @_friendly
    async def login_page(request: Request) -> Response:
        reason = REASONS.get(request.query_params.get("reason", ""))
        notice = reason if reason in ("login.expired", "login.signed_out") else None
        error = reason if reason == "login.failed" else None
        return login_form(
            request, next_path=request.query_params.get("next"), notice=notice, error=error
        )

    @router.post("/login")
    @_friendly
    async def login_submit(request: Request) -> Response:
        form = await request.form()
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        next_path = browser.safe_next(str(form.get("next", "")))
        if not browser.csrf_ok(request, settings, str(form.get("csrf", ""))):
            return login_form(
                request, 403, next_path=next_path, username=username, error="form.expired"
            )
        if len(username) > MAX_USERNAME or len(password.encode()) > MAX_PASSWORD_BYTES:
            return login_form(request, 401, next_path=next_path, error="login.failed")
        result = await in_transaction(login.password_login, username, password, now_us(), settings)
        target = await signed_in_target(result, next_path)
        _record_attempt(services, request, result.attempt)
        if result.session_token is None:
            return login_form(
                request, 401, next_path=next_path, username=username, error="login.failed"
            )
        if result.needs_totp:
            target = "/login/totp?" + urlencode({"next": next_path})
        elif result.needs_enrolment:
            target = "/login/totp/enrol?" + urlencode({"next": next_path})
        response = redirect(target)
        browser.set_session(response, request, settings, result.session_token)
        return response

    @router.get("/login/totp")
    @_friendly
    async def totp_page(request: Request) -> Response:
        next_path = browser.safe_next(request.query_params.get("next"))
        pending = await in_transaction(
            users.pending_session_user, browser.session_token(request, settings), now_us()
        )
        if pending is None:
            return redirect(to_login("expired", next_path))
        return totp_form(request, next_path)

    @router.post("/login/totp")
    @_friendly
    async def totp_submit(request: Request) -> Response:
        form = await request.form()
        next_path = browser.safe_next(str(form.get("next", "")))
        if not browser.csrf_ok(request, settings, str(form.get("csrf", ""))):
            return totp_form(request, next_path, 403, error="form.expired")
        code = str(form.get("code", ""))[:32]
        token = browser.session_token(request, settings)
        result = await in_transaction(login.totp_login, token, code, now_us(), settings)
        target = await signed_in_target(result, next_path)
        _record_attempt(services, request, result.attempt)
        if result.session_token is not None:
            response = redirect(target)
            browser.set_session(response, request, settings, result.session_token)
            return response
        outcome = result.attempt.outcome
        if outcome == users.BAD_CODE and not result.attempt.locked_now:
            return totp_form(request, next_path, 401, error="totp.failed")
        # The pending login is over (expired, or the account is now locked): start again.
        reason = "expired" if outcome == users.NO_PENDING_LOGIN else "failed"
        response = redirect(to_login(reason, next_path))
        browser.clear_session(response, request, settings)
        return response

    @router.post("/logout")
    @_friendly
    async def logout_submit(request: Request) -> Response:
        form = await request.form()
        if not browser.csrf_ok(request, settings, str(form.get("csrf", ""))):
            user = await in_transaction(
                users.session_user, browser.session_token(request, settings), now_us()
            )
            if user is not None:
                return account_view(request, user, 403, error="form.expired")
            return redirect(to_login("expired", "/account"))
        await in_transaction(login.logout, browser.session_token(request, settings))
        response = redirect("/login?reason=signed-out")
        browser.clear_session(response, request, settings)
        return response

    @router.get("/account")
    @_friendly
    async def account_page(request: Request) -> Response:
        token = browser.session_token(request, settings)
        user = await in_transaction(users.session_user, token, now_us())
        if user is None:
            return redirect("/login?" + urlencode({"next": "/account"}))
        changed = await in_transaction(self_service.last_change, user.id)
        when = None if changed is None else account_pages.when(request, changed)
        show = request.query_params.get("changed") == "1" and when is not None
        next_path = browser.safe_next(request.query_params.get("next")) if show else None
        return account_view(request, user, changed=when, next_path=next_path)

    for name, media in PAGE_ASSETS.items():
        router.add_api_route(f"/assets/{name}", _asset(name, media), methods=["GET"])
    return router


def _asset(name: str, media: str) -> Callable[[], Awaitable[Response]]:
    async def serve() -> Response:
        headers = {"Cache-Control": "public, max-age=3600"}
        return FileResponse(STATIC / name, media_type=media, headers=headers)

    return serve


def _friendly(handler: Handler) -> Handler:
    """An unexpected failure becomes a friendly page (logged with its traceback)."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except HTTPException as exc:  # the request itself is malformed (a multipart form
            # without its boundary, found by fuzzing): the client's 4xx, not our 500
            return render.page(request, "error.html", status=exc.status_code)
        except Exception:
            log.exception("page %s %s failed", request.method, request.url.path)
            return render.page(request, "error.html", status=500)

    return guarded


def _record_attempt(services: Services, request: Request, attempt: LoginAttempt) -> None:
    """The one place a login step is reported: to the audit trail, and the log."""
    if services.audit is not None:
        source = request.client.host if request.client else None
        services.audit.login(attempt, request.headers.get("x-request-id"), source)
    log.info(
        "login step %s: %s",
        attempt.step,
        attempt.outcome,
        extra={"user_id": attempt.user_id, "locked_until_us": attempt.locked_until_us},
    )
