"""Password hashing (argon2id) and the minimum password policy.

Hashes use argon2-cffi's defaults (RFC 9106 low-memory profile: argon2id, 64 MiB, t=3, p=4). A
hash made with older parameters still verifies, and `needs_rehash` tells the caller to store a
new one after a successful login. Policy failures are 400s whose message names the rule, so the
CLI and the pages can say exactly what to change.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from enlace.kernel import errors

MIN_LENGTH = 12
# argon2 accepts any length; a cap keeps one request from costing more than a hash of 1 KiB.
MAX_LENGTH = 1024

# Tests swap this for a cheap hasher; production keeps the defaults.
hasher = PasswordHasher()

# Passwords of 12 or more characters that head the public breach lists, in English and Spanish.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456789123",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "qwertyuiopas",
        "qwertyuiop123",
        "qwerty123456",
        "qwertyuiopasdf",
        "asdfghjkl123",
        "asdfghjklñ123",
        "zxcvbnm123456",
        "password1234",
        "password12345",
        "password123456",
        "passwordpassword",
        "iloveyou1234",
        "administrator",
        "administrador",
        "contraseña123",
        "contraseña1234",
        "contrasena123",
        "contrasena1234",
        "micontraseña123",
        "teamo12345678",
        "superman1234",
        "welcome12345",
        "bienvenido123",
        "bienvenido1234",
        "abcdefghijkl",
        "abcdefg12345",
        "abc123456789",
        "mexico123456",
        "mexico2024!!",
        "changeme1234",
        "letmein12345",
        "football1234",
        "futbol123456",
        "enlace123456",
        "enlace2026!!",
    }
)


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


_dummy: tuple[PasswordHasher, str] | None = None


def burn_verify(password: str) -> None:
    """Spend what a real verification costs, for unknown users, so timing does not tell them
    apart from known ones."""
    global _dummy
    if _dummy is None or _dummy[0] is not hasher:
        _dummy = (hasher, hasher.hash("enlace-dummy-password-for-timing"))
    verify_password(_dummy[1], password)


RULES = {
    "min-length": f"it must have at least {MIN_LENGTH} characters",
    "max-length": f"it must have at most {MAX_LENGTH} bytes",
    "not-username": "it must not be the username",
    "not-common": "it is a common or trivial password",
}


def check_policy(password: str, username: str) -> None:
    """Refuse a password that breaks a rule (400 naming the rule): min-length, max-length,
    not-username, not-common."""
    rule = policy_violation(password, username)
    if rule is not None:
        raise errors.error(400, "invalid", f"Password rule '{rule}': {RULES[rule]}", "password")


def policy_violation(password: str, username: str) -> str | None:
    """The first rule of RULES the password breaks, or None. The web pages' strength meter
    (static/account.js) mirrors these same rules from `policy_for_meter`."""
    if len(password) < MIN_LENGTH:
        return "min-length"
    if len(password.encode()) > MAX_LENGTH:
        return "max-length"
    folded = password.strip().casefold()
    if username and folded == username.strip().casefold():
        return "not-username"
    if folded in COMMON_PASSWORDS or len(set(folded)) == 1:
        return "not-common"
    return None


def policy_for_meter() -> dict[str, object]:
    """The policy as the browser's meter reads it: the server stays the authority."""
    return {"minLength": MIN_LENGTH, "maxBytes": MAX_LENGTH, "common": sorted(COMMON_PASSWORDS)}
