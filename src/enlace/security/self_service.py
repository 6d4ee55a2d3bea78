"""What signed-in people do to their own account (ASVS V2.1.5/6, V3.3.3/4, V2.2.3, V2.5.5).

Change their password (current one required), list their live sessions and end one or all of
the others (all of them only after re-entering the password), and learn at their next sign-in
that a credential of theirs changed. Each function runs in the caller's write transaction and
reports bad input as an outcome instead of raising: a wrong current password is counted
towards the login lockout (`users.record_failure`), and raising would roll that count back.

Ending the other sessions also revokes the person's live refresh tokens (`oauth.
revoke_user_tokens`), as the patient app's "sign out other devices" does: an app holding a
refresh token is signed in as surely as a browser holding a cookie.

A credential change is an audit entry (interaction `password-change` or `totp-change`), written
in the same transaction as the change; `credential_notice` compares the newest one with the
person's previous sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select, update

from enlace.kernel.settings import Settings

from . import oauth, passwords, sessions
from .audit import AuditEntry
from .audit_log import record
from .tables import audit_log, users
from .users import BAD_PASSWORD, LOCKED, SUCCESS, LoginAttempt, User, record_failure

PASSWORD_CHANGE = "password-change"
TOTP_CHANGE = "totp-change"
# Outcomes of a change (ChangeResult.outcome)
CHANGED = "changed"
WRONG_CURRENT = "wrong-current"  # wrong password, or the account is locked: one answer
MISMATCH = "mismatch"  # the confirmation differs from the new password
SAME = "same"  # the new password is the current one
POLICY = "policy"  # the new password breaks a rule (ChangeResult.rule)
# Successful sign-ins, as login audit entries record them (audit.login_entry's reason).
SIGN_INS = ("password: success", "totp: success")


@dataclass(frozen=True)
class PasswordForm:
    current: str
    new: str
    confirm: str
    end_others: bool = True


@dataclass(frozen=True)
class ChangeResult:
    outcome: str
    attempt: LoginAttempt | None = None  # the password check, for the audit log
    rule: str | None = None
    ended: int = 0  # other sessions and refresh-token families ended

    @property
    def ok(self) -> bool:
        return self.outcome == CHANGED


def change_password(
    conn: Connection,
    user: User,
    session_token: str,
    form: PasswordForm,
    now_us: int,
    settings: Settings,
) -> ChangeResult:
    """Replace the user's password when `form.current` is right and the new one is acceptable;
    nothing changes otherwise (but a wrong current password is counted)."""
    attempt = check_current(conn, user, form.current, now_us, settings)
    if attempt.outcome != SUCCESS:
        return ChangeResult(WRONG_CURRENT, attempt)
    if form.new != form.confirm:
        return ChangeResult(MISMATCH, attempt)
    if form.new == form.current:
        return ChangeResult(SAME, attempt)
    rule = passwords.policy_violation(form.new, user.username)
    if rule is not None:
        return ChangeResult(POLICY, attempt, rule)
    new_hash = passwords.hash_password(form.new)
    conn.execute(update(users).where(users.c.id == user.id).values(password_hash=new_hash))
    ended = end_others(conn, user, session_token) if form.end_others else 0
    record_change(conn, user, PASSWORD_CHANGE, now_us, settings)
    return ChangeResult(CHANGED, attempt, ended=ended)


def end_all_others(
    conn: Connection, user: User, session_token: str, password: str, now_us: int, settings: Settings
) -> ChangeResult:
    """End every other session and refresh token of the user, once the password is re-entered."""
    attempt = check_current(conn, user, password, now_us, settings)
    if attempt.outcome != SUCCESS:
        return ChangeResult(WRONG_CURRENT, attempt)
    return ChangeResult(CHANGED, attempt, ended=end_others(conn, user, session_token))


def end_others(conn: Connection, user: User, session_token: str) -> int:
    ended = sessions.end_other_sessions(conn, user.id, session_token)
    return ended + oauth.revoke_user_tokens(conn, user.id)


def check_current(
    conn: Connection, user: User, password: str, now_us: int, settings: Settings
) -> LoginAttempt:
    """The password check of a login, for a signed-in user: the same lockout, the same cost
    for a locked account (no oracle), and a failure counted as a failed login."""
    row = conn.execute(
        select(users.c.password_hash, users.c.locked_until_us).where(users.c.id == user.id)
    ).first()
    step = "reauthenticate"
    if row is None or row.locked_until_us > now_us:
        passwords.burn_verify(password)
        return LoginAttempt(user.username, user.id, step, LOCKED, now_us)
    if not passwords.verify_password(row.password_hash, password):
        locked_until = record_failure(conn, user.id, now_us, settings)
        return LoginAttempt(user.username, user.id, step, BAD_PASSWORD, now_us, locked_until)
    return LoginAttempt(user.username, user.id, step, SUCCESS, now_us)


def record_change(
    conn: Connection,
    user: User,
    interaction: str,
    now_us: int,
    settings: Settings,
    reason: str | None = None,
) -> None:
    """The audit entry of a credential change, in the change's own transaction. Its actor is
    the account changed (what `credential_notice` looks for); `reason` says when an operator
    made it (`enlace users totp`)."""
    if not settings.audit_enabled:
        return
    entry = AuditEntry(
        action="U",
        interaction=interaction,
        outcome=200,
        actor=user.id,
        recorded_us=now_us,
        actor_display=user.display_name or user.username,
        fhir_user=user.fhir_user,
        role=user.role,
        organization=user.organization,
        reason=reason,
    )
    record(conn, [entry])


def last_change(conn: Connection, user_id: str) -> int | None:
    """When a credential of the user last changed (by these pages), or None."""
    changed = select(func.max(audit_log.c.recorded_us)).where(
        audit_log.c.actor == user_id, audit_log.c.interaction.in_((PASSWORD_CHANGE, TOTP_CHANGE))
    )
    value = conn.execute(changed).scalar()
    return None if value is None else int(value)


def credential_notice(conn: Connection, user_id: str) -> int | None:
    """The time of a credential change made since the user's previous sign-in, or None: what
    the next sign-in tells them. Call it before this sign-in's own entry is recorded. A first
    sign-in is told nothing: the operator who made the account set its credentials."""
    changed = last_change(conn, user_id)
    if changed is None:
        return None
    previous = conn.execute(
        select(func.max(audit_log.c.recorded_us)).where(
            audit_log.c.actor == user_id,
            audit_log.c.action == "login",
            audit_log.c.reason.in_(SIGN_INS),
        )
    ).scalar()
    return changed if previous is not None and changed > previous else None
