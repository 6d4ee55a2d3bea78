"""Engines for the embedded (SQLite, WAL) and production (PostgreSQL, psycopg 3) stores."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event


@dataclass
class Database:
    """A write engine and a read engine.

    SQLite write transactions start with BEGIN IMMEDIATE so that two writers queue on the
    busy timeout instead of deadlocking on a lock upgrade; reads use deferred transactions and,
    thanks to WAL, never wait for writers.
    """

    url: str
    write_engine: Engine
    read_engine: Engine

    @property
    def dialect(self) -> str:
        return self.write_engine.dialect.name

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.write_engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.read_engine.connect() as conn:
            yield conn
            conn.rollback()

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()


def open_database(url: str, pool_size: int = 8) -> Database:
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url:
            # Readers and the writer use separate connections, which would see separate
            # in-memory databases; a file (even under /tmp) keeps them on one store.
            raise ValueError("An in-memory SQLite database is not supported; use a file path")
        return _open_sqlite(url)
    url = _normalize_postgres_url(url)
    write = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
    # Reads run in autocommit: under READ COMMITTED each statement has its own snapshot anyway,
    # so BEGIN/ROLLBACK would only add two round trips to every read.
    # psycopg prepares a statement after 5 executions, and PostgreSQL may then switch it to a
    # generic plan: for searches that is a plan made without the values, which joined every
    # Observation of a code instead of one patient's (10 ms became 1.7 s in bench/search.py).
    # Reads always plan for their values; a primary-key read barely notices the planning.
    read = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        isolation_level="AUTOCOMMIT",
        connect_args={"options": "-c plan_cache_mode=force_custom_plan"},
    )
    return Database(url, write, read)


def _normalize_postgres_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# SQLite has no decimal type: index numbers are stored as REAL (PostgreSQL keeps NUMERIC).
sqlite3.register_adapter(Decimal, float)


def _open_sqlite(url: str) -> Database:
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    write = create_engine(url, pool_size=1, max_overflow=0, connect_args={"timeout": 30})
    read = create_engine(url, pool_size=8, max_overflow=8, connect_args={"timeout": 30})
    _configure_sqlite(write, begin="BEGIN IMMEDIATE")
    _configure_sqlite(read, begin="BEGIN")
    return Database(url, write, read)


def _configure_sqlite(engine: Engine, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event issue BEGIN itself
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)
