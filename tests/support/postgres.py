"""A PostgreSQL server for tests: ENLACE_TEST_POSTGRES_URL, else a throwaway initdb cluster."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from enlace.store.local_cluster import ClusterError, throwaway_cluster


class PostgresUnavailable(Exception):
    pass


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields an admin URL (database `postgres`) of a server the tests may create databases on."""
    configured = os.environ.get("ENLACE_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return
    with _throwaway_cluster() as url:
        yield url


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    name = f"enlace_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _throwaway_cluster() -> Iterator[str]:
    try:
        cluster = throwaway_cluster("enlace-pg-", durable=False)
        server = cluster.__enter__()
    except ClusterError as exc:
        raise PostgresUnavailable(
            f"no ENLACE_TEST_POSTGRES_URL and no throwaway cluster: {exc}"
        ) from exc
    try:
        yield server.url()
    finally:
        cluster.__exit__(None, None, None)
