"""Schema migrations (Alembic), run by `enlace db upgrade` and at server start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from enlace.store.database import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(db: Database) -> str | None:
    # The read engine: on SQLite the write engine is one connection, busy during long writes.
    with db.read_engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database) -> str | None:
    """Bring the schema to the newest revision; a no-op when it is already there."""
    config = _config()
    with db.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return head_revision()


def is_current(db: Database) -> bool:
    return current_revision(db) == head_revision()
