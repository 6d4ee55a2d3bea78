"""Password hashing (argon2id, rehash on outdated parameters) and the minimum policy."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from enlace.kernel.errors import FhirError
from enlace.security import passwords

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "hasher", CHEAP)


def test_hash_is_argon2id_and_verifies_only_the_same_password() -> None:
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "correct horse battery")
    assert not passwords.verify_password(stored, "correct horse batterY")
    assert not passwords.verify_password("not a hash", "correct horse battery")


def test_hash_made_with_weaker_parameters_needs_rehash(monkeypatch: pytest.MonkeyPatch) -> None:
    old = passwords.hash_password("correct horse battery")
    assert not passwords.needs_rehash(old)
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=2, memory_cost=2048))
    assert passwords.needs_rehash(old)
    assert passwords.verify_password(old, "correct horse battery")  # still accepted meanwhile


def test_defaults_are_the_rfc_9106_profile() -> None:
    default = PasswordHasher()
    assert (default.time_cost, default.memory_cost) == (3, 65536)


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short pw 11", "min-length"),
        ("x" * 1025, "max-length"),
        ("Maria.Lopez.1", "not-username"),
        ("Password1234", "not-common"),
        ("contraseña123", "not-common"),
        ("aaaaaaaaaaaaaaa", "not-common"),
    ],
)
def test_policy_refusals_name_the_rule(password: str, rule: str) -> None:
    with pytest.raises(FhirError) as refused:
        passwords.check_policy(password, "maria.lopez.1")
    assert refused.value.status == 400
    assert f"'{rule}'" in refused.value.message


def test_policy_accepts_a_long_uncommon_password() -> None:
    passwords.check_policy("nopal verde en la azotea", "maria.lopez")
    passwords.check_policy("ñandú-12-años", "maria")  # 13 characters, multibyte is fine


def test_burn_verify_spends_a_verification_and_follows_the_hasher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    passwords.burn_verify("anything at all")
    assert passwords._dummy is not None and passwords._dummy[0] is CHEAP
    other = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(passwords, "hasher", other)
    passwords.burn_verify("anything at all")
    assert passwords._dummy[0] is other
    assert passwords._dummy[1].startswith("$argon2id$v=19$m=2048")
