"""The network view of adherence (docs/adherence.md "Daily job and pages"): the PDC distribution of
every measured therapy (a 10-point histogram), the share adherent, abandonment by condition, and
the therapies the latest run scored by risk band. Counts from 1 to SMALL_GROUP - 1 are
*suppressed* (None) when the viewer may not see identities: a bar of 3 people in one clinic can
name them.

One grouped query per figure over this module's tables; no patient row leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, case, func, select

from enlace.modules.adherence.panel import latest_run
from enlace.modules.adherence.persistence import PersistenceCurve, kaplan_meier
from enlace.modules.adherence.tables import runs, scores, therapies

SMALL_GROUP = 11  # fewer people than this in a published cell could identify them
BINS = 10  # PDC 0-10 %, 10-20 %, ... 90-100 %
ADHERENT = 0.80


@dataclass(frozen=True, slots=True)
class Bin:
    low: float  # 0.0, 0.1, ... 0.9
    high: float
    count: int | None  # None: suppressed


@dataclass(frozen=True, slots=True)
class ConditionLine:
    condition: str
    therapies: int | None
    discontinued: int | None
    median_pdc: float | None
    adherent: int | None


@dataclass(frozen=True, slots=True)
class Overview:
    as_of: date | None
    measured: int | None  # therapies with a PDC (None: suppressed)
    therapies: int | None
    adherent_share: float | None  # None when nothing is measured (never 0 %) or suppressed
    bins: tuple[Bin, ...]
    conditions: tuple[ConditionLine, ...]
    bands: dict[str, int | None]
    curves: dict[str, PersistenceCurve]  # by condition, groups too small left out
    uplift: dict[str, Any] | None  # effect.measure_uplift of the latest run


def suppress(count: int, identities: bool) -> int | None:
    return count if identities or count == 0 or count >= SMALL_GROUP else None


def overview(conn: Connection, identities: bool) -> Overview:
    """The network figures; `identities`: the viewer may see small groups."""
    day = latest_run(conn)
    bins = pdc_histogram(conn, identities)
    total = conn.execute(select(func.count()).select_from(therapies)).scalar() or 0
    measured, adherent = _adherence_counts(conn)
    return Overview(
        as_of=day,
        measured=suppress(measured, identities),
        therapies=suppress(int(total), identities),
        adherent_share=adherent / measured if suppress(measured, identities) else None,
        bins=bins,
        conditions=tuple(by_condition(conn, identities)),
        bands=bands(conn, day, identities),
        curves=persistence(conn, identities),
        uplift=latest_uplift(conn, day),
    )


def pdc_histogram(conn: Connection, identities: bool) -> tuple[Bin, ...]:
    t = therapies.c
    # PDC 1.0 falls in the last bin, not an eleventh.
    index = case((t.pdc >= 1.0, BINS - 1), else_=func.floor(t.pdc * BINS))
    query = select(index, func.count()).where(t.pdc.is_not(None)).group_by(index)
    counts = {int(i): int(n) for i, n in conn.execute(query)}
    return tuple(
        Bin(i / BINS, (i + 1) / BINS, suppress(counts.get(i, 0), identities)) for i in range(BINS)
    )


def _adherence_counts(conn: Connection) -> tuple[int, int]:
    t = therapies.c
    adherent_flag = case((t.pdc >= ADHERENT, 1), else_=0)
    query = select(func.count(), func.coalesce(func.sum(adherent_flag), 0)).where(
        t.pdc.is_not(None)
    )
    measured, adherent = conn.execute(query).one()
    return int(measured), int(adherent)


def by_condition(conn: Connection, identities: bool) -> list[ConditionLine]:
    """Per condition group: therapies, discontinued, adherent (of those with a PDC), and the
    median PDC (computed here from the sorted values: SQLite has no median)."""
    t = therapies.c
    condition = func.coalesce(t.condition, "other")
    query = select(
        condition,
        func.count(),
        func.sum(case((t.discontinued_on.is_not(None), 1), else_=0)),
        func.sum(case((t.pdc >= ADHERENT, 1), else_=0)),
    ).group_by(condition)
    lines = []
    for name, count, stopped, adherent in conn.execute(query):
        shown = suppress(int(count), identities)
        lines.append(
            ConditionLine(
                condition=str(name),
                therapies=shown,
                discontinued=suppress(int(stopped or 0), identities) if shown else None,
                median_pdc=_median_pdc(conn, str(name)) if shown else None,
                adherent=suppress(int(adherent or 0), identities) if shown else None,
            )
        )
    return sorted(lines, key=lambda line: line.condition)


def _median_pdc(conn: Connection, condition: str) -> float | None:
    t = therapies.c
    where = t.condition.is_(None) if condition == "other" else t.condition == condition
    values = [
        float(v)
        for (v,) in conn.execute(select(t.pdc).where(where, t.pdc.is_not(None)).order_by(t.pdc))
    ]
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def bands(conn: Connection, day: date | None, identities: bool) -> dict[str, int | None]:
    """Therapies per risk band on the latest run's day."""
    if day is None:
        return {}
    s = scores.c
    query = select(s.band, func.count()).where(s.as_of == day.isoformat()).group_by(s.band)
    return {str(band): suppress(int(n), identities) for band, n in conn.execute(query)}


def persistence(conn: Connection, identities: bool) -> dict[str, PersistenceCurve]:
    """Kaplan-Meier persistence per condition group (days from first fill to discontinuation,
    censored at the run's day or death); a group under SMALL_GROUP therapies is left out unless
    the viewer may see identities."""
    t = therapies.c
    condition = func.coalesce(t.condition, "other")
    query = select(condition, t.persistence_days, t.discontinued_on.is_not(None))
    grouped: dict[str, list[tuple[int, bool]]] = {}
    for name, days, stopped in conn.execute(query):
        grouped.setdefault(str(name), []).append((int(days), bool(stopped)))
    return {
        name: kaplan_meier(pairs)
        for name, pairs in sorted(grouped.items())
        if identities or len(pairs) >= SMALL_GROUP
    }


def latest_uplift(conn: Connection, day: date | None) -> dict[str, Any] | None:
    if day is None:
        return None
    text = conn.execute(select(runs.c.summary).where(runs.c.as_of == day.isoformat())).scalar()
    found = orjson.loads(text).get("uplift") if text else None
    return found if isinstance(found, dict) else None
