"""The authorization endpoint's logic (SMART App Launch, standalone launch; RFC 6749 §4.1).

A request names a registered client and one of its redirect URIs exactly; until both are known
good, problems are shown on a page and never redirected (RFC 6749 §4.1.2.1). Then response_type
must be `code`, `state` present, `aud` the FHIR base URL, PKCE with S256, and a scope. A logged-in
user approves (a code valid 60 s, for one use) or denies (`error=access_denied`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Connection, insert

from . import clients, grants
from .clients import Client
from .oauth_errors import OAuthError
from .scopes import ScopeSet
from .tables import authorization_codes

CODE_SECONDS = 60
MAX_STATE = 1024
CHALLENGE_CHARACTERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class AuthorizeRequest:
    client: Client
    redirect_uri: str
    state: str
    requested: ScopeSet
    code_challenge: str
    params: tuple[tuple[str, str], ...]  # as received, to carry through the approval form


@dataclass(frozen=True)
class Offer:
    """What the user is asked to approve."""

    scopes: ScopeSet
    patients: tuple[str, ...]  # records to choose the launch patient from (empty: none needed)


class AuthorizeRefused(Exception):
    """An authorization request refused: redirected to the client when its redirect URI is
    known good, else shown on an error page."""

    def __init__(
        self,
        error: str,
        description: str,
        redirect_uri: str | None = None,
        state: str | None = None,
    ) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.redirect_uri = redirect_uri
        self.state = state

    @property
    def location(self) -> str | None:
        if self.redirect_uri is None:
            return None
        answer = {"error": self.error, "error_description": self.description}
        return with_query(
            self.redirect_uri, {**answer, **({"state": self.state} if self.state else {})}
        )


def check_request(
    conn: Connection, pairs: Sequence[tuple[str, str]], fhir_base: str
) -> AuthorizeRequest:
    params = dict(pairs)
    if len(params) != len(pairs):
        raise AuthorizeRefused("invalid_request", "A parameter is repeated")
    client = clients.get(conn, params.get("client_id", ""))
    if client is None:
        raise AuthorizeRefused("invalid_request", "Unknown or inactive client_id")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in client.redirect_uris:
        raise AuthorizeRefused("invalid_request", "redirect_uri is not registered for this client")
    state = params.get("state", "")

    def refuse(error: str, description: str) -> AuthorizeRefused:
        return AuthorizeRefused(error, description, redirect_uri, state or None)

    if client.kind == "backend":
        raise refuse("unauthorized_client", "A backend client cannot use the authorization code")
    if params.get("response_type") != "code":
        raise refuse("unsupported_response_type", "response_type must be 'code'")
    if not state or len(state) > MAX_STATE:
        raise refuse("invalid_request", f"state is required (at most {MAX_STATE} characters)")
    if params.get("aud", "").rstrip("/") != fhir_base.rstrip("/"):
        raise refuse("invalid_request", f"aud must be this server's FHIR base URL {fhir_base}")
    challenge = params.get("code_challenge", "")
    if params.get("code_challenge_method") != "S256":
        raise refuse("invalid_request", "PKCE is required with code_challenge_method=S256")
    if len(challenge) != 43 or not set(challenge) <= CHALLENGE_CHARACTERS:
        raise refuse(
            "invalid_request", "code_challenge must be a base64url SHA-256 (43 characters)"
        )
    try:
        requested = grants.requested_scopes(params.get("scope"))
    except OAuthError as exc:
        raise refuse(exc.error, exc.description) from None
    return AuthorizeRequest(client, redirect_uri, state, requested, challenge, tuple(pairs))


def offer(request: AuthorizeRequest, user: grants.UserLike) -> Offer:
    """The scopes this user may give this client out of those requested."""
    try:
        scopes = grants.user_scopes(request.requested, request.client, user)
    except OAuthError as exc:
        raise _refuse(request, exc) from None
    has_patient_scopes = any(s.context == "patient" for s in scopes.resource_scopes)
    return Offer(scopes, grants.own_patients(user) if has_patient_scopes else ())


def approve(
    conn: Connection,
    request: AuthorizeRequest,
    user: grants.UserLike,
    chosen_patient: str | None,
    now_us: int,
) -> str:
    """Issue a code for the user's approval; the URL to redirect the browser to."""
    scopes = offer(request, user).scopes
    try:
        patient = grants.launch_patient(scopes, user, chosen_patient)
    except OAuthError as exc:
        raise _refuse(request, exc) from None
    code = secrets.token_urlsafe(32)
    conn.execute(
        insert(authorization_codes).values(
            code_hash=clients.digest(code),
            client_id=request.client.client_id,
            user_id=user.id,
            redirect_uri=request.redirect_uri,
            scope=scopes.text(),
            patient=patient,
            code_challenge=request.code_challenge,
            expires_us=now_us + CODE_SECONDS * 1_000_000,
            used=False,
        )
    )
    return with_query(request.redirect_uri, {"code": code, "state": request.state})


def deny(request: AuthorizeRequest) -> str:
    refused = AuthorizeRefused(
        "access_denied", "The user denied access", request.redirect_uri, request.state
    )
    assert refused.location is not None
    return refused.location


def request_digest(request: AuthorizeRequest) -> str:
    """Names this very request, to bind the approval form's CSRF token to it
    (enlace.security.csrf.form_token(secret, request_digest(...), session fingerprint))."""
    return hashlib.sha256(urlencode(sorted(request.params)).encode()).hexdigest()


def with_query(uri: str, values: dict[str, str]) -> str:
    """`uri` with `values` added to its query (a registered URI may carry its own)."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(values.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _refuse(request: AuthorizeRequest, exc: OAuthError) -> AuthorizeRefused:
    return AuthorizeRefused(exc.error, exc.description, request.redirect_uri, request.state)
