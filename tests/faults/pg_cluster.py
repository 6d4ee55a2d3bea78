"""A PostgreSQL cluster of the test's own (initdb in a temporary folder) that it may restart
under load — never the shared server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from enlace.store.local_cluster import ClusterError, LocalCluster, throwaway_cluster


@contextmanager
def own_cluster() -> Iterator[LocalCluster]:
    try:
        made = throwaway_cluster("enlace-fault-pg-", durable=False)
        cluster = made.__enter__()
    except ClusterError as exc:
        pytest.skip(f"PostgreSQL restart test skipped: {exc}")
    try:
        yield cluster
    finally:
        made.__exit__(None, None, None)
