"""`enlace keys`: data encryption keys (ENLACE_DATA_KEYS): generate, rotate, status.

Rotation, in short (docs/operations.md, "Rotating the data keys"): put a new key first in
ENLACE_DATA_KEYS on every process and restart them; run `enlace keys rotate`; once `enlace keys
status` shows no row under the old key, remove it from the setting.
"""

from __future__ import annotations

import typer

from enlace.kernel.datakeys import generate_key
from enlace.kernel.errors import FhirError
from enlace.kernel.settings import Settings
from enlace.security.key_rotation import reseal_totp_secrets, totp_key_usage
from enlace.store import content_rotation
from enlace.store.content_cipher import ContentCipher, bind
from enlace.store.content_rotation import PLAIN, TableProgress
from enlace.store.database import Database, open_database

keys_app = typer.Typer(help="Data encryption keys: generate, rotate, status.", no_args_is_help=True)


@keys_app.command("generate")
def generate_command() -> None:
    """Print a new random key (32 bytes, base64) to put first in ENLACE_DATA_KEYS."""
    typer.echo(generate_key())


@keys_app.command("rotate")
def rotate_command(
    batch: int = typer.Option(500, min=1, help="Rows re-sealed per transaction."),
) -> None:
    """Re-seal every stored resource and TOTP secret under the newest key (safe while serving;
    run it again after an interruption)."""
    settings = Settings.from_env()
    cipher = _cipher(settings)
    if not cipher.enabled:
        typer.echo("error: ENLACE_DATA_KEYS is empty: put the new key first and retry", err=True)
        raise typer.Exit(2)
    db = _database(settings, cipher)
    try:
        tables = content_rotation.rotate(db, cipher, batch, _show)
        secrets = reseal_totp_secrets(db, settings)
        usage = _usage(db)
    except FhirError as exc:  # a row sealed with a key that is not configured
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    for state in tables:
        lost = f" ({state.raced} rewritten by writers meanwhile)" if state.raced else ""
        typer.echo(f"{state.table}: {state.resealed} re-sealed{lost}")
    typer.echo(
        f"TOTP secrets: {secrets.resealed} re-sealed"
        + (
            f", {secrets.unreadable} unreadable (re-enrol those users)"
            if secrets.unreadable
            else ""
        )
    )
    _summary(cipher, usage)


@keys_app.command("status")
def status_command() -> None:
    """Which key seals how many rows; exit status 1 when some rows need a key not configured."""
    settings = Settings.from_env()
    cipher = _cipher(settings)
    db = _database(settings, cipher)
    try:
        usage = _usage(db)
    finally:
        db.dispose()
    for position, key_id in enumerate(cipher.key_ids):
        typer.echo(f"key {key_id}" + (" (newest: writes use it)" if position == 0 else ""))
    for table, counts in usage.items():
        for key_id, count in sorted(counts.items()):
            typer.echo(f"{table}\t{key_id}\t{count}")
    if _summary(cipher, usage):
        raise typer.Exit(1)


def _usage(db: Database) -> dict[str, dict[str, int]]:
    with db.read() as conn:
        usage = content_rotation.key_usage(conn)
    usage["security_users.totp_secret"] = totp_key_usage(db)
    return usage


def _show(state: TableProgress) -> None:
    typer.echo(f"{state.table}: {state.resealed}/{state.pending}", err=True)


def _summary(cipher: ContentCipher, usage: dict[str, dict[str, int]]) -> bool:
    """Print what the operator can do next; True when rows need a key that is not configured."""
    used = {key_id for counts in usage.values() for key_id in counts}
    missing = sorted(used - set(cipher.key_ids) - {PLAIN, "secret-key"})
    if missing:
        typer.echo(f"rows sealed with keys not in ENLACE_DATA_KEYS: {', '.join(missing)}")
    if PLAIN in used and cipher.enabled:
        typer.echo("some rows are not sealed yet: run `enlace keys rotate`")
    removable = [k for k in cipher.key_ids[1:] if k not in used]
    if removable and not missing and PLAIN not in used:
        typer.echo(f"no row uses {', '.join(removable)}: it can be removed from ENLACE_DATA_KEYS")
    return bool(missing)


def _cipher(settings: Settings) -> ContentCipher:
    try:
        return ContentCipher.from_setting(settings.data_keys)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _database(settings: Settings, cipher: ContentCipher) -> Database:
    db = open_database(settings.resolved_database_url)
    bind(db, cipher)
    return db
