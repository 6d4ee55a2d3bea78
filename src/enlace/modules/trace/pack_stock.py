"""What the per-pack state says about stock, and which objects have raised alerts.

`packs_at` answers "which serialized packs are on hand here" from the trace record alone (state
`at_location` at one of the places): what a pharmacy or a distribution center holds, whatever
system keeps its books. `alert_kinds_by_epc` groups every alert by the EPC it names, for scoring
detection and for dashboards. Both read whole tables: they are for a run's start or a report,
not for a request path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from enlace.modules.trace.epcis_ids import canonical_epc, is_pack_epc
from enlace.modules.trace.epcis_tables import alerts, objects
from enlace.modules.trace.pack_state import State


@dataclass(frozen=True, slots=True)
class StockedPack:
    epc: str  # canonical Digital Link (https://id.gs1.org/01/<gtin>/21/<serial>)
    gtin: str
    serial: str
    lot: str | None
    expiry: str | None  # ISO date from the commissioning event
    location: str
    parent: str | None  # the case it is still aggregated in, if any


def packs_at(conn: Connection, places: Iterable[str]) -> list[StockedPack]:
    """Commissioned packs whose current state is `at_location` at one of `places`, by EPC."""
    wanted = sorted({canonical_epc(p) for p in places})
    if not wanted:
        return []
    query = (
        select(
            objects.c.epc,
            objects.c.gtin,
            objects.c.serial,
            objects.c.lot,
            objects.c.expiry,
            objects.c.location,
            objects.c.parent,
        )
        .where(objects.c.location.in_(wanted))
        .where(objects.c.state == State.AT_LOCATION.value)
        .where(objects.c.commissioned.is_(True))
        .order_by(objects.c.epc)
    )
    return [
        StockedPack(epc, gtin, serial, lot, expiry, location, parent)
        for epc, gtin, serial, lot, expiry, location, parent in conn.execute(query)
        if is_pack_epc(epc)
    ]


def alert_kinds_by_epc(conn: Connection) -> dict[str | None, set[str]]:
    """Every alert kind raised, grouped by the EPC the alert names (None: no EPC)."""
    found: dict[str | None, set[str]] = {}
    for epc, kind in conn.execute(select(alerts.c.epc, alerts.c.kind).distinct()):
        found.setdefault(epc, set()).add(kind)
    return found
