"""SMART Backend Services client authentication: the `client_assertion` JWT (RFC 7523).

Spec: https://hl7.org/fhir/smart-app-launch/backend-services.html and
client-confidential-asymmetric.html. The assertion is signed RS384 or ES384 by a key of the
client's JWKS (selected by kid), has iss = sub = client_id, aud = the token endpoint URL, an exp no
more than five minutes ahead, and a jti never seen before for that client: each jti is recorded in
`security_used_assertions` until its exp. Every refusal is an OAuth `invalid_client` (401).
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from enlace.kernel.jsonutil import JSONDecodeError, loads

from . import clients
from .clients import ASSERTION_ALGORITHMS, ASSERTION_TYPE, Client
from .oauth_errors import OAuthError
from .tables import used_assertions

MAX_LIFETIME_S = 300
LEEWAY_S = 30
MAX_JTI = 255
MIN_RSA_BITS = 2048
JWKS_CACHE_S = 300
JWKS_REFETCH_S = 30
JWKS_MAX_BYTES = 256 * 1024

FetchJwks = Callable[[str], dict[str, Any]]
_JWS = jwt.api_jws.PyJWS()


def verify(
    conn: Connection,
    *,
    assertion_type: str | None,
    assertion: str | None,
    token_url: str,
    now_us: int,
    fetch_jwks: FetchJwks | None = None,
) -> Client:
    """The backend client this assertion authenticates; its jti is recorded in `conn`'s
    transaction (a replay of it is refused, even by another process)."""
    if not assertion:
        raise OAuthError("invalid_request", "client_credentials needs a client_assertion")
    if assertion_type != ASSERTION_TYPE:
        raise _refused(f"client_assertion_type must be {ASSERTION_TYPE}")
    client, claims = check(
        assertion,
        lambda client_id: clients.get(conn, client_id),
        token_url=token_url,
        now_us=now_us,
        fetch_jwks=fetch_jwks,
    )
    _record_jti(conn, client.client_id, claims["jti"], int(claims["exp"] * 1_000_000), now_us)
    return client


def check(
    assertion: str,
    find_client: Callable[[str], Client | None],
    *,
    token_url: str,
    now_us: int,
    fetch_jwks: FetchJwks | None = None,
) -> tuple[Client, dict[str, Any]]:
    """Everything but the jti's single use: the client and the verified claims."""
    header, unverified = _unverified(assertion)
    client = _client(find_client, unverified.get("iss"))
    key = _key(client, header, now_us, fetch_jwks or fetch_jwks_url)
    claims = _signed_claims(assertion, key, header["alg"])
    _check_claims(claims, client.client_id, token_url, now_us / 1_000_000)
    return client, claims


def _refused(why: str) -> OAuthError:
    return OAuthError("invalid_client", f"Client assertion refused: {why}", 401)


def _unverified(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise _refused("it is not a well-formed JWT") from None
    if header.get("alg") not in ASSERTION_ALGORITHMS:
        accepted = " or ".join(ASSERTION_ALGORITHMS)
        raise _refused(f"algorithm '{header.get('alg')}' is not accepted ({accepted} only)")
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise _refused("the header has no 'kid'")
    return header, claims


def _client(find_client: Callable[[str], Client | None], issuer: Any) -> Client:
    if not isinstance(issuer, str) or not issuer:
        raise _refused("the 'iss' claim (the client_id) is missing")
    client = find_client(issuer)
    if client is None:
        raise _refused("unknown or inactive client")
    if client.kind != "backend":
        raise _refused("the client is not registered as a backend service")
    return client


def _key(client: Client, header: dict[str, Any], now_us: int, fetch_jwks: FetchJwks) -> Any:
    """The public key named by the header's kid: in the inline JWKS, else at the JWKS URL."""
    jku = header.get("jku")
    if jku is not None and jku != client.jwks_url:
        raise _refused("the 'jku' header is not the client's registered JWKS URL")
    kid = header["kid"]
    jwk = _find(client.jwks, kid)
    if jwk is None and client.jwks_url:
        jwk = _remote_key(client.jwks_url, kid, now_us, fetch_jwks)
    if jwk is None:
        raise _refused(f"no key with kid '{kid}' in the client's JWKS")
    return _public_key(jwk, header["alg"])


def _find(jwks: dict[str, Any] | None, kid: str) -> dict[str, Any] | None:
    keys = (jwks or {}).get("keys")
    found = [k for k in keys if isinstance(k, dict) and k.get("kid") == kid] if keys else []
    return found[0] if found else None


def _public_key(jwk: dict[str, Any], algorithm: str) -> Any:
    # The key's type must fit the algorithm: an RSA key never verifies an ES384 signature, and
    # no algorithm outside RS384/ES384 ever reaches the verifier (no alg confusion).
    expected = {"RS384": ("RSA", None), "ES384": ("EC", "P-384")}[algorithm]
    if (jwk.get("kty"), jwk.get("crv")) != expected:
        raise _refused(f"key '{jwk.get('kid')}' does not fit algorithm {algorithm}")
    if any(part in jwk for part in ("d", "p", "q")):
        raise _refused(f"key '{jwk.get('kid')}' holds private material")
    try:
        key = jwt.PyJWK(jwk, algorithm=algorithm).key
    except jwt.PyJWTError:
        raise _refused(f"key '{jwk.get('kid')}' is not a usable {algorithm} key") from None
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise _refused(f"key '{jwk.get('kid')}' is shorter than {MIN_RSA_BITS} bits")
    return key


def _signed_claims(assertion: str, key: Any, algorithm: str) -> dict[str, Any]:
    try:
        decoded = _JWS.decode_complete(assertion, key, algorithms=[algorithm])
    except jwt.InvalidSignatureError:
        raise _refused("the signature does not verify") from None
    except jwt.PyJWTError:
        raise _refused("it is not a well-formed JWT") from None
    try:
        claims = loads(decoded["payload"])
    except JSONDecodeError:
        claims = None
    if not isinstance(claims, dict):
        raise _refused("its payload is not a JSON object")
    return claims


def _check_claims(claims: dict[str, Any], client_id: str, token_url: str, now_s: float) -> None:
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise _refused("'iss' and 'sub' must both be the client_id")
    audience = claims.get("aud")
    if token_url not in (audience if isinstance(audience, list) else [audience]):
        raise _refused(f"'aud' must be the token endpoint URL {token_url}")
    for name in ("exp", "iat", "nbf"):
        value = claims.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _refused(f"the '{name}' claim is not a number")
    if "exp" not in claims:
        raise _refused("the 'exp' claim is missing")
    exp, iat = claims["exp"], claims.get("iat")
    if exp <= now_s - LEEWAY_S:
        raise _refused("it has expired")
    if exp > now_s + MAX_LIFETIME_S + LEEWAY_S or (iat is not None and exp - iat > MAX_LIFETIME_S):
        raise _refused(f"its exp is more than {MAX_LIFETIME_S // 60} minutes ahead")
    if (iat is not None and iat > now_s + LEEWAY_S) or claims.get("nbf", 0) > now_s + LEEWAY_S:
        raise _refused("it is not valid yet (issued in the future)")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI:
        raise _refused(f"the 'jti' claim must be a string of 1 to {MAX_JTI} characters")


def _record_jti(conn: Connection, client_id: str, jti: str, expires_us: int, now_us: int) -> None:
    # Rows stay until the assertion could no longer be accepted (exp plus the leeway).
    keep_until = expires_us + LEEWAY_S * 1_000_000
    conn.execute(delete(used_assertions).where(used_assertions.c.expires_us < now_us))
    row = used_assertions.c
    seen = select(row.jti).where(row.client_id == client_id, row.jti == jti)
    if conn.execute(seen).first() is not None:
        raise _refused("its jti was already used (replay)")
    try:
        with conn.begin_nested():  # a concurrent twin commits first: its insert wins
            conn.execute(
                insert(used_assertions).values(client_id=client_id, jti=jti, expires_us=keep_until)
            )
    except IntegrityError:
        raise _refused("its jti was already used (replay)") from None


_jwks_cache: dict[str, tuple[float, dict[str, Any]]] = {}  # url -> (fetched at, JWKS)
_jwks_lock = threading.Lock()


def _remote_key(url: str, kid: str, now_us: int, fetch_jwks: FetchJwks) -> dict[str, Any] | None:
    """The key from the JWKS URL, cached for a while; an unknown kid (the client rotated its
    keys) refetches, but not more often than every JWKS_REFETCH_S."""
    now_s = now_us / 1_000_000
    with _jwks_lock:
        fetched_at, jwks = _jwks_cache.get(url, (float("-inf"), {}))
    found = _find(jwks, kid)
    age = now_s - fetched_at
    if (found is not None and age < JWKS_CACHE_S) or age < JWKS_REFETCH_S:
        return found
    try:
        jwks = fetch_jwks(url)
    except (OSError, ValueError) as exc:
        raise _refused(f"the JWKS URL could not be read ({exc.__class__.__name__})") from None
    with _jwks_lock:
        _jwks_cache[url] = (now_s, jwks)
    return _find(jwks, kid)


def fetch_jwks_url(url: str) -> dict[str, Any]:
    """GET a JWKS (its URL was registered by an administrator, http or https only)."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        body = response.read(JWKS_MAX_BYTES + 1)
    if len(body) > JWKS_MAX_BYTES:
        raise ValueError("JWKS too large")
    jwks = loads(body)
    if not isinstance(jwks, dict):
        raise ValueError("JWKS is not a JSON object")
    return jwks
