"""Alert response times for the population indicators (analytics' `alert_response_minutes`):
the public, read-only view of `monitoring_alerts` other modules may use instead of the table."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Connection, func, select

from enlace.modules.monitoring.tables import alerts

_US_PER_MINUTE = 60_000_000


def _us(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1_000_000


def response_by_patient(conn: Connection, start: date, end: date) -> list[tuple[str, int, float]]:
    """(patient, alerts acknowledged, total minutes from opening to acknowledgement) per patient,
    over the alerts opened in [start, end) (UTC days) that were acknowledged. Alerts still open,
    or resolved without an acknowledgement, are not counted. Per patient, not per clinic: the
    patient's clinic is FHIR data the caller has (monitoring keeps no clinic)."""
    waited = alerts.c.acknowledged_us - alerts.c.opened_us
    query = (
        select(alerts.c.patient, func.count(), func.sum(waited))
        .where(alerts.c.acknowledged_us.is_not(None))
        .where(alerts.c.opened_us >= _us(start), alerts.c.opened_us < _us(end))
        .group_by(alerts.c.patient)
        .order_by(alerts.c.patient)
    )
    return [
        (str(patient), int(count), int(total or 0) / _US_PER_MINUTE)
        for patient, count, total in conn.execute(query)
    ]
