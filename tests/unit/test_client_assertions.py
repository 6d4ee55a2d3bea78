"""SMART Backend Services client assertions (RS384 and ES384), checked without a database: the
single use of each jti is an integration test (test_oauth_token.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from enlace.security import assertions
from enlace.security.clients import Client
from enlace.security.oauth_errors import OAuthError
from tests.support.oauth_clients import ClientKey, b64url, ec_key, rsa_key, unsigned_jwt

TOKEN_URL = "https://enlace.example/auth/token"
NOW_S = 1_780_000_000
NOW_US = NOW_S * 1_000_000
RSA = rsa_key()
EC = ec_key()


def backend(jwks: dict[str, Any] | None = None, jwks_url: str | None = None) -> Client:
    if jwks is None and jwks_url is None:
        jwks = {"keys": [RSA.public_jwk(), EC.public_jwk()]}
    return Client("svc", "Lab feed", "backend", "system/*.rs", jwks=jwks, jwks_url=jwks_url)


def check(
    assertion: str, client: Client | None = None, **kwargs: Any
) -> tuple[Client, dict[str, Any]]:
    registered = client or backend()
    options: dict[str, Any] = {"token_url": TOKEN_URL, "now_us": NOW_US, **kwargs}
    return assertions.check(
        assertion, lambda cid: registered if cid == registered.client_id else None, **options
    )


def refused(assertion: str, client: Client | None = None, **kwargs: Any) -> str:
    with pytest.raises(OAuthError) as caught:
        check(assertion, client, **kwargs)
    assert caught.value.error == "invalid_client" and caught.value.status == 401
    assert assertion not in caught.value.description or not assertion
    return caught.value.description


def signed(key: ClientKey = RSA, **kwargs: Any) -> str:
    return key.assertion("svc", TOKEN_URL, NOW_S, **kwargs)


@pytest.mark.parametrize("key", [RSA, EC], ids=["RS384", "ES384"])
def test_rs384_and_es384_assertions_are_accepted(key: ClientKey) -> None:
    client, claims = check(signed(key))
    assert client.client_id == "svc" and claims["sub"] == "svc"
    assert claims["exp"] - claims["iat"] == 240


def test_aud_may_be_a_list_holding_the_token_url() -> None:
    check(signed(aud=["https://elsewhere", TOKEN_URL]))


@pytest.mark.parametrize("algorithm", ["RS256", "PS384", "RS512"])
def test_other_rsa_algorithms_are_refused(algorithm: str) -> None:
    assert f"algorithm '{algorithm}' is not accepted" in refused(signed(algorithm=algorithm))


def test_es256_is_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    p256 = ClientKey(ec.generate_private_key(ec.SECP256R1()), "ES256", "ec-256")
    assert "algorithm 'ES256' is not accepted" in refused(signed(p256))


def test_alg_none_is_refused() -> None:
    payload = {"iss": "svc", "sub": "svc", "aud": TOKEN_URL, "exp": NOW_S + 60, "jti": "x"}
    assert "algorithm 'none'" in refused(unsigned_jwt({"alg": "none", "kid": RSA.kid}, payload))


def test_hs384_with_the_registered_public_key_is_refused() -> None:
    public_pem = RSA.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64url(json.dumps({"alg": "HS384", "kid": RSA.kid}).encode())
    body = b64url(json.dumps({"iss": "svc", "sub": "svc", "aud": TOKEN_URL, "jti": "j"}).encode())
    mac = hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha384).digest()
    assert "algorithm 'HS384'" in refused(f"{header}.{body}.{b64url(mac)}")


def test_a_header_alg_that_does_not_fit_the_key_is_refused() -> None:
    """ES384 named in the header, but the kid is the client's RSA key."""
    forged = signed(EC, headers={"kid": RSA.kid})
    assert "does not fit algorithm ES384" in refused(forged)


def test_expired_assertion() -> None:
    old = RSA.assertion("svc", TOKEN_URL, NOW_S - 400, lifetime_s=300)
    assert "expired" in refused(old)


def test_exp_more_than_five_minutes_ahead() -> None:
    assert "more than 5 minutes ahead" in refused(signed(lifetime_s=301))
    assert "more than 5 minutes ahead" in refused(signed(iat=None, exp=NOW_S + 400))
    check(signed(iat=None, exp=NOW_S + 290))  # iat is optional


def test_issued_in_the_future() -> None:
    future = RSA.assertion("svc", TOKEN_URL, NOW_S + 120, lifetime_s=60)
    assert "not valid yet" in refused(future)


def test_missing_exp_and_missing_jti() -> None:
    assert "'exp' claim is missing" in refused(signed(exp=None))
    assert "'jti' claim must be" in refused(signed(jti=None))
    assert "'jti' claim must be" in refused(signed(jti="x" * 256))


def test_wrong_audience() -> None:
    assert "'aud' must be the token endpoint URL" in refused(
        signed(aud="https://enlace.example/fhir")
    )


def test_iss_and_sub_must_both_be_the_client() -> None:
    assert "'iss' and 'sub'" in refused(signed(sub="someone-else"))
    assert "unknown or inactive client" in refused(RSA.assertion("intruder", TOKEN_URL, NOW_S))


def test_unknown_kid() -> None:
    assert "no key with kid 'rotated'" in refused(signed(headers={"kid": "rotated"}))


def test_missing_kid() -> None:
    assert "no 'kid'" in refused(signed(headers={"kid": None}))


def test_tampered_payload() -> None:
    head, _, signature = signed().split(".")
    claims = {"iss": "svc", "sub": "svc", "aud": TOKEN_URL, "exp": NOW_S + 60, "jti": "a"}
    assert "signature does not verify" in refused(
        f"{head}.{b64url(json.dumps(claims).encode())}.{signature}"
    )


def test_signed_by_another_key_under_a_registered_kid() -> None:
    impostor = ClientKey(rsa_key("impostor").private_key, "RS384", RSA.kid)
    assert "signature does not verify" in refused(signed(impostor))


def test_a_non_backend_client_cannot_use_an_assertion() -> None:
    app = Client("svc", "App", "public", "patient/*.rs", redirect_uris=("https://app/cb",))
    assert "not registered as a backend service" in refused(signed(), app)


def test_keys_from_the_jwks_url_and_jku() -> None:
    fetched: list[str] = []
    url = "https://svc.example/jwks.json"

    def fetch(where: str) -> dict[str, Any]:
        fetched.append(where)
        return EC.jwks()

    client = backend(jwks={"keys": [RSA.public_jwk()]}, jwks_url=url)
    check(signed(EC), client, fetch_jwks=fetch)
    check(signed(EC), client, fetch_jwks=fetch)
    assert fetched == [url]  # cached
    check(signed(RSA), client, fetch_jwks=fetch)  # the inline key needs no fetch
    assert fetched == [url]
    assert "'jku' header" in refused(
        signed(EC, headers={"jku": "https://evil.example/jwks"}), client, fetch_jwks=fetch
    )


def test_an_unreachable_jwks_url() -> None:
    def fail(_url: str) -> dict[str, Any]:
        raise OSError("connection refused")

    client = backend(jwks_url="https://down.example/jwks.json")
    assert "JWKS URL could not be read" in refused(signed(), client, fetch_jwks=fail)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_a_short_rsa_key_is_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    short = ClientKey(
        rsa.generate_private_key(public_exponent=65537, key_size=1024), "RS384", "short"
    )
    client = backend(jwks=short.jwks())
    assert "shorter than 2048 bits" in refused(signed(short), client)
