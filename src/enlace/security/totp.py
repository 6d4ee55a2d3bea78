"""RFC 6238 time-based one-time passwords: SHA-1, 6 digits, 30-second steps, ±1 step accepted.

Pure functions over a raw secret; the users module stores the secret (sealed, see secretbox) and
the last step used, which is what makes a code single-use: a code is accepted only for a step
later than the last accepted one, so neither it nor an older code of the window can be replayed.
"""

from __future__ import annotations

import base64
import hmac
import os

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

ISSUER = "Enlace"
DIGITS = 6
STEP_SECONDS = 30
WINDOW_STEPS = 1  # clock drift tolerated either side, in steps
SECRET_BYTES = 20  # 160 bits, the RFC 4226 recommendation for HMAC-SHA1


def new_secret() -> bytes:
    return os.urandom(SECRET_BYTES)


def _totp(secret: bytes) -> TOTP:
    return TOTP(secret, DIGITS, SHA1(), STEP_SECONDS, enforce_key_length=True)


def step_at(now_us: int) -> int:
    return now_us // 1_000_000 // STEP_SECONDS


def code_at(secret: bytes, now_us: int) -> str:
    """The code an authenticator shows at `now_us` (tests and enrolment checks use it)."""
    return _totp(secret).generate(step_at(now_us) * STEP_SECONDS).decode()


def matching_step(secret: bytes, code: str, now_us: int, last_step: int) -> int | None:
    """The step whose code `code` is, within the window around `now_us` and after `last_step`;
    None when it matches none (wrong, too old, or already used)."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    generator = _totp(secret)
    current = step_at(now_us)
    found = None
    # Every candidate is computed and compared in constant time, whichever matches.
    for step in range(current - WINDOW_STEPS, current + WINDOW_STEPS + 1):
        expected = generator.generate(step * STEP_SECONDS)
        if hmac.compare_digest(expected, code.encode()) and step > last_step and found is None:
            found = step
    return found


def base32_secret(secret: bytes) -> str:
    """The secret as authenticator apps accept it for manual entry (RFC 4648 base32, no padding)."""
    return base64.b32encode(secret).decode().rstrip("=")


def provisioning_uri(secret: bytes, account_name: str) -> str:
    """`otpauth://totp/Enlace:<account>?secret=...&issuer=Enlace` for a QR code."""
    return _totp(secret).get_provisioning_uri(account_name, ISSUER)
