"""`enlace backup` (issue 17): facts and verify on both stores; SQLite snapshots taken while a
writer writes are consistent, and restore to the latest or an earlier time gives back exactly the
recorded counts and log root. PostgreSQL base backup + WAL replay: scripts/restore_drill.py, run
by tests/faults/test_restore_drill.py."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.kernel.clock import fhir_instant
from enlace.modules.trace import append_entries
from enlace.store.bulk import PutItem

runner = CliRunner()


@pytest.fixture
def env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    return tmp_path


def _write(services: Services, tag: str, batches: int, size: int = 20) -> None:
    for b in range(batches):
        items = [PutItem({"resourceType": "Patient", "id": f"{tag}-{b}-{n}"}) for n in range(size)]
        with services.db.begin() as conn:
            services.repo.put_many(conn, items)
            append_entries(conn, [f"{tag}:{b}".encode()])


def _facts(path: Path) -> dict[str, Any]:
    facts: dict[str, Any] = json.loads(path.read_text())
    return facts


def test_facts_then_verify_names_every_difference(services: Services, env: Path) -> None:
    _write(services, "a", 2)
    recorded = env / "facts.json"
    assert runner.invoke(app, ["backup", "facts", "--out", str(recorded)]).exit_code == 0
    facts = _facts(recorded)
    assert facts["counts"]["Patient"] == 40 and facts["log"]["size"] == 2
    assert facts["log"]["root"] == facts["log"]["recomputed_root"]
    ok = runner.invoke(app, ["backup", "verify", str(recorded)])
    assert ok.exit_code == 0 and "verified: 40 resources" in ok.output
    _write(services, "b", 1)
    changed = runner.invoke(app, ["backup", "verify", str(recorded)])
    assert changed.exit_code == 1
    assert "Patient: recorded 40, now 60" in changed.output
    assert "log size: recorded 2, now 3" in changed.output


def test_verify_refuses_unreadable_facts(env: Path) -> None:
    (env / "bad.json").write_text("{not json")
    answer = runner.invoke(app, ["backup", "verify", str(env / "bad.json")])
    assert answer.exit_code == 2 and "cannot read facts" in answer.output


def test_sqlite_snapshot_while_writing_and_restore_latest_and_earlier(
    services: Services, env: Path
) -> None:
    if services.db.dialect != "sqlite":
        pytest.skip("PostgreSQL backups are pg_basebackup + WAL: scripts/restore_drill.py")
    _write(services, "a", 3)
    assert runner.invoke(app, ["backup", "create"]).exit_code == 0
    between = datetime.now(UTC)
    time.sleep(0.01)
    writer = threading.Thread(target=_write, args=(services, "c", 40))
    writer.start()
    second = runner.invoke(app, ["backup", "create"])  # online, while the writer writes
    writer.join()
    assert second.exit_code == 0, second.output
    first_facts, last_facts = sorted((env / "var" / "backups").glob("enlace-*.json"))
    snap = _facts(last_facts)
    # a consistent cut: whole batches only, the log agreeing with the resources it records
    assert snap["integrity"] == "ok"
    assert snap["counts"]["Patient"] == 20 * snap["log"]["size"]
    assert snap["log"]["root"] == snap["log"]["recomputed_root"]

    database = Path(services.settings.resolved_database_url.split("///", 1)[1])
    services.db.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    assert runner.invoke(app, ["backup", "verify", str(last_facts)]).exit_code == 1
    assert runner.invoke(app, ["backup", "restore"]).exit_code == 0
    assert runner.invoke(app, ["backup", "verify", str(last_facts)]).exit_code == 0
    earlier = runner.invoke(app, ["backup", "restore", "--at", fhir_instant(between)])
    assert earlier.exit_code == 0, earlier.output
    verified = runner.invoke(app, ["backup", "verify", str(first_facts)])
    assert verified.exit_code == 0 and "60 resources" in verified.output


def test_restore_refuses_what_it_cannot_do(services: Services, env: Path) -> None:
    if services.db.dialect != "sqlite":
        pytest.skip("the SQLite snapshot folder")
    too_early = runner.invoke(app, ["backup", "restore", "--at", "2001-01-01"])
    assert too_early.exit_code == 1 and "no snapshot taken at or before 2001" in too_early.output
    garbled = runner.invoke(app, ["backup", "restore", "--at", "yesterday"])
    assert garbled.exit_code == 2 and "'yesterday' is not a valid FHIR date" in garbled.output
    half = runner.invoke(app, ["backup", "restore", "--base", str(env)])
    assert half.exit_code == 2 and "needs --base, --data-dir and --wal-archive" in half.output
