"""Traceability alerts per facility and period, for the population indicators (analytics'
`trace_alerts`): the public, read-only count that other modules may use instead of the table.

An alert's location is the canonical EPCIS place where it was seen (`https://id.gs1.org/414/
<GLN>[/254/<ext>]`); a catalog facility's place is `facility_location_id(slug)`, so a
sub-location counts for its facility. Alerts without a location, or at a place that is not a
catalog facility (a distributor, an unauthorized place), belong to no facility.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy import Connection, func, select

from enlace.modules.catalog import facilities
from enlace.modules.trace.epcis_locations import facility_location_id
from enlace.modules.trace.epcis_tables import alerts


def _us(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1_000_000


def alerts_by_facility(conn: Connection, start: date, end: date) -> dict[str, int]:
    """Facility slug -> traceability alerts raised there in [start, end) (UTC days); facilities
    without one are absent."""
    slug_of = {facility_location_id(f.slug): f.slug for f in facilities()}
    query = (
        select(alerts.c.location, func.count())
        .where(alerts.c.location.is_not(None))
        .where(alerts.c.created_us >= _us(start), alerts.c.created_us < _us(end))
        .group_by(alerts.c.location)
    )
    counts: Counter[str] = Counter()
    for location, count in conn.execute(query):
        slug = slug_of.get(str(location).partition("/254/")[0])
        if slug is not None:
            counts[slug] += int(count)
    return dict(counts)
