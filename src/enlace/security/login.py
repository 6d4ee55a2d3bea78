"""The two steps of a browser login, each one call in one write transaction.

`password_login` checks the password and opens a session: complete for a user without TOTP,
pending (5 minutes) for one with TOTP. `totp_login` turns a pending session into a complete one
under a new token (a token seen before the second factor is never the one that carries it).
Failed TOTP codes count towards the same lockout as failed passwords. Each step returns a
`LoginResult` whose `attempt` is what the audit log should record.

An administrator without TOTP, where `settings.admin_totp_required` (production), gets a pending
session too, and `enrol_login` completes it only once a code of a new secret checks out (ASVS
V4.3.1): no complete administrator session exists without a second factor.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from enlace.kernel.settings import Settings

from . import secretbox, self_service, totp, users
from .tables import users as users_table
from .users import LoginAttempt, User

TOTP_ENROL = users.TOTP_ENROL
ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class LoginResult:
    attempt: LoginAttempt
    user: User | None = None
    session_token: str | None = None  # set on success: complete, or pending when needs_totp

    @property
    def needs_totp(self) -> bool:
        return self.attempt.outcome == users.TOTP_REQUIRED

    @property
    def needs_enrolment(self) -> bool:
        return self.attempt.outcome == TOTP_ENROL


def must_enrol(user: User, settings: Settings) -> bool:
    return settings.admin_totp_required and user.role == ADMINISTRATOR and not user.totp_enabled


def password_login(
    conn: Connection, username: str, password: str, now_us: int, settings: Settings
) -> LoginResult:
    user, attempt = users.attempt_password(conn, username, password, now_us, settings)
    if user is None:
        return LoginResult(attempt)
    if must_enrol(user, settings):
        token = users.start_session(conn, user, now_us, second_factor=False, enrolment=True)
        return LoginResult(_attempt(user, TOTP_ENROL, now_us, step="password"), user, token)
    token = users.start_session(conn, user, now_us, second_factor=False)
    return LoginResult(attempt, user, token)


def enrolment_offer(user: User, settings: Settings, sealed: str = "") -> users.TotpEnrolment:
    """A secret for the enrolment page: shown, and carried by the form sealed (to this user and
    purpose), so nothing is stored until a code of it checks out. `sealed`, when it opens,
    offers the same secret again (after a mistyped code)."""
    secret = _opened(settings, sealed, user.id) if sealed else None
    if secret is None:
        secret = totp.new_secret()
        sealed = secretbox.seal_secret(settings, secret, _enrol_context(user.id))
    uri = totp.provisioning_uri(secret, user.username)
    return users.TotpEnrolment(totp.base32_secret(secret), uri, sealed)


def enrol_login(
    conn: Connection, pending_token: str, sealed: str, code: str, now_us: int, settings: Settings
) -> LoginResult:
    """Store the offered secret once `code` is one of its codes, and complete the login under a
    new token. A wrong code counts towards the lockout, as in `totp_login`."""
    user = users.pending_session_user(conn, pending_token, now_us)
    if user is None or not must_enrol(user, settings):
        return LoginResult(_attempt(None, users.NO_PENDING_LOGIN, now_us))
    if users.locked_until(conn, user.id) > now_us:
        users.end_session(conn, pending_token)
        return LoginResult(_attempt(user, users.LOCKED, now_us))
    secret = _opened(settings, sealed, user.id)
    step = None if secret is None else totp.matching_step(secret, code, now_us, 0)
    if secret is None or step is None:
        locked = users.record_failure(conn, user.id, now_us, settings)
        if locked:
            users.end_session(conn, pending_token)
        return LoginResult(_attempt(user, users.BAD_CODE, now_us, locked))
    stored = secretbox.seal_secret(settings, secret, f"totp:{user.id}")
    conn.execute(
        users_table.update()
        .where(users_table.c.id == user.id)
        .values(totp_secret=stored, totp_last_step=step, failed_logins=0)
    )
    self_service.record_change(conn, user, self_service.TOTP_CHANGE, now_us, settings)
    users.end_session(conn, pending_token)
    token = users.start_session(conn, user, now_us, second_factor=True)
    return LoginResult(_attempt(user, users.SUCCESS, now_us), user, token)


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


def _attempt(
    user: User | None, outcome: str, now_us: int, locked_until: int = 0, step: str = "totp"
) -> LoginAttempt:
    username = "" if user is None else user.username
    user_id = None if user is None else user.id
    return LoginAttempt(username, user_id, step, outcome, now_us, locked_until)


def _opened(settings: Settings, sealed: str, user_id: str) -> bytes | None:
    try:
        return secretbox.open_secret(settings, sealed, _enrol_context(user_id))
    except ValueError:  # malformed, another key or another user's: no secret offered
        return None


def _enrol_context(user_id: str) -> str:
    return f"totp-enrolment:{user_id}"
