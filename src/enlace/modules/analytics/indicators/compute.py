"""Computing indicators: one `Cell` per unit of the chosen level (national, state, institution,
network, clinic, physician, patient), with numerator, denominator and value — or None and the
reason (not computable, no data in the window, suppressed)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from enlace.kernel import errors
from enlace.modules.analytics.indicators import frame
from enlace.modules.analytics.indicators.definitions import PERCENT, TOTAL, Indicator
from enlace.modules.analytics.indicators.frame import placeholders
from enlace.modules.analytics.indicators.periods import Period
from enlace.modules.analytics.indicators.suppression import THRESHOLD, suppress

LEVELS = ("national", "state", "institution", "network", "clinic", "physician", "patient")
KEY = {
    "national": "'MX'", "state": "u.state", "institution": "u.institution_id",
    "network": "u.network_id", "clinic": "u.clinic_id", "physician": "p.physician_id",
    "patient": "p.patient_id",
}  # fmt: skip
NAME = {
    "national": "'México'", "state": "u.state", "institution": "u.institution_name",
    "network": "u.network_name", "clinic": "u.clinic_name", "physician": "p.physician_id",
    "patient": "p.name",
}  # fmt: skip
EMPTY = "not computable: empty population"
PER_CLINIC_ONLY = "not computable: this source reports per clinic, not per physician or patient"
ClinicRows = Sequence[tuple[str, float, float]]  # (clinic id, numerator, denominator)


@dataclass(frozen=True, slots=True)
class Cell:
    indicator: str
    period: str
    level: str
    unit: str
    name: str
    numerator: float | None
    denominator: float | None
    value: float | None
    reason: str | None = None  # why value is None
    suppressed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {field: getattr(self, field) for field in self.__dataclass_fields__}


def check_level(level: str, within: tuple[str, str] | None, identities: bool) -> None:
    if level not in LEVELS:
        raise errors.bad_request(f"level must be one of {', '.join(LEVELS)}", "level")
    if level == "patient" and not identities:
        raise errors.error(403, "forbidden", "the patient list needs a role allowed to see "
                           "identities", "level")  # fmt: skip
    if within is not None and (
        within[0] not in LEVELS or LEVELS.index(within[0]) >= LEVELS.index(level)
    ):
        raise errors.bad_request(f"unit must be a level above {level}", "unit")


def value_of(indicator: Indicator, numerator: float, denominator: float) -> float | None:
    if indicator.unit == TOTAL:
        return float(numerator) if denominator else None
    if not denominator:
        return None
    ratio = numerator / denominator
    return round(100 * ratio, 2) if indicator.unit == PERCENT else round(ratio, 3)


def compute_on(
    con: duckdb.DuckDBPyConnection,
    indicators: Iterable[Indicator],
    period: Period,
    level: str,
    within: tuple[str, str] | None = None,
    identities: bool = False,
    external: dict[str, ClinicRows] | None = None,
) -> list[Cell]:
    """Cells of every indicator at `level` (inside `within`, a (level, unit id) above it), over
    the materialized views on `con`; `external`: per-clinic rows of module-sourced indicators.
    Without identity rights, counts under 11 are suppressed (suppression.py)."""
    check_level(level, within, identities)
    frame.ensure_tables(con)
    frame.build(con, period)
    has_data = frame.window_has_data(con, period)
    units = _units(con, level, within)
    cells: list[Cell] = []
    for indicator in indicators:
        found = _one(con, indicator, period, level, within, has_data, (external or {}))
        if level != "patient":
            found = _complete(indicator, period, level, units, found)
        cells.extend(found if identities else suppress(found, THRESHOLD))
    return cells


def _one(
    con: duckdb.DuckDBPyConnection,
    indicator: Indicator,
    period: Period,
    level: str,
    within: tuple[str, str] | None,
    has_data: bool,
    external: dict[str, ClinicRows],
) -> list[Cell]:
    reason = _why_not(indicator, level, has_data, external)
    if reason is not None:
        return [Cell(indicator.id, period.label, level, u, n, None, None, None, reason)
                for u, n in _units(con, level, within)]  # fmt: skip
    if indicator.sql is not None:
        facts = indicator.sql.format(**placeholders(period))
        joins = "JOIN pop p USING (patient_id) JOIN units u USING (clinic_id)"
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE ext (clinic_id VARCHAR, num DOUBLE, den DOUBLE)")
        rows = list(external[indicator.id])
        if rows:
            con.executemany("INSERT INTO ext VALUES (?, ?, ?)", rows)
        facts, joins = "SELECT * FROM ext", "JOIN units u USING (clinic_id)"
    where, params = _where(within)
    query = (
        f"SELECT {KEY[level]} AS unit, any_value({NAME[level]}) AS name, sum(f.num), sum(f.den) "
        f"FROM ({facts}) f {joins} {where} GROUP BY 1 ORDER BY 1"
    )
    out = []
    for unit, name, total, base in con.execute(query, params).fetchall():
        num, den = float(total or 0), float(base or 0)  # DuckDB may sum to Decimal
        value = value_of(indicator, num, den)
        out.append(Cell(indicator.id, period.label, level, str(unit), str(name), num, den, value,
                        None if value is not None else EMPTY))  # fmt: skip
    return out


def _why_not(
    indicator: Indicator, level: str, has_data: bool, external: dict[str, ClinicRows]
) -> str | None:
    if indicator.no_source is not None:
        return f"not computable: {indicator.no_source}"
    if indicator.sql is None:
        if indicator.id not in external:
            return f"not computable: {indicator.source} was not read"
        return PER_CLINIC_ONLY if level in ("physician", "patient") else None
    return None if has_data else "not computable: no data recorded in the period"


def _where(within: tuple[str, str] | None) -> tuple[str, dict[str, str]]:
    if within is None:
        return "", {}
    return f"WHERE {KEY[within[0]]} = $within", {"within": within[1]}


def _units(
    con: duckdb.DuckDBPyConnection, level: str, within: tuple[str, str] | None
) -> list[tuple[str, str]]:
    if level == "patient":
        return []
    where, params = _where(within)
    query = (
        f"SELECT {KEY[level]}, any_value({NAME[level]}) FROM pop p JOIN units u "
        f"USING (clinic_id) {where} GROUP BY 1 ORDER BY 1"
    )
    found = [(str(k), str(n)) for k, n in con.execute(query, params).fetchall()]
    return found or ([("MX", "México")] if level == "national" else [])


def _complete(
    indicator: Indicator, period: Period, level: str, units: list[tuple[str, str]],
    found: list[Cell],
) -> list[Cell]:  # fmt: skip
    """Every unit of the breakdown, those without a denominator as not computable."""
    by_unit = {c.unit: c for c in found}
    empty = [Cell(indicator.id, period.label, level, unit, name, 0, 0, None, EMPTY)
             for unit, name in units if unit not in by_unit]  # fmt: skip
    return sorted([*found, *empty], key=lambda c: c.unit)
