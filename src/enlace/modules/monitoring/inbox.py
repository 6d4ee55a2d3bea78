"""What the alert pages read: a clinician's inbox (open and acknowledged alerts, worst first, then
oldest) and the network's alert load per organization and day with response times.

Who sees which alerts: an administrator every one; a physician or nurse those of their
organization (the alert's `organization`, the clinic of the patient's family doctor) and those
assigned to them (owner or on-call); a clinician with neither an organization nor a FHIR identity
sees every alert (a single-clinic deployment), and an alert whose patient has no known physician
or clinic is every clinician's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from enlace.modules.monitoring.tables import alerts as table
from enlace.modules.monitoring.thresholds import RANK

LIMIT = 500


@dataclass(frozen=True, slots=True)
class InboxAlert:
    id: str
    patient: str
    rule: str
    severity: str
    status: str
    opened_us: int
    last_evidence_us: int
    escalation_level: int
    summary: str
    readings: list[dict[str, Any]]
    figures: dict[str, Any]
    organization: str | None
    owner: str | None


def visible(alert: InboxAlert, role: str, organization: str | None, who: str | None) -> bool:
    if role == "administrator" or (organization is None and who is None):
        return True
    if alert.organization is None and alert.owner is None:  # nobody known: every clinician's
        return True
    org = f"Organization/{organization}" if organization else None
    return (org is not None and alert.organization == org) or (
        who is not None and alert.owner == who
    )


def _alert(row: Any) -> InboxAlert:
    evidence = orjson.loads(row.evidence)
    owner = evidence.get("on_call") if row.escalation_level >= 1 else None
    return InboxAlert(
        row.id,
        row.patient,
        row.rule,
        row.severity,
        row.status,
        row.opened_us,
        row.last_evidence_us,
        row.escalation_level,
        row.summary,
        evidence.get("readings", []),
        evidence.get("figures", {}),
        evidence.get("organization"),
        owner or evidence.get("owner"),
    )


def inbox(
    conn: Connection, role: str, organization: str | None, who: str | None
) -> list[InboxAlert]:
    """The unresolved alerts the user may see, most severe first, then the oldest."""
    rows = conn.execute(select(table).where(table.c.status != "resolved").limit(50_000))
    found = [a for a in map(_alert, rows) if visible(a, role, organization, who)]
    found.sort(key=lambda a: (-RANK[a.severity], a.opened_us, a.id))
    return found[:LIMIT]


def find(conn: Connection, alert_id: str) -> InboxAlert | None:
    row = conn.execute(select(table).where(table.c.id == alert_id)).first()
    return _alert(row) if row is not None else None


# -- the network view -------------------------------------------------------------------------
@dataclass
class LoadRow:
    organization: str
    day: date
    opened: int = 0
    open: int = 0  # still unacknowledged
    acknowledged: int = 0  # acknowledged (resolved ones included when someone acknowledged)
    escalated: int = 0
    referred: int = 0
    ack_seconds: list[float] = field(default_factory=list)

    @property
    def median_ack_s(self) -> float | None:
        return percentile(self.ack_seconds, 50)

    @property
    def p90_ack_s(self) -> float | None:
        return percentile(self.ack_seconds, 90)


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def network_load(conn: Connection, start_us: int, end_us: int) -> list[LoadRow]:
    """Alerts opened in [start, end) per organization and UTC day, newest day first."""
    c = table.c
    rows = conn.execute(
        select(
            c.opened_us,
            c.status,
            c.acknowledged_us,
            c.escalation_level,
            c.service_request_id,
            c.evidence,
        ).where(c.opened_us >= start_us, c.opened_us < end_us)
    )
    load: dict[tuple[str, date], LoadRow] = {}
    for row in rows:
        org = orjson.loads(row.evidence).get("organization") or "-"
        day = datetime.fromtimestamp(row.opened_us / 1e6, UTC).date()
        entry = load.setdefault((org, day), LoadRow(org, day))
        entry.opened += 1
        entry.open += row.status == "open"
        if row.acknowledged_us is not None:
            entry.acknowledged += 1
            entry.ack_seconds.append((row.acknowledged_us - row.opened_us) / 1e6)
        entry.escalated += row.escalation_level > 0
        entry.referred += row.service_request_id is not None
    return sorted(load.values(), key=lambda r: (-r.day.toordinal(), r.organization))
