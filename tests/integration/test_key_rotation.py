"""Rotating the data keys: `enlace keys rotate|status|generate`, reading everything back with the
new key alone, and no write lost to a rotation running beside it (both stores)."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from typer.testing import CliRunner

from enlace.bootstrap import build
from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.security import passwords, totp, users
from enlace.store import content_rotation
from enlace.store.content_cipher import MARKER, ContentCipher, bind
from enlace.store.database import Database, open_database
from enlace.store.schema import resource_history, resources
from tests.integration.test_encryption_at_rest import KEY_A, KEY_B, PATIENT, Make, make

__all__ = ["make"]  # the fixture, shared with test_encryption_at_rest
T0 = 1_767_225_600 * 1_000_000
ID_A, ID_B = (ContentCipher.from_setting(k).key_ids[0] for k in (KEY_A, KEY_B))


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(1, 1024, 1))


def keys_cli(services: Services, keys: str, *args: str) -> tuple[int, str]:
    env = {
        "ENLACE_DATABASE_URL": services.settings.resolved_database_url,
        "ENLACE_VAR_DIR": str(services.settings.var_dir),
        "ENLACE_DATA_KEYS": keys,
    }
    result = CliRunner().invoke(app, ["keys", *args], env=env)
    return result.exit_code, result.output


def enrol(services: Services, username: str) -> bytes:
    with services.db.begin() as conn:
        users.add_user(
            conn,
            username=username,
            password="nopal verde en la azotea",
            role="physician",
            now_us=T0,
        )
        secret = users.enable_totp(conn, username, services.settings).secret_base32
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def totp_works(services: Services, username: str, secret: bytes) -> bool:
    with services.db.begin() as conn:
        user = users.get_user(conn, username)
        assert user is not None
        return users.verify_totp(conn, user, totp.code_at(secret, T0), T0, services.settings)


def heads(services: Services) -> set[bytes]:
    with services.db.read() as conn:
        found = [
            *conn.execute(select(resources.c.content)),
            *conn.execute(select(resource_history.c.content)),
        ]
    return {bytes(row[0])[:11] for row in found if row[0] is not None}


def test_rotate_then_the_new_key_alone_reads_everything(make: Make) -> None:
    plain = make("")
    with plain.db.begin() as conn:
        old = plain.repo.create(conn, dict(PATIENT))
        plain.repo.update(conn, {**old.resource(), "gender": "other"}, old.id)
    plain_secret = enrol(plain, "v1user")
    keyed = make(KEY_A)
    with keyed.db.begin() as conn:
        new = keyed.repo.create(conn, dict(PATIENT))
        keyed.repo.update(conn, {**new.resource(), "gender": "other"}, new.id)
    keyed_secret = enrol(keyed, "v2user")
    expected = {}
    with keyed.db.read() as conn:
        for pid in (old.id, new.id):
            expected[pid] = [keyed.repo.vread(conn, "Patient", pid, v).content for v in (1, 2)]

    code, output = keys_cli(keyed, f"{KEY_B},{KEY_A}", "status")
    assert code == 0 and f"resources\t{ID_A}\t1" in output and "resources\tplain\t1" in output
    code, output = keys_cli(keyed, f"{KEY_B},{KEY_A}", "rotate", "--batch", "1")
    assert code == 0, output
    assert "resources: 2 re-sealed" in output and "resource_history: 4 re-sealed" in output
    assert "TOTP secrets: 2 re-sealed" in output
    assert f"no row uses {ID_A}: it can be removed" in output

    rotated = make(KEY_B)
    assert heads(rotated) == {MARKER + bytes.fromhex(ID_B)}
    with rotated.db.read() as conn:
        for pid, versions in expected.items():
            assert rotated.repo.read(conn, "Patient", pid).content == versions[1]
            assert [rotated.repo.vread(conn, "Patient", pid, v).content for v in (1, 2)] == versions
        history = [v.content for _, v in rotated.repo.history(conn, "Patient")]
        assert sorted(history) == sorted(c for v in expected.values() for c in v)
    assert totp_works(rotated, "v1user", plain_secret)
    assert totp_works(rotated, "v2user", keyed_secret)
    code, output = keys_cli(rotated, KEY_B, "status")
    assert code == 0 and ID_A not in output and "plain" not in output
    assert f"security_users.totp_secret\t{ID_B}\t2" in output


def test_a_key_still_in_use_cannot_be_dropped_unnoticed(make: Make) -> None:
    keyed = make(KEY_A)
    with keyed.db.begin() as conn:
        keyed.repo.create(conn, dict(PATIENT))
    code, output = keys_cli(keyed, KEY_B, "status")
    assert code == 1 and f"rows sealed with keys not in ENLACE_DATA_KEYS: {ID_A}" in output
    code, output = keys_cli(keyed, KEY_B, "rotate")
    assert code == 1 and f"sealed with data key {ID_A}" in output
    assert keys_cli(keyed, "", "rotate")[0] == 2
    assert keys_cli(keyed, "short", "status")[0] == 2


def test_generate_prints_a_usable_key() -> None:
    result = CliRunner().invoke(app, ["keys", "generate"])
    assert result.exit_code == 0
    assert ContentCipher.from_setting(result.output.strip()).enabled


def rotator(services: Services, cipher: ContentCipher) -> Database:
    db = open_database(services.settings.resolved_database_url)
    bind(db, cipher)
    return db


def test_rotation_beside_writers_loses_no_write(make: Make) -> None:
    old = make(KEY_A)
    with old.db.begin() as conn:
        ids = [old.repo.create(conn, {**PATIENT, "birthDate": "1950"}).id for _ in range(40)]
    writer = make(f"{KEY_B},{KEY_A}")  # every process has the new key before rotation starts
    written: dict[str, bytes | None] = {}
    started = threading.Event()  # after the rotation's first batch, from the other end

    def write() -> None:
        started.wait(10)
        for year in range(1951, 1954):
            for pid in reversed(ids):
                with writer.db.begin() as conn:
                    body = {**PATIENT, "id": pid, "birthDate": str(year)}
                    written[pid] = writer.repo.update(conn, body, pid).version.content

    thread = threading.Thread(target=write)
    db = rotator(old, ContentCipher.from_setting(f"{KEY_B},{KEY_A}"))
    try:
        thread.start()
        cipher = ContentCipher.from_setting(f"{KEY_B},{KEY_A}")
        content_rotation.rotate(db, cipher, 3, lambda _: started.set())
        thread.join()
        with db.read() as conn:
            usage = content_rotation.key_usage(conn)
    finally:
        db.dispose()
    assert usage == {"resources": {ID_B: 40}, "resource_history": {ID_B: 160}}
    new = make(KEY_B)
    with new.db.read() as conn:
        for pid in ids:
            assert new.repo.read(conn, "Patient", pid).content == written[pid]
            assert new.repo.read(conn, "Patient", pid).version_id == 4


class WriteDuringBatch(ContentCipher):
    """Commits an update of the row the rotator has just read, before it swaps the row."""

    def __init__(self, keys: str, writer: Services) -> None:
        super().__init__(ContentCipher.from_setting(keys).keys)
        self.writer = writer
        self.written: bytes | None = None

    def open(self, resource_type: str, resource_id: str, version_id: int, stored: bytes) -> bytes:
        if self.written is None:
            with self.writer.db.begin() as conn:
                body = {**PATIENT, "id": resource_id, "gender": "male"}
                self.written = self.writer.repo.update(conn, body, resource_id).version.content
        return super().open(resource_type, resource_id, version_id, stored)


def test_a_version_written_between_read_and_swap_is_kept(make: Make) -> None:
    old = make(KEY_A)
    if old.db.dialect == "sqlite":
        pytest.skip("SQLite: a rotation batch holds the write lock, so no write can come between")
    with old.db.begin() as conn:
        pid = old.repo.create(conn, dict(PATIENT)).id
    racing = WriteDuringBatch(f"{KEY_B},{KEY_A}", make(f"{KEY_B},{KEY_A}"))
    db = rotator(old, racing)
    try:
        report = content_rotation.rotate(db, racing, 10)
    finally:
        db.dispose()
    assert (report[0].resealed, report[0].raced) == (0, 1)
    with make(KEY_B).db.read() as conn:
        current = make(KEY_B).repo.read(conn, "Patient", pid)
    assert current.version_id == 2 and current.content == racing.written


def test_settings_with_a_bad_key_refuse_to_build(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", data_keys="c2hvcnQ=")
    with pytest.raises(ValueError, match="key 1 has 5 bytes"):
        build(settings)
