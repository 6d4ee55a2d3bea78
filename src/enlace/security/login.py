"""The two steps of a browser login, each one call in one write transaction.

`password_login` checks the password and opens a session: complete for a user without TOTP,
pending (5 minutes) for one with TOTP. `totp_login` turns a pending session into a complete one
under a new token (a token seen before the second factor is never the one that carries it).
Failed TOTP codes count towards the same lockout as failed passwords. Each step returns a
`LoginResult` whose `attempt` is what the audit log should record.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from enlace.kernel.settings import Settings

from . import users
from .users import LoginAttempt, User


@dataclass(frozen=True)
class LoginResult:
    attempt: LoginAttempt
    user: User | None = None
    session_token: str | None = None  # set on success: complete, or pending when needs_totp

    @property
    def needs_totp(self) -> bool:
        return self.attempt.outcome == users.TOTP_REQUIRED


def password_login(
    conn: Connection, username: str, password: str, now_us: int, settings: Settings
) -> LoginResult:
    user, attempt = users.attempt_password(conn, username, password, now_us, settings)
    if user is None:
        return LoginResult(attempt)
    token = users.start_session(conn, user, now_us, second_factor=False)
    return LoginResult(attempt, user, token)


def totp_login(
    conn: Connection, pending_token: str, code: str, now_us: int, settings: Settings
) -> LoginResult:
    user = users.pending_session_user(conn, pending_token, now_us)
    if user is None:
        return LoginResult(_attempt(None, users.NO_PENDING_LOGIN, now_us))
    if users.locked_until(conn, user.id) > now_us:
        users.end_session(conn, pending_token)
        return LoginResult(_attempt(user, users.LOCKED, now_us))
    if not users.verify_totp(conn, user, code, now_us, settings):
        locked = users.record_failure(conn, user.id, now_us, settings)
        if locked:
            users.end_session(conn, pending_token)
        return LoginResult(_attempt(user, users.BAD_CODE, now_us, locked))
    users.clear_failures(conn, user.id)
    users.end_session(conn, pending_token)
    token = users.start_session(conn, user, now_us, second_factor=True)
    return LoginResult(_attempt(user, users.SUCCESS, now_us), user, token)


def logout(conn: Connection, session_token: str) -> None:
    if session_token:
        users.end_session(conn, session_token)


def _attempt(user: User | None, outcome: str, now_us: int, locked_until: int = 0) -> LoginAttempt:
    username = "" if user is None else user.username
    user_id = None if user is None else user.id
    return LoginAttempt(username, user_id, "totp", outcome, now_us, locked_until)
