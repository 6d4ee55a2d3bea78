"""Browser sessions (HIPAA 164.312 automatic logoff).

A session ends after 15 minutes without activity or 8 hours after it started, whichever comes
first; a session whose TOTP step is still pending lasts 5 minutes and is no session for
`session_user`. Only the SHA-256 of a token is stored. enlace.security.users re-exports these
functions: import them from there.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, or_, select, update

from .accounts import User, user_from_row
from .tables import sessions, users

SECOND_US = 1_000_000
IDLE_US = 15 * 60 * SECOND_US
ABSOLUTE_US = 8 * 3600 * SECOND_US
PENDING_US = 5 * 60 * SECOND_US
# A session's last activity is written at most once a minute, not on every request.
TOUCH_US = 60 * SECOND_US


@dataclass(frozen=True)
class SessionInfo:
    """One live session as its owner sees it: `id` names it without being its token."""

    id: str
    created_us: int
    last_seen_us: int
    current: bool


def start_session(
    conn: Connection, user: User, now_us: int, second_factor: bool, *, enrolment: bool = False
) -> str:
    """A new session token (returned once, stored as its SHA-256). `second_factor` says the
    TOTP step is done; for a user without TOTP the session is complete either way, otherwise
    it is a pending session for `pending_session_user`. `enrolment`: a user without TOTP who
    must enrol one first (an administrator in production) gets a pending session too."""
    complete = second_factor or not (user.totp_enabled or enrolment)
    conn.execute(
        delete(sessions).where(
            sessions.c.user_id == user.id,
            or_(sessions.c.expires_us <= now_us, sessions.c.last_seen_us < now_us - IDLE_US),
        )
    )
    token = secrets.token_urlsafe(32)
    conn.execute(
        sessions.insert().values(
            token_hash=_digest(token),
            user_id=user.id,
            created_us=now_us,
            last_seen_us=now_us,
            expires_us=now_us + (ABSOLUTE_US if complete else PENDING_US),
            second_factor=complete,
        )
    )
    return token


def session_user(conn: Connection, session_token: str, now_us: int) -> User | None:
    """The user of a live, complete session; None for a token that is unknown, expired, idle
    for more than 15 minutes, or still waiting for its TOTP step. Counts as activity (written
    at most once a minute), so call it in a write transaction."""
    return _live_session_user(conn, session_token, now_us, complete=True)


def pending_session_user(conn: Connection, session_token: str, now_us: int) -> User | None:
    """The user of a live session whose TOTP step is pending."""
    return _live_session_user(conn, session_token, now_us, complete=False)


def end_session(conn: Connection, token: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.token_hash == _digest(token)))


def end_user_sessions(conn: Connection, user_id: str) -> int:
    return conn.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount


def end_other_sessions(conn: Connection, user_id: str, keep_token: str) -> int:
    """End every session of a user but the one of `keep_token`; how many ended."""
    others = delete(sessions).where(
        sessions.c.user_id == user_id, sessions.c.token_hash != _digest(keep_token)
    )
    return conn.execute(others).rowcount


def live_sessions(
    conn: Connection, user_id: str, current_token: str, now_us: int
) -> list[SessionInfo]:
    """A user's complete, live sessions, newest first (pending and expired ones are no
    sessions to list)."""
    rows = conn.execute(
        select(sessions)
        .where(
            sessions.c.user_id == user_id,
            sessions.c.second_factor.is_(True),
            sessions.c.expires_us > now_us,
            sessions.c.last_seen_us >= now_us - IDLE_US,
        )
        .order_by(sessions.c.created_us.desc())
    ).mappings()
    current = _digest(current_token)
    return [
        SessionInfo(
            _public_id(r["token_hash"]),
            r["created_us"],
            r["last_seen_us"],
            r["token_hash"] == current,
        )
        for r in rows
    ]


def end_session_by_id(conn: Connection, user_id: str, session_id: str, current_token: str) -> bool:
    """End one of the user's other sessions by its listed id; False when no session of theirs
    (other than the current one) has it. Only the user's own rows are looked at."""
    current = _digest(current_token)
    rows = conn.execute(select(sessions.c.token_hash).where(sessions.c.user_id == user_id)).all()
    for (token_hash,) in rows:
        if token_hash != current and secrets.compare_digest(_public_id(token_hash), session_id):
            conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))
            return True
    return False


def purge_expired_sessions(conn: Connection, now_us: int) -> int:
    """Delete every session past its end or idle limit (for a periodic job)."""
    ended = or_(sessions.c.expires_us <= now_us, sessions.c.last_seen_us < now_us - IDLE_US)
    return conn.execute(delete(sessions).where(ended)).rowcount


def session_fingerprint(session_token: str) -> str:
    """The stored digest of a token: what may be bound to it (CSRF tokens) without the token."""
    return _digest(session_token)


def _live_session_user(conn: Connection, token: str, now_us: int, complete: bool) -> User | None:
    if not token:
        return None
    digest = _digest(token)
    found = (
        conn.execute(
            select(users, sessions.c.last_seen_us, sessions.c.expires_us, sessions.c.second_factor)
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(sessions.c.token_hash == digest)
        )
        .mappings()
        .first()
    )
    if (
        found is None
        or not found["active"]
        or bool(found["second_factor"]) != complete
        or found["expires_us"] <= now_us
        or now_us - found["last_seen_us"] > IDLE_US
    ):
        return None
    if now_us - found["last_seen_us"] >= TOUCH_US:
        conn.execute(
            update(sessions).where(sessions.c.token_hash == digest).values(last_seen_us=now_us)
        )
    return user_from_row(found)


def _public_id(token_hash: str) -> str:
    # A digest of the stored digest: it names a session on a page without being the value a
    # CSRF token is bound to.
    return hashlib.sha256(f"session-id:{token_hash}".encode()).hexdigest()[:24]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
