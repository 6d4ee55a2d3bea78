"""Stored resources sealed at rest: format, keys, tampering, plain rows; TOTP secrets (v2)."""

from __future__ import annotations

import base64

import pytest

from enlace.kernel.datakeys import MissingDataKey, SealBroken, generate_key, parse_data_keys
from enlace.kernel.settings import Settings
from enlace.security import secretbox
from enlace.store.content_cipher import MARKER, ContentCipher, key_id_of

A, B = generate_key(), generate_key()
BODY = (
    b'{"resourceType":"Patient","id":"p1","name":[{"family":"Hern\xc3\xa1ndez"}],'
    b'"identifier":[{"value":"HEGG560427MVZRRL05"}],"telecom":[{"value":"5512345678"}]}'
)


def cipher(*keys: str) -> ContentCipher:
    return ContentCipher.from_setting(",".join(keys))


def test_round_trip_hides_every_byte_of_the_json() -> None:
    sealed = cipher(A).seal("Patient", "p1", 1, BODY)
    assert sealed.startswith(MARKER) and key_id_of(sealed) == cipher(A).key_ids[0]
    for secret in (b"Hern", b"HEGG560427", b"5512345678", b"Patient"):
        assert secret not in sealed
    assert len(sealed) == len(BODY) + 3 + 8 + 12 + 16
    assert cipher(A).open("Patient", "p1", 1, sealed) == BODY
    assert cipher(A).seal("Patient", "p1", 1, BODY) != sealed  # a fresh nonce each time


def test_older_keys_open_newest_seals() -> None:
    old = cipher(A).seal("Patient", "p1", 1, BODY)
    rotated = cipher(B, A)
    assert rotated.open("Patient", "p1", 1, old) == BODY
    assert not rotated.is_current(old)
    new = rotated.seal("Patient", "p1", 1, BODY)
    assert rotated.is_current(new) and key_id_of(new) == rotated.key_ids[0]
    assert cipher(B).open("Patient", "p1", 1, new) == BODY


def test_a_key_that_is_not_configured_is_a_503_naming_it() -> None:
    sealed = cipher(A).seal("Patient", "p1", 1, BODY)
    for reader in (cipher(B), ContentCipher()):
        with pytest.raises(MissingDataKey) as caught:
            reader.open("Patient", "p1", 1, sealed)
        assert caught.value.status == 503
        assert cipher(A).key_ids[0] in caught.value.message
        assert "Patient/p1 version 1" in caught.value.message


@pytest.mark.parametrize(
    ("resource_type", "resource_id", "version"),
    [("Patient", "p2", 1), ("Practitioner", "p1", 1), ("Patient", "p1", 2)],
)
def test_a_row_copied_elsewhere_does_not_open(
    resource_type: str, resource_id: str, version: int
) -> None:
    sealed = cipher(A).seal("Patient", "p1", 1, BODY)
    with pytest.raises(SealBroken) as caught:
        cipher(A).open(resource_type, resource_id, version, sealed)
    assert caught.value.status == 500 and "altered" in caught.value.message


@pytest.mark.parametrize("position", [11, 25, -1])
def test_a_changed_byte_does_not_open(position: int) -> None:
    sealed = bytearray(cipher(A).seal("Patient", "p1", 1, BODY))
    sealed[position] ^= 1
    with pytest.raises(SealBroken):
        cipher(A).open("Patient", "p1", 1, bytes(sealed))


def test_a_truncated_row_does_not_open() -> None:
    sealed = cipher(A).seal("Patient", "p1", 1, BODY)
    with pytest.raises(SealBroken):
        cipher(A).open("Patient", "p1", 1, sealed[:20])


def test_plain_json_stays_readable_and_without_keys_nothing_is_sealed() -> None:
    assert cipher(A).open("Patient", "p1", 1, BODY) == BODY
    assert not cipher(A).is_current(BODY)
    plain = ContentCipher()
    assert not plain.enabled and plain.seal("Patient", "p1", 1, BODY) == BODY
    assert plain.is_current(BODY) and key_id_of(BODY) is None


def test_key_setting_is_parsed_with_clear_errors() -> None:
    raw = base64.b64decode(A)
    urlsafe = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert parse_data_keys(f" {urlsafe} ,,")[0].material == raw
    assert parse_data_keys("") == ()
    with pytest.raises(ValueError, match="key 2 is not base64"):
        parse_data_keys(f"{A},not base64!")
    with pytest.raises(ValueError, match="key 1 has 16 bytes"):
        parse_data_keys(base64.b64encode(b"k" * 16).decode())
    with pytest.raises(ValueError, match="same key twice"):
        parse_data_keys(f"{A},{urlsafe}")
    assert len(base64.b64decode(generate_key())) == 32


def test_totp_secrets_sealed_with_the_data_keys_and_rotated() -> None:
    plain = Settings(secret_key="s" * 40)
    old = secretbox.seal_secret(plain, b"seed", "totp:u1")
    assert old.startswith("v1.") and secretbox.is_current(plain, old)
    keyed = Settings(secret_key="s" * 40, data_keys=A)
    assert not secretbox.is_current(keyed, old)
    assert secretbox.open_secret(keyed, old, "totp:u1") == b"seed"
    new = secretbox.seal_secret(keyed, b"seed", "totp:u1")
    assert new.startswith("v2.") and secretbox.key_id_of(new) == cipher(A).key_ids[0]
    rotated = Settings(secret_key="other" * 10, data_keys=f"{B},{A}")
    assert secretbox.open_secret(rotated, new, "totp:u1") == b"seed"
    assert not secretbox.is_current(rotated, new)
    with pytest.raises(secretbox.SealedValueError, match="not in ENLACE_DATA_KEYS"):
        secretbox.open_secret(Settings(data_keys=B), new, "totp:u1")
    with pytest.raises(secretbox.SealedValueError):
        secretbox.open_secret(keyed, new, "totp:u2")
