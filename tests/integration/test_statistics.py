"""Planner statistics: a SQLite store filled through the API gets them once when served."""

from __future__ import annotations

from enlace.interactions.context import Services
from enlace.store import bulk


def test_sqlite_store_without_statistics_is_analyzed(services: Services) -> None:
    with services.db.begin() as conn:
        assert not bulk.sqlite_needs_statistics(conn)  # empty store: nothing to plan for yet
        services.repo.create(conn, {"resourceType": "Patient", "gender": "female"})
        needed = bulk.sqlite_needs_statistics(conn)
        assert needed == (conn.dialect.name == "sqlite")
        bulk.analyze(conn)
        assert not bulk.sqlite_needs_statistics(conn)
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1").scalar()
            assert rows and rows > 0
