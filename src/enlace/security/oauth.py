"""The OAuth 2.0 token endpoint (RFC 6749 §3.2) for SMART on FHIR.

Grant types: `client_credentials` (SMART Backend Services, a signed client assertion),
`authorization_code` (PKCE S256 only; single use, and a second use revokes what the first
issued) and `refresh_token` (rotated: each use spends the token and issues the next of its
family; presenting a spent one revokes the family). Answers are JSON; errors are OAuth errors
(`OAuthError`), never OperationOutcomes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import unquote_plus

from sqlalchemy import Connection, insert, select, update

from enlace.kernel.clock import epoch_us
from enlace.store.database import Database

from . import assertions, clients, grants
from .assertions import FetchJwks
from .clients import Client
from .discovery import TOKEN_PATH
from .keys import SigningKey
from .oauth_errors import OAuthError
from .scopes import ScopeSet, parse_scopes
from .tables import authorization_codes, refresh_tokens
from .tokens import Grant, IssuedToken, issue_access_token, issuer_for

T = TypeVar("T")


@dataclass(frozen=True)
class Endpoint:
    """Where and when a token request is answered."""

    key: SigningKey
    fhir_base: str  # the audience of the tokens issued
    now: datetime
    access_seconds: int = 300
    refresh_seconds: int = 30 * 24 * 3600
    fetch_jwks: FetchJwks | None = None

    @property
    def token_url(self) -> str:
        return issuer_for(self.fhir_base) + TOKEN_PATH

    @property
    def now_us(self) -> int:
        return epoch_us(self.now)


def token(
    db: Database, form: Sequence[tuple[str, str]], endpoint: Endpoint, authorization: str | None
) -> dict[str, Any]:
    """Answer a token request (form pairs as sent, the Authorization header if any)."""
    params = _single_valued(form)
    grant_type = params.get("grant_type")
    handlers: dict[str, Callable[[Connection], dict[str, Any]]] = {
        "client_credentials": lambda conn: _client_credentials(conn, params, endpoint),
        "authorization_code": lambda conn: _authorization_code(
            conn, params, endpoint, _credentials(params, authorization)
        ),
        "refresh_token": lambda conn: _refresh(
            conn, params, endpoint, _credentials(params, authorization)
        ),
    }
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required")
    if grant_type not in handlers:
        raise OAuthError("unsupported_grant_type", f"Unsupported grant_type '{grant_type}'")
    return _committing(db, handlers[grant_type])


def issue_for_script(
    conn: Connection,
    endpoint: Endpoint,
    *,
    client_id: str,
    scope: str,
    username: str | None = None,
    patient: str | None = None,
) -> IssuedToken:
    """An access token for scripts and tests (`enlace token issue`), held to the same ceilings
    as the token endpoint: for a user, the client's and the role's; without one, the client's
    (system/ scopes, and patient/ ones for `patient` when given). An OAuthError when nothing of
    the request can be granted."""
    client = clients.get(conn, client_id)
    if client is None:
        raise OAuthError("invalid_client", f"Unknown or inactive client '{client_id}'")
    requested = grants.requested_scopes(scope)
    if username:
        user = grants.load_user(conn, username=username)
        if user is None or not user.active:
            raise OAuthError("invalid_grant", f"Unknown or inactive user '{username}'")
        scopes = grants.user_scopes(requested, client, user)
        grant = grants.user_grant(
            client, user, scopes, grants.launch_patient(scopes, user, patient)
        )
    else:
        grant = _client_grant(client, requested, patient)
    return issue_access_token(
        endpoint.key,
        grant,
        audience=endpoint.fhir_base,
        now=endpoint.now,
        lifetime_s=endpoint.access_seconds,
    )


def _client_grant(client: Client, requested: ScopeSet, patient: str | None) -> Grant:
    system = [s for s in requested.resource_scopes if s.context == "system"]
    granted = grants.backend_grant(client, ScopeSet())
    kept = (
        list(grants.backend_scopes(ScopeSet(tuple(system)), client).resource_scopes)
        if system
        else []
    )
    if patient:
        own = ScopeSet(tuple(s for s in requested.resource_scopes if s.context == "patient"))
        kept += own.restricted_to(client.ceiling).resource_scopes
    if not kept:
        raise OAuthError("invalid_scope", "None of the requested scopes is granted to this client")
    scopes = ScopeSet(tuple(kept), frozenset())
    has_patient = any(s.context == "patient" for s in kept)
    return replace(
        granted,
        scopes=scopes,
        patient=patient if has_patient else None,
        patients=(patient,) if patient and has_patient else (),
    )


def _committing(db: Database, work: Callable[[Connection], T]) -> T:
    """Run `work` in a write transaction that commits even when it refuses: spending a code,
    revoking a family and recording a jti must stick although the request fails."""
    failure: OAuthError | None = None
    with db.begin() as conn:
        try:
            result = work(conn)
        except OAuthError as exc:
            failure = exc
    if failure is not None:
        raise failure
    return result


def _single_valued(form: Sequence[tuple[str, str]]) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in form:
        if name in params:
            raise OAuthError("invalid_request", f"Parameter '{name}' is repeated")
        params[name] = value
    return params


def _credentials(
    params: dict[str, str], authorization: str | None
) -> tuple[str | None, str | None]:
    """(client_id, secret) from HTTP Basic (client_secret_basic) or the form (client_secret_post
    or a public client's client_id)."""
    if authorization and authorization.lower().startswith("basic "):
        if "client_secret" in params:
            raise OAuthError("invalid_request", "Use one client authentication method, not two")
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError(
                "invalid_client", "Malformed Basic authorization header", 401
            ) from None
        client_id, colon, secret = decoded.partition(":")
        if not colon:
            raise OAuthError("invalid_client", "Malformed Basic authorization header", 401)
        client_id, secret = unquote_plus(client_id), unquote_plus(secret)
        if params.get("client_id", client_id) != client_id:
            raise OAuthError("invalid_request", "client_id differs from the authenticated client")
        return client_id, secret
    return params.get("client_id"), params.get("client_secret")


def _client_credentials(
    conn: Connection, params: dict[str, str], endpoint: Endpoint
) -> dict[str, Any]:
    client = assertions.verify(
        conn,
        assertion_type=params.get("client_assertion_type"),
        assertion=params.get("client_assertion"),
        token_url=endpoint.token_url,
        now_us=endpoint.now_us,
        fetch_jwks=endpoint.fetch_jwks,
    )
    scopes = grants.backend_scopes(grants.requested_scopes(params.get("scope")), client)
    return _answer(endpoint, grants.backend_grant(client, scopes), refresh=None)


def _authorization_code(
    conn: Connection,
    params: dict[str, str],
    endpoint: Endpoint,
    credentials: tuple[str | None, str | None],
) -> dict[str, Any]:
    client = clients.authenticate(conn, *credentials)
    code, verifier = params.get("code"), params.get("code_verifier")
    if not code:
        raise OAuthError("invalid_request", "code is required")
    code_hash = clients.digest(code)
    row = (
        conn.execute(
            select(authorization_codes).where(authorization_codes.c.code_hash == code_hash)
        )
        .mappings()
        .first()
    )
    if row is None or row["client_id"] != client.client_id:
        raise OAuthError("invalid_grant", "Unknown authorization code")
    if not _spend_code(conn, code_hash):
        revoke_family(conn, code_hash)
        raise OAuthError(
            "invalid_grant", "Authorization code already used: the tokens it issued are revoked"
        )
    if row["expires_us"] <= endpoint.now_us:
        raise OAuthError("invalid_grant", "Authorization code expired")
    if params.get("redirect_uri") != row["redirect_uri"]:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
    if not verifier or not pkce_matches(verifier, row["code_challenge"]):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge (PKCE)")
    user = _active_user(conn, row["user_id"])
    scopes = _still_allowed(parse_scopes(row["scope"]), client, user, row["patient"])
    grant = grants.user_grant(client, user, scopes, row["patient"])
    refresh = _new_refresh(conn, endpoint, grant, family=code_hash)
    return _answer(endpoint, grant, refresh)


def _spend_code(conn: Connection, code_hash: str) -> bool:
    """Mark the code used; False when it already was (even by a concurrent request)."""
    codes = authorization_codes.c
    spent = conn.execute(
        update(authorization_codes)
        .where(codes.code_hash == code_hash, codes.used.is_(False))
        .values(used=True)
    )
    return spent.rowcount == 1


def _refresh(
    conn: Connection,
    params: dict[str, str],
    endpoint: Endpoint,
    credentials: tuple[str | None, str | None],
) -> dict[str, Any]:
    client = clients.authenticate(conn, *credentials)
    presented = params.get("refresh_token")
    if not presented:
        raise OAuthError("invalid_request", "refresh_token is required")
    token_hash = clients.digest(presented)
    row = (
        conn.execute(select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash))
        .mappings()
        .first()
    )
    if row is None or row["client_id"] != client.client_id:
        raise OAuthError("invalid_grant", "Unknown refresh token")
    if row["revoked"]:
        raise OAuthError("invalid_grant", "Refresh token revoked")
    if row["spent"] or not _spend_refresh(conn, token_hash):
        revoke_family(conn, row["family_id"])
        raise OAuthError(
            "invalid_grant", "Refresh token already used: every token of its family is revoked"
        )
    if row["expires_us"] <= endpoint.now_us:
        raise OAuthError("invalid_grant", "Refresh token expired")
    user = _active_user(conn, row["user_id"])
    scopes = parse_scopes(row["scope"])
    if params.get("scope"):  # RFC 6749 §6: a narrower set, never more than first granted
        scopes = grants.requested_scopes(params["scope"]).restricted_to(scopes)
    scopes = _still_allowed(scopes, client, user, row["patient"])
    grant = grants.user_grant(client, user, scopes, row["patient"])
    refresh = _new_refresh(conn, endpoint, grant, family=row["family_id"])
    return _answer(endpoint, grant, refresh)


def _spend_refresh(conn: Connection, token_hash: str) -> bool:
    tokens = refresh_tokens.c
    spent = conn.execute(
        update(refresh_tokens)
        .where(tokens.token_hash == token_hash, tokens.spent.is_(False), tokens.revoked.is_(False))
        .values(spent=True)
    )
    return spent.rowcount == 1


def revoke_family(conn: Connection, family_id: str) -> int:
    """Revoke every refresh token of a family (a code's, or one rotated chain); how many."""
    revoked = conn.execute(
        update(refresh_tokens).where(refresh_tokens.c.family_id == family_id).values(revoked=True)
    )
    return int(revoked.rowcount)


def revoke_user_tokens(conn: Connection, user_id: str) -> int:
    """Revoke every live refresh token of a user (a lost phone, an app they no longer trust);
    how many families that ends — each live family holds one unspent token. Access tokens
    already issued are not revocable (signed, not looked up) and expire within
    `Endpoint.access_seconds`."""
    tokens = refresh_tokens.c
    revoked = conn.execute(
        update(refresh_tokens)
        .where(tokens.user_id == user_id, tokens.revoked.is_(False), tokens.spent.is_(False))
        .values(revoked=True)
    )
    return int(revoked.rowcount)


def _active_user(conn: Connection, user_id: str) -> grants.UserRecord:
    user = grants.load_user(conn, user_id=user_id)
    if user is None or not user.active:
        raise OAuthError("invalid_grant", "The user of this grant is no longer active")
    return user


def _still_allowed(
    scopes: ScopeSet, client: Client, user: grants.UserRecord, patient: str | None
) -> ScopeSet:
    """The grant re-checked against the client, the user's role and records as they are now."""
    if patient and patient not in grants.own_patients(user):
        raise OAuthError("invalid_grant", "The user no longer has access to the launch patient")
    return grants.user_scopes(scopes, client, user)


def _new_refresh(conn: Connection, endpoint: Endpoint, grant: Grant, family: str) -> str | None:
    if not grant.scopes.other & grants.REFRESHING:
        return None
    value = secrets.token_urlsafe(32)
    conn.execute(
        insert(refresh_tokens).values(
            token_hash=clients.digest(value),
            family_id=family,
            client_id=grant.client_id,
            user_id=grant.subject,
            scope=grant.scopes.text(),
            patient=grant.patient,
            expires_us=endpoint.now_us + endpoint.refresh_seconds * 1_000_000,
            spent=False,
            revoked=False,
        )
    )
    return value


def _answer(endpoint: Endpoint, grant: Grant, refresh: str | None) -> dict[str, Any]:
    issued = issue_access_token(
        endpoint.key,
        grant,
        audience=endpoint.fhir_base,
        now=endpoint.now,
        lifetime_s=endpoint.access_seconds,
    )
    body: dict[str, Any] = {
        "access_token": issued.token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
    }
    if refresh:
        body["refresh_token"] = refresh
    if grant.patient:
        body["patient"] = grant.patient
    return body


def pkce_challenge(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def pkce_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 S256: 43 to 128 unreserved characters, hashed to the challenge."""
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    if not 43 <= len(verifier) <= 128 or not set(verifier) <= allowed:
        return False
    return hmac.compare_digest(pkce_challenge(verifier), challenge)
