"""CSRF tokens for server-rendered forms: a signed double-submit token bound to the session.

The browser holds a random nonce in a cookie; each form carries HMAC(secret, nonce ‖ session)
where `session` is the SHA-256 of the session token (empty before login). A cross-site page can
make the browser send the cookies but can neither read them nor compute the HMAC, so its POST
has no valid token; and a token minted for one session (or none) is refused once the session
changes, which also defeats a nonce planted from elsewhere. Framework-free: the web pages and
the OAuth authorize page both use it.
"""

from __future__ import annotations

import hmac
import secrets

from . import secretbox

PURPOSE = "csrf"


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def form_token(secret_key: str, nonce: str, session_fingerprint: str = "") -> str:
    return secretbox.mac(secret_key, PURPOSE, f"{nonce}\x00{session_fingerprint}")


def token_valid(secret_key: str, nonce: str, session_fingerprint: str, submitted: str) -> bool:
    if not nonce or not submitted:
        return False
    expected = form_token(secret_key, nonce, session_fingerprint)
    return hmac.compare_digest(expected, submitted)
