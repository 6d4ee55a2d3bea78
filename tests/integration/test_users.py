"""Accounts, the password step with lockout, TOTP with single use, and sessions (both stores)."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.kernel.settings import Settings
from enlace.security import login, passwords, totp, users
from enlace.security.tables import sessions
from enlace.security.tables import users as users_table

SECOND = 1_000_000
T0 = 1_767_225_600 * SECOND  # 2026-01-01T00:00:00Z
PASSWORD = "nopal verde en la azotea"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(1, 1024, 1))


@pytest.fixture
def settings(services: Services) -> Settings:
    return replace(services.settings, login_max_failures=3, lockout_seconds=60)


@pytest.fixture
def ana(services: Services) -> users.User:
    with services.db.begin() as conn:
        return users.add_user(
            conn,
            username="Ana.Garcia",
            password=PASSWORD,
            role="physician",
            organization="Organization/clinica-1",
            fhir_user="Practitioner/p1",
            display_name="Ana García",
            now_us=T0,
        )


def _password(services: Services, settings: Settings, password: str, at: int) -> users.LoginAttempt:
    with services.db.begin() as conn:
        return users.attempt_password(conn, "ana.garcia", password, at, settings)[1]


def test_add_user_normalises_and_reads_back(services: Services, ana: users.User) -> None:
    assert (ana.username, ana.organization, ana.totp_enabled) == ("ana.garcia", "clinica-1", False)
    with services.db.read() as conn:
        assert users.get_user(conn, " ANA.garcia ") == ana
        assert users.get_user_by_id(conn, ana.id) == ana
        stored = conn.execute(select(users_table.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"username": "a b"}, "Username"),
        ({"role": "wizard"}, "Unknown role"),
        ({"role": "patient"}, "needs at least one patient"),
        ({"role": "caregiver", "patients": ("",)}, "needs at least one patient"),
        ({"patients": ("bad id!",)}, "patient"),
        ({"organization": "Org/../x"}, "organization"),
        ({"fhir_user": "Device/1"}, "fhir_user"),
        ({"password": "short"}, "'min-length'"),
        ({"password": "luis.perez.mx"}, "'not-username'"),
    ],
)
def test_add_user_refuses_bad_input_naming_it(
    services: Services, changes: dict[str, object], expected: str
) -> None:
    fields: dict[str, object] = {
        "username": "luis.perez.mx",
        "password": PASSWORD,
        "role": "nurse",
        "now_us": T0,
        **changes,
    }
    with pytest.raises(FhirError) as refused, services.db.begin() as conn:
        users.add_user(conn, **fields)  # type: ignore[arg-type]
    assert refused.value.status == 400
    assert expected in refused.value.message
    with services.db.read() as conn:
        assert users.list_users(conn) == []


def test_patient_role_keeps_its_patients_and_duplicates_are_409(services: Services) -> None:
    with services.db.begin() as conn:
        user = users.add_user(
            conn,
            username="rosa",
            password=PASSWORD,
            role="caregiver",
            patients=["Patient/p1", "p2", "p1"],
            now_us=T0,
        )
    assert user.patients == ("p1", "p2")
    with pytest.raises(FhirError) as taken, services.db.begin() as conn:
        users.add_user(conn, username="ROSA", password=PASSWORD, role="nurse", now_us=T0)
    assert taken.value.status == 409


def test_failures_below_the_limit_then_success_reset_the_count(
    services: Services, settings: Settings, ana: users.User
) -> None:
    for _ in range(2):
        assert _password(services, settings, "wrong password!", T0).outcome == users.BAD_PASSWORD
    assert _password(services, settings, PASSWORD, T0).outcome == users.SUCCESS
    for _ in range(2):  # the count started again: two more failures do not lock
        assert not _password(services, settings, "wrong password!", T0).locked_now
    assert _password(services, settings, PASSWORD, T0).succeeded


def test_limit_of_failures_locks_even_the_right_password_until_it_expires(
    services: Services, settings: Settings, ana: users.User
) -> None:
    attempts = [_password(services, settings, "wrong password!", T0) for _ in range(3)]
    assert [a.locked_now for a in attempts] == [False, False, True]
    assert attempts[-1].locked_until_us == T0 + 60 * SECOND
    refused = _password(services, settings, PASSWORD, T0 + 59 * SECOND)
    assert (refused.outcome, refused.user_id) == (users.LOCKED, ana.id)
    with pytest.raises(users.LoginFailed) as failed, services.db.begin() as conn:
        users.authenticate(conn, "ana.garcia", PASSWORD, T0 + 59 * SECOND, settings)
    assert failed.value.status == 401 and failed.value.attempt.outcome == users.LOCKED
    assert _password(services, settings, PASSWORD, T0 + 60 * SECOND).outcome == users.SUCCESS


def test_unknown_user_wrong_password_and_lock_give_the_same_error(
    services: Services, settings: Settings, ana: users.User
) -> None:
    messages = set()
    for username, password in [("nobody", PASSWORD), ("ana.garcia", "wrong password!")]:
        with pytest.raises(users.LoginFailed) as failed, services.db.begin() as conn:
            users.authenticate(conn, username, password, T0, settings)
        messages.add(failed.value.message)
    with services.db.begin() as conn:
        conn.execute(users_table.update().values(locked_until_us=T0 + SECOND))
    with pytest.raises(users.LoginFailed) as locked, services.db.begin() as conn:
        users.authenticate(conn, "ana.garcia", PASSWORD, T0, settings)
    messages.add(locked.value.message)
    assert messages == {users.GENERIC_LOGIN_ERROR}
    recorded = _password(services, settings, PASSWORD, T0)  # the reason is kept for the audit
    assert (recorded.outcome, recorded.user_id) == (users.LOCKED, ana.id)


def test_unlock_lifts_the_lock(services: Services, settings: Settings, ana: users.User) -> None:
    for _ in range(3):
        _password(services, settings, "wrong password!", T0)
    with services.db.begin() as conn:
        users.unlock_user(conn, "Ana.Garcia")
    assert _password(services, settings, PASSWORD, T0 + SECOND).outcome == users.SUCCESS


def test_login_rehashes_a_password_hashed_with_old_parameters(
    services: Services, settings: Settings, ana: users.User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(2, 2048, 1))
    assert _password(services, settings, PASSWORD, T0).outcome == users.SUCCESS
    with services.db.read() as conn:
        stored = conn.execute(select(users_table.c.password_hash)).scalar_one()
    assert "m=2048,t=2,p=1" in stored


def test_session_idle_and_absolute_expiry(services: Services, ana: users.User) -> None:
    with services.db.begin() as conn:
        token = users.start_session(conn, ana, T0, second_factor=False)  # no TOTP: complete
    minute = 60 * SECOND
    with services.db.begin() as conn:
        assert users.session_user(conn, token, T0 + 14 * minute) == ana
        # activity at 14 min moved the idle limit: 28 min is 14 min after the last activity
        assert users.session_user(conn, token, T0 + 28 * minute) == ana
        assert users.session_user(conn, token, T0 + 44 * minute) is None  # 16 min idle
    with services.db.begin() as conn:
        token = users.start_session(conn, ana, T0, second_factor=True)
    at = T0
    with services.db.begin() as conn:
        while at < T0 + 8 * 60 * minute - 10 * minute:
            at += 10 * minute
            assert users.session_user(conn, token, at) == ana
        assert users.session_user(conn, token, T0 + 8 * 60 * minute) is None  # 8 h absolute


def test_logout_ends_the_session_and_only_a_digest_is_stored(
    services: Services, ana: users.User
) -> None:
    with services.db.begin() as conn:
        token = users.start_session(conn, ana, T0, second_factor=True)
        stored = conn.execute(select(sessions.c.token_hash)).scalar_one()
        assert token not in stored and stored == users.session_fingerprint(token)
        login.logout(conn, token)
        assert users.session_user(conn, token, T0 + SECOND) is None
        assert users.session_user(conn, "made-up", T0) is None


def test_purge_and_new_sessions_drop_ended_ones(services: Services, ana: users.User) -> None:
    with services.db.begin() as conn:
        users.start_session(conn, ana, T0, second_factor=True)
        users.start_session(conn, ana, T0 + 20 * 60 * SECOND, second_factor=True)
        assert conn.execute(select(sessions.c.created_us)).scalars().all() == [
            T0 + 20 * 60 * SECOND
        ]
        assert users.purge_expired_sessions(conn, T0 + 9 * 3600 * SECOND) == 1


def _enrol(services: Services, settings: Settings) -> bytes:
    with services.db.begin() as conn:
        enrolment = users.enable_totp(conn, "ana.garcia", settings)
    assert enrolment.uri.startswith("otpauth://totp/Enlace:ana.garcia?")
    with services.db.read() as conn:
        sealed = conn.execute(select(users_table.c.totp_secret)).scalar_one()
    assert sealed.startswith("v1.") and enrolment.secret_base32 not in sealed
    padded = enrolment.secret_base32 + "=" * (-len(enrolment.secret_base32) % 8)
    return base64.b32decode(padded)


def test_totp_login_flow_with_replay_refused(
    services: Services, settings: Settings, ana: users.User
) -> None:
    secret = _enrol(services, settings)
    with services.db.begin() as conn:
        first = login.password_login(conn, "ana.garcia", PASSWORD, T0, settings)
    assert first.needs_totp and first.session_token
    with services.db.begin() as conn:  # a pending session is no session
        assert users.session_user(conn, first.session_token, T0 + SECOND) is None
    code = totp.code_at(secret, T0)
    with services.db.begin() as conn:
        done = login.totp_login(conn, first.session_token, code, T0 + SECOND, settings)
    assert done.attempt.outcome == users.SUCCESS and done.session_token != first.session_token
    with services.db.begin() as conn:
        assert users.session_user(conn, done.session_token or "", T0 + 2 * SECOND) is not None
        assert users.pending_session_user(conn, first.session_token, T0 + 2 * SECOND) is None
    with services.db.begin() as conn:  # the same code, again, within its window
        second = login.password_login(conn, "ana.garcia", PASSWORD, T0 + 5 * SECOND, settings)
        replay = login.totp_login(conn, second.session_token or "", code, T0 + 6 * SECOND, settings)
    assert replay.attempt.outcome == users.BAD_CODE and replay.session_token is None
    later = totp.code_at(secret, T0 + 30 * SECOND)
    with services.db.begin() as conn:
        fresh = login.totp_login(
            conn, second.session_token or "", later, T0 + 31 * SECOND, settings
        )
    assert fresh.attempt.outcome == users.SUCCESS


def test_wrong_totp_codes_count_towards_the_lock(
    services: Services, settings: Settings, ana: users.User
) -> None:
    secret = _enrol(services, settings)
    with services.db.begin() as conn:
        pending = login.password_login(conn, "ana.garcia", PASSWORD, T0, settings).session_token
    wrong = f"{(int(totp.code_at(secret, T0)) + 1) % 1_000_000:06d}"
    outcomes = []
    for _ in range(3):
        with services.db.begin() as conn:
            result = login.totp_login(conn, pending or "", wrong, T0 + SECOND, settings)
        outcomes.append((result.attempt.outcome, result.attempt.locked_now))
    assert outcomes == [(users.BAD_CODE, False), (users.BAD_CODE, False), (users.BAD_CODE, True)]
    with services.db.begin() as conn:  # the pending login ended with the lock
        ended = login.totp_login(conn, pending or "", totp.code_at(secret, T0), T0, settings)
    assert ended.attempt.outcome == users.NO_PENDING_LOGIN
    assert _password(services, settings, PASSWORD, T0 + 2 * SECOND).outcome == users.LOCKED


def test_pending_login_expires_after_five_minutes(
    services: Services, settings: Settings, ana: users.User
) -> None:
    secret = _enrol(services, settings)
    with services.db.begin() as conn:
        pending = login.password_login(conn, "ana.garcia", PASSWORD, T0, settings).session_token
    late = T0 + 5 * 60 * SECOND
    with services.db.begin() as conn:
        result = login.totp_login(conn, pending or "", totp.code_at(secret, late), late, settings)
    assert result.attempt.outcome == users.NO_PENDING_LOGIN


def test_totp_secret_from_another_key_does_not_verify(
    services: Services, settings: Settings, ana: users.User
) -> None:
    secret = _enrol(services, settings)
    rotated = replace(settings, secret_key="a different server secret")
    with services.db.begin() as conn:
        user = users.get_user(conn, "ana.garcia")
        assert user is not None and user.totp_enabled
        assert not users.verify_totp(conn, user, totp.code_at(secret, T0), T0, rotated)
        assert users.verify_totp(conn, user, totp.code_at(secret, T0), T0, settings)
        assert not users.disable_totp(conn, "ana.garcia").totp_enabled
