"""Traceability alerts: what they are, the checks that are not state transitions, their storage.

Kinds (stable codes, for dashboards and the simulation's scoring):
- `unknown-epc`: a pack event for a serial never commissioned (counterfeit, or a gap in data);
- `unknown-gtin`: a commissioned GTIN that is not in the formulary;
- `batch-mismatch` / `expiry-mismatch`: the lot (10) or expiry (17) a Digital Link claims is not
  the one the commissioning event recorded (ilmd `cbvmda:lotNumber` / `itemExpirationDate`);
- `second-dispense`, `dispense-recalled`, `dispense-expired`: a pack dispensed when it may not be;
- `impossible-travel`: the same pack in two places farther apart than `MAX_SPEED_KMH` allows;
- `outside-chain`: an event at a place that is not an authorized location of the registry;
- any other illegal transition, as `<step>-after-<state>`, `recommissioned`, `stolen-seen`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from enlace.modules.trace.epcis_locations import Place, distance_km
from enlace.modules.trace.epcis_tables import alerts

# Faster than a scheduled flight door to door: a pack cannot honestly cover ground faster.
MAX_SPEED_KMH = 900.0
# Closer than this is the same site (sub-locations, GPS noise): never "travel".
MIN_TRAVEL_KM = 25.0
MAX_ALERT_PAGE = 1000


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str
    epc: str | None
    event_id: str | None
    location: str | None
    message: str


def travel_alert(
    epc: str, event_id: str, before: Place, after: Place, elapsed_us: int
) -> Alert | None:
    """An alert when going from `before` to `after` in `elapsed_us` is faster than possible."""
    if not (before.has_coordinates and after.has_coordinates):
        return None
    km = distance_km(before, after)
    if km < MIN_TRAVEL_KM:
        return None
    hours = abs(elapsed_us) / 3_600_000_000
    if hours > 0 and km / hours <= MAX_SPEED_KMH:
        return None
    return Alert(
        "impossible-travel",
        epc,
        event_id,
        after.location_id,
        f"{epc} at {before.name} and {after.name} ({km:.0f} km apart) {hours * 60:.0f} min apart",
    )


def insert_alerts(conn: Connection, found: list[Alert], now_us: int) -> None:
    if not found:
        return
    conn.execute(
        alerts.insert(),
        [
            {
                "kind": a.kind,
                "epc": a.epc,
                "event_id": a.event_id,
                "location": a.location,
                "message": a.message,
                "created_us": now_us,
            }
            for a in found
        ],
    )


def list_alerts(
    conn: Connection, *, epc: str | None = None, kind: str | None = None, limit: int = 100
) -> list[Alert]:
    """Newest first, at most `limit` (≤ MAX_ALERT_PAGE)."""
    query = select(alerts).order_by(alerts.c.id.desc()).limit(min(limit, MAX_ALERT_PAGE))
    if epc is not None:
        query = query.where(alerts.c.epc == epc)
    if kind is not None:
        query = query.where(alerts.c.kind == kind)
    return [
        Alert(row.kind, row.epc, row.event_id, row.location, row.message)
        for row in conn.execute(query)
    ]
