"""Registered OAuth clients (`security_clients`) and SMART Backend Services client assertions.

Kinds: `backend` (client_credentials, authenticated by a JWT signed with a key of its JWKS),
`public` (authorization code + PKCE, no secret) and `confidential` (the same plus a secret).
Each client has a scope ceiling, and may act with a role for an Organization.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, insert, select

from enlace.kernel import errors

from . import roles
from .oauth_errors import OAuthError
from .scopes import ScopeSet, parse_scopes
from .tables import clients

KINDS = ("backend", "public", "confidential")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ("RS384", "ES384")


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    kind: str
    scope: str  # the most this client may be granted
    redirect_uris: tuple[str, ...] = ()
    jwks: dict[str, Any] | None = None
    jwks_url: str | None = None
    role: str | None = None
    organization: str | None = None
    secret_hash: str | None = None
    active: bool = True

    @property
    def ceiling(self) -> ScopeSet:
        return parse_scopes(self.scope)

    def secret_matches(self, secret: str) -> bool:
        if self.secret_hash is None:
            return False
        return hmac.compare_digest(self.secret_hash, digest(secret))


@dataclass(frozen=True)
class Registered:
    client: Client
    secret: str | None  # shown once, for confidential clients; only its digest is stored


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def register(
    conn: Connection,
    *,
    name: str,
    kind: str,
    scope: str,
    now_us: int,
    jwks: dict[str, Any] | None = None,
    jwks_url: str | None = None,
    redirect_uris: tuple[str, ...] = (),
    role: str | None = None,
    organization: str | None = None,
) -> Registered:
    """Register a client after checking what each kind needs; 400 naming the first problem."""
    _check_registration(name, kind, scope, jwks, jwks_url, redirect_uris, role, organization)
    secret = secrets.token_urlsafe(32) if kind == "confidential" else None
    client = Client(
        client_id=secrets.token_urlsafe(16),
        name=name.strip(),
        kind=kind,
        scope=parse_scopes(scope).text(),
        redirect_uris=tuple(redirect_uris),
        jwks=jwks,
        jwks_url=jwks_url or None,
        role=role or None,
        organization=organization or None,
        secret_hash=digest(secret) if secret else None,
    )
    conn.execute(
        insert(clients).values(
            client_id=client.client_id,
            name=client.name,
            kind=kind,
            jwks=json.dumps(jwks) if jwks is not None else None,
            jwks_url=client.jwks_url,
            redirect_uris=json.dumps(list(client.redirect_uris)),
            scope=client.scope,
            role=client.role,
            organization=client.organization,
            secret_hash=client.secret_hash,
            active=True,
            created_us=now_us,
        )
    )
    return Registered(client, secret)


def get(conn: Connection, client_id: str) -> Client | None:
    """The active client with this id, or None."""
    row = conn.execute(select(clients).where(clients.c.client_id == client_id)).mappings().first()
    if row is None or not row["active"]:
        return None
    return Client(
        client_id=row["client_id"],
        name=row["name"],
        kind=row["kind"],
        scope=row["scope"],
        redirect_uris=tuple(json.loads(row["redirect_uris"] or "[]")),
        jwks=json.loads(row["jwks"]) if row["jwks"] else None,
        jwks_url=row["jwks_url"],
        role=row["role"],
        organization=row["organization"],
        secret_hash=row["secret_hash"],
        active=row["active"],
    )


def all_clients(conn: Connection) -> list[tuple[str, str, str, bool]]:
    """(client_id, name, kind, active) of every client, by name."""
    query = select(clients.c.client_id, clients.c.name, clients.c.kind, clients.c.active)
    rows = conn.execute(query.order_by(clients.c.name))
    return [(row.client_id, row.name, row.kind, bool(row.active)) for row in rows]


def authenticate(conn: Connection, client_id: str | None, secret: str | None) -> Client:
    """A public client by its id, or a confidential one by id and secret (RFC 6749 §2.3)."""
    client = get(conn, client_id) if client_id else None
    if client is None:
        raise OAuthError("invalid_client", "Unknown or inactive client", 401)
    if client.kind == "backend":
        raise OAuthError("unauthorized_client", "A backend client uses client_credentials", 400)
    if client.kind == "confidential" and not (secret and client.secret_matches(secret)):
        raise OAuthError("invalid_client", "Client authentication failed (client secret)", 401)
    if client.kind == "public" and secret:
        raise OAuthError("invalid_client", "A public client has no secret", 401)
    return client


def _check_registration(
    name: str,
    kind: str,
    scope: str,
    jwks: dict[str, Any] | None,
    jwks_url: str | None,
    redirect_uris: tuple[str, ...],
    role: str | None,
    organization: str | None,
) -> None:
    if not name.strip():
        raise errors.bad_request("A client needs a name")
    if kind not in KINDS:
        raise errors.bad_request(f"Unknown client kind '{kind}'; kinds are {', '.join(KINDS)}")
    if not parse_scopes(scope).resource_scopes and not parse_scopes(scope).other:
        raise errors.bad_request("A client needs a scope ceiling (--scope)")
    if role:
        roles.check_role(role)
    elif organization:
        raise errors.bad_request("An organization is given with a role (--role)")
    if kind == "backend":
        if jwks is None and not jwks_url:
            raise errors.bad_request("A backend client needs a JWKS (inline) or a JWKS URL")
        if jwks is not None:
            check_jwks(jwks)
        if jwks_url:
            _check_url(jwks_url, "JWKS URL", web_only=True)
        if redirect_uris:
            raise errors.bad_request("A backend client has no redirect URIs")
        return
    if jwks is not None or jwks_url:
        raise errors.bad_request(f"A {kind} client has no JWKS (only backend clients)")
    if not redirect_uris:
        raise errors.bad_request(f"A {kind} client needs at least one redirect URI")
    for uri in redirect_uris:
        _check_url(uri, "redirect URI")


def check_jwks(jwks: Any) -> None:
    """A set of public RSA or EC P-384 keys, each with a kid (to select it by)."""
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise errors.bad_request("The JWKS must be an object with a non-empty 'keys' list")
    for index, key in enumerate(keys):
        where = f"JWKS key {index + 1}"
        if not isinstance(key, dict) or not isinstance(key.get("kid"), str) or not key["kid"]:
            raise errors.bad_request(f"{where} has no 'kid'")
        if key.get("kty") not in ("RSA", "EC"):
            raise errors.bad_request(f"{where}: kty must be RSA or EC")
        if key.get("kty") == "EC" and key.get("crv") != "P-384":
            raise errors.bad_request(f"{where}: an EC key must be on P-384 (ES384)")
        if any(part in key for part in ("d", "p", "q", "dp", "dq", "qi")):
            raise errors.bad_request(f"{where} holds private key material: register public keys")


def _check_url(uri: str, what: str, web_only: bool = False) -> None:
    """Absolute, no fragment; https, or http on loopback (RFC 8252), or a native app's own
    scheme for a redirect URI."""
    parts = urlsplit(uri)
    web = parts.scheme in ("http", "https")
    if not parts.scheme or parts.fragment or (web and not parts.netloc) or (web_only and not web):
        raise errors.bad_request(f"Invalid {what} '{uri}': absolute, without a fragment")
    loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme == "http" and not loopback:
        raise errors.bad_request(f"Invalid {what} '{uri}': https (http only for loopback)")
