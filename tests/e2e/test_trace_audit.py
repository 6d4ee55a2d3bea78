"""`enlace ledger audit` against a live server (SQLite and PostgreSQL): a log that grew honestly
passes; an entry or node edited or deleted directly in the database is caught and named.

Entries are appended through the Python API on the server's database (EPCIS capture, which will
append them in production, comes separately); the audit itself reads only `/log/...`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from enlace.modules.trace.log_store import append_entries, forget_frontiers
from enlace.store.database import Database, open_database
from tests.e2e.conftest import VENV_BIN, _serve
from tests.support.postgres import fresh_database

# A cadence of 0 issues a checkpoint on every request once the tree grew: no sleeping in tests.
SERVER_ENV = {"ENLACE_LOG_CHECKPOINT_SECONDS": "0"}


@dataclass(frozen=True)
class LogServer:
    base: str  # http://127.0.0.1:<port>
    db: Database
    workdir: Path


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def log_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LogServer]:
    workdir = tmp_path_factory.mktemp("ledger")
    if request.param == "sqlite":
        yield from _running(f"sqlite:///{workdir / 'enlace.db'}", workdir)
        return
    admin: str = request.getfixturevalue("postgres_admin_url")
    with fresh_database(admin) as url:
        yield from _running(url, workdir)


def _running(url: str, workdir: Path) -> Iterator[LogServer]:
    for fhir_base in _serve(url, workdir, SERVER_ENV):
        db = open_database(url)
        try:
            yield LogServer(fhir_base.removesuffix("/fhir"), db, workdir)
        finally:
            db.dispose()


def append(db: Database, start: int, count: int) -> None:
    for first in range(start, start + count, 5_000):
        with db.begin() as conn:
            size = min(5_000, start + count - first)
            append_entries(conn, [f"event-{i:08d}".encode() for i in range(first, first + size)])


def ledger(server: LogServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "enlace"), "ledger", *args, "--url", server.base],
        capture_output=True,
        text=True,
        timeout=300,
    )


def sql(server: LogServer, statement: str) -> None:
    with server.db.begin() as conn:
        assert conn.exec_driver_sql(statement).rowcount == 1


@pytest.fixture
def grown(log_server: LogServer) -> Iterator[tuple[LogServer, Path]]:
    """A log of 3,000 entries whose checkpoint was saved, then grown to 70,000 (past a full
    level-1 tile); the audit of the untouched log passes."""
    with log_server.db.begin() as conn:
        for table in ("trace_log_entries", "trace_log_nodes", "trace_checkpoints"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    forget_frontiers()
    append(log_server.db, 0, 3_000)
    saved = log_server.workdir / "saved.checkpoint"
    result = ledger(log_server, "checkpoint", "--save", str(saved))
    assert result.returncode == 0, result.stderr
    assert "size 3000" in result.stdout
    append(log_server.db, 3_000, 67_000)
    yield log_server, saved


def audit(server: LogServer, saved: Path) -> subprocess.CompletedProcess[str]:
    return ledger(server, "audit", "--checkpoint", str(saved))


def test_an_honest_log_passes(grown: tuple[LogServer, Path]) -> None:
    server, saved = grown
    result = audit(server, saved)
    assert result.returncode == 0, result.stderr
    assert "from size 3000 to 70000" in result.stdout
    assert "70000 entries match" in result.stdout


def test_an_edited_entry_is_named(grown: tuple[LogServer, Path]) -> None:
    server, saved = grown
    sql(
        server,
        f"UPDATE trace_log_entries SET entry = {_bytes(server, b'forged')} WHERE idx = 41234",
    )
    result = audit(server, saved)
    assert result.returncode == 1
    assert "leaf 41234: entry does not match its hash" in result.stderr


def test_an_edited_old_entry_is_named(grown: tuple[LogServer, Path]) -> None:
    server, saved = grown
    sql(
        server,
        f"UPDATE trace_log_entries SET entry = {_bytes(server, b'event-x')} WHERE idx = 1234",
    )
    result = audit(server, saved)
    assert result.returncode == 1
    assert "leaf 1234: entry does not match its hash" in result.stderr


def test_a_deleted_entry_is_named(grown: tuple[LogServer, Path]) -> None:
    server, saved = grown
    sql(server, "DELETE FROM trace_log_entries WHERE idx = 50000")
    result = audit(server, saved)
    assert result.returncode == 1
    assert "tile/entries/195" in result.stderr and "entry 50000" in result.stderr


def test_a_deleted_node_is_named(grown: tuple[LogServer, Path]) -> None:
    server, saved = grown
    sql(server, "DELETE FROM trace_log_nodes WHERE level = 0 AND idx = 60000")
    result = audit(server, saved)
    assert result.returncode == 1
    assert "tile/0/234" in result.stderr and "node (0, 60000)" in result.stderr


def test_an_edited_leaf_hash_is_caught(grown: tuple[LogServer, Path]) -> None:
    server, saved = grown
    sql(
        server,
        f"UPDATE trace_log_nodes SET hash = {_bytes(server, bytes(32))} WHERE level = 0 AND idx = 9",
    )
    result = audit(server, saved)
    assert result.returncode == 1
    assert "leaf 9: entry does not match its hash" in result.stderr  # the tile's leaf hash


def test_an_edited_upper_node_is_caught(grown: tuple[LogServer, Path]) -> None:
    server, saved = grown
    sql(
        server,
        f"UPDATE trace_log_nodes SET hash = {_bytes(server, bytes(32))} WHERE level = 8 AND idx = 200",
    )
    result = audit(server, saved)
    assert result.returncode == 1
    assert "checkpoint of size 70000 is not consistent" in result.stderr


def test_an_edited_node_below_the_tile_levels_shows_in_the_servers_proof(
    grown: tuple[LogServer, Path],
) -> None:
    """Node (3, 374) is in no tile, but in the consistency proof from 3,000 to 70,000."""
    server, saved = grown
    sql(
        server,
        f"UPDATE trace_log_nodes SET hash = {_bytes(server, bytes(32))} WHERE level = 3 AND idx = 374",
    )
    result = audit(server, saved)
    assert result.returncode == 1
    assert "the server's proof from size 3000 to 70000 fails" in result.stderr


def _bytes(server: LogServer, value: bytes) -> str:
    """A bytes literal in the server's SQL dialect."""
    if server.db.dialect == "sqlite":
        return f"X'{value.hex()}'"
    return f"decode('{value.hex()}', 'hex')"


def test_bad_input_exits_2(log_server: LogServer, tmp_path: Path) -> None:
    missing = ledger(log_server, "audit", "--checkpoint", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    garbage = tmp_path / "garbage"
    garbage.write_text("hello\n")
    result = ledger(log_server, "audit", "--checkpoint", str(garbage))
    assert result.returncode == 2 and "not a checkpoint" in result.stderr


def test_a_checkpoint_signed_by_another_key_is_a_problem(
    log_server: LogServer, tmp_path: Path
) -> None:
    from enlace.modules.trace import Checkpoint, generate_signer, sign_checkpoint

    forged = tmp_path / "forged"
    signer = generate_signer("enlace.localhost/log")
    forged.write_text(sign_checkpoint(Checkpoint(signer.name, 1, b"\0" * 32), [signer]))
    result = ledger(log_server, "audit", "--checkpoint", str(forged))
    assert result.returncode == 1 and "saved checkpoint" in result.stderr
