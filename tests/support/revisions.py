"""Move a database to one Alembic revision, up or down: the migration tests and
bench/migration_0038.py take a store back to an older shape and time or check the way up."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from enlace.store import migrate
from enlace.store.database import Database


def to_revision(db: Database, revision: str, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    with db.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)
