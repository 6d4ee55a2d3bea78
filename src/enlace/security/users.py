"""Human accounts: creation, the password step of a login (with lockout), TOTP and sessions.

The one module to import: it re-exports the account record (`User`, from accounts.py) and the
session functions (`start_session`, `session_user`, `end_session`, ... from sessions.py).

Nothing here writes the audit log: the login functions return a `LoginAttempt` that the caller
records. Every function takes the connection of the caller's transaction; the ones that record
something (failed logins, locks, the TOTP step, a session's last activity) must get a write
transaction (`services.db.begin()`), and a caller that raises afterwards in that transaction
undoes the record — which is why `attempt_password` reports a failure instead of raising.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select, update

from enlace.kernel import errors
from enlace.kernel.settings import Settings

from . import passwords, secretbox, totp
from .accounts import User, UserStatus, existing_row, normalize_username, row_by_name, user_from_row
from .roles import PATIENT_ROLES, check_role
from .sessions import (
    ABSOLUTE_US,
    IDLE_US,
    PENDING_US,
    SECOND_US,
    end_session,
    end_user_sessions,
    pending_session_user,
    purge_expired_sessions,
    session_fingerprint,
    session_user,
    start_session,
)
from .tables import users

__all__ = [
    "ABSOLUTE_US",
    "IDLE_US",
    "PENDING_US",
    "LoginAttempt",
    "LoginFailed",
    "TotpEnrolment",
    "User",
    "UserStatus",
    "add_user",
    "attempt_password",
    "authenticate",
    "enable_totp",
    "end_session",
    "end_user_sessions",
    "normalize_username",
    "pending_session_user",
    "purge_expired_sessions",
    "session_fingerprint",
    "session_user",
    "start_session",
    "unlock_user",
    "verify_totp",
]

USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{2,127}")
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
FHIR_USER_TYPES = ("Practitioner", "PractitionerRole", "Patient", "RelatedPerson", "Person")

# Login outcomes (LoginAttempt.outcome)
SUCCESS = "success"
TOTP_REQUIRED = "totp-required"  # password right; the TOTP step follows
TOTP_ENROL = "totp-enrolment-required"  # password right; an administrator enrols TOTP first
UNKNOWN_USER = "unknown-user"
INACTIVE = "inactive"
LOCKED = "locked"  # refused, whatever the password, because the account is locked
BAD_PASSWORD = "bad-password"
BAD_CODE = "bad-code"  # wrong, expired or replayed TOTP code
NO_PENDING_LOGIN = "no-pending-login"  # TOTP step without a live password step

GENERIC_LOGIN_ERROR = "Login refused: unknown user, wrong password or locked account"


@dataclass(frozen=True)
class LoginAttempt:
    """One login step, for the audit log. `username` is as normalised, even when unknown."""

    username: str
    user_id: str | None
    step: str  # "password" or "totp"
    outcome: str
    at_us: int
    locked_until_us: int = 0  # set when this attempt locked the account

    @property
    def succeeded(self) -> bool:
        return self.outcome in (SUCCESS, TOTP_REQUIRED, TOTP_ENROL)

    @property
    def locked_now(self) -> bool:
        return self.locked_until_us > 0


class LoginFailed(errors.FhirError):
    """A 401 with one message for every reason, so usernames cannot be probed; the reason is
    in `attempt`."""

    def __init__(self, attempt: LoginAttempt) -> None:
        super().__init__(401, [errors.Issue("login", GENERIC_LOGIN_ERROR)])
        self.attempt = attempt


@dataclass(frozen=True)
class TotpEnrolment:
    secret_base32: str  # for typing into an authenticator by hand
    uri: str  # otpauth://totp/Enlace:<username>?...
    sealed: str = ""  # the secret sealed for an enrolment form (enlace.security.login)


# --- accounts ---------------------------------------------------------------------------------


def add_user(
    conn: Connection,
    *,
    username: str,
    password: str,
    role: str,
    organization: str | None = None,
    fhir_user: str | None = None,
    patients: tuple[str, ...] | list[str] = (),
    display_name: str = "",
    now_us: int,
    user_id: str | None = None,
) -> User:
    """Create an account; 400 naming the field for bad input, 409 when the username is taken."""
    name = normalize_username(username)
    if not USERNAME.fullmatch(name):
        raise errors.bad_request(
            "Username: 3 to 128 characters, letters, digits and . _ @ - (starting with a letter or digit)",
            "username",
        )
    check_role(role)
    organization = _reference_id(organization, "Organization", "organization")
    patient_ids = tuple(
        dict.fromkeys(i for p in patients if (i := _reference_id(p, "Patient", "patient")))
    )
    if role in PATIENT_ROLES and not patient_ids:
        raise errors.bad_request(f"Role '{role}' needs at least one patient id", "patients")
    _check_fhir_user(fhir_user)
    passwords.check_policy(password, name)
    if conn.execute(select(users.c.id).where(users.c.username == name)).first() is not None:
        raise errors.conflict(f"Username '{name}' is taken")
    row = {
        "id": user_id or uuid.uuid4().hex,
        "username": name,
        "display_name": display_name.strip(),
        "password_hash": passwords.hash_password(password),
        "role": role,
        "organization": organization,
        "fhir_user": fhir_user,
        "patients": orjson.dumps(list(patient_ids)).decode(),
        "totp_secret": None,
        "totp_last_step": 0,
        "failed_logins": 0,
        "locked_until_us": 0,
        "active": True,
        "created_us": now_us,
    }
    conn.execute(users.insert().values(**row))
    return user_from_row(row)


def get_user(conn: Connection, username: str) -> User | None:
    row = row_by_name(conn, username)
    return None if row is None else user_from_row(row)


def get_user_by_id(conn: Connection, user_id: str) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
    return None if row is None else user_from_row(row)


def list_users(conn: Connection) -> list[UserStatus]:
    rows = conn.execute(select(users).order_by(users.c.username)).mappings()
    return [
        UserStatus(user_from_row(r), bool(r["active"]), r["locked_until_us"], r["failed_logins"])
        for r in rows
    ]


def unlock_user(conn: Connection, username: str) -> User:
    """Lift a lock and forget the failures counted so far (an administrator's action)."""
    row = existing_row(conn, username)
    conn.execute(
        update(users).where(users.c.id == row["id"]).values(failed_logins=0, locked_until_us=0)
    )
    return user_from_row(row)


# --- password step and lockout ----------------------------------------------------------------


def set_password(conn: Connection, username: str, password: str) -> User:
    """Replace an account's password (policy checked); its sessions are not ended here."""
    row = existing_row(conn, username)
    passwords.check_policy(password, row["username"])
    new_hash = passwords.hash_password(password)
    conn.execute(update(users).where(users.c.id == row["id"]).values(password_hash=new_hash))
    return user_from_row(row)


def attempt_password(
    conn: Connection, username: str, password: str, now_us: int, settings: Settings
) -> tuple[User | None, LoginAttempt]:
    """Check a username and password, counting failures and locking the account after
    `settings.login_max_failures` in a row for `settings.lockout_seconds`. The user is None on
    failure; the attempt says why (for the audit log, never for the person logging in)."""
    name = normalize_username(username)
    row = row_by_name(conn, name)
    if row is None or not row["active"] or row["locked_until_us"] > now_us:
        passwords.burn_verify(password)  # as long as a real check: no timing oracle
        outcome = UNKNOWN_USER if row is None else INACTIVE if not row["active"] else LOCKED
        user_id = None if row is None else row["id"]
        return None, LoginAttempt(name, user_id, "password", outcome, now_us)
    if not passwords.verify_password(row["password_hash"], password):
        locked_until = record_failure(conn, row["id"], now_us, settings)
        return None, LoginAttempt(name, row["id"], "password", BAD_PASSWORD, now_us, locked_until)
    changes: dict[str, Any] = {"failed_logins": 0, "locked_until_us": 0}
    if passwords.needs_rehash(row["password_hash"]):
        changes["password_hash"] = passwords.hash_password(password)
    conn.execute(update(users).where(users.c.id == row["id"]).values(**changes))
    user = user_from_row(row)
    outcome = TOTP_REQUIRED if user.totp_enabled else SUCCESS
    return user, LoginAttempt(name, user.id, "password", outcome, now_us)


def authenticate(
    conn: Connection, username: str, password: str, now_us: int, settings: Settings
) -> User:
    """The user, or `LoginFailed` (401, one message for every reason). Catch it inside the
    transaction, or the failure count it recorded is rolled back with it. The password step
    only: when `user.totp_enabled`, the TOTP step (`verify_totp`) must follow."""
    user, attempt = attempt_password(conn, username, password, now_us, settings)
    if user is None:
        raise LoginFailed(attempt)
    return user


def record_failure(conn: Connection, user_id: str, now_us: int, settings: Settings) -> int:
    """Count one failed step; at the limit, lock. Returns the lock's end, or 0 if not locked."""
    failures = conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(failed_logins=users.c.failed_logins + 1)
        .returning(users.c.failed_logins)
    ).scalar_one()
    if settings.login_max_failures <= 0 or failures < settings.login_max_failures:
        return 0
    # The count restarts, so once the lock expires a further failure does not re-lock at once.
    until = now_us + settings.lockout_seconds * SECOND_US
    conn.execute(
        update(users).where(users.c.id == user_id).values(failed_logins=0, locked_until_us=until)
    )
    return until


def clear_failures(conn: Connection, user_id: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(failed_logins=0))


def locked_until(conn: Connection, user_id: str) -> int:
    value = conn.execute(select(users.c.locked_until_us).where(users.c.id == user_id)).scalar()
    return int(value or 0)


# --- TOTP -------------------------------------------------------------------------------------


def enable_totp(conn: Connection, username: str, settings: Settings) -> TotpEnrolment:
    """Give the account a new TOTP secret (replacing any previous one); logins need a code from
    then on. The secret is shown once, here, and stored sealed."""
    row = existing_row(conn, username)
    secret = totp.new_secret()
    sealed = secretbox.seal_secret(settings, secret, _totp_context(row["id"]))
    conn.execute(
        update(users).where(users.c.id == row["id"]).values(totp_secret=sealed, totp_last_step=0)
    )
    return TotpEnrolment(totp.base32_secret(secret), totp.provisioning_uri(secret, row["username"]))


def disable_totp(conn: Connection, username: str) -> User:
    row = existing_row(conn, username)
    conn.execute(
        update(users).where(users.c.id == row["id"]).values(totp_secret=None, totp_last_step=0)
    )
    return user_from_row({**row, "totp_secret": None})


def verify_totp(conn: Connection, user: User, code: str, now_us: int, settings: Settings) -> bool:
    """True once per code: a code of the ±1-step window, for a step later than the last
    accepted one. Failures are not counted here (see enlace.security.login.totp_login)."""
    row = conn.execute(
        select(users.c.totp_secret, users.c.totp_last_step).where(users.c.id == user.id)
    ).first()
    if row is None or row.totp_secret is None:
        return False
    try:
        secret = secretbox.open_secret(settings, row.totp_secret, _totp_context(user.id))
    except secretbox.SealedValueError:
        return False  # its key is gone (secret or data key changed): re-enrol (enlace users totp)
    step = totp.matching_step(secret, code, now_us, row.totp_last_step)
    if step is None:
        return False
    # Compare-and-set: of two requests racing with the same code, one wins.
    taken = conn.execute(
        update(users)
        .where(users.c.id == user.id, users.c.totp_last_step < step)
        .values(totp_last_step=step)
    )
    return taken.rowcount == 1


def _totp_context(user_id: str) -> str:
    return f"totp:{user_id}"


# --- input checks -----------------------------------------------------------------------------


def _reference_id(value: str | None, resource_type: str, field: str) -> str | None:
    """A bare id, from `id` or `Type/id`; 400 naming the field when it is not a FHIR id."""
    if value is None or value == "":
        return None
    bare = value.strip().removeprefix(f"{resource_type}/")
    if not FHIR_ID.fullmatch(bare):
        raise errors.bad_request(f"{field}: '{value}' is not a {resource_type} id", field)
    return bare


def _check_fhir_user(fhir_user: str | None) -> None:
    if fhir_user is None:
        return
    resource_type, slash, resource_id = fhir_user.partition("/")
    if not slash or resource_type not in FHIR_USER_TYPES or not FHIR_ID.fullmatch(resource_id):
        raise errors.bad_request(
            f"fhir_user: '{fhir_user}' must be Type/id with Type one of {', '.join(FHIR_USER_TYPES)}",
            "fhir_user",
        )
