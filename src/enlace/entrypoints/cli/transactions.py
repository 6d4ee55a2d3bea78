"""Commands that do one unit of work in one write transaction on a migrated database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer
from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.kernel.settings import Settings
from enlace.store import migrate
from enlace.store.database import open_database

T = TypeVar("T")


def run_in_transaction(
    work: Callable[[Connection], T],
    settings: Settings | None = None,
    refusals: tuple[type[Exception], ...] = (),
    describe: Callable[[Exception], str] = str,
) -> T:
    """`work` in one write transaction. A FhirError (or one of `refusals`, worded by
    `describe`) becomes `error: ...` on stderr and exit code 1, and nothing is written."""
    try:
        with write_connection(settings or Settings.from_env()) as conn:
            return work(conn)
    except errors.FhirError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    except refusals as exc:
        typer.echo(f"error: {describe(exc)}", err=True)
        raise typer.Exit(1) from exc


@contextmanager
def write_connection(settings: Settings) -> Iterator[Connection]:
    database = open_database(settings.resolved_database_url)
    try:
        migrate.upgrade(database)
        with database.begin() as conn:
            yield conn
    finally:
        database.dispose()
