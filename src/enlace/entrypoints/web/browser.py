"""What a page needs from the browser: the session cookie, CSRF state and safe redirects."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request, Response

from enlace.kernel.settings import Settings
from enlace.security import csrf
from enlace.security.users import session_fingerprint

SESSION_COOKIE = "enlace_session"
# Over HTTPS the cookie carries the __Host- prefix (ASVS V3.4.4): browsers then accept it only
# with Secure, Path=/ and no Domain, so no sibling host or plain-HTTP page can plant or widen it.
# Plain HTTP (development) keeps the bare name: browsers refuse __Host- without Secure.
HOST_SESSION_COOKIE = "__Host-enlace_session"
CSRF_COOKIE = "enlace_csrf"
MAX_NEXT_LENGTH = 2048
DEFAULT_NEXT = "/"  # the role's home page


def secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.production


def session_cookie(request: Request, settings: Settings) -> str:
    """The session cookie's name for this request; the one name read and written."""
    return HOST_SESSION_COOKIE if secure(request, settings) else SESSION_COOKIE


def session_token(request: Request, settings: Settings) -> str:
    return request.cookies.get(session_cookie(request, settings), "")


def set_session(response: Response, request: Request, settings: Settings, token: str) -> None:
    # No Max-Age: the cookie ends with the browser, and the server ends the session sooner
    # (15 minutes idle, 8 hours at most) whatever the cookie says.
    response.set_cookie(
        session_cookie(request, settings),
        token,
        httponly=True,
        samesite="lax",
        secure=secure(request, settings),
        path="/",
    )


def clear_session(response: Response, request: Request, settings: Settings) -> None:
    response.delete_cookie(
        session_cookie(request, settings),
        httponly=True,
        samesite="lax",
        secure=secure(request, settings),
        path="/",
    )


@dataclass(frozen=True)
class Csrf:
    nonce: str
    is_new: bool  # the nonce cookie must be (re)sent with the response

    def token(self, request: Request, settings: Settings) -> str:
        """The form token for this browser and its current session cookie."""
        fingerprint = _fingerprint(request, settings)
        return csrf.form_token(settings.secret_key, self.nonce, fingerprint)

    def keep(self, response: Response, request: Request, settings: Settings) -> None:
        if self.is_new:
            response.set_cookie(
                CSRF_COOKIE,
                self.nonce,
                httponly=True,
                samesite="lax",
                secure=secure(request, settings),
                path="/",
            )


def csrf_state(request: Request) -> Csrf:
    nonce = request.cookies.get(CSRF_COOKIE, "")
    return Csrf(nonce, False) if nonce else Csrf(csrf.new_nonce(), True)


def csrf_ok(request: Request, settings: Settings, submitted: str) -> bool:
    """The submitted form token matches this browser's nonce cookie and session cookie."""
    nonce = request.cookies.get(CSRF_COOKIE, "")
    return csrf.token_valid(settings.secret_key, nonce, _fingerprint(request, settings), submitted)


def _fingerprint(request: Request, settings: Settings) -> str:
    token = session_token(request, settings)
    return session_fingerprint(token) if token else ""


def safe_next(value: str | None, default: str = DEFAULT_NEXT) -> str:
    """`value` when it is a path on this site, else `default`: no scheme, no host, no `//` or
    backslash (browsers read `/\\evil.example` as another host), no control characters."""
    if not value or len(value) > MAX_NEXT_LENGTH:
        return default
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
