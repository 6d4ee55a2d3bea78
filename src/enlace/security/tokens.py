"""Access tokens: JWTs signed ES256 with the platform key, at most 300 s long (SMART).

Claims: iss (the server base URL), aud (the FHIR base URL), sub (user id, or the client id for a
backend service), exp, iat, jti, scope (the granted scopes, space-separated), client_id, role, org,
fhirUser, patient (the launch context) and patients (every compartment patient/ scopes cover).
Verification is done here claim by claim, so a refusal names its reason; the token itself is never
quoted back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.kernel.jsonutil import JSONDecodeError, loads

from .access import Access
from .keys import ALGORITHM, SigningKey
from .scopes import ScopeSet, parse_scopes

MAX_LIFETIME_S = 300
LEEWAY_S = 30  # clock skew tolerated between this server and the token's issuer
FHIR_PREFIX = "/fhir"
_JWS = jwt.api_jws.PyJWS()


@dataclass(frozen=True)
class Grant:
    """What a token is issued for."""

    subject: str  # user id, or the client id when no user is involved
    client_id: str
    scopes: ScopeSet
    role: str | None = None
    organization: str | None = None
    fhir_user: str | None = None
    patient: str | None = None  # launch context
    patients: tuple[str, ...] = ()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int
    jti: str
    scope: str


def issuer_for(fhir_base: str) -> str:
    """The server base URL (where /auth/token lives) for a FHIR base URL."""
    return fhir_base[: -len(FHIR_PREFIX)] if fhir_base.endswith(FHIR_PREFIX) else fhir_base


def issue_access_token(
    key: SigningKey, grant: Grant, *, audience: str, now: datetime, lifetime_s: int = 300
) -> IssuedToken:
    lifetime = max(1, min(int(lifetime_s), MAX_LIFETIME_S))
    issued_at = epoch_us(now) // 1_000_000
    jti = secrets.token_urlsafe(18)
    claims: dict[str, Any] = {
        "iss": issuer_for(audience),
        "aud": audience,
        "sub": grant.subject,
        "iat": issued_at,
        "exp": issued_at + lifetime,
        "jti": jti,
        "scope": grant.scopes.text(),
        "client_id": grant.client_id,
    }
    optional = {
        "role": grant.role,
        "org": grant.organization,
        "fhirUser": grant.fhir_user,
        "patient": grant.patient,
        "patients": list(grant.patients) or None,
    }
    claims.update({name: value for name, value in optional.items() if value is not None})
    token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})
    return IssuedToken(token, lifetime, jti, claims["scope"])


def verify_access_token(
    token: str, key: SigningKey, *, audience: str, now: datetime, issuer: str | None = None
) -> Access:
    """The Access a bearer token grants, or a 401 (OperationOutcome code `login`) naming why."""
    claims = _verified_claims(token, key)
    _check_claims(claims, audience, issuer or issuer_for(audience), epoch_us(now) / 1_000_000)
    return _access(claims)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None when there is none."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise refused("the Authorization header is not 'Bearer <token>'")
    return value.strip()


def missing_token() -> errors.FhirError:
    """The 401 for a request that brings no token (RFC 6750 §3: no error code)."""
    return errors.FhirError(
        401,
        [errors.Issue("login", "Authentication required: send 'Authorization: Bearer <token>'")],
        {"WWW-Authenticate": 'Bearer realm="enlace"'},
    )


def refused(why: str) -> errors.FhirError:
    message = f"Access token refused: {why}"
    challenge = f'Bearer realm="enlace", error="invalid_token", error_description="{message}"'
    return errors.FhirError(401, [errors.Issue("login", message)], {"WWW-Authenticate": challenge})


def _verified_claims(token: str, key: SigningKey) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise refused("it is not a well-formed JWT") from None
    algorithm = header.get("alg")
    if algorithm != ALGORITHM:
        raise refused(f"algorithm '{algorithm}' is not accepted (only {ALGORITHM})")
    if header.get("kid") not in (None, key.kid):
        raise refused("it is signed by an unknown key (kid)")
    try:
        decoded = _JWS.decode_complete(token, key.public_key, algorithms=[ALGORITHM])
    except jwt.InvalidSignatureError:
        raise refused("the signature does not verify") from None
    except jwt.PyJWTError:
        raise refused("it is not a well-formed JWT") from None
    try:
        claims = loads(decoded["payload"])
    except JSONDecodeError:
        claims = None
    if not isinstance(claims, dict):
        raise refused("its payload is not a JSON object")
    return claims


def _check_claims(claims: dict[str, Any], audience: str, issuer: str, now_s: float) -> None:
    for name in ("iss", "aud", "sub", "exp", "iat", "jti", "scope", "client_id"):
        if name not in claims:
            raise refused(f"the '{name}' claim is missing")
    for name in ("exp", "iat", "nbf"):
        value = claims.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise refused(f"the '{name}' claim is not a number")
    for name in ("iss", "sub", "jti", "scope", "client_id"):
        if not isinstance(claims[name], str):
            raise refused(f"the '{name}' claim is not a string")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if audience not in audiences:
        raise refused(f"it is meant for another audience (expected {audience})")
    if claims["iss"] != issuer:
        raise refused(f"it was issued by another server (expected issuer {issuer})")
    if claims["exp"] <= now_s - LEEWAY_S:
        raise refused("it has expired")
    if claims["iat"] > now_s + LEEWAY_S or claims.get("nbf", 0) > now_s + LEEWAY_S:
        raise refused("it is not valid yet (issued in the future)")
    if claims["exp"] - claims["iat"] > MAX_LIFETIME_S:
        raise refused(f"its lifetime exceeds {MAX_LIFETIME_S} s")


def _access(claims: dict[str, Any]) -> Access:
    try:
        scopes = parse_scopes(claims["scope"])
    except errors.FhirError:
        raise refused("its scope is malformed") from None
    patients = claims.get("patients", [])
    if not isinstance(patients, list) or not all(isinstance(p, str) for p in patients):
        raise refused("the 'patients' claim is not a list of ids")
    text = {name: claims.get(name) for name in ("role", "org", "fhirUser", "patient")}
    if any(value is not None and not isinstance(value, str) for value in text.values()):
        raise refused("a role, org, fhirUser or patient claim is not a string")
    patient = text["patient"]
    covered = tuple(dict.fromkeys([*([patient] if patient else []), *patients]))
    is_client = claims["sub"] == claims["client_id"]
    return Access(
        actor=claims["sub"],
        kind="client" if is_client else "user",
        scopes=scopes,
        role=text["role"],
        client_id=claims["client_id"],
        organization=text["org"],
        fhir_user=text["fhirUser"],
        patients=covered,
        token_id=claims["jti"],
    )
