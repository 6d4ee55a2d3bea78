"""The period a board opens on without `?period=`: the last whole month, or the month of the
latest clinical record when the data end earlier (a demo simulated in January 2026, a feed that
broke off); the latest record read from the views (encounters, measurements, prescriptions)."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from enlace.entrypoints.web import analytics_views as views
from enlace.modules.analytics.indicators import frame
from enlace.security.accounts import User


@pytest.mark.parametrize(
    ("today", "latest", "expected"),
    [
        (date(2026, 11, 26), None, "2026-10"),  # no data at all: last whole month (empty page)
        (date(2026, 11, 26), date(2026, 1, 30), "2026-01"),  # the demo: its simulated month
        (date(2026, 11, 26), date(2026, 11, 20), "2026-10"),  # live network: last whole month
        (date(2026, 11, 26), date(2026, 10, 31), "2026-10"),
        (date(2026, 1, 5), date(2025, 6, 2), "2025-06"),  # across a year
        (date(2026, 1, 5), date(2027, 3, 1), "2025-12"),  # records dated ahead never lead
    ],
)
def test_the_default_period_follows_the_data(
    today: date, latest: date | None, expected: str
) -> None:
    assert views.default_period(today, latest) == expected


def test_a_query_without_period_uses_the_latest_record() -> None:
    board = views.BOARDS["public-health"]
    regulator = User("u1", "u", "U", "regulator", None, None, (), False)
    asked = views.ask(board, regulator, {}, date(2026, 11, 26), date(2026, 1, 30))
    assert asked.period.label == "2026-01"
    chosen = views.ask(
        board, regulator, {"period": "2026-03"}, date(2026, 11, 26), date(2026, 1, 30)
    )
    assert chosen.period.label == "2026-03"


def _views(rows: dict[str, list[tuple[str, ...]]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    frame.ensure_tables(con)
    for table, values in rows.items():
        for row in values:
            marks = ", ".join("?" for _ in frame.NEEDED[table])
            con.execute(f"INSERT INTO {table} VALUES ({marks})", list(row))
    return con


def test_the_latest_record_is_the_newest_of_encounters_measurements_and_prescriptions() -> None:
    assert frame.latest_activity(_views({})) is None
    encounter = ("e1", "p1", "finished", "2026-01-12T08:00:00-06:00")
    measured = ("o1", "p1", "final", "2026-01-30T09:10:00-06:00", "4548-4", 7.1, "%")
    con = _views({"indicator_encounters": [encounter], "observation_values": [measured]})
    assert frame.latest_activity(con) == date(2026, 1, 30)
