"""`enlace backup create | restore | facts | verify` (docs/operations.md, "Backup and restore").

`facts` records what a restore must give back: current resources per type, stored versions,
the transparency log's size and root (from its stored nodes and again from its entries) and, on
SQLite, PRAGMA integrity_check. `verify FILE` compares the store with recorded facts and exits 1
on any difference. SQLite snapshots carry their facts beside them (`<snapshot>.json`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from enlace.kernel.clock import from_epoch_us
from enlace.kernel.errors import FhirError
from enlace.kernel.settings import Settings
from enlace.modules.trace.log_state import log_state
from enlace.search.query import parse_instant_us
from enlace.store import backup
from enlace.store.database import open_database

backup_app = typer.Typer(help="Backups: create, restore, facts, verify.", no_args_is_help=True)

DIR_HELP = "Backup folder (default: <ENLACE_VAR_DIR>/backups)."


@backup_app.command("create")
def create_command(directory: Path | None = typer.Option(None, "--dir", help=DIR_HELP)) -> None:
    """SQLite: an online snapshot (safe while serving) and its facts. PostgreSQL: a base backup
    with pg_basebackup (WAL archiving must be on for point-in-time restore)."""
    settings = Settings.from_env()
    folder = directory or settings.var_dir / "backups"
    url = settings.resolved_database_url
    with _failures():
        if not url.startswith("sqlite"):
            typer.echo(f"base backup {backup.base_backup(url, folder, datetime.now(UTC))}")
            return
        snapshot = backup.snapshot_sqlite(backup.sqlite_path(url), folder, datetime.now(UTC))
        facts = _facts(backup.read_only_engine(snapshot), snapshot)
    snapshot.with_suffix(".json").write_text(json.dumps(facts, indent=1))
    typer.echo(f"snapshot {snapshot}: {_summary(facts)}")


@backup_app.command("restore")
def restore_command(
    directory: Path | None = typer.Option(None, "--dir", help=DIR_HELP),
    at: str | None = typer.Option(None, help="Restore to this instant (default: the latest)."),
    base: Path | None = typer.Option(None, help="PostgreSQL: the base backup to start from."),
    data_dir: Path | None = typer.Option(None, help="PostgreSQL: an empty data directory."),
    wal_archive: Path | None = typer.Option(None, help="PostgreSQL: the WAL archive folder."),
    owner: str | None = typer.Option(None, help="PostgreSQL: the account owning the data."),
) -> None:
    """Stop the servers first. SQLite: put the newest snapshot taken at or before --at in place.
    PostgreSQL: lay --base into --data-dir to replay --wal-archive up to --at; then start it."""
    settings = Settings.from_env()
    moment = _instant(at)
    with _failures():
        if base or data_dir or wal_archive:
            if not (base and data_dir and wal_archive):
                _fail(2, "PostgreSQL restore needs --base, --data-dir and --wal-archive")
            assert base and data_dir and wal_archive
            backup.prepare_pg_restore(base, data_dir, wal_archive, moment, owner)
            typer.echo(f"{data_dir} ready: start PostgreSQL on it to replay and promote")
            return
        url = settings.resolved_database_url
        folder = directory or settings.var_dir / "backups"
        taken, snapshot = backup.choose_snapshot(folder, moment)
        backup.restore_sqlite(snapshot, backup.sqlite_path(url))
    typer.echo(f"restored {snapshot} (taken {taken.isoformat()})")


@backup_app.command("facts")
def facts_command(
    out: Path | None = typer.Option(None, help="Write the facts to this JSON file too."),
) -> None:
    """Print what the store holds now (counts, versions, log size and root, integrity)."""
    facts = _current_facts()
    text = json.dumps(facts, indent=1)
    if out:
        out.write_text(text)
    typer.echo(text)


@backup_app.command("verify")
def verify_command(recorded: Path = typer.Argument(..., help="Facts recorded earlier.")) -> None:
    """Compare the store with recorded facts; exit 1 naming every difference."""
    try:
        expected = json.loads(recorded.read_text())
    except (OSError, ValueError) as exc:
        _fail(2, f"cannot read facts from {recorded}: {exc}")
    actual = _current_facts()
    problems = _differences(expected, actual)
    for problem in problems:
        typer.echo(f"differs: {problem}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"verified: {_summary(actual)}")


def _current_facts() -> dict[str, Any]:
    url = Settings.from_env().resolved_database_url
    path = backup.sqlite_path(url) if url.startswith("sqlite") else None
    if path is not None and not path.exists():
        _fail(1, f"no database at {path}")
    db = open_database(url)
    try:
        return _facts(db.read_engine, path)
    except DBAPIError as exc:  # unreachable, or not an Enlace database
        _fail(1, f"cannot read the store: {str(exc.orig).strip()}")
        raise
    finally:
        db.dispose()


def _facts(engine: Engine, sqlite_file: Path | None) -> dict[str, Any]:
    with engine.connect() as conn:
        counts = backup.resource_counts(conn)
        state = log_state(conn)
    facts: dict[str, Any] = {
        "counts": counts,
        "log": {
            "size": state.size,
            "root": state.root.hex(),
            "recomputed_root": state.recomputed_root.hex(),
        },
    }
    if sqlite_file is not None:
        facts["integrity"] = backup.sqlite_integrity(sqlite_file)
    return facts


def _differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    problems = []
    want, have = expected.get("counts", {}), actual["counts"]
    for kind in sorted(set(want) | set(have)):
        if want.get(kind, 0) != have.get(kind, 0):
            problems.append(f"{kind}: recorded {want.get(kind, 0)}, now {have.get(kind, 0)}")
    for key in ("size", "root"):
        if expected.get("log", {}).get(key) != actual["log"][key]:
            problems.append(
                f"log {key}: recorded {expected.get('log', {}).get(key)}, now {actual['log'][key]}"
            )
    if actual["log"]["root"] != actual["log"]["recomputed_root"]:
        problems.append("log root from the stored nodes differs from the root of the entries")
    if actual.get("integrity", "ok") != "ok":
        problems.append(f"integrity_check: {actual['integrity']}")
    return problems


def _summary(facts: dict[str, Any]) -> str:
    counts = facts["counts"]
    current = sum(n for kind, n in counts.items() if not kind.startswith("("))
    return (
        f"{current} resources of {len(counts) - 1} types, {counts['(versions)']} versions, "
        f"log size {facts['log']['size']} root {facts['log']['root'][:16]}…"
    )


def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return from_epoch_us(parse_instant_us(text, "--at"))
    except FhirError as exc:
        _fail(2, exc.message)
    raise AssertionError  # unreachable: _fail raised


def _fail(code: int, message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def _failures() -> Iterator[None]:
    """BackupError as a clear message and exit status 1, never a traceback."""
    try:
        yield
    except backup.BackupError as exc:
        _fail(1, str(exc))
