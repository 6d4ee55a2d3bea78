"""lowBoundary()/highBoundary() on partial and imprecise values, computed by hand."""

from __future__ import annotations

from typing import Any

import pytest

from enlace.modules.analytics.boundaries import boundary_of


@pytest.mark.parametrize(
    ("value", "kind", "low", "high"),
    [
        (1.0, None, 0.95, 1.05),
        (7.25, None, 7.245, 7.255),
        (3, None, 2.5, 3.5),
        ("2024", "date", "2024-01-01", "2024-12-31"),
        ("2024-02", "date", "2024-02-01", "2024-02-29"),  # a leap year
        ("2023-02", "date", "2023-02-01", "2023-02-28"),
        ("2024-02-10", "date", "2024-02-10", "2024-02-10"),
        ("2010-10-10", "dateTime", "2010-10-10T00:00:00.000+14:00", "2010-10-10T23:59:59.999-12:00"),
        ("2010", "dateTime", "2010-01-01T00:00:00.000+14:00", "2010-12-31T23:59:59.999-12:00"),
        ("2015-02-07T13:28:17.239+02:00", "instant",
         "2015-02-07T13:28:17.239+02:00", "2015-02-07T13:28:17.239+02:00"),
        ("2015-02-07T13:28Z", None, "2015-02-07T13:28:00.000Z", "2015-02-07T13:28:59.999Z"),
        ("12:34", "time", "12:34:00.000", "12:34:59.999"),
        ("12:34:56.5", "time", "12:34:56.500", "12:34:56.599"),
    ],
)  # fmt: skip
def test_boundaries(value: Any, kind: str | None, low: Any, high: Any) -> None:
    assert boundary_of(value, False, kind) == low
    assert boundary_of(value, True, kind) == high


@pytest.mark.parametrize(
    "value", [True, {"value": 1}, "not a date", "2024-13-99T", "2024-13", "2024-02-30", "25:00"]
)
def test_values_without_boundaries(value: Any) -> None:
    for kind in ("date", "dateTime", "time"):
        assert boundary_of(value, False, kind) is None
        assert boundary_of(value, True, kind) is None
