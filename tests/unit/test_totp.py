"""RFC 6238 TOTP (window, single use) and the secret box that stores the seeds."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from enlace.security import secretbox, totp

# RFC 6238 appendix B: the SHA-1 seed "12345678901234567890" at T = 59 s gives 94287082
# (8 digits); its last 6 digits are the 6-digit code.
RFC_SECRET = b"12345678901234567890"
SECOND = 1_000_000
NOW = 1_767_225_600 * SECOND  # 2026-01-01T00:00:00Z, a step boundary


def test_rfc_6238_vectors() -> None:
    assert totp.code_at(RFC_SECRET, 59 * SECOND) == "287082"
    assert totp.code_at(RFC_SECRET, 1_111_111_109 * SECOND) == "081804"
    assert totp.code_at(RFC_SECRET, 1_234_567_890 * SECOND) == "005924"


def test_window_accepts_one_step_either_side_and_no_more() -> None:
    step = totp.step_at(NOW)
    for offset in (-1, 0, 1):
        code = totp.code_at(RFC_SECRET, NOW + offset * 30 * SECOND)
        assert totp.matching_step(RFC_SECRET, code, NOW, 0) == step + offset
    for offset in (-2, 2):
        code = totp.code_at(RFC_SECRET, NOW + offset * 30 * SECOND)
        assert totp.matching_step(RFC_SECRET, code, NOW, 0) is None


def test_a_used_step_and_older_ones_are_refused() -> None:
    code = totp.code_at(RFC_SECRET, NOW)
    step = totp.matching_step(RFC_SECRET, code, NOW, 0)
    assert step is not None
    assert totp.matching_step(RFC_SECRET, code, NOW + 10 * SECOND, step) is None
    previous = totp.code_at(RFC_SECRET, NOW - 30 * SECOND)
    assert totp.matching_step(RFC_SECRET, previous, NOW, step) is None
    following = totp.code_at(RFC_SECRET, NOW + 30 * SECOND)
    assert totp.matching_step(RFC_SECRET, following, NOW + 30 * SECOND, step) == step + 1


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_match_nothing(code: str) -> None:
    assert totp.matching_step(RFC_SECRET, code, NOW, 0) is None


def test_spaces_in_a_typed_code_are_ignored() -> None:
    code = totp.code_at(RFC_SECRET, NOW)
    assert totp.matching_step(RFC_SECRET, f" {code[:3]} {code[3:]} ", NOW, 0) is not None


def test_provisioning_uri_names_issuer_account_and_parameters() -> None:
    secret = totp.new_secret()
    assert len(secret) == 20
    uri = urlsplit(totp.provisioning_uri(secret, "ana.garcia"))
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/Enlace:ana.garcia")
    query = {k: v[0] for k, v in parse_qs(uri.query).items()}
    assert query["issuer"] == "Enlace"
    assert query["secret"] == totp.base32_secret(secret)
    assert (query["digits"], query["period"], query["algorithm"]) == ("6", "30", "SHA1")


def test_secretbox_round_trip_bound_to_key_and_context() -> None:
    sealed = secretbox.seal("key one", b"seed bytes", "totp:u1")
    assert sealed.startswith("v1.") and b"seed" not in sealed.encode()
    assert secretbox.unseal("key one", sealed, "totp:u1") == b"seed bytes"
    assert secretbox.seal("key one", b"seed bytes", "totp:u1") != sealed  # fresh nonce
    with pytest.raises(secretbox.SealedValueError):
        secretbox.unseal("key two", sealed, "totp:u1")
    with pytest.raises(secretbox.SealedValueError):
        secretbox.unseal("key one", sealed, "totp:u2")  # copied into another user's row
    for broken in ("plain", "v1.", "v1.!!!", sealed[:-4] + "AAAA"):
        with pytest.raises(secretbox.SealedValueError):
            secretbox.unseal("key one", broken, "totp:u1")


def test_derived_keys_differ_per_purpose() -> None:
    assert secretbox.derive_key("k", "csrf") != secretbox.derive_key("k", "secretbox")
    assert len(secretbox.derive_key("k", "csrf")) == 32
