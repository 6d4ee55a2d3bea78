"""Access tokens and the platform signing key: issue, verify, and every way a token is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.security import keys
from enlace.security.scopes import parse_scopes
from enlace.security.tokens import (
    Grant,
    bearer_token,
    issue_access_token,
    issuer_for,
    verify_access_token,
)
from tests.support.oauth_clients import b64url, unsigned_jwt

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FHIR = "https://enlace.example/fhir"
KEY = keys.key_from_pem(keys.generate_pem())
OTHER_KEY = keys.key_from_pem(keys.generate_pem())
GRANT = Grant(
    subject="user-1",
    client_id="app-1",
    scopes=parse_scopes("patient/Observation.rs patient/Patient.r launch/patient"),
    role="caregiver",
    fhir_user="RelatedPerson/r1",
    patient="p2",
    patients=("p1", "p2"),
)


def issued(grant: Grant = GRANT, key: keys.SigningKey = KEY, **kwargs: object) -> str:
    options: dict[str, object] = {"audience": FHIR, "now": NOW, "lifetime_s": 300, **kwargs}
    return issue_access_token(key, grant, **options).token  # type: ignore[arg-type]


def refusal(token: str, **kwargs: object) -> errors.FhirError:
    options: dict[str, object] = {"audience": FHIR, "now": NOW, **kwargs}
    with pytest.raises(errors.FhirError) as caught:
        verify_access_token(token, KEY, **options)  # type: ignore[arg-type]
    failure = caught.value
    assert failure.status == 401
    assert failure.issues[0].code == "login"
    if token:
        assert token not in failure.message and token not in str(failure.headers)
    assert failure.headers["WWW-Authenticate"].startswith(
        'Bearer realm="enlace", error="invalid_token"'
    )
    return failure


def forged(claims_change: dict[str, object]) -> str:
    """A token of ours with its claims changed afterwards (signature kept)."""
    token = issued()
    head, _, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update(claims_change)
    return ".".join([head, b64url(json.dumps(claims).encode()), signature])


def claims_of(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def test_issue_and_verify_round_trip() -> None:
    token = issued()
    claims = claims_of(token)
    assert claims["iss"] == "https://enlace.example" and claims["aud"] == FHIR
    assert claims["exp"] - claims["iat"] == 300
    assert claims["scope"] == "patient/Observation.rs patient/Patient.r launch/patient"
    assert claims["patients"] == ["p1", "p2"] and claims["patient"] == "p2"
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": KEY.kid, "typ": "JWT"}
    access = verify_access_token(token, KEY, audience=FHIR, now=NOW + timedelta(seconds=10))
    assert access.kind == "user" and access.actor == "user-1" and access.client_id == "app-1"
    assert access.role == "caregiver" and access.fhir_user == "RelatedPerson/r1"
    assert access.patients == ("p2", "p1")  # the launch patient first
    assert access.grants("Observation", "s") == [()]
    assert access.grants("Observation", "c") == []
    assert access.token_id == claims["jti"]


def test_a_backend_token_is_a_client_access() -> None:
    grant = Grant("svc", "svc", parse_scopes("system/Patient.rs"), role="payer", organization="o1")
    access = verify_access_token(issued(grant), KEY, audience=FHIR, now=NOW)
    assert access.kind == "client" and access.actor == "svc" and access.organization == "o1"
    assert access.patients == ()


def test_lifetime_is_capped_at_300_seconds() -> None:
    token = issue_access_token(KEY, GRANT, audience=FHIR, now=NOW, lifetime_s=3600)
    assert token.expires_in == 300
    claims = claims_of(token.token)
    assert claims["exp"] - claims["iat"] == 300


def test_expired_within_the_leeway_is_accepted_beyond_it_refused() -> None:
    token = issued()
    verify_access_token(token, KEY, audience=FHIR, now=NOW + timedelta(seconds=320))
    failure = refusal(token, now=NOW + timedelta(seconds=331))
    assert "expired" in failure.message


def test_issued_in_the_future_is_refused() -> None:
    token = issued(now=NOW + timedelta(minutes=5))
    assert "not valid yet" in refusal(token).message
    verify_access_token(issued(now=NOW + timedelta(seconds=20)), KEY, audience=FHIR, now=NOW)


def test_wrong_audience_and_wrong_issuer() -> None:
    assert "another audience" in refusal(issued(), audience="https://other.example/fhir").message
    wrong_issuer = refusal(issued(), issuer="https://issuer.example").message
    assert "another server" in wrong_issuer


def test_alg_none_is_refused() -> None:
    claims = claims_of(issued())
    token = unsigned_jwt({"alg": "none", "typ": "JWT"}, claims)
    assert "algorithm 'none'" in refusal(token).message


def test_hs256_signed_with_the_public_key_is_refused() -> None:
    """Algorithm confusion: an HMAC keyed with the (public) verification key."""
    public_pem = KEY.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KEY.kid}).encode())
    body = b64url(json.dumps(claims_of(issued())).encode())
    signature = hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    token = f"{header}.{body}.{b64url(signature)}"
    assert "algorithm 'HS256'" in refusal(token).message


def test_tampered_payload_is_refused() -> None:
    failure = refusal(forged({"scope": "system/*.cruds"}))
    assert "signature does not verify" in failure.message


def test_signed_by_another_key_is_refused() -> None:
    assert "unknown key" in refusal(issued(key=OTHER_KEY)).message
    _, body, signature = issued(key=OTHER_KEY).split(".")
    ours = b64url(json.dumps({"alg": "ES256", "typ": "JWT", "kid": KEY.kid}).encode())
    assert "signature does not verify" in refusal(f"{ours}.{body}.{signature}").message


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "a.b", "....."])
def test_malformed_tokens_are_refused(token: str) -> None:
    assert refusal(token).status == 401


def test_missing_and_mistyped_claims_are_refused() -> None:
    claims = claims_of(issued())
    del claims["jti"]
    token = jwt.encode(claims, KEY.private_key, algorithm="ES256", headers={"kid": KEY.kid})
    assert "'jti' claim is missing" in refusal(token).message
    claims = {**claims_of(issued()), "exp": "tomorrow"}
    token = jwt.encode(claims, KEY.private_key, algorithm="ES256", headers={"kid": KEY.kid})
    assert "'exp' claim is not a number" in refusal(token).message


def test_a_long_lived_token_signed_with_our_key_is_refused() -> None:
    claims = {**claims_of(issued()), "exp": int(NOW.timestamp()) + 3600}
    token = jwt.encode(claims, KEY.private_key, algorithm="ES256", headers={"kid": KEY.kid})
    assert "lifetime exceeds 300 s" in refusal(token).message


def test_bearer_header_parsing() -> None:
    assert bearer_token(None) is None
    assert bearer_token("Bearer abc.def") == "abc.def"
    assert bearer_token("bearer  abc ") == "abc"
    with pytest.raises(errors.FhirError) as caught:
        bearer_token("Basic dXNlcjpwYXNz")
    assert caught.value.status == 401


def test_issuer_is_the_server_base() -> None:
    assert issuer_for("http://h:8000/fhir") == "http://h:8000"
    assert issuer_for("http://h/root/fhir") == "http://h/root"


# --- the signing key --------------------------------------------------------------------------


def test_rfc7638_thumbprint_example() -> None:
    """The worked example of RFC 7638 §3.1."""
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert keys.thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_jwks_publishes_the_public_key_only() -> None:
    published = KEY.jwks()["keys"][0]
    assert published["kid"] == KEY.kid == keys.thumbprint(published)
    assert published["alg"] == "ES256" and published["crv"] == "P-256"
    assert "d" not in published
    verifier = jwt.PyJWK(published).key
    token = issued()
    checked = jwt.decode(
        token, verifier, algorithms=["ES256"], audience=FHIR, options={"verify_exp": False}
    )
    assert checked["sub"] == "user-1"


def test_development_key_is_created_once_0600_and_shared(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    path = settings.var_dir / keys.DEV_KEY_FILE
    created: list[str] = []
    barrier = threading.Barrier(6)

    def create() -> None:
        barrier.wait()
        keys._create_atomically(path, keys.generate_pem())
        created.append(path.read_text())

    threads = [threading.Thread(target=create) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(created)) == 1  # every "process" reads the one winner
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["signing-key.pem"]  # no temporaries left
    assert keys.signing_key(settings).kid == keys.key_from_pem(created[0]).kid


def test_configured_key_and_production_without_one(tmp_path: Path) -> None:
    pem = keys.generate_pem()
    configured = Settings(var_dir=tmp_path, signing_key_pem=pem, environment="production")
    assert keys.signing_key(configured).kid == keys.key_from_pem(pem).kid
    assert not (tmp_path / keys.DEV_KEY_FILE).exists()
    with pytest.raises(errors.FhirError) as caught:
        keys.signing_key(Settings(var_dir=tmp_path, environment="production"))
    assert "ENLACE_SIGNING_KEY" in caught.value.message


def test_a_key_that_is_not_ec_p256_is_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    p384 = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(errors.FhirError, match="P-256"):
        keys.key_from_pem(p384.decode())
    with pytest.raises(errors.FhirError, match="not a PEM key"):
        keys.key_from_pem("not a key")


def test_verification_time_is_the_one_given() -> None:
    token = issued()
    later = NOW + timedelta(days=400)
    assert epoch_us(later) > epoch_us(NOW)
    assert "expired" in refusal(token, now=later).message
