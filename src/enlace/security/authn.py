"""Who a FHIR request comes from: the verified bearer token, or the platform itself when auth is
off (development only; production refuses to start that way, see enlace.security.hardening)."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from datetime import datetime

import jwt

from enlace.kernel import errors
from enlace.kernel.settings import Settings

from .access import EMERGENCY, Access
from .consent import BREAK_GLASS_ROLES
from .keys import signing_key
from .scopes import ScopeSet
from .tokens import bearer_token, missing_token, verify_access_token

ANONYMOUS = Access("anonymous", "anonymous", ScopeSet())
PUBLIC_PATHS = frozenset({"metadata", "openapi.json", ".well-known/smart-configuration"})
BREAK_GLASS_HEADER = "x-break-glass-reason"
MAX_REASON = 500


def request_access(
    settings: Settings, headers: dict[str, str], path: str, base_url: str, now: datetime
) -> Access:
    if not settings.auth_enabled:
        return Access.internal()
    token = bearer_token(headers.get("authorization"))
    if token is None:
        if path in PUBLIC_PATHS:
            return ANONYMOUS
        raise missing_token()
    access = _verified.get(token, base_url, now.timestamp())
    if access is None:
        access = verify_access_token(token, signing_key(settings), audience=base_url, now=now)
        _verified.put(token, base_url, access)
    reason = headers.get(BREAK_GLASS_HEADER)
    return access if reason is None else break_glass(access, reason)


def break_glass(access: Access, reason: str) -> Access:
    """Emergency access: a clinician sets the patient's consent denials aside, stating why.
    Always audited with the reason, and shown to the patient in their access log."""
    reason = reason.strip()
    if access.role not in BREAK_GLASS_ROLES:
        raise errors.error(
            403, "forbidden", f"Break-glass access is for clinical roles, not '{access.role}'"
        )
    if not reason or len(reason) > MAX_REASON:
        raise errors.bad_request(
            f"{BREAK_GLASS_HEADER} must state the emergency in 1 to {MAX_REASON} characters",
            BREAK_GLASS_HEADER,
        )
    return dataclasses.replace(access, purpose=EMERGENCY, reason=reason)


class VerifiedTokens:
    """Tokens this process verified, until they expire: an ES256 verification costs about a
    millisecond here, a by-id read a few dozen microseconds, and clients reuse a token for
    its whole (≤ 300 s) life. Keyed by token and audience; bounded, least recently used out."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple[str, str], tuple[Access, float]] = OrderedDict()

    def get(self, token: str, audience: str, now_s: float) -> Access | None:
        key = (token, audience)
        with self.lock:
            hit = self.entries.get(key)
            if hit is None:
                return None
            if hit[1] <= now_s:
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return hit[0]

    def put(self, token: str, audience: str, access: Access) -> None:
        claims = jwt.decode(token, options={"verify_signature": False})  # verified just before
        with self.lock:
            self.entries[(token, audience)] = (access, float(claims["exp"]))
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


_verified = VerifiedTokens()
