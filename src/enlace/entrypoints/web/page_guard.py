"""What every role-restricted page route does first and last: find the session's user
(anonymous → /login and back), refuse other roles with the 403 page, turn a FhirError
400/403/404/409/410/422 into the friendly problem page, and anything else into error.html
(logged), never a traceback. Shared by the money and procurement pages."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from enlace.kernel import errors
from enlace.kernel.settings import Settings
from enlace.security.users import User

from . import browser, render
from .shell import Shell

log = logging.getLogger("enlace.web.pages")

# FhirError statuses shown as the problem page (409 and 422 read as bad input to a person).
SHOWN = {400: 400, 403: 403, 404: 404, 409: 400, 410: 404, 422: 400}
MAX_PAGE = 500
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")

Work = Callable[[User], Awaitable[Response]]


async def guarded(
    shell: Shell, request: Request, roles: tuple[str, ...], work: Work, message: str
) -> Response:
    """Run `work` for a signed-in user of one of `roles`; `message` is the key shown for bad
    input the domain refused (a FhirError 400)."""
    try:
        user = await shell.viewer(request)
        if user is None:
            return to_login(request)
        if user.role not in roles:
            return shell.problem(request, user, 403, None)
        try:
            return await work(user)
        except BadInput as bad:
            return shell.problem(request, user, 400, bad.message)
        except errors.FhirError as exc:
            status = SHOWN.get(exc.status)
            if status is None:
                raise
            return shell.problem(request, user, status, message)
    except Exception:
        log.exception("page %s %s failed", request.method, request.url.path)
        return render.page(request, "error.html", status=500)


class BadInput(Exception):
    """Bad input a page found itself: shown as the 400 page with this message key."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def posted_form(request: Request, settings: Settings) -> dict[str, str]:
    """A page's POSTed form as text fields, once its CSRF token checks out (else BadInput: the
    "form expired" page)."""
    form = {key: str(value) for key, value in (await request.form()).items()}
    if not browser.csrf_ok(request, settings, form.get("csrf", "")):
        raise BadInput("form.expired")
    return form


def page_number(request: Request) -> int:
    """`?page=` as 1..MAX_PAGE (absent: 1); anything else is BadInput."""
    text = request.query_params.get("page")
    if text is None or text == "":
        return 1
    if not PAGE_NUMBER.fullmatch(text) or int(text) > MAX_PAGE:
        raise BadInput("search.bad_page")
    return int(text)


def to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(
        "/login?" + urlencode({"next": browser.safe_next(target)}), status_code=303
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def with_query(path: str, **params: str | int | None) -> str:
    """`path?a=1&b=2` with the parameters that have a value."""
    kept = [(k, str(v)) for k, v in params.items() if v is not None and v != ""]
    return path + ("?" + urlencode(kept) if kept else "")


def money(centavos: int) -> str:
    """`$1,234.56` (the same in es-MX and en); negative amounts as `-$12.00`."""
    sign = "-" if centavos < 0 else ""
    whole, cents = divmod(abs(centavos), 100)
    return f"{sign}${whole:,}.{cents:02d}"
